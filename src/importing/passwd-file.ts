import type { ImportEntry } from './entries.js';

/**
 * Dovecot's passwd-file format (https://doc.dovecot.org/configuration_manual/authentication/passwd_file/):
 * `user:password:uid:gid:gecos:home:shell:extra_fields`, one account a line; `#` starts a comment.
 * The name is the first comma-separated part of gecos (the GECOS convention). An extra field
 * `nologin` or `deny=yes` marks an account that may not sign in: it is imported disabled.
 */
export async function* passwdFileEntries(lines: AsyncIterable<string>): AsyncGenerator<ImportEntry> {
  let number = 0;
  for await (const raw of lines) {
    number += 1;
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    const at = `line ${number}`;
    const fields = line.split(':');
    const user = (fields[0] ?? '').trim();
    if (fields.length < 2)
      yield {
        kind: 'invalid',
        at,
        section: 'users',
        name: user || null,
        reason: 'no password field (expected user:{SCHEME}hash:…)',
      };
    else if (!user.includes('@'))
      yield {
        kind: 'invalid',
        at,
        section: 'users',
        name: user || null,
        reason: `"${user}" is not an email address (user@domain)`,
      };
    else {
      const extra = (fields[7] ?? '').split(/\s+/).filter((field) => field !== '');
      const disabled = extra.some((field) => field === 'nologin' || /^deny=(y|yes|1|true)$/i.test(field));
      const gecos = (fields[4] ?? '').split(',')[0]?.trim() ?? '';
      yield {
        kind: 'user',
        at,
        address: user,
        displayName: gecos === '' ? null : gecos,
        hash: fields[1] ?? '',
        disabled,
        admin: false,
      };
    }
  }
}
