import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { PROXY_V2_SIGNATURE } from '../../src/gateway/proxy-header.js';
import { ALICE, type GatewayHarness, startGatewayHarness } from '../support/gateway-harness.js';

function proxyV2(source: [number, number, number, number], sourcePort: number): Buffer {
  const header = Buffer.alloc(16);
  header[0] = 0x21;
  header[1] = 0x11;
  header.writeUInt16BE(12, 2);
  Buffer.from(source).copy(header, 4);
  Buffer.from([127, 0, 0, 1]).copy(header, 8);
  header.writeUInt16BE(sourcePort, 12);
  header.writeUInt16BE(587, 14);
  return Buffer.concat([PROXY_V2_SIGNATURE, header.subarray(0, 16)]);
}

/** Sends `first`, then the SMTP lines one reply at a time; every reply read, or null when closed first. */
function dialogue(port: number, first: Buffer, lines: string[], localAddress = '127.0.0.1') {
  return new Promise<{ replies: string[]; closedEarly: boolean }>((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1', localAddress });
    const replies: string[] = [];
    let buffered = '';
    let next = 0;
    socket.on('connect', () => socket.write(first));
    socket.on('data', (data) => {
      buffered += data.toString('latin1');
      let end = buffered.indexOf('\r\n');
      while (end !== -1) {
        const line = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        end = buffered.indexOf('\r\n');
        if (line[3] === '-') continue;
        replies.push(line);
        if (next < lines.length) socket.write(`${lines[next++]}\r\n`);
        else socket.end();
      }
    });
    socket.on('error', reject);
    socket.on('close', () => resolve({ replies, closedEarly: next < lines.length }));
  });
}

describe('PROXY protocol on the SMTP listener', () => {
  let harness: GatewayHarness;
  const auth = `AUTH PLAIN ${Buffer.from(`\0${ALICE.address}\0${ALICE.password}`).toString('base64')}`;

  before(async () => {
    harness = await startGatewayHarness({
      relay: 'spool',
      overrides: { 'proxy.trustedAddresses': ['127.0.0.1'], 'smtp.requireTls': false },
    });
  });
  after(() => harness.cleanup());

  const newestSignIn = async () =>
    (await harness.app.identity.listSignIns({ login: ALICE.address, limit: 1 }))[0];

  test('a trusted balancer’s PROXY v2 header puts the client’s address in the sign-in log', async () => {
    const result = await dialogue(harness.smtpPort, proxyV2([127, 0, 0, 5], 40123), [
      'EHLO client',
      auth,
      'QUIT',
    ]);
    assert.match(result.replies[0] ?? '', /^220 /);
    assert.match(result.replies[2] ?? '', /^235 /, result.replies.join(' | '));
    assert.equal((await newestSignIn())?.clientIp, '127.0.0.5');
  });

  test('a trusted peer whose connection starts without a valid PROXY header is closed before the greeting', async () => {
    for (const start of [
      Buffer.from('EHLO client\r\n'),
      Buffer.concat([PROXY_V2_SIGNATURE, Buffer.from([0x21, 0x11, 0, 4, 1, 2, 3, 4])]),
    ]) {
      const result = await dialogue(harness.smtpPort, start, ['EHLO client']);
      assert.deepEqual(result.replies, []);
      assert.equal(result.closedEarly, true);
    }
  });

  test('a PROXY header from a peer that is not trusted is refused and names no address', async () => {
    const before = await newestSignIn();
    // It talks before the greeting: the early-talker refusal closes the session.
    const result = await dialogue(
      harness.smtpPort,
      Buffer.from('PROXY TCP4 203.0.113.9 127.0.0.1 4000 587\r\n'),
      ['EHLO client', auth, 'QUIT'],
      '127.0.0.2',
    );
    assert.match(result.replies[0] ?? '', /^421 /, result.replies.join(' | '));
    assert.equal(result.closedEarly, true);
    assert.equal((await newestSignIn())?.id, before?.id);
  });
});
