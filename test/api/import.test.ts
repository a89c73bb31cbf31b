import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { type ApiHarness, createApiHarness } from './api-harness.js';

const hash = execFileSync('doveadm', ['pw', '-s', 'SHA512-CRYPT', '-p', 'lea old password'], {
  encoding: 'utf8',
}).trim();

describe('POST /api/v1/import', () => {
  let api: ApiHarness;
  before(async () => {
    api = await createApiHarness('sqlite');
  });
  after(async () => {
    await api.cleanup();
  });

  test('an auditor token may not import', async () => {
    const response = await api.call('POST', '/api/v1/import', {
      token: api.auditorToken,
      json: { source: 'csv', text: `lea@import.example,Lea,${hash}` },
    });
    assert.equal(response.status, 403);
    assert.equal(await api.app.directory.findUser('lea@import.example'), null);
  });

  test('a body of the wrong shape is refused with its field named', async () => {
    const response = await api.call('POST', '/api/v1/import', {
      json: { source: 'sql', url: 'sqlite:///nowhere', preset: 'exchange' },
    });
    assert.equal(response.status, 400);
    assert.ok(response.body.error.issues.some((issue: { path: string }) => issue.path === 'preset'));
  });

  test('a passwd-file text is imported, a dry run first changes nothing, the repeat changes nothing', async () => {
    const text = `lea@import.example:${hash}:5000:5000:Lea Seydoux::\nbroken line\n`;
    const dry = await api.call('POST', '/api/v1/import', {
      json: { source: 'dovecot-passwd', text, dryRun: true },
    });
    assert.equal(dry.status, 200);
    assert.equal(dry.body.report.users.created, 1);
    assert.equal(await api.app.directory.findUser('lea@import.example'), null);
    const real = await api.call('POST', '/api/v1/import', { json: { source: 'dovecot-passwd', text } });
    assert.equal(real.status, 200);
    assert.equal(real.body.report.users.created, 1);
    assert.deepEqual(
      real.body.report.users.entries
        .filter((line: { outcome: string }) => line.outcome === 'skipped')
        .map((line: { at: string }) => line.at),
      ['line 2'],
    );
    const lea = await api.app.directory.findUser('lea@import.example');
    assert.equal(lea?.displayName, 'Lea Seydoux');
    await api.app.audit.flush();
    const records = await api.app.audit.search({ operations: ['ImportAccount'] });
    assert.equal(records.records[0]?.actor, 'token:ops-admin');
    const again = await api.call('POST', '/api/v1/import', { json: { source: 'dovecot-passwd', text } });
    assert.equal(again.body.report.users.unchanged, 1);
    assert.equal(again.body.report.users.created + again.body.report.users.updated, 0);
  });

  test('an unreadable SQL source is a 502 naming it, and nothing changes', async () => {
    const response = await api.call('POST', '/api/v1/import', {
      json: { source: 'sql', url: 'sqlite:///nonexistent/users.sqlite', preset: 'mailinabox', sync: true },
    });
    assert.equal(response.status, 502);
    assert.equal(response.body.error.code, 'source-unreadable');
    assert.ok(await api.app.directory.findUser('lea@import.example'));
  });
});
