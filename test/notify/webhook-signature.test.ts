import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, test } from 'node:test';
import { signWebhookBody, verifyWebhookSignature } from '../../src/notify/index.js';
import { encodeHeaderText, encodeQuotedPrintable } from '../../src/notify/plain-text-message.js';
import { decodeQuotedPrintable } from './received-email.js';

const secret = 'whsec_test-secret';
const body = '{"event":"alert.raised"}';
const nowMs = Date.parse('2026-11-27T10:00:00Z');
const timestamp = Math.floor(nowMs / 1000);

describe('webhook signatures', () => {
  test('sign the timestamp and the body with HMAC-SHA256, as documented', () => {
    const expected = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
    assert.equal(signWebhookBody(secret, timestamp, body), `sha256=${expected}`);
  });

  test('a receiver accepts a fresh, intact request and refuses an altered, stale or malformed one', () => {
    const signature = signWebhookBody(secret, timestamp, body);
    const check = (overrides: Partial<Parameters<typeof verifyWebhookSignature>[0]>) =>
      verifyWebhookSignature({ secret, timestamp: String(timestamp), body, signature, nowMs, ...overrides });
    assert.deepEqual(check({}), { ok: true });
    assert.deepEqual(check({ nowMs: nowMs + 299_000 }), { ok: true });
    assert.deepEqual(check({ body: `${body} ` }), { ok: false, code: 'bad-signature' });
    assert.deepEqual(check({ secret: 'whsec_other' }), { ok: false, code: 'bad-signature' });
    assert.deepEqual(check({ nowMs: nowMs + 301_000 }), { ok: false, code: 'stale-timestamp' });
    assert.deepEqual(check({ signature: 'sha256=abc' }), { ok: false, code: 'malformed' });
    assert.deepEqual(check({ timestamp: 'yesterday' }), { ok: false, code: 'malformed' });
  });
});

describe('plain-text email encoding', () => {
  test('quoted-printable keeps ASCII readable, encodes the rest and keeps lines within 76 characters', () => {
    const text = `mailwarden restricted release alice@example.org --reason "x=y" – prüfen ${'a'.repeat(100)} `;
    const encoded = encodeQuotedPrintable(text);
    for (const line of encoded.split('\r\n')) assert.ok(line.length <= 76, line);
    assert.ok(
      encoded.startsWith('mailwarden restricted release alice@example.org --reason "x=3Dy" =E2=80=93'),
    );
    assert.match(encoded, /pr=C3=BCfen/);
    assert.match(encoded, /=20$/);
    assert.equal(decodeQuotedPrintable(encoded), text);
  });

  test('a subject with non-ASCII characters becomes encoded-words, and never holds a line break', () => {
    const encoded = encodeHeaderText('[Mailwarden] High: User restricted — alice@example.org\r\nBcc: x');
    assert.ok(!/\r\n(?! )/.test(encoded));
    for (const word of encoded.split('\r\n ')) assert.ok(word.length <= 75 && word.startsWith('=?UTF-8?B?'));
    assert.equal(encodeHeaderText('plain subject'), 'plain subject');
  });
});
