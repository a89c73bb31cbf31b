import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createPostfixPolicyServer, type PostfixPolicyServer } from '../../src/mailstack/index.js';
import { encodeRequest, PolicyClient, rcptRequest } from '../support/postfix-policy-client.js';
import { addUser, cliActor, createTestApp, type TestApp } from '../support/test-app.js';

const DEFER = 'DEFER_IF_PERMIT Service temporarily unavailable';
const ALICE = 'alice@example.org';

/** Small limits, so that the tests can cross them with little data. */
const limits = { maxLineBytes: 512, maxAttributes: 50, maxRequestBytes: 8192 };

describe('the Postfix policy listener on raw TCP', () => {
  let testApp: TestApp;
  let server: PostfixPolicyServer;
  let port: number;
  const clients: PolicyClient[] = [];
  const connect = async () => {
    const client = await PolicyClient.connect(port);
    clients.push(client);
    return client;
  };

  before(async () => {
    testApp = await createTestApp();
    await addUser(testApp.app, ALICE);
    server = createPostfixPolicyServer(testApp.app, { onError: 'defer', limits });
    await server.start('127.0.0.1', 0);
    port = server.port()!;
  });
  after(async () => {
    for (const client of clients) client.close();
    await server.stop();
    await testApp.cleanup();
  });

  test('a client that did not sign in is not ours to judge: DUNNO', async () => {
    const client = await connect();
    assert.equal(
      await client.ask(rcptRequest({ sasl_username: undefined, sasl_method: undefined })),
      'DUNNO',
    );
    assert.equal(await client.ask(rcptRequest({ sasl_username: '', sasl_method: '' })), 'DUNNO');
  });

  test('a SASL login that is no Mailwarden user is counted, not let through uncounted', async () => {
    const client = await connect();
    const request = rcptRequest({ sasl_username: 'stranger@elsewhere.test', instance: 'a.1' });
    assert.equal(await client.ask(request), 'DUNNO');
    assert.equal(await client.ask({ ...request, protocol_state: 'END-OF-MESSAGE' }), 'DUNNO');
    const { records } = await testApp.app.audit.search({
      mailbox: 'stranger@elsewhere.test',
      operations: ['Send'],
    });
    assert.equal(records[0]?.details?.['unknownLogin'], true);
  });

  test('garbage gets the configured fallback, and the connection goes on serving', async () => {
    const client = await connect();
    client.write('GET / HTTP/1.1\nHost: example\n\n');
    assert.equal(await client.read(), DEFER);
    client.write(Buffer.from([0x00, 0xff, 0x3d, 0xfe, 0x0a, 0x0a]));
    assert.equal(await client.read(), DEFER);
    client.write('name=with\0nul\n\n');
    assert.equal(await client.read(), DEFER);
    client.write('\n');
    assert.equal(await client.read(), DEFER, 'an empty request');
    assert.equal(await client.ask({ request: 'something_else', sasl_username: ALICE }), DEFER);
    assert.equal(await client.ask(rcptRequest({ sasl_username: '' })), 'DUNNO');
    assert.equal(client.closed, false);
  });

  test('an overlong line is dropped and its request answered with the fallback', async () => {
    const client = await connect();
    const long = `ccert_subject=${'x'.repeat(3000)}`;
    // In pieces, as TCP may deliver it.
    for (const piece of [long.slice(0, 100), long.slice(100, 2000), `${long.slice(2000)}\n`])
      client.write(piece);
    client.write(encodeRequest(rcptRequest({ sasl_username: '' })));
    assert.equal(await client.read(), DEFER);
    assert.equal(await client.ask(rcptRequest({ sasl_username: '' })), 'DUNNO');
  });

  test('more attributes than allowed: the fallback', async () => {
    const client = await connect();
    const many = Object.fromEntries(Array.from({ length: 60 }, (_, index) => [`extra_${index}`, 'x']));
    assert.equal(await client.ask({ ...rcptRequest({ sasl_username: '' }), ...many }), DEFER);
  });

  test('a request larger than the limit is answered once, then the connection is closed', async () => {
    const client = await connect();
    client.write('a=b\n'.repeat(5000));
    assert.equal(await client.read(), DEFER);
    await client.whenClosed();
    const next = await connect();
    assert.equal(await next.ask(rcptRequest({ sasl_username: '' })), 'DUNNO', 'the listener still serves');
  });

  test('pipelined requests are answered in the order they came', async () => {
    const client = await connect();
    client.write(
      [
        encodeRequest(rcptRequest({ size: '999999999999', instance: 'p.1' })),
        'garbage\n\n',
        encodeRequest(rcptRequest({ sasl_username: '' })),
        encodeRequest(rcptRequest({ sasl_username: 'stranger@elsewhere.test', instance: 'p.2' })),
        encodeRequest({ request: 'smtpd_access_policy', protocol_state: 'RCPT', sasl_username: ALICE }),
      ].join(''),
    );
    assert.equal(await client.read(), '552 5.3.4 Message size exceeds fixed maximum message size');
    assert.equal(await client.read(), DEFER);
    assert.equal(await client.read(), 'DUNNO');
    assert.equal(await client.read(), 'DUNNO');
    assert.equal(await client.read(), DEFER, 'no instance: cannot be correlated');
  });

  test('a request sent one byte at a time is read whole', async () => {
    const client = await connect();
    const bytes = Buffer.from(encodeRequest(rcptRequest({ sasl_username: '' })));
    for (const byte of bytes) client.write(Buffer.from([byte]));
    assert.equal(await client.read(), 'DUNNO');
  });

  test('with policy.onError = dunno, what cannot be decided passes', async () => {
    const lenient = createPostfixPolicyServer(testApp.app, { onError: 'dunno', limits });
    await lenient.start('127.0.0.1', 0);
    const client = await PolicyClient.connect(lenient.port()!);
    try {
      client.write('garbage\n\n');
      assert.equal(await client.read(), 'DUNNO');
      assert.equal(
        await client.ask({ request: 'smtpd_access_policy', sasl_username: ALICE, protocol_state: 'RCPT' }),
        'DUNNO',
      );
    } finally {
      client.close();
      await lenient.stop();
    }
  });

  test('stop() closes idle connections', async () => {
    const extra = createPostfixPolicyServer(testApp.app, { limits });
    await extra.start('127.0.0.1', 0);
    const client = await PolicyClient.connect(extra.port()!);
    assert.equal(await client.ask(rcptRequest({ sasl_username: '' })), 'DUNNO');
    await extra.stop();
    await client.whenClosed();
    assert.equal(extra.port(), null);
  });

  test('a disabled account may not send through Postfix', async () => {
    await addUser(testApp.app, 'dora@example.org');
    assert.ok((await testApp.app.directory.setDisabled('dora@example.org', true, cliActor)).ok);
    const client = await connect();
    assert.equal(
      await client.ask(rcptRequest({ sasl_username: 'dora@example.org', instance: 'd.1' })),
      '550 5.7.1 Account disabled, contact your administrator',
    );
  });
});
