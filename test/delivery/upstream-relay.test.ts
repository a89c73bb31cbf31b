import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createDelivery, type Delivery } from '../../src/delivery/index.js';
import { systemClock } from '../../src/runtime/clock.js';
import { createLogger } from '../../src/runtime/logger.js';
import { startUpstreamServer } from '../support/upstream-server.js';

describe('upstream relay', () => {
  let upstream: Awaited<ReturnType<typeof startUpstreamServer>>;
  let relay: Delivery;
  before(async () => {
    upstream = await startUpstreamServer();
    relay = createDelivery(
      {
        relay: {
          url: `smtp://127.0.0.1:${upstream.port}`,
          poolSize: 2,
          timeoutMs: 5000,
          rejectUnauthorized: false,
        },
        spoolDir: '/nonexistent',
        hostname: 'mailwarden.test',
      },
      { clock: systemClock, logger: createLogger({ level: 'error', sink: { write: () => true } }) },
    );
  });
  after(async () => {
    await relay.close();
    await upstream.stop();
  });
  const last = () => upstream.received[upstream.received.length - 1]!;

  test('the message reaches the upstream byte for byte, with the envelope it was given', async () => {
    upstream.setMode('accept');
    const raw = Buffer.from(
      'From: <eva@acme.example>\r\nTo: <tom@contoso.example>\r\nSubject: hi\r\n\r\n.leading dot\r\nline\r\n..two dots\r\n',
    );
    const outcome = await relay.deliver({ from: 'eva@acme.example', to: ['tom@contoso.example'], raw });
    assert.equal(outcome.ok, true);
    assert.deepEqual(last().raw, raw);
    assert.equal(last().from, 'eva@acme.example');
    assert.deepEqual(last().to, ['tom@contoso.example']);
    // No header of its own (Message-ID, Date …) is added to a relayed message.
    assert.ok(!last().raw.toString().toLowerCase().includes('message-id'));
  });

  test('host names are lower-cased and a recipient listed twice is sent once (as nodemailer does)', async () => {
    upstream.setMode('accept');
    const raw = Buffer.from('Subject: twice\r\n\r\nbody without a final line break');
    const outcome = await relay.deliver({
      from: 'Eva@ACME.example',
      to: ['Tom@Contoso.EXAMPLE', 'Tom@contoso.example', 'ann@contoso.example'],
      raw,
    });
    assert.equal(outcome.ok, true);
    assert.equal(last().from, 'Eva@acme.example');
    assert.deepEqual(last().to, ['Tom@contoso.example', 'ann@contoso.example']);
    // The line break before the terminating dot belongs to the last line, as on nodemailer's own path.
    assert.deepEqual(last().raw, Buffer.concat([raw, Buffer.from('\r\n')]));
  });

  test('international addresses keep nodemailer’s own handling and arrive', async () => {
    upstream.setMode('accept');
    const raw = Buffer.from('Subject: idn\r\n\r\nhello\r\n');
    const outcome = await relay.deliver({ from: 'eva@acme.example', to: ['safe@jõgeva.ee'], raw });
    assert.equal(outcome.ok, true);
    // (smtp-server, the upstream here, shows an A-label host as Unicode again.)
    assert.deepEqual(last().to, ['safe@jõgeva.ee']);
    assert.deepEqual(last().raw, raw);
  });

  test('a bounce (empty sender) goes out with MAIL FROM:<>', async () => {
    upstream.setMode('accept');
    const raw = Buffer.from('Subject: bounce\r\n\r\nhello\r\n');
    const outcome = await relay.deliver({ from: '', to: ['eva@acme.example'], raw });
    assert.equal(outcome.ok, true);
    assert.equal(last().from, '');
  });

  test('an upstream refusal is permanent, a temporary failure temporary, both with the upstream’s words', async () => {
    const raw = Buffer.from('Subject: no\r\n\r\nhello\r\n');
    upstream.setMode('refuse');
    const refused = await relay.deliver({ from: 'eva@acme.example', to: ['tom@contoso.example'], raw });
    assert.equal(refused.ok, false);
    assert.equal(!refused.ok && refused.kind, 'permanent');
    assert.match(!refused.ok ? refused.message : '', /refused by policy/);
    upstream.setMode('temporary-failure');
    const deferred = await relay.deliver({ from: 'eva@acme.example', to: ['tom@contoso.example'], raw });
    assert.equal(!deferred.ok && deferred.kind, 'temporary');
    upstream.setMode('accept');
    // The pooled connection is still usable after both.
    const again = await relay.deliver({ from: 'eva@acme.example', to: ['tom@contoso.example'], raw });
    assert.equal(again.ok, true);
  });
});
