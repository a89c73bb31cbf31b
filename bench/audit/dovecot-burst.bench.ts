/**
 * A burst from a real Dovecot: one IMAP session APPENDs N messages and FETCHes all their bodies
 * (2N + 3 events: the exporter posts them one at a time on one connection and drops what waits
 * longer than transport_timeout). Prints how long until every event is in the audit log, whether any
 * was lost, and the grouped MailItemsAccessed record. Needs root and Dovecot (as the integration test).
 *
 *   npm run build && node dist/bench/audit/dovecot-burst.bench.js [--messages 2000]
 */
import { execFile } from 'node:child_process';
import { parseArgs } from 'node:util';
import { startServer } from '../../src/server.js';
import { freePort } from '../../test/support/cli-process.js';
import { startDovecotImapHarness } from '../../test/support/dovecot-imap-harness.js';
import { createTestApp } from '../../test/support/test-app.js';
import { sized, smokeOption } from '../smoke-size.js';

const { values } = parseArgs({
  options: { messages: { type: 'string', default: sized(2000, 20) }, ...smokeOption },
});
const N = Number(values.messages);
const SECRET = 'burst-bench-secret-123456';

async function main(): Promise<void> {
  const httpPort = await freePort();
  const harness = await createTestApp('sqlite', {
    overrides: {
      'smtp.enabled': false,
      'smtps.enabled': false,
      'policy.enabled': false,
      'http.port': httpPort,
      'dovecot.eventsSecret': SECRET,
    },
  });
  const server = await startServer(harness.app);
  const dovecot = await startDovecotImapHarness({
    eventsUrl: { port: httpPort, secret: SECRET },
    users: [{ login: 'a@example.org', password: 'burst-password' }],
    submissionPort: 9,
  });
  try {
    const session = `
import imaplib
m = imaplib.IMAP4('127.0.0.1', ${dovecot.imapPort}); m.login('a@example.org', 'burst-password')
for i in range(${N}): m.append('INBOX', None, None, b'Subject: burst\\r\\n\\r\\nbody\\r\\n')
m.select('INBOX'); m.uid('FETCH', '1:*', '(BODY.PEEK[])'); m.logout()`;
    const t0 = Date.now();
    await new Promise<void>((resolve, reject) =>
      execFile('python3', ['-c', session], (error) => (error ? reject(error) : resolve())),
    );
    const clientMs = Date.now() - t0;
    const expected = 2 * N + 3; // APPENDs, body reads, login, LOGOUT, session end
    let accepted = 0;
    for (;;) {
      const metrics = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
      accepted = Number(/outcome="accepted"\} (\d+)/.exec(metrics)?.[1] ?? 0);
      const backlog = Number(/events_backlog (\d+)/.exec(metrics)?.[1] ?? 0);
      if ((accepted >= expected && backlog === 0) || Date.now() - t0 > clientMs + 30_000) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const allInMs = Date.now() - t0;
    await harness.app.audit.closeItemWindows(Date.now() + 3_600_000);
    const reads = (await harness.app.audit.search({ operations: ['MailItemsAccessed'] })).records;
    const lost = dovecot.log().match(/Failed to export event/g)?.length ?? 0;
    console.log(
      `${N} messages: client session ${clientMs} ms; ${accepted} of ${expected} events accepted, all in the log after ${allInMs} ms; ` +
        `MailItemsAccessed records: ${reads.map((record) => `${record.itemIds?.length ?? 0} UIDs`).join(', ')}; ` +
        `Dovecot export errors logged: ${lost} (one is the start-up, before Mailwarden listens; Dovecot rate-limits these lines)`,
    );
  } finally {
    await dovecot.stop();
    await server.stop();
    await harness.cleanup();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
