import { isIP } from 'node:net';

/**
 * The PROXY protocol header a load balancer (HAProxy `send-proxy-v2`, or `send-proxy` for the text
 * form) puts before a connection's first byte, read from the bytes received so far.
 * https://www.haproxy.org/download/2.8/doc/proxy-protocol.txt
 *
 * - `incomplete`: not enough bytes yet (read more; give up past the longest header).
 * - `invalid`: not a PROXY header, or a malformed one; the reason is for the log line.
 * - `local`: the balancer's own connection (a health check): the peer's address stands.
 * - `proxied`: the client's address and port; `length` bytes are the header, the rest is the session.
 */
export type ProxyHeader =
  | { kind: 'incomplete' }
  | { kind: 'invalid'; reason: string }
  | { kind: 'local'; length: number }
  | { kind: 'proxied'; length: number; address: string; port: number };

/** The v2 signature: \r\n\r\n\0\r\nQUIT\n. */
export const PROXY_V2_SIGNATURE = Buffer.from([
  0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a,
]);
const V1_PREFIX = Buffer.from('PROXY ');
/** The text form's longest line, CRLF included (the specification's 107 bytes). */
const V1_MAX_LENGTH = 107;
/** Beyond the 16 fixed bytes, addresses plus TLVs; HAProxy's own limit is far below. */
const V2_MAX_PAYLOAD = 2048;

export const PROXY_HEADER_MAX_BYTES = 16 + V2_MAX_PAYLOAD;

export function readProxyHeader(bytes: Buffer): ProxyHeader {
  if (bytes.length === 0) return { kind: 'incomplete' };
  const v2Prefix = Math.min(bytes.length, PROXY_V2_SIGNATURE.length);
  if (bytes.subarray(0, v2Prefix).equals(PROXY_V2_SIGNATURE.subarray(0, v2Prefix)))
    return bytes.length < 16 ? { kind: 'incomplete' } : readV2(bytes);
  const v1Prefix = Math.min(bytes.length, V1_PREFIX.length);
  if (bytes.subarray(0, v1Prefix).equals(V1_PREFIX.subarray(0, v1Prefix))) return readV1(bytes);
  return { kind: 'invalid', reason: 'the connection does not start with a PROXY header' };
}

function readV2(bytes: Buffer): ProxyHeader {
  const versionCommand = bytes[12]!;
  if (versionCommand >> 4 !== 2)
    return { kind: 'invalid', reason: `PROXY version ${versionCommand >> 4} is not 2` };
  const command = versionCommand & 0x0f;
  if (command > 1)
    return { kind: 'invalid', reason: `PROXY v2 command ${command} is neither LOCAL nor PROXY` };
  const familyProtocol = bytes[13]!;
  const payload = bytes.readUInt16BE(14);
  if (payload > V2_MAX_PAYLOAD)
    return { kind: 'invalid', reason: `PROXY v2 header of ${payload} bytes is too long` };
  const length = 16 + payload;
  if (bytes.length < length) return { kind: 'incomplete' };
  if (command === 0) return { kind: 'local', length };
  const family = familyProtocol >> 4;
  const protocol = familyProtocol & 0x0f;
  if (protocol !== 1) return { kind: 'invalid', reason: 'PROXY v2 carries no TCP stream' };
  if (family === 1) {
    if (payload < 12) return { kind: 'invalid', reason: 'PROXY v2 IPv4 addresses are truncated' };
    const address = [...bytes.subarray(16, 20)].join('.');
    return { kind: 'proxied', length, address, port: bytes.readUInt16BE(24) };
  }
  if (family === 2) {
    if (payload < 36) return { kind: 'invalid', reason: 'PROXY v2 IPv6 addresses are truncated' };
    const groups: string[] = [];
    for (let offset = 16; offset < 32; offset += 2) groups.push(bytes.readUInt16BE(offset).toString(16));
    return { kind: 'proxied', length, address: compressIPv6(groups), port: bytes.readUInt16BE(48) };
  }
  return { kind: 'invalid', reason: `PROXY v2 address family ${family} is neither IPv4 nor IPv6` };
}

function readV1(bytes: Buffer): ProxyHeader {
  const end = bytes.indexOf('\r\n');
  if (end === -1)
    return bytes.length >= V1_MAX_LENGTH
      ? { kind: 'invalid', reason: 'PROXY v1 line is too long' }
      : { kind: 'incomplete' };
  if (end + 2 > V1_MAX_LENGTH) return { kind: 'invalid', reason: 'PROXY v1 line is too long' };
  const fields = bytes.subarray(0, end).toString('latin1').split(' ');
  const length = end + 2;
  if (fields[1] === 'UNKNOWN') return { kind: 'local', length };
  const [, family, source, , sourcePort] = fields;
  if (fields.length !== 6 || (family !== 'TCP4' && family !== 'TCP6'))
    return { kind: 'invalid', reason: 'PROXY v1 line is malformed' };
  if (isIP(source ?? '') !== (family === 'TCP4' ? 4 : 6))
    return { kind: 'invalid', reason: 'PROXY v1 source is not an address of its family' };
  const port = Number(sourcePort);
  if (!/^\d{1,5}$/.test(sourcePort ?? '') || port > 65535)
    return { kind: 'invalid', reason: 'PROXY v1 source port is not a port' };
  return { kind: 'proxied', length, address: source!.toLowerCase(), port };
}

/** The usual text form of an IPv6 address (an IPv4-mapped one as its IPv4 address). */
function compressIPv6(groups: string[]): string {
  if (groups.slice(0, 5).every((group) => group === '0') && groups[5] === 'ffff') {
    const high = Number.parseInt(groups[6]!, 16);
    const low = Number.parseInt(groups[7]!, 16);
    return `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
  }
  let bestStart = -1;
  let bestLength = 0;
  for (let start = 0; start < 8; start++) {
    let length = 0;
    while (start + length < 8 && groups[start + length] === '0') length++;
    if (length > bestLength && length > 1) {
      bestStart = start;
      bestLength = length;
    }
  }
  if (bestStart === -1) return groups.join(':');
  return `${groups.slice(0, bestStart).join(':')}::${groups.slice(bestStart + bestLength).join(':')}`;
}
