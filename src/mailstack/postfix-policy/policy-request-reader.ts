/**
 * Postfix policy delegation requests off a byte stream (SMTPD_POLICY_README, "Protocol description"):
 * `name=value` lines, one request per block ended by an empty line. Postfix may send the next
 * request before it read the reply, so one chunk can hold several requests, or a fraction of one.
 *
 * Security invariant: whatever the peer sends, what is kept per connection stays below
 * `maxRequestBytes`, and nothing here throws: a garbled request becomes an event to answer.
 */
export interface PolicyRequestLimits {
  /** One `name=value` line. Postfix 3.7's longest are xtext-encoded certificate subjects. */
  maxLineBytes: number;
  /** Postfix 3.7 sends 30 attributes; later versions add a few. */
  maxAttributes: number;
  /** A whole request, counted as it arrives (discarded bytes included). */
  maxRequestBytes: number;
}

export const DEFAULT_POLICY_REQUEST_LIMITS: PolicyRequestLimits = {
  maxLineBytes: 4096,
  maxAttributes: 100,
  maxRequestBytes: 64 * 1024,
};

export type PolicyRequestEvent =
  | { ok: true; attributes: ReadonlyMap<string, string> }
  /** `endOfStream`: the request outgrew maxRequestBytes; answer it and close the connection. */
  | { ok: false; problem: string; endOfStream: boolean };

const NEWLINE = 0x0a;

export class PolicyRequestReader {
  private lineParts: Buffer[] = [];
  private lineBytes = 0;
  private lineTooLong = false;
  private attributes = new Map<string, string>();
  private requestBytes = 0;
  private problem: string | null = null;
  private ended = false;

  constructor(private readonly limits: PolicyRequestLimits = DEFAULT_POLICY_REQUEST_LIMITS) {}

  /** The requests this chunk completes, in order. After an `endOfStream` event, input is ignored. */
  push(chunk: Buffer): PolicyRequestEvent[] {
    const events: PolicyRequestEvent[] = [];
    let start = 0;
    while (start < chunk.length && !this.ended) {
      const newline = chunk.indexOf(NEWLINE, start);
      const end = newline === -1 ? chunk.length : newline;
      const bytes = end - start + (newline === -1 ? 0 : 1);
      if (this.requestBytes + bytes > this.limits.maxRequestBytes) {
        this.ended = true;
        events.push({
          ok: false,
          problem: `request longer than ${this.limits.maxRequestBytes} bytes`,
          endOfStream: true,
        });
        break;
      }
      this.requestBytes += bytes;
      this.appendToLine(chunk.subarray(start, end));
      if (newline === -1) break;
      const event = this.endLine();
      if (event) events.push(event);
      start = newline + 1;
    }
    return events;
  }

  private appendToLine(part: Buffer): void {
    if (part.length === 0 || this.lineTooLong) return;
    if (this.lineBytes + part.length > this.limits.maxLineBytes) {
      this.lineTooLong = true;
      this.lineParts = [];
      this.lineBytes = 0;
      return;
    }
    this.lineParts.push(part);
    this.lineBytes += part.length;
  }

  private endLine(): PolicyRequestEvent | null {
    const tooLong = this.lineTooLong;
    let line = Buffer.concat(this.lineParts, this.lineBytes).toString('utf8');
    this.lineParts = [];
    this.lineBytes = 0;
    this.lineTooLong = false;
    // Postfix ends lines with LF only; a CR before it comes from hand-typed tests (telnet, nc -C).
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (tooLong) {
      this.problem ??= `line longer than ${this.limits.maxLineBytes} bytes`;
      return null;
    }
    if (line === '') return this.endRequest();
    if (this.problem) return null;
    const equals = line.indexOf('=');
    if (equals <= 0) {
      this.problem = 'line is not name=value';
      return null;
    }
    if (line.includes('\0')) {
      this.problem = 'NUL in an attribute';
      return null;
    }
    if (this.attributes.size >= this.limits.maxAttributes) {
      this.problem = `more than ${this.limits.maxAttributes} attributes`;
      return null;
    }
    const name = line.slice(0, equals);
    // "A repeated attribute may keep the first or the last value": the first one stays.
    if (!this.attributes.has(name)) this.attributes.set(name, line.slice(equals + 1));
    return null;
  }

  private endRequest(): PolicyRequestEvent {
    const attributes = this.attributes;
    const problem = this.problem ?? (attributes.size === 0 ? 'empty request' : null);
    this.attributes = new Map();
    this.problem = null;
    this.requestBytes = 0;
    return problem ? { ok: false, problem, endOfStream: false } : { ok: true, attributes };
  }
}
