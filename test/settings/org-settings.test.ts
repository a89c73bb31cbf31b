import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ORG_SETTINGS_SNAPSHOT_MS } from '../../src/settings/index.js';
import { type ApiHarness, createApiHarness } from '../api/api-harness.js';
import { runMailwarden } from '../support/cli-process.js';
import { createTestApp, makeTempDir, storeKinds } from '../support/test-app.js';

for (const kind of storeKinds) {
  describe(`org settings (${kind})`, () => {
    let api: ApiHarness;
    before(async () => {
      api = await createApiHarness(kind);
    });
    after(() => api.cleanup());

    test('every setting starts at its secure default', async () => {
      const settings = await api.app.settings.current();
      assert.equal(settings['mailSignIn.accountPassword'], 'app-passwords-only');
      assert.equal(settings['mfa.requireForAdmins'], true);
      assert.equal(settings['lockout.threshold'], 10);
      assert.equal(settings['signIns.retentionDays'], 30);
    });

    test('an invalid change lists every problem and stores nothing', async () => {
      const response = await api.call('PATCH', '/api/v1/org/settings', {
        json: {
          'lockout.threshold': 1,
          'mailSignIn.accountPassword': 'sometimes',
          'no.such': true,
          'mfa.requireForAll': true,
        },
      });
      assert.equal(response.status, 400);
      assert.equal(response.body.error.code, 'invalid-setting');
      for (const name of ['lockout.threshold', 'mailSignIn.accountPassword', 'no.such'])
        assert.match(response.body.error.message, new RegExp(name.replace('.', '\\.')));
      assert.equal(
        await api.app.settings.get('mfa.requireForAll'),
        false,
        'the valid key was not stored either',
      );
    });

    test('a change is stored, shown with who made it, and audited with the old and new value', async () => {
      const response = await api.call('PATCH', '/api/v1/org/settings', {
        json: { 'mailSignIn.accountPassword': 'blocked', 'lockout.threshold': 10 },
      });
      assert.equal(response.status, 200);
      assert.deepEqual(
        response.body.changed,
        ['mailSignIn.accountPassword'],
        'an unchanged value is not a change',
      );
      const entry = response.body.settings.find(
        (s: { key: string }) => s.key === 'mailSignIn.accountPassword',
      );
      assert.equal(entry.value, 'blocked');
      assert.equal(entry.updatedBy, 'token:ops-admin');
      await api.app.audit.flush();
      const page = await api.app.audit.search({ operations: ['ChangeOrgSetting'] });
      assert.equal(page.records.length, 1);
      assert.deepEqual(page.records[0]?.details, {
        setting: 'mailSignIn.accountPassword',
        from: 'app-passwords-only',
        to: 'blocked',
      });
    });

    test('an auditor token may read the settings but not change them', async () => {
      const read = await api.call('GET', '/api/v1/org/settings', { token: api.auditorToken });
      assert.equal(read.status, 200);
      const write = await api.call('PATCH', '/api/v1/org/settings', {
        token: api.auditorToken,
        json: { 'mfa.requireForAll': true },
      });
      assert.equal(write.status, 403);
    });
  });
}

describe('org settings from the CLI', () => {
  const temp = makeTempDir();
  after(() => temp.remove());
  const env = { MAILWARDEN_DATA_DIR: temp.dir };
  before(async () => assert.equal((await runMailwarden(['init'], { env })).code, 0));

  test('mailwarden org set changes a setting that org show then prints', async () => {
    const set = await runMailwarden(['org', 'set', 'mfa.requireForAll', 'true', '--json'], { env });
    assert.equal(set.code, 0, set.stderr);
    assert.equal(JSON.parse(set.stdout).settings['mfa.requireForAll'], true);
    const show = await runMailwarden(['org', 'show', '--json'], { env });
    const entry = JSON.parse(show.stdout).find((s: { key: string }) => s.key === 'mfa.requireForAll');
    assert.equal(entry.value, true);
    assert.match(entry.updatedBy, /^cli:/);
  });

  test('mailwarden org set refuses an unknown setting or a bad value with exit status 1', async () => {
    const unknown = await runMailwarden(['org', 'set', 'mfa.sometimes', 'true'], { env });
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /mfa\.sometimes is not a setting/);
    const bad = await runMailwarden(['org', 'set', 'lockout.threshold', 'ten'], { env });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /whole number from 3 to 100/);
  });
});

describe('audit retention: the start-up setting is the default, the org setting the admin’s run-time choice', () => {
  const temp = makeTempDir();
  after(() => temp.remove());
  // As an admin's runbook sets it: the environment variable of the start-up setting.
  const env = { MAILWARDEN_DATA_DIR: temp.dir, MAILWARDEN_AUDIT_RETENTION_DAYS: '120' };
  before(async () => assert.equal((await runMailwarden(['init'], { env })).code, 0));
  const retention = async () => {
    const show = await runMailwarden(['org', 'show', '--json'], { env });
    return JSON.parse(show.stdout).find((s: { key: string }) => s.key === 'audit.retentionDays');
  };

  test('MAILWARDEN_AUDIT_RETENTION_DAYS is the default of audit.retentionDays', async () => {
    const entry = await retention();
    assert.equal(entry.value, 120);
    assert.equal(entry.default, 120);
    assert.equal(entry.updatedBy, null);
  });

  test('org set audit.retentionDays overrides it, is audited, and audit prune uses it', async () => {
    const set = await runMailwarden(['org', 'set', 'audit.retentionDays', '400', '--json'], { env });
    assert.equal(set.code, 0, set.stderr);
    const entry = await retention();
    assert.equal(entry.value, 400);
    assert.equal(entry.default, 120);
    const search = await runMailwarden(['audit', 'search', '--operation', 'ChangeOrgSetting', '--json'], {
      env,
    });
    const [change] = JSON.parse(search.stdout);
    assert.deepEqual(change.details, { setting: 'audit.retentionDays', from: 120, to: 400 });
    const prune = await runMailwarden(['audit', 'prune', '--json'], { env });
    assert.equal(prune.code, 0, prune.stderr);
    const records = JSON.parse(
      (await runMailwarden(['audit', 'search', '--operation', 'PruneAuditLog', '--json'], { env })).stdout,
    );
    // Nothing was old enough to remove, so no checkpoint and no record; the cutoff shows the period.
    assert.equal(records.length, 0);
    const cutoffDays = (Date.now() - Date.parse(JSON.parse(prune.stdout).cutoff)) / 86_400_000;
    assert.ok(Math.abs(cutoffDays - 400) < 1, `cutoff ${cutoffDays.toFixed(2)} days ago`);
  });
});

describe('a running server and mailwarden org set', () => {
  test('a change made by another process reaches the server within the snapshot time; its own at once', async () => {
    const harness = await createTestApp('sqlite');
    try {
      const env = { MAILWARDEN_DATA_DIR: harness.dataDir };
      assert.equal((await harness.app.settings.current())['lockout.threshold'], 10);
      const set = await runMailwarden(['org', 'set', 'lockout.threshold', '12'], { env });
      assert.equal(set.code, 0, set.stderr);
      await new Promise((resolve) => setTimeout(resolve, ORG_SETTINGS_SNAPSHOT_MS + 50));
      assert.equal((await harness.app.settings.current())['lockout.threshold'], 12);
      const changed = await harness.app.settings.change(
        { 'lockout.threshold': 15 },
        { actor: 'test', logonType: 'admin' },
      );
      assert.ok(changed.ok);
      assert.equal((await harness.app.settings.current())['lockout.threshold'], 15);
    } finally {
      await harness.cleanup();
    }
  });
});
