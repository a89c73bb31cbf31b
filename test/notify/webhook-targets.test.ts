import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadConfig } from '../../src/config/index.js';
import { createNotifier } from '../../src/notify/index.js';
import { silentLogger } from '../../src/runtime/logger.js';
import { createSecretBox } from '../../src/runtime/secret-box.js';
import { startDnsServer } from '../support/dns-server.js';
import { addUser, cliActor, createTestApp, type StoreKind, storeKinds } from '../support/test-app.js';
import { raiseAlert } from './raise-alert.js';
import { startWebhookReceiver, unusedUrl } from './webhook-receiver.js';

/** Each class of internal address, in the spellings the URL parser accepts for it. */
const internalUrls: ReadonlyArray<[url: string, kind: RegExp]> = [
  ['http://127.0.0.1:8025/', /loopback/],
  ['http://2130706433/', /127\.0\.0\.1, a loopback/],
  ['http://0x7f.1/', /127\.0\.0\.1, a loopback/],
  ['http://017700000001/', /127\.0\.0\.1, a loopback/],
  ['http://[::1]/', /::1, a loopback/],
  ['http://[::ffff:127.0.0.1]/', /::ffff:7f00:1, a loopback/],
  ['http://[::ffff:7f00:1]/', /::ffff:7f00:1, a loopback/],
  ['http://[64:ff9b::a9fe:a9fe]/', /64:ff9b::a9fe:a9fe, a link-local/],
  ['http://localhost:8025/', /loopback interface/],
  ['http://api.localhost/', /loopback interface/],
  ['http://169.254.169.254/latest/meta-data/', /169\.254\.169\.254, a link-local/],
  ['http://[fe80::1]/', /fe80::1, a link-local/],
  ['http://10.1.2.3/', /private/],
  ['http://172.16.0.1/', /private/],
  ['http://192.168.1.1/', /private/],
  ['http://100.64.0.1/', /carrier-grade NAT/],
  ['http://[fd12:3456::1]/', /unique-local/],
  ['http://224.0.0.1/', /multicast/],
  ['http://[ff02::1]/', /multicast/],
  ['http://0.0.0.0/', /unspecified/],
  ['http://0/', /0\.0\.0\.0, an unspecified/],
  ['http://[::]/', /unspecified/],
];

const publicUrls = [
  'https://hooks.example.com/mailwarden',
  'http://93.184.216.34/',
  'http://[2606:4700::1111]/',
  'http://172.32.0.1/',
];

async function appWith(kind: StoreKind, overrides: Record<string, unknown> = {}) {
  const testApp = await createTestApp(kind, { overrides });
  await addUser(testApp.app, 'alice@example.org');
  return testApp;
}

async function webhookDelivery(app: Awaited<ReturnType<typeof appWith>>['app']) {
  const [delivery] = await app.notifier.listDeliveries();
  assert.ok(delivery);
  return delivery;
}

for (const kind of storeKinds) {
  describe(`webhook targets (${kind})`, () => {
    test('adding a webhook to any internal address class is refused with the reason', async () => {
      const { app, cleanup } = await appWith(kind);
      try {
        for (const [url, reason] of internalUrls) {
          const added = await app.notifier.addWebhook({ name: 'internal', url }, cliActor);
          assert.equal(!added.ok && added.code, 'internal-url', url);
          assert.match(!added.ok ? added.message : '', reason, url);
          assert.match(!added.ok ? added.message : '', /notify\.webhooks\.allowInternalHosts/);
        }
        assert.deepEqual(await app.notifier.listWebhooks(), []);
        for (const [index, url] of publicUrls.entries()) {
          const added = await app.notifier.addWebhook({ name: `public${index}`, url }, cliActor);
          assert.ok(added.ok, `${url}: ${JSON.stringify(added)}`);
        }
      } finally {
        await cleanup();
      }
    });

    test('a webhook to an internal host that is no longer allowed fails at delivery without connecting', async () => {
      const receiver = await startWebhookReceiver();
      const allowed = await appWith(kind, { 'notify.webhooks.allowInternalHosts': ['127.0.0.1'] });
      try {
        const { app } = allowed;
        assert.ok((await app.notifier.addWebhook({ name: 'listening', url: receiver.url }, cliActor)).ok);
        assert.ok((await app.notifier.addWebhook({ name: 'closed', url: await unusedUrl() }, cliActor)).ok);
        await raiseAlert(app);
        // The same database, read by a notifier whose configuration no longer allows loopback.
        const strict = createNotifier({
          ...app,
          logger: silentLogger,
          secrets: createSecretBox({ key: null, dataDir: app.config.data.dir }),
          hostname: 'localhost',
          webhookTargets: { allowInternalHosts: [], dnsServers: [], dnsTimeoutMs: 1000, dnsTries: 1 },
        });
        const summary = await strict.runDueDeliveries();
        assert.deepEqual(summary, { attempted: 2, delivered: 0, retrying: 0, failed: 2 });
        assert.equal(receiver.received.length, 0, 'no request reached the internal host');
        const deliveries = await app.notifier.listDeliveries();
        // A port that answers and one that does not read the same: the log is no port scanner.
        const errors = deliveries.map((delivery) => delivery.lastError);
        assert.equal(errors[0], errors[1]);
        assert.match(errors[0] ?? '', /^refused: 127\.0\.0\.1, a loopback address; .*allowInternalHosts/);
        assert.ok(deliveries.every((delivery) => delivery.status === 'failed'));
      } finally {
        await allowed.cleanup();
        await receiver.stop();
      }
    });

    test('a name that resolves to an internal address is refused at delivery, however it was accepted', async () => {
      const receiver = await startWebhookReceiver();
      const port = new URL(receiver.url).port;
      const dns = await startDnsServer({
        'hooks.example.net': [{ type: 'A', address: '127.0.0.1' }],
        'v6.example.net': [{ type: 'AAAA', address: '::1' }],
        'mixed.example.net': [
          { type: 'A', address: '93.184.216.34' },
          { type: 'A', address: '169.254.169.254' },
        ],
      });
      const { app, cleanup } = await appWith(kind, { 'dns.servers': [dns.address] });
      try {
        for (const name of ['hooks', 'v6', 'mixed'])
          assert.ok(
            (
              await app.notifier.addWebhook(
                { name, url: `http://${name}.example.net:${port}/hooks/mailwarden` },
                cliActor,
              )
            ).ok,
          );
        await raiseAlert(app);
        const summary = await app.notifier.runDueDeliveries();
        assert.deepEqual(summary, { attempted: 3, delivered: 0, retrying: 0, failed: 3 });
        assert.equal(receiver.received.length, 0);
        const errors = new Map(
          (await app.notifier.listDeliveries()).map((delivery) => [delivery.webhookName, delivery.lastError]),
        );
        assert.match(
          errors.get('hooks') ?? '',
          /^refused: hooks\.example\.net resolves to 127\.0\.0\.1, a loopback/,
        );
        assert.match(errors.get('v6') ?? '', /^refused: v6\.example\.net resolves to ::1, a loopback/);
        assert.match(
          errors.get('mixed') ?? '',
          /^refused: mixed\.example\.net resolves to 169\.254\.169\.254/,
        );
      } finally {
        await cleanup();
        await dns.close();
        await receiver.stop();
      }
    });

    test('an internal host allowed by name, or by range, receives its webhook', async () => {
      const receiver = await startWebhookReceiver();
      const port = new URL(receiver.url).port;
      const dns = await startDnsServer({ 'chat.internal.test': [{ type: 'A', address: '127.0.0.1' }] });
      const { app, cleanup } = await appWith(kind, {
        'dns.servers': [dns.address],
        'notify.webhooks.allowInternalHosts': ['chat.internal.test', '::1/128'],
      });
      try {
        const byName = await app.notifier.addWebhook(
          { name: 'chat', url: `http://chat.internal.test:${port}/hooks/mailwarden` },
          cliActor,
        );
        assert.ok(byName.ok, JSON.stringify(byName));
        // Allowed by name is not allowed by address: the address itself stays refused.
        const byAddress = await app.notifier.addWebhook({ name: 'direct', url: receiver.url }, cliActor);
        assert.equal(!byAddress.ok && byAddress.code, 'internal-url');
        await raiseAlert(app);
        assert.deepEqual(await app.notifier.runDueDeliveries(), {
          attempted: 1,
          delivered: 1,
          retrying: 0,
          failed: 0,
        });
        assert.equal(receiver.received.length, 1);
        assert.equal(receiver.received[0]?.headers.host, `chat.internal.test:${port}`);
        assert.equal((await webhookDelivery(app)).status, 'delivered');
        // A range allows every address in it.
        assert.ok((await app.notifier.addWebhook({ name: 'v6', url: 'http://[::1]:9/' }, cliActor)).ok);
      } finally {
        await cleanup();
        await dns.close();
        await receiver.stop();
      }
    });
  });
}

describe('webhook targets, the rest', () => {
  test('a redirect is never followed: it is a failed attempt', async () => {
    const receiver = await startWebhookReceiver();
    const { app, cleanup } = await appWith('sqlite', { 'notify.webhooks.allowInternalHosts': ['127.0.0.1'] });
    try {
      receiver.answerWith(302);
      assert.ok((await app.notifier.addWebhook({ name: 'moved', url: receiver.url }, cliActor)).ok);
      await raiseAlert(app);
      assert.deepEqual(await app.notifier.runDueDeliveries(), {
        attempted: 1,
        delivered: 0,
        retrying: 1,
        failed: 0,
      });
      assert.equal(receiver.received.length, 1);
      assert.equal((await webhookDelivery(app)).lastError, 'HTTP 302');
    } finally {
      await cleanup();
      await receiver.stop();
    }
  });

  test('an allowInternalHosts entry that is neither a host, an address nor a range stops start-up', () => {
    const outcome = loadConfig({
      env: {
        MAILWARDEN_NOTIFY_WEBHOOKS_ALLOW_INTERNAL_HOSTS: 'chat.internal, 10.0.0.0/33, http://x/, fd00::/8',
      },
    });
    assert.equal(outcome.ok, false);
    const problems = outcome.ok ? [] : outcome.problems;
    assert.equal(problems.length, 2, problems.join('\n'));
    assert.match(problems[0] ?? '', /"10\.0\.0\.0\/33" is not a host name/);
    assert.match(problems[1] ?? '', /"http:\/\/x\/" is not a host name/);
  });
});
