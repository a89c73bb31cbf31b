import type { ImportEntry } from './entries.js';

/**
 * `address,name,password_hash[,admin][,disabled]`, one account a line; a first line that starts with
 * `address` is a header. Fields may be quoted as in RFC 4180 ("Doe, Jane"); admin and disabled are
 * true for 1, true, yes or y, false when empty, 0, false, no or n.
 */
export async function* csvFileEntries(lines: AsyncIterable<string>): AsyncGenerator<ImportEntry> {
  let number = 0;
  for await (const raw of lines) {
    number += 1;
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') continue;
    const at = `line ${number}`;
    const fields = splitCsvLine(line);
    if (!fields) {
      yield { kind: 'invalid', at, section: 'users', name: null, reason: 'an unterminated quoted field' };
      continue;
    }
    const address = (fields[0] ?? '').trim();
    if (number === 1 && address.toLowerCase() === 'address') continue;
    if (fields.length < 3 || fields.length > 5) {
      yield {
        kind: 'invalid',
        at,
        section: 'users',
        name: address || null,
        reason: `${fields.length} fields; expected address,name,password_hash[,admin][,disabled]`,
      };
      continue;
    }
    const admin = flag(fields[3]);
    const disabled = flag(fields[4]);
    if (admin === null || disabled === null) {
      yield {
        kind: 'invalid',
        at,
        section: 'users',
        name: address,
        reason: 'admin and disabled must be true/false, yes/no or 1/0',
      };
      continue;
    }
    const name = (fields[1] ?? '').trim();
    yield {
      kind: 'user',
      at,
      address,
      displayName: name === '' ? null : name,
      hash: (fields[2] ?? '').trim(),
      admin,
      disabled,
    };
  }
}

function flag(value: string | undefined): boolean | null {
  const text = (value ?? '').trim().toLowerCase();
  if (['', '0', 'false', 'no', 'n'].includes(text)) return false;
  if (['1', 'true', 'yes', 'y'].includes(text)) return true;
  return null;
}

/** One line's fields; null when a quoted field does not end on the line. */
function splitCsvLine(line: string): string[] | null {
  const fields: string[] = [];
  let index = 0;
  for (;;) {
    if (line[index] === '"') {
      let value = '';
      index += 1;
      for (;;) {
        if (index >= line.length) return null;
        if (line[index] === '"') {
          if (line[index + 1] === '"') {
            value += '"';
            index += 2;
            continue;
          }
          index += 1;
          break;
        }
        value += line[index];
        index += 1;
      }
      fields.push(value);
      const comma = line.indexOf(',', index);
      if (comma < 0) return fields;
      index = comma + 1;
    } else {
      const comma = line.indexOf(',', index);
      if (comma < 0) {
        fields.push(line.slice(index));
        return fields;
      }
      fields.push(line.slice(index, comma));
      index = comma + 1;
    }
  }
}
