import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createHttpApp } from '../../src/http.js';
import { sendUntilRestricted } from '../api/sending.js';
import { ALICE, BOB, type GatewayHarness, startGatewayHarness } from '../support/gateway-harness.js';
import { cliActor, storeKinds } from '../support/test-app.js';

const run = promisify(execFile);
const SMTPLIB_CLIENT = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../test/clients/smtplib_submit.py',
);

/** One message through the gateway with Python's smtplib: where it stopped, and the reply. */
async function smtplib(port: number, user: string, password: string) {
  const { stdout } = await run(
    'python3',
    [SMTPLIB_CLIENT, String(port), user, password, user, 'carol@customer.test', 'restricted test'],
    { timeout: 30_000 },
  );
  return JSON.parse(stdout.trim().split('\n').pop()!) as {
    ok: boolean;
    code: number;
    reply: string;
    stage: string;
  };
}

for (const kind of storeKinds) {
  describe(`restricted means cannot send, not cannot sign in (${kind})`, () => {
    let harness: GatewayHarness;
    /** A whole web sign-in post as a browser sends it; the status (303: signed in). */
    const webSignIn = async (login: string, password: string) => {
      const http = createHttpApp(harness.app);
      const host = 'localhost:8025';
      const page = await http.request('/account/sign-in', { headers: { host } });
      const cookie = (page.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
      const token = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1] ?? '';
      const response = await http.request('/account/sign-in', {
        method: 'POST',
        headers: {
          host,
          origin: `http://${host}`,
          'sec-fetch-site': 'same-origin',
          cookie,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ _csrf: token, login, password }).toString(),
      });
      return response.status;
    };

    before(async () => {
      harness = await startGatewayHarness({ kind });
      const policy = await harness.app.outbound.setPolicy(
        'tight',
        { settings: { externalPerHour: 2 }, scope: { users: [ALICE.address] } },
        cliActor,
      );
      assert.ok(policy.ok);
      await sendUntilRestricted(harness.app, ALICE.address);
      assert.ok((await harness.app.directory.setDisabled(BOB.address, true, cliActor)).ok);
    });
    after(() => harness.cleanup());

    test('a restricted account’s SMTP AUTH succeeds and its MAIL FROM gets 550 5.1.8; its sign-in is a success', async () => {
      const sent = await smtplib(harness.smtpPort, ALICE.address, ALICE.password);
      assert.deepEqual(sent, {
        ok: false,
        code: 550,
        reply: '5.1.8 Access denied, bad outbound sender',
        stage: 'send',
      });
      const [entry] = await harness.app.identity.listSignIns({ login: ALICE.address, limit: 1 });
      assert.equal(entry?.protocol, 'smtp');
      assert.equal(entry?.result, 'success');
    });

    test('a restricted account signs in on the web to secure itself', async () => {
      assert.equal(await webSignIn(ALICE.address, ALICE.password), 303);
    });

    test('a disabled account stays refused on SMTP and the web', async () => {
      const sent = await smtplib(harness.smtpPort, BOB.address, BOB.password);
      assert.equal(sent.stage, 'auth');
      assert.equal(sent.code, 535);
      assert.equal(await webSignIn(BOB.address, BOB.password), 401);
    });

    test('the release lets MAIL FROM through again', async () => {
      const released = await harness.app.outbound.release(
        ALICE.address,
        { reason: 'checked with the user', force: true },
        cliActor,
      );
      assert.ok(released.ok, JSON.stringify(released));
      const sent = await smtplib(harness.smtpPort, ALICE.address, ALICE.password);
      assert.deepEqual(sent, { ok: true, code: 250, reply: 'sent', stage: 'send' });
    });
  });
}
