import { type RunningServer, startServer } from '../../src/server.js';
import { freePort } from './cli-process.js';
import { type DovecotImapHarness, doveadmApiOf, startDovecotImapHarness } from './dovecot-imap-harness.js';
import { addUser, createTestApp, type TestApp } from './test-app.js';
import { startUpstreamServer } from './upstream-server.js';

export interface BesideDovecot {
  testApp: TestApp;
  server: RunningServer;
  dovecot: DovecotImapHarness;
  upstream: Awaited<ReturnType<typeof startUpstreamServer>>;
  /** Mailwarden's HTTP address (http://127.0.0.1:port). */
  url: string;
  stop(): Promise<void>;
}

/**
 * Mailwarden (SQLite, HTTP only) with a real Dovecot exporting its events to it and its doveadm API
 * configured, and an SMTP server for Sieve redirects. Mailwarden listens before Dovecot starts:
 * Dovecot's HTTP client backs off from a refused address for up to ~15 s, holding every event meanwhile.
 */
export async function startMailwardenBesideDovecot(options: {
  eventsSecret: string;
  users: ReadonlyArray<{ login: string; password: string }>;
}): Promise<BesideDovecot> {
  const upstream = await startUpstreamServer();
  const httpPort = await freePort();
  const doveadmPort = await freePort();
  const testApp = await createTestApp('sqlite', {
    overrides: {
      'smtp.enabled': false,
      'smtps.enabled': false,
      'policy.enabled': false,
      'http.port': httpPort,
      'dovecot.eventsSecret': options.eventsSecret,
      'dovecot.doveadmUrl': doveadmApiOf(doveadmPort).url,
      'dovecot.doveadmApiKey': doveadmApiOf(doveadmPort).apiKey,
    },
  });
  let server: RunningServer | null = null;
  let dovecot: DovecotImapHarness | null = null;
  const stop = async () => {
    await dovecot?.stop();
    await server?.stop();
    await upstream.stop();
    await testApp.cleanup();
  };
  try {
    for (const user of options.users) await addUser(testApp.app, user.login);
    server = await startServer(testApp.app);
    dovecot = await startDovecotImapHarness({
      eventsUrl: { port: httpPort, secret: options.eventsSecret },
      users: options.users,
      submissionPort: upstream.port,
      doveadmPort,
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return { testApp, server, dovecot, upstream, url: `http://127.0.0.1:${httpPort}`, stop };
}
