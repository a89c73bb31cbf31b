import { type RunningServer, startServer } from '../../src/server.js';
import { addUser, createTestApp, type StoreKind, type TestApp } from './test-app.js';
import { startUpstreamServer } from './upstream-server.js';

export const ALICE = {
  address: 'alice@example.org',
  password: 'alice-password-123',
  alias: 'sales@example.org',
};
export const BOB = { address: 'bob@example.org', password: 'bob-password-4567' };

export interface GatewayHarness extends TestApp {
  server: RunningServer;
  smtpPort: number;
  smtpsPort: number;
  upstream: Awaited<ReturnType<typeof startUpstreamServer>> | null;
}

/**
 * Mailwarden's real server (SMTP on free ports, HTTP off) with alice (alias sales@) and bob, relaying
 * to a real upstream SMTP server — or to the local spool, or to a closed port.
 */
export async function startGatewayHarness(
  options: {
    kind?: StoreKind;
    relay?: 'upstream' | 'spool' | 'closed-port';
    overrides?: Record<string, unknown>;
    /**
     * mailSignIn.accountPassword for the run. 'allowed' by default: most gateway tests sign in with the
     * account password; the sign-in tests pass 'app-passwords-only' (the product default).
     */
    accountPasswordOnMail?: 'allowed' | 'app-passwords-only' | 'blocked';
    /** process_* and nodejs_* in /metrics (off by default, as in createTestApp). */
    processMetrics?: boolean;
  } = {},
): Promise<GatewayHarness> {
  const relay = options.relay ?? 'upstream';
  const upstream = relay === 'upstream' ? await startUpstreamServer() : null;
  const relayUrl =
    relay === 'upstream'
      ? `smtp://127.0.0.1:${upstream!.port}`
      : relay === 'closed-port'
        ? 'smtp://127.0.0.1:1'
        : null;
  const testApp = await createTestApp(options.kind ?? 'sqlite', {
    processMetrics: options.processMetrics ?? false,
    overrides: {
      'http.enabled': false,
      'relay.url': relayUrl,
      'relay.timeoutMs': 5000,
      'shutdown.graceMs': 2000,
      ...options.overrides,
    },
  });
  await addUser(testApp.app, ALICE.address, ALICE.password, { displayName: 'Alice' });
  const aliasAdded = await testApp.app.directory.addAlias(ALICE.address, ALICE.alias, {
    actor: 'test',
    logonType: 'admin',
  });
  if (!aliasAdded.ok) throw new Error(aliasAdded.message);
  await addUser(testApp.app, BOB.address, BOB.password);
  const policy = options.accountPasswordOnMail ?? 'allowed';
  if (policy !== 'app-passwords-only') {
    const changed = await testApp.app.settings.change(
      { 'mailSignIn.accountPassword': policy },
      { actor: 'test', logonType: 'admin' },
    );
    if (!changed.ok) throw new Error(changed.message);
  }
  const server = await startServer(testApp.app);
  const ports = server.smtpPorts();
  return {
    ...testApp,
    server,
    smtpPort: ports.find((p) => p.mode === 'starttls')?.port ?? 0,
    smtpsPort: ports.find((p) => p.mode === 'implicit-tls')?.port ?? 0,
    upstream,
    async cleanup() {
      await server.stop();
      await upstream?.stop();
      await testApp.cleanup();
    },
  };
}
