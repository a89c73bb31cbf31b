import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import nodemailer from 'nodemailer';
import pg from 'pg';
import { createHttpApp } from '../../src/http.js';
import { ALICE, type GatewayHarness, startGatewayHarness } from '../support/gateway-harness.js';

let harness: GatewayHarness;

/** Runs SQL on the harness's own database (not the shared admin one). */
async function onTestDatabase(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: harness.app.config.database.url! });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

before(async () => {
  // The record is retried for half the socket timeout before the client gets its 250 without it:
  // 4 s keeps the wait short here.
  harness = await startGatewayHarness({ kind: 'postgres', overrides: { 'smtp.socketTimeoutMs': 4000 } });
});
after(() => harness.cleanup());

const send = (subject: string) =>
  nodemailer
    .createTransport({
      host: '127.0.0.1',
      port: harness.smtpPort,
      requireTLS: true,
      tls: { rejectUnauthorized: false },
      auth: { user: ALICE.address, pass: ALICE.password },
    })
    .sendMail({ from: ALICE.address, to: 'carol@customer.test', subject, text: 'x' });

test('a delivered message whose Send record the database refuses still gets 250, and the gap is alerted and counted', async () => {
  // A real failure of the audit write: PostgreSQL refuses Send records of this one database.
  await onTestDatabase(`
    CREATE FUNCTION refuse_send_records() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.operation IN ('Send', 'SendAs') THEN RAISE EXCEPTION 'audit volume full'; END IF;
      RETURN NEW;
    END $$;
    CREATE TRIGGER refuse_send_records BEFORE INSERT ON audit_log
      FOR EACH ROW EXECUTE FUNCTION refuse_send_records();`);
  const info = await send('delivered, not recorded');
  assert.match(info.response, /^250 /, 'refusing now would make the client send it twice');
  assert.ok(harness.upstream!.received.some((message) => message.raw.includes('delivered, not recorded')));

  const deadline = Date.now() + 5000;
  let alert = (await harness.app.alerts.list()).find((entry) => entry.type === 'audit-record-unwritten');
  while (!alert && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    alert = (await harness.app.alerts.list()).find((entry) => entry.type === 'audit-record-unwritten');
  }
  assert.ok(alert, 'the alert is raised');
  assert.equal(alert.title, 'Audit record could not be written');
  assert.equal(alert.severity, 'high');
  assert.equal(alert.mailbox, ALICE.address);
  assert.match(String(alert.evidence['error']), /audit volume full/);
  assert.equal(alert.evidence['recipientCount'], 1);

  const metrics = await (await createHttpApp(harness.app).request('/metrics')).text();
  assert.match(metrics, /^mailwarden_send_records_unwritten_total 1$/m);
  const { records } = await harness.app.audit.search({ mailbox: ALICE.address, operations: ['Send'] });
  assert.equal(records.length, 0);

  await onTestDatabase('DROP TRIGGER refuse_send_records ON audit_log');
  await send('recorded again');
  const written = await harness.app.audit.search({ mailbox: ALICE.address, operations: ['Send'] });
  assert.deepEqual(
    written.records.map((record) => record.subject),
    ['recorded again'],
  );
  assert.equal(harness.app.outbound.unrecordedSends.count(), 1, 'only the message without a record counts');
});
