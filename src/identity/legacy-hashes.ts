/**
 * Password hashes brought over from another mail server, in Dovecot's notation: `{SCHEME}hash`
 * (https://doc.dovecot.org/configuration_manual/authentication/password_schemes/). They are kept as
 * they are until the account's first successful sign-in, which rehashes the password to argon2id.
 */

/** The schemes Mailwarden verifies natively, weakest last. */
export const IMPORTED_HASH_SCHEMES = [
  'ARGON2ID',
  'ARGON2I',
  'BLF-CRYPT',
  'SHA512-CRYPT',
  'SHA256-CRYPT',
  'SSHA512',
  'SSHA256',
  'SSHA',
  'MD5-CRYPT',
  'PLAIN',
] as const;
export type ImportedHashScheme = (typeof IMPORTED_HASH_SCHEMES)[number];

/** Schemes that count more against Secure Score's "passwords stored with a modern hash". */
export const WEAK_HASH_SCHEMES: ReadonlySet<ImportedHashScheme> = new Set(['PLAIN', 'MD5-CRYPT', 'SSHA']);

export type ImportedHash =
  | { ok: true; stored: string; scheme: ImportedHashScheme }
  | { ok: false; reason: string };

/** Dovecot's aliases for the same scheme. */
const SCHEME_ALIASES: Record<string, ImportedHashScheme> = {
  BLOWFISH: 'BLF-CRYPT',
  CLEAR: 'PLAIN',
  CLEARTEXT: 'PLAIN',
  MD5: 'MD5-CRYPT',
};

/** What an unprefixed crypt string's `$id$` says it is. */
function schemeOfCrypt(hash: string): ImportedHashScheme | null {
  if (/^\$2[aby]\$\d\d\$/.test(hash)) return 'BLF-CRYPT';
  if (hash.startsWith('$6$')) return 'SHA512-CRYPT';
  if (hash.startsWith('$5$')) return 'SHA256-CRYPT';
  if (hash.startsWith('$1$')) return 'MD5-CRYPT';
  if (hash.startsWith('$argon2id$')) return 'ARGON2ID';
  if (hash.startsWith('$argon2i$')) return 'ARGON2I';
  return null;
}

function knownScheme(name: string): ImportedHashScheme | null {
  const upper = name.toUpperCase();
  if ((IMPORTED_HASH_SCHEMES as readonly string[]).includes(upper)) return upper as ImportedHashScheme;
  return SCHEME_ALIASES[upper] ?? null;
}

/**
 * A hash as a source holds it, in the `{SCHEME}hash` form Mailwarden stores. An unprefixed value is
 * read as a crypt string by its `$id$`, else as `defaultScheme` (Dovecot's `default_pass_scheme`).
 * Suffixes such as `.b64`/`.hex` are not supported and are reported as unknown schemes.
 */
export function normalizeImportedHash(raw: string, defaultScheme?: string): ImportedHash {
  const value = raw.trim();
  if (value.length === 0) return { ok: false, reason: 'the password hash is empty' };
  const prefixed = /^\{([^}]+)\}(.*)$/s.exec(value);
  if (prefixed) {
    const scheme = knownScheme(prefixed[1] ?? '');
    if (!scheme) return { ok: false, reason: `unknown password scheme {${prefixed[1]}}` };
    const hash = prefixed[2] ?? '';
    if (hash.length === 0) return { ok: false, reason: `the {${scheme}} hash is empty` };
    return { ok: true, stored: `{${scheme}}${hash}`, scheme };
  }
  const fromCrypt = schemeOfCrypt(value);
  if (fromCrypt) return { ok: true, stored: `{${fromCrypt}}${value}`, scheme: fromCrypt };
  if (defaultScheme) {
    const scheme = knownScheme(defaultScheme);
    if (!scheme) return { ok: false, reason: `unknown default password scheme ${defaultScheme}` };
    return { ok: true, stored: `{${scheme}}${value}`, scheme };
  }
  return { ok: false, reason: 'the password hash names no scheme and no default scheme was given' };
}

/** The scheme of a stored hash: null for Mailwarden's own argon2id (`$argon2id$…`, no prefix). */
export function importedSchemeOf(stored: string): ImportedHashScheme | null {
  const prefixed = /^\{([^}]+)\}/.exec(stored);
  return prefixed ? knownScheme(prefixed[1] ?? '') : null;
}
