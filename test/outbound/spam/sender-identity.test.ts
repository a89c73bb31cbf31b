import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { analyze, buildMessage, findingNames } from './message-fixtures.js';

function fromHeader(from: string, replyTo?: string) {
  return findingNames(analyze(buildMessage(replyTo === undefined ? { from } : { from, replyTo })));
}

describe('sender identity (From, Reply-To, lookalike domains)', () => {
  test('does not flag the account writing as itself, an alias, or the authorized envelope sender', () => {
    assert.deepEqual(fromHeader('Eva de Vries <eva@acme.example>'), []);
    assert.deepEqual(fromHeader('"de Vries, Eva" <EVA@acme.example>'), []);
    assert.deepEqual(fromHeader('eva+news@acme.example'), []);
    assert.deepEqual(fromHeader('Acme Sales <sales@acme.example>'), []);
    const shared = analyze(buildMessage({ from: 'Support <support@acme.example>' }), {
      envelopeFrom: 'support@acme.example',
    });
    assert.deepEqual(findingNames(shared), []);
  });

  test('flags a From address that is not one of the account', () => {
    assert.deepEqual(fromHeader('Eva de Vries <ceo@acme.example>'), ['FROM_NOT_OWN_ADDRESS']);
    assert.deepEqual(fromHeader('undisclosed'), ['FROM_NOT_OWN_ADDRESS']);
  });

  test('flags a display name that is another person', () => {
    assert.deepEqual(fromHeader('"Henk Willems (CEO)" <eva@acme.example>'), ['FROM_NAME_MISMATCH']);
  });

  test('flags a display name showing another address', () => {
    const findings = analyze(buildMessage({ from: '"ceo@contoso-holding.example" <eva@acme.example>' }));
    assert.deepEqual(findingNames(findings), ['FROM_NAME_MISMATCH']);
    assert.match(findings[0]!.detail, /contoso-holding\.example/);
  });

  test('flags a display name that borrows a brand, encoded or not', () => {
    assert.deepEqual(fromHeader('"Microsoft 365" <eva@acme.example>'), ['FROM_NAME_BRAND']);
    assert.deepEqual(fromHeader('=?utf-8?Q?PayPal_Service?= <eva@acme.example>'), ['FROM_NAME_BRAND']);
    assert.deepEqual(fromHeader('"ING Bank" <eva@acme.example>'), ['FROM_NAME_BRAND']);
    assert.deepEqual(fromHeader('"IT Helpdesk" <eva@acme.example>'), ['FROM_NAME_BRAND']);
  });

  test('does not flag a Dutch engineer title, a first name only, or the organization name', () => {
    assert.deepEqual(fromHeader('"ing. E. de Vries" <eva@acme.example>'), []);
    assert.deepEqual(fromHeader('Eva <eva@acme.example>'), []);
    assert.deepEqual(fromHeader('"Acme customer service" <eva@acme.example>'), []);
  });

  test('does not flag a brand name the account carries itself', () => {
    const findings = analyze(buildMessage({ from: '"Acme IT Helpdesk" <helpdesk@acme.example>' }), {
      envelopeFrom: 'helpdesk@acme.example',
      sender: { address: 'helpdesk@acme.example', displayName: 'Acme IT Helpdesk' },
    });
    assert.deepEqual(findingNames(findings), []);
  });

  test('flags a Reply-To outside the organization', () => {
    assert.deepEqual(fromHeader('Eva <eva@acme.example>', 'Eva <eva.private@gmail.com>'), [
      'REPLY_TO_EXTERNAL',
    ]);
  });

  test('does not flag a Reply-To to the sender, a colleague or the organization', () => {
    assert.deepEqual(fromHeader('Eva <eva@acme.example>', 'eva@acme.example'), []);
    assert.deepEqual(fromHeader('Eva <eva@acme.example>', 'Support <support@acme.example>'), []);
    assert.deepEqual(fromHeader('Eva <eva@acme.example>', 'orders@shop.acme.example'), []);
  });

  test('flags From or Reply-To at a domain imitating the organization', () => {
    assert.deepEqual(fromHeader('Eva <eva@acme-payments.example>'), [
      'FROM_NOT_OWN_ADDRESS',
      'LOOKALIKE_DOMAIN',
    ]);
    for (const lookalike of ['eva@acrne.example', 'eva@acmee.example', 'eva@mail.acme-bv.example'])
      assert.deepEqual(fromHeader('Eva <eva@acme.example>', lookalike), [
        'REPLY_TO_EXTERNAL',
        'LOOKALIKE_DOMAIN',
      ]);
  });

  test('does not take an unrelated domain for a lookalike', () => {
    assert.deepEqual(fromHeader('Eva <eva@acme.example>', 'tickets@fair.example'), ['REPLY_TO_EXTERNAL']);
  });
});
