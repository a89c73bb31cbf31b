import nodemailer from 'nodemailer';
import type { SeededRandom } from './seeded-random.js';

/**
 * Several SMTP clients (nodemailer, STARTTLS, AUTH with an app password) sending one message after
 * another on kept-open connections until told to stop, each message with a Message-ID of its own.
 * Every outcome is kept by Message-ID, so a test can hold the server to its word: a 250 means the
 * message is durable (spool) or delivered (relay), and has its Send record.
 */
export interface SmtpLoadOptions {
  port: number;
  clients: number;
  user: string;
  password: string;
  random: SeededRandom;
  /** Distinguishes the Message-IDs of one run (or one phase) from another's. */
  idPrefix: string;
  recipient?: string;
}

export interface SmtpLoadOutcome {
  /** Message-IDs the server answered 250. */
  accepted: string[];
  /** Message-IDs refused with a reply code (4xx, 5xx), with it. */
  refused: Array<{ messageId: string; code: number; response: string }>;
  /** Sends that ended without a reply: connection refused or lost (the server was down). */
  unanswered: number;
  /** The time of each answered send, in milliseconds. */
  latenciesMs: number[];
}

export interface SmtpLoad {
  readonly outcome: SmtpLoadOutcome;
  /** Waits for each client to finish the message in hand, then closes them. */
  stop(): Promise<SmtpLoadOutcome>;
}

export function startSmtpLoad(options: SmtpLoadOptions): SmtpLoad {
  const outcome: SmtpLoadOutcome = { accepted: [], refused: [], unanswered: 0, latenciesMs: [] };
  let stopping = false;
  let sequence = 0;
  const client = async (index: number) => {
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: options.port,
      secure: false,
      requireTLS: true,
      tls: { rejectUnauthorized: false },
      auth: { user: options.user, pass: options.password },
      pool: true,
      maxConnections: 1,
      // Some connections end after a few messages, as real clients' do.
      maxMessages: options.random.int(1, 30),
      connectionTimeout: 5000,
      greetingTimeout: 5000,
      socketTimeout: 15_000,
    });
    try {
      while (!stopping) {
        const messageId = `<${options.idPrefix}-${index}-${sequence++}@example.org>`;
        const body = 'x'.repeat(options.random.int(10, 4000));
        const raw =
          `From: ${options.user}\r\nTo: ${options.recipient ?? 'carol@customer.test'}\r\n` +
          `Subject: load ${messageId}\r\nMessage-ID: ${messageId}\r\n\r\n${body}\r\n`;
        const started = performance.now();
        try {
          const info = await transport.sendMail({
            envelope: { from: options.user, to: [options.recipient ?? 'carol@customer.test'] },
            raw,
          });
          outcome.latenciesMs.push(performance.now() - started);
          if (/^250\b/.test(info.response)) outcome.accepted.push(messageId);
          else
            outcome.refused.push({
              messageId,
              code: Number(info.response.slice(0, 3)),
              response: info.response,
            });
        } catch (error) {
          const failure = error as { responseCode?: number; response?: string };
          if (typeof failure.responseCode === 'number') {
            outcome.latenciesMs.push(performance.now() - started);
            outcome.refused.push({ messageId, code: failure.responseCode, response: failure.response ?? '' });
          } else {
            outcome.unanswered++;
            // The server is down (killed): try again shortly, as a client's queue would.
            await new Promise((resolve) => setTimeout(resolve, 50));
          }
        }
      }
    } finally {
      transport.close();
    }
  };
  const running = Array.from({ length: options.clients }, (_, index) => client(index));
  return {
    outcome,
    async stop() {
      stopping = true;
      await Promise.all(running);
      return outcome;
    },
  };
}

/** Waits until `condition` holds, polling. */
export async function waitUntil(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** One message on a connection of its own: the server's reply code and text (0 when there was none). */
export async function sendOne(options: {
  port: number;
  user: string;
  password: string;
  messageId: string;
  recipient?: string;
}): Promise<{ code: number; response: string }> {
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: options.port,
    secure: false,
    requireTLS: true,
    tls: { rejectUnauthorized: false },
    auth: { user: options.user, pass: options.password },
    connectionTimeout: 5000,
    greetingTimeout: 5000,
    socketTimeout: 30_000,
  });
  const recipient = options.recipient ?? 'carol@customer.test';
  try {
    const info = await transport.sendMail({
      envelope: { from: options.user, to: [recipient] },
      raw: `From: ${options.user}\r\nTo: ${recipient}\r\nSubject: one\r\nMessage-ID: ${options.messageId}\r\n\r\nbody\r\n`,
    });
    return { code: Number(info.response.slice(0, 3)), response: info.response };
  } catch (error) {
    const failure = error as { responseCode?: number; response?: string; message: string };
    return { code: failure.responseCode ?? 0, response: failure.response ?? failure.message };
  } finally {
    transport.close();
  }
}
