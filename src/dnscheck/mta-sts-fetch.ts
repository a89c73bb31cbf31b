import { type RequestOptions, request } from 'node:https';
import { type ConnectionOptions, createSecureContext, rootCertificates, type SecureContext } from 'node:tls';
import type { Message } from '../i18n/index.js';
import { checkMessage } from './check-message.js';

export interface PolicyFetchOptions {
  /** 443 in production; tests serve the policy on a free loopback port. */
  port: number;
  /** Extra trusted CA certificates (PEM), besides Node's bundled roots. */
  extraCa: string | null;
  timeoutMs: number;
}

const MAX_POLICY_BYTES = 64 * 1024;

/**
 * The TLS context of the policy fetches, built once: parsing the bundled roots plus the extra CA on
 * every request cost ~60 ms a fetch (bench/score). Null: Node's default roots.
 */
export function policySecureContext(extraCa: string | null): SecureContext | undefined {
  return extraCa ? createSecureContext({ ca: [...rootCertificates, extraCa] }) : undefined;
}

/**
 * GET https://mta-sts.<domain>/.well-known/mta-sts.txt (RFC 8461 §3.3) from `address` (resolved by the
 * checker's own resolver), verifying the certificate for mta-sts.<domain>. No redirects are followed.
 */
export function fetchPolicyText(
  domain: string,
  address: string,
  options: PolicyFetchOptions,
  secureContext: SecureContext | undefined,
): Promise<{ ok: true; text: string } | { ok: false; error: Message }> {
  const servername = `mta-sts.${domain}`;
  // https.request passes TLS options (secureContext among them) on to tls.connect.
  const requestOptions: RequestOptions & ConnectionOptions = {
    host: address,
    port: options.port,
    path: '/.well-known/mta-sts.txt',
    method: 'GET',
    servername,
    headers: { host: servername },
    secureContext,
    rejectUnauthorized: true,
    // A connection of its own: the global agent keeps sockets alive and pools them by host and port,
    // not by secureContext, so it could hand out a socket verified against other trust anchors.
    agent: false,
    timeout: options.timeoutMs,
  };
  return new Promise((resolve) => {
    const req = request(requestOptions, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_POLICY_BYTES) {
          req.destroy();
          resolve({ ok: false, error: checkMessage('dnscheck.mtaSts.tooLarge') });
        } else chunks.push(chunk);
      });
      res.on('end', () => {
        if (res.statusCode !== 200)
          resolve({
            ok: false,
            error: checkMessage('dnscheck.mtaSts.httpStatus', {
              status: String(res.statusCode ?? '?'),
              host: servername,
            }),
          });
        else resolve({ ok: true, text: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', (error) =>
        resolve({ ok: false, error: checkMessage('dnscheck.mtaSts.error', { error: error.message }) }),
      );
    });
    req.on('timeout', () => {
      req.destroy();
      resolve({
        ok: false,
        error: checkMessage('dnscheck.mtaSts.timeout', {
          url: `https://${servername}/.well-known/mta-sts.txt`,
        }),
      });
    });
    req.on('error', (error) =>
      resolve({
        ok: false,
        error: checkMessage('dnscheck.mtaSts.fetchError', { host: servername, error: error.message }),
      }),
    );
    req.end();
  });
}
