import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sql } from 'kysely';
import { createManualClock } from '../../src/runtime/clock.js';
import { type ScoredControl, type ScoreReport, scoreCategories } from '../../src/score/index.js';
import { external, sendThroughPolicy } from '../outbound/send-helper.js';
import { addUser, cliActor, createTestApp, storeKinds } from '../support/test-app.js';

const START = Date.parse('2026-11-27T10:00:30Z');
const DAY = 86_400_000;

function control(report: ScoreReport, id: string): ScoredControl {
  const found = report.controls.find((candidate) => candidate.id === id);
  assert.ok(found, `control ${id} is in the report`);
  return found;
}

for (const kind of storeKinds) {
  describe(`Secure Score (${kind})`, () => {
    test('the report has at least 25 complete controls in four categories, most points to gain first', async () => {
      const { app, cleanup } = await createTestApp(kind);
      try {
        await addUser(app, 'alice@example.org', undefined, { role: 'admin' });
        const report = await app.score.report();
        assert.ok(report.controls.length >= 25, `${report.controls.length} controls`);
        assert.equal(new Set(report.controls.map((c) => c.id)).size, report.controls.length);
        assert.deepEqual(new Set(report.controls.map((c) => c.category)), new Set(scoreCategories));
        for (const c of report.controls) {
          assert.ok(c.maxPoints > 0 && c.maxPoints <= 10, `${c.id} max ${c.maxPoints}`);
          assert.ok(c.points >= 0 && c.points <= c.maxPoints, `${c.id} points ${c.points}`);
          for (const text of [c.title, c.measuredBy, c.why, c.measured.current, c.recommendation.cli])
            assert.ok(text.length > 5, `${c.id} has its texts`);
        }
        for (let index = 1; index < report.controls.length; index += 1)
          assert.ok(report.controls[index - 1]!.pointsToGain >= report.controls[index]!.pointsToGain);
        const total = report.controls.reduce((sum, c) => sum + c.points, 0);
        assert.equal(report.score, Math.round(total * 100) / 100);
        assert.equal(
          report.categories.reduce((sum, c) => sum + c.maxScore, 0),
          report.maxScore,
        );
        assert.equal(report.percentage, Math.round((report.score / report.maxScore) * 10000) / 100);
      } finally {
        await cleanup();
      }
    });

    test('on a new install every control but the DNS ones is checkable: inactivity comes from last sign-ins kept since install', async () => {
      const clock = createManualClock(START);
      const { app, cleanup } = await createTestApp(kind, { clock });
      try {
        await addUser(app, 'admin@example.org', undefined, { role: 'admin' });
        await addUser(app, 'idle@example.org');
        // The sign-in log is empty and keeps 30 days; the control looks back 90.
        clock.advanceMs(120 * DAY);
        const report = await app.score.report();
        for (const c of report.controls.filter((candidate) => candidate.category !== 'domains'))
          assert.notEqual(c.status, 'not-available', `${c.id}: ${c.measured.current}`);
        const inactive = control(report, 'identity.inactive-accounts');
        assert.equal(inactive.status, 'to-address', inactive.measured.current);
        assert.match(inactive.measured.current, /^2 of 2 enabled accounts without a sign-in for 90 days/);
      } finally {
        await cleanup();
      }
    });

    test('controls read the real state: admins, policies, restricted senders, alerts, API tokens', async () => {
      const clock = createManualClock(START);
      const { app, cleanup } = await createTestApp(kind, { clock });
      try {
        await addUser(app, 'admin@example.org', undefined, { role: 'admin' });
        let report = await app.score.report();
        assert.equal(control(report, 'identity.admin-count').status, 'to-address');
        assert.equal(control(report, 'mail-flow.external-forwarding-off').status, 'completed');
        await addUser(app, 'second@example.org', undefined, { role: 'admin' });

        const bulk = await app.outbound.setPolicy(
          'bulk',
          {
            settings: { externalPerHour: 5000, externalForwarding: 'on', action: 'alert' },
            scope: { users: ['newsletter@example.org'] },
            priority: 5,
          },
          cliActor,
        );
        assert.ok(bulk.ok);
        const alice = await addUser(app, 'alice@example.org');
        assert.ok(
          (await app.outbound.setPolicy('default', { settings: { externalPerHour: 3 } }, cliActor)).ok,
        );
        await sendThroughPolicy(app, { id: alice.id, address: alice.address }, external(5));
        assert.equal((await app.outbound.listRestricted()).length, 1);
        assert.ok((await app.directory.createApiToken({ name: 'old', role: 'auditor' }, cliActor)).ok);

        report = await app.score.report();
        assert.equal(control(report, 'identity.admin-count').status, 'completed');
        const forwarding = control(report, 'mail-flow.external-forwarding-off');
        assert.equal(forwarding.status, 'partial');
        assert.equal(forwarding.points, 2.5);
        assert.deepEqual(forwarding.measured.detail?.['failing'], ['bulk']);
        assert.equal(control(report, 'mail-flow.outbound-limits').points, 0.5);
        assert.equal(control(report, 'mail-flow.restrict-on-limit').points, 0.5);
        assert.equal(control(report, 'audit.restricted-senders-reviewed').status, 'completed');
        assert.equal(control(report, 'audit.high-alerts-triaged').status, 'completed');
        assert.equal(control(report, 'identity.unused-api-tokens').status, 'completed');
        assert.equal(control(report, 'audit.chain-verifies').status, 'completed');

        clock.advanceMs(91 * DAY);
        report = await app.score.report();
        const restricted = control(report, 'audit.restricted-senders-reviewed');
        assert.equal(restricted.status, 'to-address');
        assert.match(restricted.measured.current, /1 of 1 restricted senders waiting more than 7 days/);
        assert.equal(control(report, 'audit.high-alerts-triaged').status, 'to-address');
        assert.equal(control(report, 'identity.unused-api-tokens').status, 'to-address');
      } finally {
        await cleanup();
      }
    });

    test('identity controls read the org settings, MFA state, app passwords and the sign-in log', async () => {
      const clock = createManualClock(START);
      const { app, cleanup } = await createTestApp(kind, { clock });
      try {
        const admin = await addUser(app, 'admin@example.org', undefined, { role: 'admin' });
        const users = [];
        for (const name of ['a', 'b', 'c', 'd']) users.push(await addUser(app, `${name}@example.org`));
        let report = await app.score.report();
        // The shipped defaults are the secure ones.
        for (const id of [
          'identity.mfa-admins',
          'identity.mail-signin-app-passwords',
          'identity.banned-passwords',
          'identity.smart-lockout',
          'identity.sign-in-risk-policy',
          'identity.no-password-expiry',
          'identity.unused-app-passwords',
        ])
          assert.equal(
            control(report, id).status,
            'completed',
            `${id}: ${control(report, id).measured.current}`,
          );
        assert.equal(control(report, 'identity.mfa-all-users').status, 'to-address');

        const changed = await app.settings.change(
          {
            'mfa.requireForAdmins': false,
            'mailSignIn.accountPassword': 'allowed',
            'lockout.enabled': false,
            'risk.policyEnabled': false,
            'passwords.bannedList': false,
          },
          cliActor,
        );
        assert.ok(changed.ok);
        // Two of five users (the admin among them) registered MFA.
        await app.store.db
          .updateTable('users')
          .set({ mfa_state: 'enabled' })
          .where('id', 'in', [admin.id, users[0]!.id])
          .execute();
        report = await app.score.report();
        for (const id of [
          'identity.mail-signin-app-passwords',
          'identity.banned-passwords',
          'identity.smart-lockout',
          'identity.sign-in-risk-policy',
        ])
          assert.equal(control(report, id).status, 'to-address', id);
        const adminsMfa = control(report, 'identity.mfa-admins');
        assert.equal(adminsMfa.status, 'completed', 'the only admin has MFA');
        const allMfa = control(report, 'identity.mfa-all-users');
        assert.equal(allMfa.status, 'partial');
        assert.equal(allMfa.points, Math.round(9 * (2 / 5) * 100) / 100);

        // Enforced by an admin is not registered: b has no factor, c registered a passkey after it.
        await app.store.db
          .updateTable('users')
          .set({ mfa_state: 'enforced' })
          .where('id', 'in', [users[1]!.id, users[2]!.id])
          .execute();
        await app.store.db
          .insertInto('passkeys')
          .values({
            id: 'credential-c',
            user_id: users[2]!.id,
            name: 'laptop',
            public_key: 'key',
            sign_count: 0,
            transports: null,
            created_at: clock.nowMs(),
            last_used_at: null,
          })
          .execute();
        const enforced = control(await app.score.report(), 'identity.mfa-all-users');
        assert.match(
          enforced.measured.current,
          /^3 of 5 users have MFA registered \(60%\); 1 more has MFA enforced but no factor registered yet$/,
        );
        assert.equal(enforced.points, Math.round(9 * (3 / 5) * 100) / 100);
        assert.equal(enforced.measured.detail?.['usersEnforcedUnregistered'], 1);
        await app.store.db.deleteFrom('passkeys').execute();
        await app.store.db
          .updateTable('users')
          .set({ mfa_state: 'disabled' })
          .where('id', 'in', [users[1]!.id, users[2]!.id])
          .execute();

        const now = clock.nowMs();
        const appPassword = (id: string, userId: string, lastUsed: number | null) => ({
          id,
          user_id: userId,
          name: id,
          scopes: '["imap"]',
          // Unique per app password (migration 007 looks them up by it).
          secret_hash: `sha256:${id}`,
          created_at: now,
          created_by: 'test',
          expires_at: null,
          last_used_at: lastUsed,
          last_used_ip: null,
          last_used_protocol: null,
          revoked_at: null,
        });
        await app.store.db
          .insertInto('app_passwords')
          .values([appPassword('p1', users[0]!.id, now + 95 * DAY), appPassword('p2', users[1]!.id, null)])
          .execute();
        const signIn = (id: string, userId: string) => ({
          id,
          at: now + 95 * DAY,
          user_id: userId,
          login: 'x',
          protocol: 'imap' as const,
          client_ip: null,
          country: null,
          city: null,
          latitude: null,
          longitude: null,
          client: null,
          result: 'success' as const,
          reason: 'ok',
          credential: 'app-password',
          risk_level: 'none' as const,
          risk_reasons: '[]',
        });
        await app.store.db
          .insertInto('sign_ins')
          .values([signIn('s1', users[0]!.id), signIn('s2', admin.id)])
          .execute();

        // What the sign-in pipeline keeps beside its log (users.last_sign_in_at).
        await app.store.db
          .updateTable('users')
          .set({ last_sign_in_at: now + 95 * DAY })
          .where('id', 'in', [users[0]!.id, admin.id])
          .execute();

        clock.advanceMs(100 * DAY);
        report = await app.score.report();
        // Last sign-ins are kept since the first start: exact, whatever the log's retention (30 days).
        const kept = control(report, 'identity.inactive-accounts');
        assert.equal(kept.status, 'partial', kept.measured.current);
        assert.match(kept.measured.current, /^3 of 5 enabled accounts without a sign-in/);
        assert.equal(kept.points, Math.round(3 * (2 / 5) * 100) / 100);

        // An install that began keeping them after the period started (an upgrade): the log decides.
        await app.store.db
          .updateTable('meta')
          .set({ value: String(now + 50 * DAY) })
          .where('key', '=', 'identity.lastSignInTrackedSince')
          .execute();
        report = await app.score.report();
        const shortLog = control(report, 'identity.inactive-accounts');
        assert.equal(shortLog.status, 'not-available', 'a 30-day sign-in log cannot tell 90 days');
        assert.match(shortLog.measured.current, /keeps 30 days/);
        assert.ok((await app.settings.change({ 'signIns.retentionDays': 180 }, cliActor)).ok);
        report = await app.score.report();
        const apps = control(report, 'identity.unused-app-passwords');
        assert.equal(apps.status, 'partial', apps.measured.current);
        assert.equal(apps.points, 1.5);
        const inactive = control(report, 'identity.inactive-accounts');
        assert.equal(inactive.status, 'partial', inactive.measured.current);
        assert.match(inactive.measured.current, /^3 of 5 enabled accounts without a sign-in/);
        assert.equal(inactive.points, Math.round(3 * (2 / 5) * 100) / 100);
      } finally {
        await cleanup();
      }
    });

    test('plaintext AUTH on the STARTTLS port fails the submission TLS control', async () => {
      const { app, cleanup } = await createTestApp(kind, { overrides: { 'smtp.requireTls': false } });
      try {
        const c = control(await app.score.report(), 'mail-flow.submission-tls');
        assert.equal(c.status, 'to-address');
        assert.equal(c.points, 0);
      } finally {
        await cleanup();
      }
    });

    test('risk accepted earns 0 and lowers the achievable score; third party earns full points; both audited', async () => {
      const { app, cleanup } = await createTestApp(kind);
      try {
        await addUser(app, 'admin@example.org', undefined, { role: 'admin' });
        const before = await app.score.report();
        assert.equal(before.achievableScore, before.maxScore);
        // The admin has no second factor: this control earns nothing yet.
        const retention = control(before, 'identity.mfa-all-users');
        assert.equal(retention.points, 0);

        const accepted = await app.score.setStatus(
          'identity.admin-count',
          { status: 'risk-accepted', reason: 'one-person association' },
          cliActor,
        );
        assert.ok(accepted.ok);
        const third = await app.score.setStatus(
          'identity.mfa-all-users',
          { status: 'third-party', reason: 'the HR system disables leavers' },
          cliActor,
        );
        assert.ok(third.ok);

        const after = await app.score.report();
        const admins = control(after, 'identity.admin-count');
        assert.equal(admins.status, 'risk-accepted');
        assert.equal(admins.points, 0);
        assert.equal(admins.pointsToGain, 0);
        assert.equal(admins.override?.reason, 'one-person association');
        assert.equal(after.achievableScore, after.maxScore - admins.maxPoints);
        const retentionAfter = control(after, 'identity.mfa-all-users');
        assert.equal(retentionAfter.status, 'third-party');
        assert.equal(retentionAfter.points, retention.maxPoints);
        assert.equal(retentionAfter.measured.state, 'to-address');
        assert.equal(after.score, before.score + retention.maxPoints);
        assert.equal(after.controls.at(-1)?.pointsToGain, 0);

        const page = await app.audit.search({ operations: ['SetScoreControlStatus'] });
        assert.equal(page.records.length, 2);
        const details = page.records.map((record) => record.details);
        assert.ok(
          details.some(
            (d) =>
              d?.['control'] === 'identity.admin-count' &&
              d['status'] === 'risk-accepted' &&
              d['previous'] === 'measured' &&
              d['reason'] === 'one-person association',
          ),
        );
        assert.ok(page.records.every((record) => record.actor === cliActor.actor));

        assert.ok(
          (
            await app.score.setStatus(
              'identity.admin-count',
              { status: 'measured', reason: 'grew' },
              cliActor,
            )
          ).ok,
        );
        const measured = control(await app.score.report(), 'identity.admin-count');
        assert.equal(measured.override, null);
        assert.equal(measured.status, 'to-address');
        assert.equal((await app.audit.search({ operations: ['SetScoreControlStatus'] })).records.length, 3);
        assert.equal((await app.audit.verify()).ok, true);
      } finally {
        await cleanup();
      }
    });

    test('a status needs a known control, a known status and a written reason', async () => {
      const { app, cleanup } = await createTestApp(kind);
      try {
        const unknown = await app.score.setStatus(
          'identity.nope',
          { status: 'risk-accepted', reason: 'x y z' },
          cliActor,
        );
        assert.equal(unknown.ok ? null : unknown.code, 'control-not-found');
        const badStatus = await app.score.setStatus(
          'domains.spf',
          { status: 'completed', reason: 'x y z' },
          cliActor,
        );
        assert.equal(badStatus.ok ? null : badStatus.code, 'invalid-status');
        const noReason = await app.score.setStatus(
          'domains.spf',
          { status: 'risk-accepted', reason: '  ' },
          cliActor,
        );
        assert.equal(noReason.ok ? null : noReason.code, 'invalid-reason');
        assert.equal((await app.audit.search({ operations: ['SetScoreControlStatus'] })).records.length, 0);
        const one = await app.score.control('identity.nope');
        assert.equal(one.ok ? null : one.code, 'control-not-found');
      } finally {
        await cleanup();
      }
    });

    test('the audit chain walk is reused for a day, redone by a snapshot, and a broken chain earns 0', async () => {
      const clock = createManualClock(START);
      const { app, cleanup } = await createTestApp(kind, { clock });
      try {
        for (const address of ['a@example.org', 'b@example.org', 'c@example.org'])
          await addUser(app, address);
        const first = control(await app.score.report(), 'audit.chain-verifies');
        assert.equal(first.status, 'completed');
        assert.match(first.measured.current, /through record 4 \(4 records, walked 2026-11-27T10:00:30/);
        assert.doesNotMatch(first.measured.current, /newer/);

        if (kind === 'sqlite') await sql`drop trigger audit_log_no_delete`.execute(app.store.db);
        else await sql`drop trigger audit_log_no_change on audit_log`.execute(app.store.db);
        await sql`delete from audit_log where id = 2`.execute(app.store.db);

        clock.advanceMs(3_600_000);
        await addUser(app, 'd@example.org');
        const reused = control(await app.score.report(), 'audit.chain-verifies');
        assert.equal(reused.status, 'completed', 'within the day the earlier walk stands');
        // …and says what it covered: the records written since are not proven by it.
        assert.match(
          reused.measured.current,
          /through record 4 \(4 records.*; 1 newer record is not walked yet/,
        );
        const snapshot = await app.score.takeSnapshot();
        assert.equal(snapshot.controls?.find((c) => c.id === 'audit.chain-verifies')?.points, 0);
        const broken = control(await app.score.report(), 'audit.chain-verifies');
        assert.equal(broken.status, 'to-address');
        assert.match(broken.measured.current, /tampered with: expected record 2/);

        clock.advanceMs(25 * 3_600_000);
        assert.equal(control(await app.score.report(), 'audit.chain-verifies').points, 0);
      } finally {
        await cleanup();
      }
    });

    test('one daily snapshot per UTC day, on-demand snapshots beside it, history oldest first', async () => {
      const clock = createManualClock(START);
      const { app, cleanup } = await createTestApp(kind, { clock });
      try {
        const first = await app.score.takeDailySnapshotIfDue();
        assert.ok(first);
        assert.equal(first.trigger, 'daily');
        assert.equal(first.day, '2026-11-27');
        assert.ok(first.controls && first.controls.length >= 25);
        clock.advanceMs(3_600_000);
        assert.equal(await app.score.takeDailySnapshotIfDue(), null);
        const onDemand = await app.score.takeSnapshot();
        assert.equal(onDemand.trigger, 'on-demand');
        clock.advanceMs(DAY);
        const next = await app.score.takeDailySnapshotIfDue();
        assert.equal(next?.day, '2026-11-28');

        const history = await app.score.history({ days: 30 });
        assert.deepEqual(
          history.map((s) => s.trigger),
          ['daily', 'on-demand', 'daily'],
        );
        assert.deepEqual(
          history.map((s) => s.at),
          [...history.map((s) => s.at)].sort(),
        );
        assert.equal(history[0]!.score, first.score);
        assert.deepEqual(Object.keys(history[0]!.categories).sort(), [...scoreCategories].sort());
        clock.advanceMs(40 * DAY);
        assert.equal((await app.score.history({ days: 30 })).length, 0);
        assert.equal((await app.score.history({ days: 60 })).length, 3);
      } finally {
        await cleanup();
      }
    });
  });
}
