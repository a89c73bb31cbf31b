import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PROXY_V2_SIGNATURE, readProxyHeader } from '../../src/gateway/proxy-header.js';

function v2(command: number, familyProtocol: number, addresses: Buffer, extra = Buffer.alloc(0)): Buffer {
  const fixed = Buffer.alloc(4);
  fixed[0] = 0x20 | command;
  fixed[1] = familyProtocol;
  fixed.writeUInt16BE(addresses.length + extra.length, 2);
  return Buffer.concat([PROXY_V2_SIGNATURE, fixed, addresses, extra]);
}
function ipv4(source: number[], destination: number[], sourcePort: number, destinationPort: number) {
  const buffer = Buffer.alloc(12);
  Buffer.from(source).copy(buffer, 0);
  Buffer.from(destination).copy(buffer, 4);
  buffer.writeUInt16BE(sourcePort, 8);
  buffer.writeUInt16BE(destinationPort, 10);
  return buffer;
}

test('a PROXY v2 IPv4 header gives the client address and port and its own length', () => {
  const header = v2(1, 0x11, ipv4([127, 0, 0, 5], [127, 0, 0, 1], 40000, 587));
  const session = Buffer.from('EHLO client\r\n');
  const read = readProxyHeader(Buffer.concat([header, session]));
  assert.deepEqual(read, { kind: 'proxied', length: header.length, address: '127.0.0.5', port: 40000 });
});

test('a PROXY v2 IPv6 header with TLVs gives the compressed client address', () => {
  const addresses = Buffer.alloc(36);
  Buffer.from('20010db8000000000000000000000042', 'hex').copy(addresses, 0);
  Buffer.from('00000000000000000000000000000001', 'hex').copy(addresses, 16);
  addresses.writeUInt16BE(51000, 32);
  addresses.writeUInt16BE(25, 34);
  const tlv = Buffer.from([0x04, 0x00, 0x02, 0xab, 0xcd]);
  const header = v2(1, 0x21, addresses, tlv);
  assert.deepEqual(readProxyHeader(header), {
    kind: 'proxied',
    length: header.length,
    address: '2001:db8::42',
    port: 51000,
  });
});

test('an IPv4-mapped IPv6 source reads as its IPv4 address', () => {
  const addresses = Buffer.alloc(36);
  Buffer.from('00000000000000000000ffffc0000207', 'hex').copy(addresses, 0);
  const read = readProxyHeader(v2(1, 0x21, addresses));
  assert.equal(read.kind === 'proxied' && read.address, '192.0.2.7');
});

test('a PROXY v2 LOCAL header (a health check) keeps the peer address', () => {
  const header = v2(0, 0x00, Buffer.alloc(0));
  assert.deepEqual(readProxyHeader(header), { kind: 'local', length: 16 });
});

test('a truncated PROXY v2 header asks for more bytes, never guesses', () => {
  const header = v2(1, 0x11, ipv4([10, 0, 0, 1], [10, 0, 0, 2], 1, 2));
  for (const cut of [1, 5, 12, 15, 16, header.length - 1])
    assert.deepEqual(readProxyHeader(header.subarray(0, cut)), { kind: 'incomplete' }, `cut at ${cut}`);
});

test('malformed PROXY v2 headers are refused with a reason', () => {
  const cases: [string, Buffer][] = [
    [
      'version 1 in the binary form',
      Buffer.concat([PROXY_V2_SIGNATURE, Buffer.from([0x11, 0x11, 0, 12]), Buffer.alloc(12)]),
    ],
    ['command 2', v2(2, 0x11, ipv4([1, 2, 3, 4], [1, 2, 3, 4], 1, 1))],
    ['UDP', v2(1, 0x12, ipv4([1, 2, 3, 4], [1, 2, 3, 4], 1, 1))],
    ['short IPv4 block', v2(1, 0x11, Buffer.alloc(8))],
    ['short IPv6 block', v2(1, 0x21, Buffer.alloc(20))],
    ['unix family', v2(1, 0x31, Buffer.alloc(216))],
    ['a huge length', Buffer.concat([PROXY_V2_SIGNATURE, Buffer.from([0x21, 0x11, 0xff, 0xff])])],
  ];
  for (const [name, bytes] of cases) assert.equal(readProxyHeader(bytes).kind, 'invalid', name);
});

test('the PROXY v1 text form is read, UNKNOWN keeps the peer, bad lines are refused', () => {
  assert.deepEqual(readProxyHeader(Buffer.from('PROXY TCP4 127.0.0.5 127.0.0.1 40001 25\r\nEHLO x\r\n')), {
    kind: 'proxied',
    length: 41,
    address: '127.0.0.5',
    port: 40001,
  });
  assert.equal(readProxyHeader(Buffer.from('PROXY TCP6 2001:DB8::1 ::1 40001 25\r\n')).kind, 'proxied');
  assert.deepEqual(readProxyHeader(Buffer.from('PROXY UNKNOWN\r\n')), { kind: 'local', length: 15 });
  assert.deepEqual(readProxyHeader(Buffer.from('PROXY TCP4 127.0.0.5')), { kind: 'incomplete' });
  for (const line of [
    'PROXY TCP4 ::1 127.0.0.1 1 2\r\n',
    'PROXY TCP4 evil.example 127.0.0.1 1 2\r\n',
    'PROXY TCP4 1.2.3.4 5.6.7.8 99999 2\r\n',
    'PROXY TCP5 1.2.3.4 5.6.7.8 1 2\r\n',
    `PROXY TCP4 ${'1'.repeat(120)}`,
  ])
    assert.equal(readProxyHeader(Buffer.from(line)).kind, 'invalid', line);
});

test('a connection that starts with anything else is no PROXY header', () => {
  for (const start of ['EHLO client\r\n', 'GET / HTTP/1.1\r\n', '\x16\x03\x01'])
    assert.equal(readProxyHeader(Buffer.from(start)).kind, 'invalid', start);
});
