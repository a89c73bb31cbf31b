import { readFileSync } from 'node:fs';

/** Users and groups of this machine, from /etc/passwd and /etc/group; null when there is none. */
function idFrom(file: string, name: string): number | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  for (const line of text.split('\n')) {
    const fields = line.split(':');
    if (fields[0] === name && fields[2] !== undefined && /^\d+$/.test(fields[2])) return Number(fields[2]);
  }
  return null;
}

/** `root` is the root filesystem whose accounts to read ('/' for this machine's, or a chroot's). */
export function groupId(name: string, root = '/'): number | null {
  return idFrom(`${root.replace(/\/$/, '')}/etc/group`, name);
}

export function userId(name: string): number | null {
  return idFrom('/etc/passwd', name);
}
