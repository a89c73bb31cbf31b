import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type CredentialCheck, decideSignIn, type SignInFacts } from '../../src/identity/index.js';
import type { AppPasswordTable } from '../../src/store/index.js';

const NOW = Date.parse('2026-11-02T09:00:00Z');

function facts(overrides: Partial<SignInFacts> = {}): SignInFacts {
  return {
    protocol: 'imap',
    nowMs: NOW,
    account: { disabled_at: null, mfa_state: 'disabled', must_change_password: 0 },
    lockedUntil: null,
    credential: { ok: true, appPassword: null },
    risk: { level: 'none', reasons: [] },
    policy: { mailAccountPassword: 'allowed', riskPolicyEnabled: true },
    ...overrides,
  };
}

function appPassword(scopes: string[]): AppPasswordTable {
  return {
    id: 'ap1',
    user_id: 'u1',
    name: 'phone',
    scopes: JSON.stringify(scopes),
  } as AppPasswordTable;
}

const rightAppPassword = (scopes: string[]): CredentialCheck => ({
  ok: true,
  appPassword: appPassword(scopes),
});

describe('sign-in decision (pure, no store)', () => {
  test('a locked-out source is refused before anything else, with the seconds left', () => {
    const decision = decideSignIn(
      facts({
        lockedUntil: NOW + 90_500,
        credential: null,
        account: null,
        risk: { level: 'high', reasons: [] },
      }),
    );
    assert.equal(decision.ok, false);
    assert.ok(!decision.ok);
    assert.equal(decision.code, 'locked-out');
    assert.equal(decision.retryAfterSeconds, 91);
    assert.equal(decision.credentialVerified, false);
    assert.equal(decision.countFailure, false);
  });

  test('a wrong secret reveals nothing about the account and counts as a failure', () => {
    const decision = decideSignIn(
      facts({
        credential: { ok: false, reason: 'wrong-password', countFailure: true },
        account: { disabled_at: NOW, mfa_state: 'enabled', must_change_password: 1 },
      }),
    );
    assert.ok(!decision.ok);
    assert.equal(decision.code, 'bad-credentials');
    assert.equal(decision.reason, 'wrong-password');
    assert.equal(decision.countFailure, true);
    assert.equal(decision.credential, null);
  });

  test('a disabled account is told only after the right secret', () => {
    const decision = decideSignIn(
      facts({ account: { disabled_at: NOW, mfa_state: 'disabled', must_change_password: 0 } }),
    );
    assert.ok(!decision.ok);
    assert.equal(decision.code, 'account-disabled');
    assert.equal(decision.credentialVerified, true);
    assert.equal(decision.countFailure, false);
  });

  test('an MFA user never uses the account password on a mail protocol, even where the org allows it', () => {
    const decision = decideSignIn(
      facts({ account: { disabled_at: null, mfa_state: 'enabled', must_change_password: 0 } }),
    );
    assert.ok(!decision.ok);
    assert.equal(decision.code, 'app-password-required');
    assert.equal(decision.reason, 'mfa-user-account-password');
  });

  test('app-passwords-only refuses the account password on mail, not on the web', () => {
    const policy = { mailAccountPassword: 'app-passwords-only', riskPolicyEnabled: true } as const;
    const mail = decideSignIn(facts({ policy }));
    assert.ok(!mail.ok);
    assert.equal(mail.code, 'app-password-required');
    assert.equal(decideSignIn(facts({ policy, protocol: 'web' })).ok, true);
  });

  test('blocked refuses every mail sign-in, app passwords included', () => {
    const decision = decideSignIn(
      facts({
        credential: rightAppPassword(['imap']),
        policy: { mailAccountPassword: 'blocked', riskPolicyEnabled: true },
      }),
    );
    assert.ok(!decision.ok);
    assert.equal(decision.code, 'mail-sign-in-blocked');
  });

  test('an app password signs in to its scopes only', () => {
    const inScope = decideSignIn(facts({ credential: rightAppPassword(['imap']) }));
    assert.ok(inScope.ok);
    assert.equal(inScope.credential, 'app-password:phone');
    const outOfScope = decideSignIn(facts({ protocol: 'smtp', credential: rightAppPassword(['imap']) }));
    assert.ok(!outOfScope.ok);
    assert.equal(outOfScope.code, 'app-password-scope');
  });

  test('risk: high refuses everything, medium refuses only the account password on mail', () => {
    const high = decideSignIn(
      facts({ protocol: 'web', risk: { level: 'high', reasons: ['impossible-travel'] } }),
    );
    assert.ok(!high.ok);
    assert.equal(high.code, 'high-risk');
    const medium = { level: 'medium', reasons: ['new-country'] } as SignInFacts['risk'];
    const mail = decideSignIn(facts({ risk: medium }));
    assert.ok(!mail.ok);
    assert.equal(mail.reason, 'medium-risk-account-password');
    assert.equal(decideSignIn(facts({ risk: medium, credential: rightAppPassword(['imap']) })).ok, true);
    assert.equal(
      decideSignIn(
        facts({ risk: medium, policy: { mailAccountPassword: 'allowed', riskPolicyEnabled: false } }),
      ).ok,
      true,
    );
  });

  test('a password change required by an admin refuses the account password on mail', () => {
    const decision = decideSignIn(
      facts({ account: { disabled_at: null, mfa_state: 'disabled', must_change_password: 1 } }),
    );
    assert.ok(!decision.ok);
    assert.equal(decision.code, 'password-change-required');
  });

  test('the same facts give the same decision (no hidden state)', () => {
    const input = facts({ credential: rightAppPassword(['imap', 'smtp']) });
    assert.deepEqual(decideSignIn(input), decideSignIn(input));
  });
});
