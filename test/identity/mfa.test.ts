import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fromBase32, totpCode, totpStepAt } from '../../src/identity/index.js';
import { createManualClock } from '../../src/runtime/clock.js';
import { createApiHarness } from '../api/api-harness.js';
import { addUser, createTestApp, storeKinds, type TestApp } from '../support/test-app.js';

const START = Date.parse('2026-11-27T10:00:00Z');
const self = {
  actor: 'ann@example.org',
  logonType: 'owner' as const,
  clientIp: '127.0.0.1',
  clientInfo: 'web',
};

for (const kind of storeKinds) {
  describe(`MFA core (${kind})`, () => {
    const clock = createManualClock(START);
    let test_: TestApp;
    let ann: { id: string; address: string };
    before(async () => {
      test_ = await createTestApp(kind, { clock });
      ann = await addUser(test_.app, 'ann@example.org');
    });
    after(() => test_.cleanup());
    const userRow = () =>
      test_.app.store.db.selectFrom('users').selectAll().where('id', '=', ann.id).executeTakeFirstOrThrow();
    const codeNow = (secret: string, offsetSteps = 0) =>
      totpCode(fromBase32(secret)!, totpStepAt(clock.nowMs()) + offsetSteps);

    test('a TOTP seed is stored sealed, and enabled only after a first right code', async () => {
      const mfa = test_.app.identity.mfa;
      const started = await mfa.startTotpEnrolment(ann);
      assert.ok(started.ok);
      const row = await test_.app.store.db
        .selectFrom('totp_credentials')
        .selectAll()
        .where('user_id', '=', ann.id)
        .executeTakeFirstOrThrow();
      assert.ok(!row.secret_encrypted.includes(started.secret), 'the seed is not in the database in clear');
      assert.equal((await userRow()).mfa_state, 'disabled');
      assert.equal(
        await mfa.verifyTotp(ann.id, codeNow(started.secret)),
        false,
        'an unconfirmed seed signs nobody in',
      );
      const wrong = await mfa.confirmTotp(
        ann,
        '000000' === codeNow(started.secret) ? '111111' : '000000',
        self,
      );
      assert.equal(wrong.ok, false);
      assert.deepEqual(await mfa.confirmTotp(ann, codeNow(started.secret), self), { ok: true });
      assert.equal((await userRow()).mfa_state, 'enabled');
      const again = await mfa.startTotpEnrolment(ann);
      assert.equal(again.ok, false, 'a second TOTP is refused while one is set up');
      (globalThis as { annSecret?: string }).annSecret = started.secret;
    });

    test('does not accept a TOTP code twice, even from two concurrent requests', async () => {
      const secret = (globalThis as { annSecret?: string }).annSecret!;
      clock.advanceMs(30_000);
      const code = codeNow(secret);
      const results = await Promise.all([
        test_.app.identity.mfa.verifyTotp(ann.id, code),
        test_.app.identity.mfa.verifyTotp(ann.id, code),
      ]);
      assert.deepEqual(results.sort(), [false, true]);
      assert.equal(await test_.app.identity.mfa.verifyTotp(ann.id, code), false);
      // The code of the previous step is older than the one used: refused too.
      assert.equal(await test_.app.identity.mfa.verifyTotp(ann.id, codeNow(secret, -1)), false);
      clock.advanceMs(30_000);
      assert.equal(await test_.app.identity.mfa.verifyTotp(ann.id, codeNow(secret)), true);
    });

    test('a recovery code works once; regenerating voids the old ones', async () => {
      const mfa = test_.app.identity.mfa;
      const codes = await mfa.regenerateRecoveryCodes(ann, self);
      assert.equal(codes.length, 10);
      assert.equal(new Set(codes).size, 10);
      const stored = await test_.app.store.db
        .selectFrom('recovery_codes')
        .select('code_hash')
        .where('user_id', '=', ann.id)
        .execute();
      assert.ok(
        stored.every((row) => !codes.some((code) => row.code_hash.includes(code))),
        'stored hashed',
      );
      assert.equal(await mfa.useRecoveryCode(ann, codes[0]!.toUpperCase().replace('-', ' '), self), true);
      assert.equal(await mfa.useRecoveryCode(ann, codes[0]!, self), false, 'single use');
      assert.equal(await mfa.countUnusedRecoveryCodes(ann.id), 9);
      const fresh = await mfa.regenerateRecoveryCodes(ann, self);
      assert.equal(await mfa.useRecoveryCode(ann, codes[1]!, self), false, 'old codes are void');
      assert.equal(await mfa.useRecoveryCode(ann, fresh[1]!, self), true);
    });

    test('the last second factor cannot be removed while MFA is required, and reset removes all (audited)', async () => {
      const mfa = test_.app.identity.mfa;
      await test_.app.settings.change(
        { 'mfa.requireForAll': true },
        { actor: 'cli:test', logonType: 'admin' },
      );
      const refused = await mfa.removeTotp(ann, self);
      assert.equal(refused.ok, false);
      assert.equal(refused.ok === false && refused.code, 'last-method-required');
      const reset = await mfa.reset('ann@example.org', {
        actor: 'cli:root',
        logonType: 'admin',
        clientInfo: 'cli',
      });
      assert.ok(reset.ok);
      assert.equal(reset.ok && reset.mfa.state, 'disabled');
      assert.equal(reset.ok && reset.mfa.totp, false);
      assert.equal(reset.ok && reset.mfa.recoveryCodesLeft, 0);
      await test_.app.settings.change(
        { 'mfa.requireForAll': false },
        { actor: 'cli:test', logonType: 'admin' },
      );
      await test_.app.audit.flush();
      const page = await test_.app.audit.search({ mailbox: 'ann@example.org', limit: 100 });
      const operations = page.records.map((record) => record.operation);
      for (const operation of ['EnrolMfaMethod', 'RegenerateRecoveryCodes', 'UseRecoveryCode', 'ResetMfa'])
        assert.ok(operations.includes(operation), `${operation} is audited`);
    });

    test('a web session ends when idle, at its absolute limit, and on sign out everywhere', async () => {
      const sessions = test_.app.identity.webSessions;
      const input = {
        userId: ann.id,
        stage: 'complete' as const,
        secondFactor: null,
        clientIp: '127.0.0.1',
        userAgent: 'test',
      };
      const idle = await sessions.create(input);
      clock.advanceMs(sessions.policy.idleTimeoutMs + 1);
      assert.deepEqual(await sessions.check(idle.token), { ok: false, code: 'idle' });

      const busy = await sessions.create(input);
      for (
        let elapsed = 0;
        elapsed < sessions.policy.absoluteTimeoutMs;
        elapsed += sessions.policy.idleTimeoutMs / 2
      ) {
        clock.advanceMs(sessions.policy.idleTimeoutMs / 2);
        if ((await sessions.check(busy.token)).ok === false) break;
      }
      assert.deepEqual(await sessions.check(busy.token), { ok: false, code: 'expired' });

      const pending = await sessions.create({ ...input, stage: 'password' });
      for (let minute = 0; minute < 15; minute += 5) {
        assert.equal((await sessions.check(pending.token)).ok, true);
        clock.advanceMs(5 * 60_000);
      }
      assert.deepEqual(
        await sessions.check(pending.token),
        { ok: false, code: 'expired' },
        'a half sign-in lasts 15 minutes',
      );

      const one = await sessions.create(input);
      const two = await sessions.create(input);
      assert.equal((await sessions.check(one.token)).ok, true);
      clock.advanceMs(1);
      await sessions.signOutEverywhere(ann, self);
      for (const session of [one, two]) assert.equal((await sessions.check(session.token)).ok, false);
      const row = await test_.app.store.db
        .selectFrom('web_sessions')
        .select('id')
        .where('id', '=', one.id)
        .executeTakeFirstOrThrow();
      assert.notEqual(row.id, one.token, 'only a digest of the cookie token is stored');
      clock.advanceMs(86_400_000 + 1);
      assert.ok((await sessions.prune()) >= 4, 'sessions over for a day are deleted');
    });

    test('a CSRF token is bound to its session and compared in full', () => {
      const sessions = test_.app.identity.webSessions;
      const token = sessions.csrfTokenFor('session-a');
      assert.equal(sessions.verifyCsrfToken('session-a', token), true);
      assert.equal(sessions.verifyCsrfToken('session-b', token), false);
      assert.equal(sessions.verifyCsrfToken('session-a', token.slice(0, -1)), false);
      assert.equal(sessions.verifyCsrfToken('session-a', ''), false);
    });
  });

  describe(`org MFA policy on the web (${kind})`, () => {
    test('sends a user who must register to enrolment in the grace period, refuses them after it', async () => {
      const clock = createManualClock(START);
      const t = await createTestApp(kind, { clock });
      try {
        const frank = await addUser(t.app, 'frank@example.org');
        const admin = { actor: 'cli:test', logonType: 'admin' as const };
        assert.deepEqual(await t.app.identity.mfa.webSecondStep(frank.id, 'none'), {
          next: 'complete',
          enrolBy: null,
        });
        await t.app.settings.change({ 'mfa.requireForAll': true, 'mfa.registrationGraceDays': 7 }, admin);
        const inGrace = await t.app.identity.mfa.webSecondStep(frank.id, 'none');
        assert.equal(inGrace.next, 'complete');
        assert.equal(inGrace.next === 'complete' && inGrace.enrolBy, START + 7 * 86_400_000);
        clock.advanceMs(7 * 86_400_000 + 1);
        const late = await t.app.identity.mfa.webSecondStep(frank.id, 'none');
        assert.equal(late.next === 'refuse' && late.code, 'mfa-registration-overdue');
        // The admin's way out: enforce, and the next sign-in may (must) enrol at once.
        await t.app.identity.mfa.enforce('frank@example.org', admin);
        assert.deepEqual(await t.app.identity.mfa.webSecondStep(frank.id, 'none'), { next: 'enrol-now' });
      } finally {
        await t.cleanup();
      }
    });

    test('a medium-risk sign-in needs the second factor: asked of a user with one, refused without', async () => {
      const clock = createManualClock(START);
      const t = await createTestApp(kind, { clock });
      try {
        const gina = await addUser(t.app, 'gina@example.org');
        const refused = await t.app.identity.mfa.webSecondStep(gina.id, 'medium');
        assert.equal(refused.next === 'refuse' && refused.code, 'second-factor-unavailable');
        const admin = { actor: 'cli:test', logonType: 'admin' as const };
        await t.app.settings.change({ 'risk.policyEnabled': false }, admin);
        assert.equal(
          (await t.app.identity.mfa.webSecondStep(gina.id, 'medium')).next,
          'complete',
          'policy off',
        );
        await t.app.settings.change({ 'risk.policyEnabled': true }, admin);
        const started = await t.app.identity.mfa.startTotpEnrolment(gina);
        assert.ok(started.ok);
        const code = totpCode(fromBase32(started.secret)!, totpStepAt(clock.nowMs()));
        assert.ok((await t.app.identity.mfa.confirmTotp(gina, code, self)).ok);
        assert.equal((await t.app.identity.mfa.webSecondStep(gina.id, 'medium')).next, 'second-factor');
        assert.equal((await t.app.identity.mfa.webSecondStep(gina.id, 'none')).next, 'second-factor');
      } finally {
        await t.cleanup();
      }
    });

    test('refuses further second-factor tries after 10 wrong ones in 15 minutes', async () => {
      const clock = createManualClock(START);
      const t = await createTestApp(kind, { clock });
      try {
        const hugo = await addUser(t.app, 'hugo@example.org');
        const wrong = {
          userId: hugo.id,
          protocol: 'web' as const,
          clientIp: '127.0.0.1',
          result: 'failure' as const,
          reason: 'wrong-or-used-code' as const,
          credential: 'totp',
        };
        for (let attempt = 0; attempt < 9; attempt++) await t.app.identity.recordSignInStep(wrong);
        assert.equal(await t.app.identity.mfa.secondFactorThrottled(hugo.id), false);
        await t.app.identity.recordSignInStep({ ...wrong, credential: 'recovery-code' });
        assert.equal(await t.app.identity.mfa.secondFactorThrottled(hugo.id), true);
        clock.advanceMs(15 * 60_000 + 1);
        assert.equal(await t.app.identity.mfa.secondFactorThrottled(hugo.id), false, 'the window moves on');
      } finally {
        await t.cleanup();
      }
    });
  });

  describe(`admins' API tokens honour the MFA policy (${kind})`, () => {
    test('refuses a token whose admin owner has no MFA once required; service tokens still work', async () => {
      const clock = createManualClock(START);
      const api = await createApiHarness(kind, { clock });
      try {
        const admin = await addUser(api.app, 'boss@example.org', undefined, { role: 'admin' });
        const owned = await api.app.directory.createApiToken(
          { name: 'boss-laptop', role: 'admin', owner: 'boss@example.org' },
          { actor: 'cli:test', logonType: 'admin' },
        );
        assert.ok(owned.ok);
        assert.equal(
          (await api.call('GET', '/api/v1/users', { token: owned.token })).status,
          200,
          'within the grace period',
        );
        clock.advanceMs(15 * 86_400_000);
        const refused = await api.call('GET', '/api/v1/users', { token: owned.token });
        assert.equal(refused.status, 403);
        assert.match(refused.body.error.message, /MFA is required for admins/);
        assert.equal(
          (await api.call('GET', '/api/v1/users')).status,
          200,
          'an ownerless service token is not a person',
        );
        const started = await api.app.identity.mfa.startTotpEnrolment(admin);
        assert.ok(started.ok);
        const code = totpCode(fromBase32(started.secret)!, totpStepAt(clock.nowMs()));
        assert.ok(
          (await api.app.identity.mfa.confirmTotp(admin, code, { actor: admin.address, logonType: 'owner' }))
            .ok,
        );
        assert.equal((await api.call('GET', '/api/v1/users', { token: owned.token })).status, 200);
        const notAdmin = await api.app.directory.createApiToken(
          { name: 'x', role: 'admin', owner: 'nobody@example.org' },
          { actor: 'cli:test', logonType: 'admin' },
        );
        assert.equal(notAdmin.ok, false);
      } finally {
        await api.cleanup();
      }
    });
  });
}
