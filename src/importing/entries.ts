/**
 * What a source yields, one entry at a time (sources are streamed, so memory does not grow with the
 * number of accounts). `at` names where the entry came from, for the report: "line 12", "mailbox row 3".
 */
export type ImportEntry =
  | { kind: 'domain'; at: string; name: string }
  | {
      kind: 'user';
      at: string;
      address: string;
      displayName: string | null;
      /** The password hash as the source holds it ('' when it has none). */
      hash: string;
      disabled: boolean;
      admin: boolean;
    }
  | { kind: 'alias'; at: string; address: string; targets: string[]; active: boolean }
  /** An entry the source holds but that cannot be read: reported and skipped, the rest goes on. */
  | { kind: 'invalid'; at: string; section: ImportSection; name: string | null; reason: string };

export type ImportSection = 'domains' | 'users' | 'aliases';

/** The presets `import sql` reads, each from its product's own schema (docs/OPERATIONS.md). */
export const SQL_PRESETS = ['mailcow', 'modoboa', 'mailinabox', 'postfixadmin'] as const;
export type SqlPreset = (typeof SQL_PRESETS)[number];

/**
 * Where an import reads from. Files are read by path (CLI, periodic sync); `text` is the file's
 * content sent over the API, where files on the server's disk are not reachable.
 */
export type ImportSource =
  | { kind: 'dovecot-passwd' | 'csv'; file: string; defaultScheme?: string | undefined }
  | { kind: 'dovecot-passwd' | 'csv'; text: string; defaultScheme?: string | undefined }
  | { kind: 'sql'; url: string; preset: SqlPreset; defaultScheme?: string | undefined };
