import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import type { SMTPServer } from 'smtp-server';
import type { Logger } from '../runtime/logger.js';
import { PROXY_HEADER_MAX_BYTES, readProxyHeader } from './proxy-header.js';

type ProxyCallback = (error: Error | null, options?: Record<string, unknown>) => void;
interface ProxyHook {
  _handleProxy(socket: Socket, callback: ProxyCallback): void;
}

/** ::ffff:127.0.0.1 and 127.0.0.1 are one peer. */
const normalizeAddress = (address: string | undefined) =>
  (address ?? '').toLowerCase().replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, '$1');

/**
 * Behind a load balancer: a connection from one of `trusted` must start with a PROXY header (v2, or
 * the v1 text form), and the session then sees the client's address (sign-in log, lockout, risk,
 * Received). A connection from a trusted peer without a valid header is closed with a log line. A
 * peer that is not listed is taken as the client itself, whatever it sends: its bytes are SMTP, so a
 * PROXY header from it is an unknown command, never an address.
 */
export function acceptProxyHeaders(server: SMTPServer, trusted: readonly string[], logger: Logger): void {
  if (trusted.length === 0) return;
  const trustedPeers = new Set(trusted.map(normalizeAddress));
  const hook = server as unknown as ProxyHook;
  const direct = hook._handleProxy.bind(server);
  hook._handleProxy = (socket, callback) => {
    const peer = normalizeAddress(socket.remoteAddress);
    if (!trustedPeers.has(peer)) {
      direct(socket, callback);
      return;
    }
    const id = BigInt(`0x${randomBytes(10).toString('hex')}`)
      .toString(32)
      .padStart(16, '0');
    let received = Buffer.alloc(0);
    let finished = false;
    const finish = (error: Error | null, options?: Record<string, unknown>) => {
      if (finished) return;
      finished = true;
      socket.off('readable', onReadable);
      socket.off('end', onEnd);
      socket.off('error', onError);
      if (error) {
        socket.on('error', () => {});
        socket.destroy();
      }
      callback(error, options);
    };
    const refuse = (reason: string) => {
      logger.warn('PROXY header refused; connection closed', { peer, reason });
      finish(new Error(reason));
    };
    const onEnd = () => refuse('the connection ended before its PROXY header');
    const onError = (error: Error) => finish(error);
    const onReadable = () => {
      let chunk: Buffer | null;
      // biome-ignore lint/suspicious/noAssignInExpressions: the stream's read loop
      while ((chunk = socket.read() as Buffer | null) !== null) {
        received = Buffer.concat([received, chunk]);
        const header = readProxyHeader(received);
        if (header.kind === 'incomplete') {
          if (received.length > PROXY_HEADER_MAX_BYTES) return refuse('the PROXY header is too long');
          continue;
        }
        if (header.kind === 'invalid') return refuse(header.reason);
        const rest = received.subarray(header.length);
        if (rest.length > 0) socket.unshift(rest);
        if (header.kind === 'local') return finish(null, { id });
        return finish(null, { id, remoteAddress: header.address, remotePort: header.port });
      }
    };
    socket.on('readable', onReadable);
    socket.on('end', onEnd);
    socket.on('error', onError);
  };
}
