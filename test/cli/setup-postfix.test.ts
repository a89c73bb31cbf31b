import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { milterAddressOf, renderPostfixSetup } from '../../src/cli/commands/setup-commands.js';
import { loadConfig } from '../../src/config/index.js';

function masterOf(milterAddress: string | null): string {
  const files = renderPostfixSetup({
    policyAddress: '127.0.0.9:10040',
    saslPath: 'private/auth',
    milterAddress,
  });
  const master = files.find((file) => file.name === 'master.cf');
  assert.ok(master);
  // The settings only: the template's comments describe the milter either way.
  return master.content
    .split('\n')
    .filter((line) => !line.startsWith('#'))
    .join('\n');
}

describe('setup postfix and the milter', () => {
  test('without milter.listen the submission entry names no milter, so Postfix never defers mail for a milter nobody serves', () => {
    const master = masterOf(null);
    assert.doesNotMatch(master, /^\s+-o smtpd_milters=/m);
    assert.doesNotMatch(master, /^\s+-o milter_default_action=/m);
    assert.doesNotMatch(master, /policy_context=mailwarden-milter/);
    // The policy service is still asked at RCPT and at the end of the message.
    assert.match(master, /smtpd_recipient_restrictions=check_policy_service,\{inet:127\.0\.0\.9:10040,/);
    assert.match(
      master,
      /smtpd_end_of_data_restrictions=check_policy_service,\{inet:127\.0\.0\.9:10040,[^}]*\}/,
    );
  });

  test('with milter.listen the submission entry points at that milter and tells the policy service the milter follows', () => {
    const master = masterOf('127.0.0.9:10051');
    assert.match(master, /^\s+-o smtpd_milters=inet:127\.0\.0\.9:10051$/m);
    assert.match(master, /^\s+-o milter_default_action=tempfail$/m);
    assert.match(master, /policy_context=mailwarden-milter/);
    assert.doesNotMatch(master, /10041/);
  });

  test('a wildcard milter.listen is reached on loopback; an unset one is no milter', () => {
    const base = { env: {} };
    const wildcard = loadConfig({ ...base, overrides: { 'milter.listen': '0.0.0.0:10041' } });
    const unset = loadConfig(base);
    assert.ok(wildcard.ok && unset.ok);
    assert.equal(milterAddressOf(wildcard.config), '127.0.0.1:10041');
    assert.equal(milterAddressOf(unset.config), null);
  });
});
