import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { prepareMailwarden, SENDER, type ServedMailwarden } from '../support/served-mailwarden.js';
import { SmtpDialogue } from '../support/smtp-dialogue.js';

function transactionLines(served: ServedMailwarden): Array<Record<string, unknown>> {
  return served
    .log()
    .split('\n')
    .filter((line) => line.includes('"msg":"smtp transaction"'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('one log line per SMTP transaction and per HTTP request', () => {
  let served: ServedMailwarden;
  before(async () => {
    served = await prepareMailwarden();
    await served.start();
  });
  after(async () => served?.remove());

  test('an accepted message and a refused sender each give one line with the session id and the reply code', async () => {
    const { client } = await SmtpDialogue.connect(served.ports.smtps, { implicitTls: true });
    await client.command('EHLO client.test');
    assert.equal((await client.authPlain(SENDER, served.appPassword)).code, 235);
    assert.equal((await client.command(`MAIL FROM:<${SENDER}>`)).code, 250);
    assert.equal((await client.command('RCPT TO:<carol@customer.test>')).code, 250);
    assert.equal((await client.command('RCPT TO:<dave@customer.test>')).code, 250);
    assert.equal((await client.command('DATA')).code, 354);
    const sent = await client.command(
      `From: ${SENDER}\r\nTo: carol@customer.test\r\nSubject: logged\r\nMessage-ID: <logged@example.org>\r\n\r\nbody\r\n.`,
    );
    assert.equal(sent.code, 250);
    const refused = await client.command('MAIL FROM:<someone-else@example.net>');
    assert.equal(refused.code, 550);
    await client.quit();
    const health = await fetch(`http://127.0.0.1:${served.ports.http}/api/v1/openapi.json`);
    assert.equal(health.status, 200);
    const requestId = health.headers.get('x-request-id');
    assert.equal(await served.stop(), 0);

    const httpLines = served
      .log()
      .split('\n')
      .filter((line) => line.includes('"msg":"http request"'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.equal(httpLines.length, 1, served.log());
    assert.deepEqual(
      { ...httpLines[0], time: undefined, ms: undefined },
      {
        time: undefined,
        ms: undefined,
        level: 'info',
        msg: 'http request',
        role: 'http',
        requestId,
        method: 'GET',
        path: '/api/v1/openapi.json',
        status: 200,
      },
    );

    const lines = transactionLines(served);
    assert.equal(lines.length, 2, served.log());
    const [accepted, refusedLine] = lines as [Record<string, unknown>, Record<string, unknown>];
    assert.equal(accepted.level, 'info');
    assert.equal(accepted.code, 250);
    assert.equal(accepted.recipients, 2);
    assert.equal(accepted.from, SENDER);
    assert.equal(accepted.user, SENDER);
    assert.equal(accepted.tls, true);
    assert.equal(typeof accepted.sessionId, 'string');
    assert.equal(refusedLine.code, 550);
    assert.equal(refusedLine.from, 'someone-else@example.net');
    assert.equal(refusedLine.sessionId, accepted.sessionId, 'both transactions came in one session');
  });
});
