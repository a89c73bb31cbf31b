import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ALICE, type GatewayHarness, startGatewayHarness } from '../support/gateway-harness.js';
import { SmtpDialogue } from '../support/smtp-dialogue.js';
import { runAdminSql } from '../support/test-app.js';

let harness: GatewayHarness;
let databaseName: string;

const admin = runAdminSql;

before(async () => {
  harness = await startGatewayHarness({ kind: 'postgres' });
  databaseName = new URL(harness.app.config.database.url!).pathname.slice(1);
});
after(async () => {
  await admin(`ALTER DATABASE ${databaseName} ALLOW_CONNECTIONS true`);
  await harness.cleanup();
});

test('a database outage gives clients a temporary 4xx without internal details, and service resumes after', async () => {
  const { client } = await SmtpDialogue.connect(harness.smtpPort);
  await client.command('EHLO client.test');
  await client.startTls();
  await client.command('EHLO client.test');
  assert.equal((await client.authPlain(ALICE.address, ALICE.password)).code, 235);

  await admin(`ALTER DATABASE ${databaseName} ALLOW_CONNECTIONS false`);
  await admin(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${databaseName}'`);

  const during = await client.command(`MAIL FROM:<${ALICE.address}>`);
  assert.equal(during.code, 451, during.text);
  assert.equal(during.text, '4.3.0 Local error in processing, try again later');

  const second = await SmtpDialogue.connect(harness.smtpPort);
  await second.client.command('EHLO client.test');
  await second.client.startTls();
  await second.client.command('EHLO client.test');
  const auth = await second.client.authPlain(ALICE.address, ALICE.password);
  assert.equal(auth.code, 454, 'a sign-in that cannot be decided is a temporary failure, not a refusal');
  await second.client.quit();

  await admin(`ALTER DATABASE ${databaseName} ALLOW_CONNECTIONS true`);
  const after = await client.command(`MAIL FROM:<${ALICE.address}>`);
  assert.equal(after.code, 250, after.text);
  await client.quit();
});
