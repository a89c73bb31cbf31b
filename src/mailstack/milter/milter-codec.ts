/**
 * The Sendmail milter protocol, version 6, as Postfix speaks it (MILTER_README, libmilter's
 * mfdef.h): every packet is a 4-byte big-endian length (the command byte included), one command
 * byte, then its data; strings are NUL-terminated. Only what a content check needs is decoded; the
 * rest is framed and skipped. No I/O here: bytes in, commands out; replies in, bytes out.
 */

/** Protocol version this side speaks (Postfix's milter_protocol default is 6). */
export const MILTER_VERSION = 6;

/** SMFIP_* flags: events the milter does not want, and events it does not answer. */
export const protocolFlags = {
  noConnect: 0x1,
  noHelo: 0x2,
  noMail: 0x4,
  noRcpt: 0x8,
  noBody: 0x10,
  noHeaders: 0x20,
  noEndOfHeaders: 0x40,
  noReplyHeader: 0x80,
  noUnknown: 0x100,
  noData: 0x200,
  /** Header values are sent with their leading space: the message is rebuilt byte for byte. */
  headerLeadingSpace: 0x100000,
} as const;

/** A bigger packet is not Postfix's (its body chunks are at most 65535 bytes). */
export const MAX_PACKET_BYTES = 1024 * 1024;

export type MilterCommand =
  | { kind: 'negotiate'; version: number; actions: number; protocol: number }
  /** Macros for the command that follows (`for` is that command's byte, e.g. 'M'). */
  | { kind: 'macros'; for: string; macros: Map<string, string> }
  | { kind: 'connect'; hostname: string; address: string | null; port: number | null }
  | { kind: 'helo'; name: string }
  | { kind: 'mail'; sender: string; args: string[] }
  | { kind: 'rcpt'; recipient: string; args: string[] }
  | { kind: 'data' }
  | { kind: 'header'; name: string; value: string }
  | { kind: 'end-of-headers' }
  | { kind: 'body'; chunk: Buffer }
  | { kind: 'end-of-message' }
  /** The MTA abandons the current message; the connection goes on (no reply). */
  | { kind: 'abort' }
  | { kind: 'quit' }
  /** Quit, and the same connection serves a new SMTP session (no reply). */
  | { kind: 'quit-new-connection' }
  | { kind: 'unknown-smtp-command'; line: string };

export type MilterReadEvent = { ok: true; command: MilterCommand } | { ok: false; problem: string };

/**
 * Splits the byte stream into commands. A length outside 1..MAX_PACKET_BYTES is not a milter
 * packet: the reader reports it once and reads nothing more (framing is lost, the peer must go).
 */
export class MilterReader {
  private buffered: Buffer = Buffer.alloc(0);
  private broken = false;

  push(chunk: Buffer): MilterReadEvent[] {
    if (this.broken) return [];
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const events: MilterReadEvent[] = [];
    while (this.buffered.length >= 4) {
      const length = this.buffered.readUInt32BE(0);
      if (length < 1 || length > MAX_PACKET_BYTES) {
        this.broken = true;
        this.buffered = Buffer.alloc(0);
        events.push({ ok: false, problem: `packet length ${length} is not a milter packet` });
        return events;
      }
      if (this.buffered.length < 4 + length) break;
      const code = String.fromCharCode(this.buffered[4]!);
      const data = this.buffered.subarray(5, 4 + length);
      this.buffered = this.buffered.subarray(4 + length);
      const decoded = decodeCommand(code, Buffer.from(data));
      events.push(decoded);
      if (!decoded.ok) {
        this.broken = true;
        this.buffered = Buffer.alloc(0);
        return events;
      }
    }
    return events;
  }

  /** Bytes of an incomplete packet (a peer that hangs up mid-packet leaves some). */
  get pendingBytes(): number {
    return this.buffered.length;
  }
}

function decodeCommand(code: string, data: Buffer): MilterReadEvent {
  const ok = (command: MilterCommand): MilterReadEvent => ({ ok: true, command });
  switch (code) {
    case 'O': {
      if (data.length < 12) return { ok: false, problem: 'option negotiation shorter than 12 bytes' };
      return ok({
        kind: 'negotiate',
        version: data.readUInt32BE(0),
        actions: data.readUInt32BE(4),
        protocol: data.readUInt32BE(8),
      });
    }
    case 'D': {
      if (data.length < 1) return { ok: false, problem: 'macro packet without its command' };
      const strings = splitStrings(data.subarray(1));
      const macros = new Map<string, string>();
      for (let i = 0; i + 1 < strings.length; i += 2) macros.set(macroName(strings[i]!), strings[i + 1]!);
      return ok({ kind: 'macros', for: String.fromCharCode(data[0]!), macros });
    }
    case 'C': {
      const end = data.indexOf(0);
      if (end === -1) return { ok: false, problem: 'connect packet without its host name' };
      const hostname = data.subarray(0, end).toString('latin1');
      const family = String.fromCharCode(data[end + 1] ?? 0x55);
      if (family === '4' || family === '6') {
        if (data.length < end + 4) return { ok: false, problem: 'connect packet without its port' };
        const port = data.readUInt16BE(end + 2);
        const address = splitStrings(data.subarray(end + 4))[0] ?? '';
        return ok({ kind: 'connect', hostname, address, port });
      }
      return ok({ kind: 'connect', hostname, address: null, port: null });
    }
    case 'H':
      return ok({ kind: 'helo', name: splitStrings(data)[0] ?? '' });
    case 'M': {
      const [sender = '', ...args] = splitStrings(data);
      return ok({ kind: 'mail', sender: unbracket(sender), args });
    }
    case 'R': {
      const [recipient = '', ...args] = splitStrings(data);
      return ok({ kind: 'rcpt', recipient: unbracket(recipient), args });
    }
    case 'T':
      return ok({ kind: 'data' });
    case 'L': {
      const nameEnd = data.indexOf(0);
      if (nameEnd === -1) return { ok: false, problem: 'header packet without its name' };
      const valueEnd = data.indexOf(0, nameEnd + 1);
      return ok({
        kind: 'header',
        name: data.subarray(0, nameEnd).toString('latin1'),
        // Bytes kept as they are (latin1 maps each byte to one char): the message is rebuilt from them.
        value: data.subarray(nameEnd + 1, valueEnd === -1 ? undefined : valueEnd).toString('latin1'),
      });
    }
    case 'N':
      return ok({ kind: 'end-of-headers' });
    case 'B':
      return ok({ kind: 'body', chunk: data });
    case 'E':
      // A final body chunk may come with the end of the message.
      return data.length > 0
        ? { ok: false, problem: 'end of message with a body chunk is not supported' }
        : ok({ kind: 'end-of-message' });
    case 'A':
      return ok({ kind: 'abort' });
    case 'Q':
      return ok({ kind: 'quit' });
    case 'K':
      return ok({ kind: 'quit-new-connection' });
    case 'U':
      return ok({ kind: 'unknown-smtp-command', line: splitStrings(data)[0] ?? '' });
    default:
      return { ok: false, problem: `unknown milter command 0x${code.charCodeAt(0).toString(16)}` };
  }
}

/** NUL-terminated strings; a last one without its NUL is kept. */
function splitStrings(data: Buffer): string[] {
  const strings: string[] = [];
  let start = 0;
  while (start < data.length) {
    let end = data.indexOf(0, start);
    if (end === -1) end = data.length;
    strings.push(data.subarray(start, end).toString('utf8'));
    start = end + 1;
  }
  return strings;
}

/** Postfix sends `{auth_authen}` or `i`; the braces are dropped so both read the same. */
function macroName(name: string): string {
  return name.startsWith('{') && name.endsWith('}') ? name.slice(1, -1) : name;
}

function unbracket(address: string): string {
  const trimmed = address.trim();
  return trimmed.startsWith('<') && trimmed.endsWith('>') ? trimmed.slice(1, -1) : trimmed;
}

export type MilterReply =
  | { kind: 'negotiate'; version: number; actions: number; protocol: number }
  | { kind: 'continue' }
  | { kind: 'accept' }
  /** Postfix accepts the message (250) and throws it away. */
  | { kind: 'discard' }
  | { kind: 'reject' }
  | { kind: 'tempfail' }
  /** A reply of our own words: `code` 4xx or 5xx, its enhanced status and text. */
  | { kind: 'replycode'; code: number; status: string; text: string };

export function encodeReply(reply: MilterReply): Buffer {
  switch (reply.kind) {
    case 'negotiate': {
      const data = Buffer.alloc(12);
      data.writeUInt32BE(reply.version, 0);
      data.writeUInt32BE(reply.actions, 4);
      data.writeUInt32BE(reply.protocol, 8);
      return packet('O', data);
    }
    case 'continue':
      return packet('c');
    case 'accept':
      return packet('a');
    case 'discard':
      return packet('d');
    case 'reject':
      return packet('r');
    case 'tempfail':
      return packet('t');
    case 'replycode': {
      if (reply.code < 400 || reply.code > 599)
        throw new Error(`milter reply code ${reply.code} is not 4xx/5xx`);
      // One line: control characters would split it, and % is a format character to libmilter peers.
      // biome-ignore lint/suspicious/noControlCharactersInRegex: those characters are what is removed
      const text = reply.text.replace(/[\u0000-\u001f\u007f]+/g, ' ').replaceAll('%', '%%');
      return packet('y', Buffer.from(`${reply.code} ${reply.status} ${text}\0`, 'utf8'));
    }
  }
}

/** One packet as the MTA would send it (the tests' client speaks through this too). */
export function packet(code: string, data: Buffer = Buffer.alloc(0)): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(data.length + 1, 0);
  head.write(code, 4, 'latin1');
  return Buffer.concat([head, data]);
}
