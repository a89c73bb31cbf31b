import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { addresses, analyze, buildMessage, findingNames } from './message-fixtures.js';

const message = buildMessage();

describe('the account behaviour (burst, refusals, new network)', () => {
  test('flags a burst far above the account’s own baseline', () => {
    const findings = analyze(message, {
      recipients: addresses('acme.example', 10),
      sender: { baselineRecipientsPerHour: 5, recipientsThisHour: 41 },
    });
    assert.deepEqual(findingNames(findings), ['SEND_BURST']);
  });

  test('does not flag up to max(10 × baseline, 50) recipients an hour', () => {
    const atFloor = analyze(message, {
      recipients: addresses('acme.example', 10),
      sender: { baselineRecipientsPerHour: 1, recipientsThisHour: 40 },
    });
    assert.deepEqual(findingNames(atFloor), []);
    const busyAccount = analyze(message, {
      recipients: addresses('acme.example', 10),
      sender: { baselineRecipientsPerHour: 30, recipientsThisHour: 290 },
    });
    assert.deepEqual(findingNames(busyAccount), []);
  });

  test('treats a new account’s first hour against the floor of 50', () => {
    const findings = analyze(message, {
      recipients: addresses('acme.example', 5),
      sender: { baselineRecipientsPerHour: 0, recipientsThisHour: 46, knownRecipientDomains: new Set() },
    });
    assert.deepEqual(findingNames(findings), ['SEND_BURST']);
  });

  test('flags a high share of upstream refusals only with some volume behind it', () => {
    assert.deepEqual(findingNames(analyze(message, { sender: { upstreamRefusalRate: 0.3 } })), [
      'UPSTREAM_REFUSALS',
    ]);
    assert.deepEqual(findingNames(analyze(message, { sender: { upstreamRefusalRate: 0.29 } })), []);
    const tooLittle = analyze(message, {
      sender: { upstreamRefusalRate: 0.5, baselineRecipientsPerHour: 0, recipientsThisHour: 3 },
    });
    assert.deepEqual(findingNames(tooLittle), []);
    assert.deepEqual(findingNames(analyze(message, { sender: { upstreamRefusalRate: null } })), []);
  });

  test('flags a sign-in from a new network, and not an unknown one', () => {
    assert.deepEqual(findingNames(analyze(message, { sender: { newNetwork: true } })), ['NEW_NETWORK']);
    assert.deepEqual(findingNames(analyze(message, { sender: { newNetwork: null } })), []);
    assert.deepEqual(findingNames(analyze(message, { sender: { newNetwork: false } })), []);
  });

  test('ignores nonsense numbers instead of failing', () => {
    const findings = analyze(message, {
      sender: {
        baselineRecipientsPerHour: Number.NaN,
        recipientsThisHour: -5,
        upstreamRefusalRate: Number.NaN,
      },
    });
    assert.deepEqual(findingNames(findings), []);
  });
});
