import { generateKeyPairSync } from 'node:crypto';
import type { TestRecord, TestZone } from './dns-server.js';

/** The DKIM p= value of a fresh RSA key of `bits`, or of an Ed25519 key (RFC 8463: the raw 32 bytes). */
export function dkimPublicKey(kind: 'rsa-2048' | 'rsa-1024' | 'ed25519'): string {
  if (kind === 'ed25519') {
    const { publicKey } = generateKeyPairSync('ed25519');
    return publicKey.export({ type: 'spki', format: 'der' }).subarray(-32).toString('base64');
  }
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: kind === 'rsa-2048' ? 2048 : 1024 });
  return publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
}

const txt = (text: string): TestRecord => ({ type: 'TXT', text });
const a = (address: string): TestRecord => ({ type: 'A', address });
const mx = (exchange: string, priority = 10): TestRecord => ({ type: 'MX', exchange, priority });

/** A domain with every record the Secure Score asks for, done right (MTA-STS host on 127.0.0.1). */
export function goodDomain(domain: string, selector: string, key = dkimPublicKey('rsa-2048')): TestZone {
  return {
    [domain]: [txt('v=spf1 mx -all'), mx(`mx.${domain}`)],
    [`mx.${domain}`]: [a('127.0.0.1')],
    [`${selector}._domainkey.${domain}`]: [txt(`v=DKIM1; k=rsa; p=${key}`)],
    [`_dmarc.${domain}`]: [txt(`v=DMARC1; p=reject; rua=mailto:dmarc@${domain}`)],
    [`_mta-sts.${domain}`]: [txt('v=STSv1; id=20261127T000000')],
    [`mta-sts.${domain}`]: [a('127.0.0.1')],
    [`_smtp._tls.${domain}`]: [txt(`v=TLSRPTv1; rua=mailto:tlsrpt@${domain}`)],
  };
}

export function enforcePolicy(domain: string): string {
  return `version: STSv1\nmode: enforce\nmx: mx.${domain}\nmax_age: 604800\n`;
}

/** A domain that gets each record wrong in its own way. */
export function weakDomain(domain: string, selector: string): TestZone {
  return {
    [domain]: [txt('v=spf1 +all')],
    [`${selector}._domainkey.${domain}`]: [txt(`v=DKIM1; k=rsa; p=${dkimPublicKey('rsa-1024')}`)],
    [`_dmarc.${domain}`]: [txt(`v=DMARC1; p=none; rua=mailto:dmarc@${domain}`)],
    [`_mta-sts.${domain}`]: [txt('v=STSv1; id=1')],
    [`mta-sts.${domain}`]: [a('127.0.0.1')],
  };
}

export function testingPolicy(domain: string): string {
  return `version: STSv1\nmode: testing\nmx: mx.${domain}\nmax_age: 86400\n`;
}
