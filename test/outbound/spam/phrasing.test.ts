import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { analyze, buildMessage, findingNames } from './message-fixtures.js';

function phrasing(spec: { subject?: string; text?: string; html?: string }) {
  return analyze(buildMessage(spec));
}

describe('phrasing', () => {
  test('does not flag ordinary business mail', () => {
    const text =
      'Dear Tom, please find attached our quotation. Delivery in week 3; we can confirm as soon as possible.\n' +
      'Dit bericht is vertrouwelijk en uitsluitend bestemd voor de geadresseerde. Wij zullen spoedig reageren.';
    assert.deepEqual(findingNames(phrasing({ text })), []);
  });

  test('flags English and Dutch credential phishing, case-insensitively, in subject and body', () => {
    assert.deepEqual(findingNames(phrasing({ subject: 'VERIFY YOUR ACCOUNT' })), ['PHISHING_PHRASE']);
    assert.deepEqual(findingNames(phrasing({ text: 'Uw account wordt geblokkeerd.' })), ['PHISHING_PHRASE']);
    assert.deepEqual(findingNames(phrasing({ html: '<p>Your <b>password</b>\n expires today</p>' })), [
      'PHISHING_PHRASE',
    ]);
  });

  test('sees through accents, curly apostrophes and invisible characters', () => {
    assert.deepEqual(findingNames(phrasing({ text: 'Verifie\u0301er uw account' })), ['PHISHING_PHRASE']);
    assert.deepEqual(findingNames(phrasing({ text: 'Veri\u200bfieer uw acc\u00adount' })), [
      'PHISHING_PHRASE',
    ]);
    assert.deepEqual(findingNames(phrasing({ text: 'Don\u2019t tell anyone' })), ['URGENCY_PHRASE']);
  });

  test('flags payment fraud, crypto and prize scams each under its own name', () => {
    const findings = phrasing({
      text: 'Buy gift cards today. Pay in bitcoin. You have won a lottery. This is urgent.',
    });
    assert.deepEqual(findingNames(findings), [
      'PAYMENT_FRAUD_PHRASE',
      'CRYPTO_SCAM_PHRASE',
      'PRIZE_SCAM_PHRASE',
      'URGENCY_PHRASE',
    ]);
  });

  test('does not let repetition add up: each category counts once', () => {
    const text = 'verify your account! '.repeat(500) + 'your mailbox is full. '.repeat(500);
    const findings = phrasing({ text });
    assert.deepEqual(findingNames(findings), ['PHISHING_PHRASE']);
    assert.equal(findings[0]!.detail, '"verify your account", "your mailbox is full"');
  });

  test('matches whole words only', () => {
    assert.deepEqual(findingNames(phrasing({ text: 'Wij reageren spoedig. The insurgent army.' })), []);
  });
});
