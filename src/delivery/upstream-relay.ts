import { PassThrough, type Readable } from 'node:stream';
import nodemailer from 'nodemailer';
import type { Logger } from '../runtime/logger.js';
import { buildBounce } from './bounce.js';
import type { Delivery, DeliveryOutcome, OutboundMessage } from './delivery.js';

export interface UpstreamRelayOptions {
  url: string;
  poolSize: number;
  timeoutMs: number;
  rejectUnauthorized: boolean;
  /** Our name in EHLO and in bounces. */
  hostname: string;
}

interface SendError extends Error {
  code?: string;
  responseCode?: number;
  response?: string;
  rejectedErrors?: Array<{ recipient?: string; response?: string }>;
}

interface SendInfo {
  response?: string;
  rejected?: Array<string | { address: string }>;
  rejectedErrors?: Array<{ recipient?: string; response?: string }>;
}

/**
 * Relays each message over a pool of kept-open upstream connections (one connection per message
 * costs Haraka 40 ms a message, bench/peers). The outcome keeps the upstream's own words so that the
 * gateway can pass a permanent refusal back as 5xx and anything else as 4xx (the client retries).
 */
export function createUpstreamRelay(options: UpstreamRelayOptions, logger: Logger): Delivery {
  const url = new URL(options.url);
  const secure = url.protocol === 'smtps:';
  const transport = nodemailer.createTransport({
    host: url.hostname,
    port: Number(url.port || (secure ? 465 : 25)),
    secure,
    auth: url.username
      ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) }
      : undefined,
    pool: true,
    maxConnections: options.poolSize,
    maxMessages: Number.POSITIVE_INFINITY,
    name: options.hostname,
    connectionTimeout: options.timeoutMs,
    greetingTimeout: options.timeoutMs,
    socketTimeout: options.timeoutMs,
    tls: { rejectUnauthorized: options.rejectUnauthorized },
    disableFileAccess: true,
    disableUrlAccess: true,
    logger: false,
  });
  const safeUrl = `${url.protocol}//${url.host}`;

  const settle =
    (resolve: (outcome: DeliveryOutcome) => void) =>
    (error: Error | null, info: unknown): void => {
      if (error) {
        resolve(toFailure(error as SendError));
        return;
      }
      const sent = info as SendInfo;
      const refused = (sent.rejectedErrors ?? []).map((refusal) => ({
        address: refusal.recipient ?? '',
        response: refusal.response ?? 'refused',
      }));
      resolve({ ok: true, detail: sent.response ?? 'accepted', refusedRecipients: refused });
    };
  const pool = (transport as unknown as { transporter: PoolTransport }).transporter;
  const direct = typeof pool?.send === 'function';

  const send = (message: OutboundMessage): Promise<DeliveryOutcome> =>
    new Promise((resolve) => {
      const envelope = direct ? plainEnvelope(message) : null;
      if (envelope) pool.send(new RawMail(envelope, message.raw), settle(resolve));
      else
        transport.sendMail(
          { envelope: { from: message.from, to: [...message.to] }, raw: message.raw },
          settle(resolve),
        );
    });

  return {
    describe: () => safeUrl,
    async deliver(message) {
      const outcome = await send(message);
      if (outcome.ok && outcome.refusedRecipients.length > 0 && message.from !== '') {
        // The upstream took the message for some recipients and refused others. The client already
        // gets 250 (the message was delivered), so the refused ones are reported the way any MTA
        // reports them: a delivery status notification to the sender (RFC 3464).
        const bounce = buildBounce({
          reportingHost: options.hostname,
          sender: message.from,
          refused: outcome.refusedRecipients,
          original: message.raw,
        });
        void send({ from: '', to: [message.from], raw: bounce }).then((result) => {
          if (!result.ok)
            logger.warn('bounce for refused recipients not delivered', { error: result.message });
        });
      }
      return outcome;
    },
    async check() {
      try {
        await transport.verify();
        return { ok: true };
      } catch (error) {
        return { ok: false, message: `${safeUrl}: ${(error as Error).message}` };
      }
    },
    async close() {
      transport.close();
    },
  };
}

function toFailure(error: SendError): DeliveryOutcome {
  const responseCode = typeof error.responseCode === 'number' ? error.responseCode : null;
  const upstreamText = (error.response ?? error.message).replace(/\s+/g, ' ').slice(0, 300);
  if (responseCode !== null && responseCode >= 500 && responseCode < 600)
    return { ok: false, kind: 'permanent', responseCode, message: upstreamText };
  return { ok: false, kind: 'temporary', responseCode, message: upstreamText };
}

/** The part of nodemailer's transport API (`transport.send(mail, callback)`) the pool uses. */
interface PoolTransport {
  send(mail: RawMail, callback: (error: Error | null, info: unknown) => void): void;
}

/**
 * A message as nodemailer's SMTP pool takes it (its transport API: `mail.data` and `mail.message`,
 * a MimeNode), for bytes that are already a complete message. `sendMail({ raw })` would build a
 * MimeNode around them (Message-ID generation, address parsing, stream pipelines): ~70 µs of CPU per
 * message for nothing, since the bytes go out as they are either way.
 */
class RawMail {
  readonly data = {};
  readonly message: {
    getEnvelope(): { from: string; to: string[] };
    messageId(): string;
    getHeader(name: string): string;
    createReadStream(): Readable;
  };
  constructor(envelope: { from: string; to: string[] }, raw: Buffer) {
    this.message = {
      getEnvelope: () => ({ from: envelope.from, to: [...envelope.to] }),
      messageId: () => '',
      getHeader: () => '',
      // A new stream per attempt: the pool sends again over another connection when one closed early.
      createReadStream: () => new PassThrough().end(raw),
    };
  }
}

/** A dot-atom local part at an ASCII host name: the addresses nodemailer would pass on unchanged. */
const PLAIN_ADDRESS =
  /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*$/;

/**
 * The envelope as nodemailer's own normalisation makes it (host name lower-cased, repeated
 * recipients once), for plain addresses only; null for anything else (international addresses,
 * quoted local parts, address literals), which takes nodemailer's full path.
 */
function plainEnvelope(message: OutboundMessage): { from: string; to: string[] } | null {
  const normalize = (address: string): string | null => {
    if (!PLAIN_ADDRESS.test(address)) return null;
    const at = address.lastIndexOf('@');
    return address.slice(0, at + 1) + address.slice(at + 1).toLowerCase();
  };
  const from = message.from === '' ? '' : normalize(message.from);
  if (from === null) return null;
  const to = new Set<string>();
  for (const recipient of message.to) {
    const normalized = normalize(recipient);
    if (normalized === null) return null;
    to.add(normalized);
  }
  return to.size > 0 ? { from, to: [...to] } : null;
}
