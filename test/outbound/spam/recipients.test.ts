import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { addresses, analyze, buildMessage, findingNames } from './message-fixtures.js';

const message = buildMessage();

describe('recipients', () => {
  test('flags 20 external recipients in one message', () => {
    const findings = analyze(message, { recipients: addresses('contoso.example', 20) });
    assert.deepEqual(findingNames(findings), ['MANY_EXTERNAL_RECIPIENTS']);
  });

  test('does not flag 19 external recipients, nor 30 colleagues', () => {
    assert.deepEqual(findingNames(analyze(message, { recipients: addresses('contoso.example', 19) })), []);
    assert.deepEqual(findingNames(analyze(message, { recipients: addresses('acme.example', 30) })), []);
    assert.deepEqual(findingNames(analyze(message, { recipients: addresses('sub.acme.example', 30) })), []);
  });

  test('flags a message mostly to domains the account never wrote to', () => {
    const recipients = addresses('new{n}.example', 8);
    const findings = analyze(message, { recipients });
    assert.deepEqual(findingNames(findings), ['NEW_RECIPIENT_DOMAINS']);
    assert.match(findings[0]!.detail, /8 of 8 recipient domains/);
  });

  test('does not flag new domains when most recipient domains are known', () => {
    const recipients = [
      ...addresses('new{n}.example', 2),
      'a@contoso.example',
      'b@northwind.example',
      'c@fabrikam.example',
    ];
    assert.deepEqual(findingNames(analyze(message, { recipients })), []);
  });

  test('does not flag new domains for an account without history', () => {
    const recipients = addresses('new{n}.example', 8);
    const findings = analyze(message, { recipients, sender: { knownRecipientDomains: new Set() } });
    assert.deepEqual(findingNames(findings), []);
  });

  test('does not flag one new customer', () => {
    assert.deepEqual(findingNames(analyze(message, { recipients: ['info@brand-new-customer.example'] })), []);
  });
});
