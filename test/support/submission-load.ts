import assert from 'node:assert/strict';
import nodemailer from 'nodemailer';
import type { App } from '../../src/app.js';

/** One message a load client tried to submit, and what the gateway answered. */
export interface SubmissionAttempt {
  client: number;
  messageId: string;
  startedAt: number;
  endedAt: number;
  /** The SMTP reply code (250 accepted), or null when no reply came (connection lost, timeout). */
  code: number | null;
  reply: string;
}

export interface SubmissionLoad {
  attempts: SubmissionAttempt[];
  /** Resolves once a message submitted after `sinceMs` was accepted. */
  acceptedSince(sinceMs: number, timeoutMs?: number): Promise<void>;
  /** Resolves once a message submitted after `sinceMs` got a temporary failure (4xx). */
  deferredSince(sinceMs: number, timeoutMs?: number): Promise<void>;
  /** Lets every client finish the message it is on, then stops. */
  stop(): Promise<void>;
}

/**
 * Several real SMTP clients (nodemailer, a new connection per message: STARTTLS, AUTH, MAIL, RCPT,
 * DATA) submitting one message after another until stopped, each attempt recorded with its reply.
 */
export function startSubmissionLoad(options: {
  port: number;
  accounts: ReadonlyArray<{ address: string; password: string }>;
  clients: number;
  /** A tag in every Message-ID, so a test can count what arrived. */
  tag: string;
}): SubmissionLoad {
  const attempts: SubmissionAttempt[] = [];
  let running = true;
  const runClient = async (client: number) => {
    const account = options.accounts[client % options.accounts.length]!;
    for (let n = 0; running; n++) {
      const transport = nodemailer.createTransport({
        host: '127.0.0.1',
        port: options.port,
        requireTLS: true,
        tls: { rejectUnauthorized: false },
        auth: { user: account.address, pass: account.password },
        connectionTimeout: 10_000,
        greetingTimeout: 10_000,
        socketTimeout: 120_000,
      });
      const messageId = `<${options.tag}-${client}-${n}@example.org>`;
      const startedAt = Date.now();
      let code: number | null;
      let reply: string;
      try {
        const info = await transport.sendMail({
          from: account.address,
          to: `reader-${client}@customer.test`,
          subject: `Status report ${client}.${n}`,
          text: 'The weekly status report is attached below.\n',
          messageId,
        });
        reply = info.response;
        code = Number(reply.slice(0, 3));
      } catch (error) {
        const failure = error as { responseCode?: number; response?: string; message?: string };
        code = failure.responseCode ?? null;
        reply = failure.response ?? failure.message ?? String(error);
      }
      transport.close();
      attempts.push({ client, messageId, startedAt, endedAt: Date.now(), code, reply });
      // Refused clients retry a little later, as real ones do (sooner here, to keep the test short).
      await new Promise((resolve) => setTimeout(resolve, code === 250 ? 10 : 100));
    }
  };
  const answerSince = async (
    sinceMs: number,
    timeoutMs: number,
    what: string,
    matches: (code: number | null) => boolean,
  ) => {
    const deadline = Date.now() + timeoutMs;
    while (!attempts.some((attempt) => attempt.startedAt >= sinceMs && matches(attempt.code))) {
      if (Date.now() > deadline) throw new Error(`no message ${what} within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const clients = Array.from({ length: options.clients }, (_, client) => runClient(client));
  return {
    attempts,
    acceptedSince: (sinceMs, timeoutMs = 30_000) =>
      answerSince(sinceMs, timeoutMs, 'accepted', (code) => code === 250),
    deferredSince: (sinceMs, timeoutMs = 30_000) =>
      answerSince(sinceMs, timeoutMs, 'deferred', (code) => code !== null && code >= 400 && code < 500),
    async stop() {
      running = false;
      await Promise.all(clients);
    },
  };
}

/** A sending policy far above any load run for the given senders, so that only the fault under test refuses. */
export async function allowLoadFrom(app: App, addresses: string[]): Promise<void> {
  const set = await app.outbound.setPolicy(
    'load',
    {
      settings: { perMinute: 100_000, externalPerHour: 100_000, perDay: 100_000 },
      scope: { users: addresses },
    },
    { actor: 'test', logonType: 'admin' },
  );
  assert.ok(set.ok);
}
