/** Pieces of IMAP command arguments and replies as Dovecot logs them (cmd_args, tagged_reply). */

/** UIDs listed one by one up to this many; a larger set is kept as written. */
const MAX_EXPANDED_ITEMS = 10_000;

const ONE_NUMBER = /^[1-9][0-9]*$/;

/** RFC 3501 sequence-set ("1:3,7,9:*") → its numbers, or the set itself when it is open or huge. */
export function expandSet(set: string): string[] {
  if (ONE_NUMBER.test(set)) return [set]; // the usual case: one message
  if (!/^[0-9:,*]+$/.test(set)) return [];
  const items: string[] = [];
  for (const part of set.split(',')) {
    const [from, to] = part.split(':');
    if (from === '*' || to === '*' || from === undefined || from === '') return [set];
    const start = Number(from);
    const end = to === undefined ? start : Number(to);
    const [low, high] = start <= end ? [start, end] : [end, start];
    if (high - low + items.length >= MAX_EXPANDED_ITEMS) return [set];
    for (let uid = low; uid <= high; uid++) items.push(String(uid));
  }
  return items;
}

/** RFC 3501 §5.1.3 modified UTF-7 ("Entw&APw-rfe" → "Entwürfe"). */
export function decodeMailboxName(name: string): string {
  return name.replace(/&([^-]*)-/g, (_, encoded: string) => {
    if (encoded === '') return '&';
    const bytes = Buffer.from(encoded.replace(/,/g, '/'), 'base64');
    let text = '';
    for (let index = 0; index + 1 < bytes.length; index += 2)
      text += String.fromCharCode((bytes[index]! << 8) | bytes[index + 1]!);
    return text;
  });
}

/** "<set> <mailbox>" of COPY and MOVE; the mailbox may be quoted (RFC 3501 quoted string). */
export function parseSetAndMailbox(args: string): { set: string; mailbox: string } | null {
  const match = /^(\S+)\s+(.+)$/.exec(args.trim());
  if (!match) return null;
  let mailbox = match[2]!;
  if (mailbox.startsWith('"') && mailbox.endsWith('"') && mailbox.length >= 2)
    mailbox = mailbox.slice(1, -1).replace(/\\(["\\])/g, '$1');
  return { set: match[1]!, mailbox: decodeMailboxName(mailbox) };
}

/** "<set> [+|-]FLAGS[.SILENT] (<flags>)" of STORE. */
export function parseStore(args: string): { set: string; sign: '+' | '-' | ''; flags: string[] } | null {
  const match = /^(\S+)\s+([+-]?)FLAGS(?:\.SILENT)?\s+\(?([^)]*)\)?\s*$/i.exec(args.trim());
  if (!match) return null;
  return {
    set: match[1]!,
    sign: match[2] as '+' | '-' | '',
    flags: match[3]!.split(/\s+/).filter(Boolean),
  };
}

/** RFC 4315 UIDPLUS: `[COPYUID <validity> <source set> <destination set>]` in the tagged reply. */
export function copyUids(reply: string): { source: string; destination: string } | null {
  const match = /\[COPYUID \d+ ([0-9:,]+) ([0-9:,]+)\]/i.exec(reply);
  return match ? { source: match[1]!, destination: match[2]! } : null;
}

/** RFC 4315 UIDPLUS: `[APPENDUID <validity> <uid set>]`. */
export function appendUids(reply: string): string | null {
  return /\[APPENDUID \d+ ([0-9:,]+)\]/i.exec(reply)?.[1] ?? null;
}
