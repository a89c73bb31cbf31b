import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  fromBase32,
  matchTotpStep,
  otpauthUri,
  toBase32,
  totpCode,
  totpStepAt,
} from '../../src/identity/index.js';

/** RFC 6238 Appendix B: the seeds are the ASCII strings below; T0 = 0, X = 30 s, 8 digits. */
const SEEDS = {
  sha1: Buffer.from('12345678901234567890'),
  sha256: Buffer.from('12345678901234567890123456789012'),
  sha512: Buffer.from('1234567890123456789012345678901234567890123456789012345678901234'),
};
const VECTORS: [number, string, string, string][] = [
  [59, '94287082', '46119246', '90693936'],
  [1111111109, '07081804', '68084774', '25091201'],
  [1111111111, '14050471', '67062674', '99943326'],
  [1234567890, '89005924', '91819424', '93441116'],
  [2000000000, '69279037', '90698825', '38618901'],
  [20000000000, '65353130', '77737706', '47863826'],
];

describe('TOTP codes (RFC 6238)', () => {
  test('computes every RFC 6238 Appendix B test vector', () => {
    for (const [seconds, sha1, sha256, sha512] of VECTORS) {
      const step = totpStepAt(seconds * 1000);
      assert.equal(totpCode(SEEDS.sha1, step, { digits: 8 }), sha1, `SHA-1 at ${seconds}`);
      assert.equal(totpCode(SEEDS.sha256, step, { digits: 8, algorithm: 'sha256' }), sha256);
      assert.equal(totpCode(SEEDS.sha512, step, { digits: 8, algorithm: 'sha512' }), sha512);
      // The 6-digit code apps show is the same number modulo 10^6.
      assert.equal(totpCode(SEEDS.sha1, step), sha1.slice(2));
    }
  });

  test('base32 round-trips and refuses what is not base32', () => {
    const secret = toBase32(SEEDS.sha1);
    assert.equal(secret, 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
    assert.deepEqual(fromBase32(secret.toLowerCase()), SEEDS.sha1);
    assert.equal(fromBase32('not base32!'), null);
  });

  test('accepts a code one step early or late, not two', () => {
    const secret = toBase32(SEEDS.sha1);
    const now = 1111111111_000;
    const step = totpStepAt(now);
    for (const offset of [-1, 0, 1])
      assert.equal(matchTotpStep(secret, totpCode(SEEDS.sha1, step + offset), now, null), step + offset);
    for (const offset of [-2, 2])
      assert.equal(matchTotpStep(secret, totpCode(SEEDS.sha1, step + offset), now, null), null);
  });

  test('does not accept a code of a step at or before the last one used', () => {
    const secret = toBase32(SEEDS.sha1);
    const now = 1234567890_000;
    const step = totpStepAt(now);
    const code = totpCode(SEEDS.sha1, step);
    assert.equal(matchTotpStep(secret, code, now, step), null);
    assert.equal(matchTotpStep(secret, totpCode(SEEDS.sha1, step - 1), now, step - 1 - 0), null);
    assert.equal(matchTotpStep(secret, code, now, step - 1), step);
  });

  test('refuses malformed codes', () => {
    const secret = toBase32(SEEDS.sha1);
    for (const code of ['', '12345', '1234567', 'abcdef', '12 34 5x'])
      assert.equal(matchTotpStep(secret, code, 59_000, null), null);
  });

  test('the otpauth URI carries the seed, issuer and parameters apps expect', () => {
    const uri = new URL(otpauthUri('JBSWY3DPEHPK3PXP', 'Mailwarden', 'ann@example.org'));
    assert.equal(uri.protocol, 'otpauth:');
    assert.equal(uri.host, 'totp');
    assert.equal(decodeURIComponent(uri.pathname), '/Mailwarden:ann@example.org');
    assert.equal(uri.searchParams.get('secret'), 'JBSWY3DPEHPK3PXP');
    assert.equal(uri.searchParams.get('issuer'), 'Mailwarden');
    assert.equal(uri.searchParams.get('digits'), '6');
    assert.equal(uri.searchParams.get('period'), '30');
    assert.equal(uri.searchParams.get('algorithm'), 'SHA1');
  });
});
