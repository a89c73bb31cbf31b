import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { prepareMailwarden, SENDER, type ServedMailwarden } from '../support/served-mailwarden.js';
import { sendOne } from '../support/smtp-load.js';
import { startUpstreamServer } from '../support/upstream-server.js';

type FrontMode = 'forward' | 'down' | 'black-hole';

/**
 * What Mailwarden's relay.url points at: a port that forwards to the real upstream, or refuses
 * connections (the upstream process killed), or accepts them and never says a word (a black hole: a
 * hung upstream, a firewall that drops). A change of mode cuts every open connection, as the upstream
 * dying would, so the relay's pooled connections have to notice.
 */
async function startSwitchableFront(upstreamPort: number) {
  let mode: FrontMode = 'forward';
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    if (mode === 'black-hole') return;
    const upstream = net.connect({ host: '127.0.0.1', port: upstreamPort });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => socket.destroy());
    socket.pipe(upstream).pipe(socket);
    socket.on('close', () => upstream.destroy());
    upstream.on('close', () => socket.destroy());
  });
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
  await listen(0);
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    async setMode(next: FrontMode) {
      for (const socket of sockets) socket.destroy();
      if (mode === 'down' && next !== 'down') await listen(port);
      if (next === 'down' && mode !== 'down')
        await new Promise<void>((resolve) => server.close(() => resolve()));
      mode = next;
    },
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
    },
  };
}

const RELAY_TIMEOUT_MS = 2000;

describe('the upstream relay killed, then black-holed, then back', () => {
  let served: ServedMailwarden;
  let upstream: Awaited<ReturnType<typeof startUpstreamServer>>;
  let front: Awaited<ReturnType<typeof startSwitchableFront>>;
  let sequence = 0;
  const send = () =>
    sendOne({
      port: served.ports.smtp,
      user: SENDER,
      password: served.appPassword,
      messageId: `<outage-${sequence++}@example.org>`,
    });
  const arrivedUpstream = () =>
    upstream.received.map((message) => /^Message-ID: *(<[^>\r\n]+>)/im.exec(message.raw.toString())?.[1]);
  const healthz = async () => (await fetch(`http://127.0.0.1:${served.ports.http}/healthz`)).status;

  before(async () => {
    upstream = await startUpstreamServer();
    front = await startSwitchableFront(upstream.port);
    served = await prepareMailwarden({
      relayUrl: `smtp://127.0.0.1:${front.port}`,
      env: { MAILWARDEN_RELAY_TIMEOUT_MS: String(RELAY_TIMEOUT_MS) },
    });
    await served.start();
  });
  after(async () => {
    await served.remove();
    await front.close();
    await upstream.stop();
  });

  test('clients get 451 4.4.1 and never 250 while the upstream is down or silent; the process stays up and relays again once it is back', {
    timeout: 90_000,
  }, async () => {
    const first = await send();
    assert.equal(first.code, 250, first.response);

    await front.setMode('down');
    const whileDown = await Promise.all(Array.from({ length: 6 }, () => send()));
    for (const reply of whileDown) {
      assert.equal(reply.code, 451, reply.response);
      assert.match(reply.response, /^451 4\.4\.1 /);
    }
    assert.ok(served.alive(), 'the process is still running');
    assert.ok([200, 503].includes(await healthz()), '/healthz still answers');

    await front.setMode('black-hole');
    const started = Date.now();
    const whileSilent = await Promise.all(Array.from({ length: 4 }, () => send()));
    for (const reply of whileSilent) {
      assert.equal(reply.code, 451, reply.response);
      assert.match(reply.response, /^451 4\.4\.1 /);
    }
    assert.ok(
      Date.now() - started < RELAY_TIMEOUT_MS * 4 + 5000,
      'a silent upstream costs the client about relay.timeoutMs, not forever',
    );
    assert.ok(served.alive(), 'the process is still running');
    assert.ok([200, 503].includes(await healthz()), '/healthz still answers');
    assert.deepEqual(arrivedUpstream(), ['<outage-0@example.org>'], 'nothing refused reached the upstream');

    await front.setMode('forward');
    const again = await Promise.all(Array.from({ length: 3 }, () => send()));
    for (const reply of again) assert.equal(reply.code, 250, reply.response);
    assert.equal(upstream.received.length, 4, 'the messages after the outage arrived');
    assert.equal(await healthz(), 200);
    assert.equal(await served.stop(), 0);
  });
});
