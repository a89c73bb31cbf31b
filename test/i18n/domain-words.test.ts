import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { refusalWords } from '../../src/console/refusal-words.js';
import { directoryFailureCodes } from '../../src/directory/index.js';
import { apiErrorStatus } from '../../src/http-status/index.js';
import { catalogues, formatter, translator } from '../../src/i18n/index.js';
import { signInLogReasons } from '../../src/identity/index.js';
import { notifyFailureCodes } from '../../src/notify/index.js';
import { outboundFailureCodes } from '../../src/outbound/index.js';
import { judgeInboxRules } from '../../src/respond/inbox-rules.js';
import { respondMessageKeys } from '../../src/respond/index.js';
import { scoreFailureCodes } from '../../src/score/index.js';
import { englishIn } from './english-text.js';

const en: Readonly<Record<string, string>> = catalogues.en;
const nl: Readonly<Record<string, string>> = catalogues.nl;
const placeholders = (message: string | undefined) =>
  [...(message ?? '').matchAll(/\{(\w+)\}/g)].map(([, name]) => name).sort();

/** A key is told in both languages, with the same placeholders. */
function assertBothLanguages(key: string): void {
  assert.ok(en[key], `${key} has English`);
  assert.ok(nl[key], `${key} has Dutch`);
  assert.deepEqual(placeholders(nl[key]), placeholders(en[key]), `${key}: the same placeholders`);
}

/**
 * What the domain modules give a person to read, as codes or message keys, has words in both
 * catalogues. Every list is the module's own (the code), never a copy kept here.
 */
describe('every code a domain module emits has words in both languages', () => {
  it('each message key the respond module words findings and playbook steps with, and no stale one', () => {
    for (const key of respondMessageKeys) assertBothLanguages(key);
    const listed = new Set<string>(respondMessageKeys);
    for (const key of Object.keys(en).filter((key) => key.startsWith('respond.')))
      assert.ok(listed.has(key), `${key} is in the catalogue but the respond module never says it`);
  });

  it('each sign-in log reason, and no stale one', () => {
    for (const reason of signInLogReasons) assertBothLanguages(`account.signInReason.${reason}`);
    for (const key of Object.keys(en).filter((key) => key.startsWith('account.signInReason.')))
      assert.ok(
        (signInLogReasons as readonly string[]).includes(key.slice('account.signInReason.'.length)),
        `${key} names no reason`,
      );
  });

  it('each refusal code of the one outcome table, in the modules’ own English where they have it', () => {
    for (const code of Object.keys(apiErrorStatus)) assertBothLanguages(`refusal.${code}`);
    // A code two modules share ('user-not-found', 'invalid-reason', …) keeps the first one's words.
    const english: Record<string, string> = {
      ...scoreFailureCodes,
      ...notifyFailureCodes,
      ...outboundFailureCodes,
      ...directoryFailureCodes,
    };
    for (const [code, sentence] of Object.entries(english))
      assert.equal(en[`refusal.${code}`], sentence, code);
    for (const key of Object.keys(en).filter((key) => key.startsWith('refusal.')))
      assert.ok(key.slice('refusal.'.length) in apiErrorStatus, `${key} names no outcome code`);
  });

  it('a refusal reaches a Dutch reader in Dutch, told by its code, not by the module’s English', () => {
    const dutch = translator('nl');
    assert.equal(refusalWords(dutch, { code: 'address-taken' }), 'Een andere gebruiker heeft dit adres al.');
    for (const code of Object.keys(apiErrorStatus) as (keyof typeof apiErrorStatus)[])
      assert.notEqual(refusalWords(dutch, { code }), refusalWords(translator('en'), { code }), code);
  });
});

describe('inbox-rule findings in the reader’s language', () => {
  const script = `require ["fileinto", "copy", "reject", "imap4flags"];
    redirect :copy "thief@elsewhere.test";
    redirect "colleague@example.org";
    fileinto "Trash";
    fileinto "RSS Feeds";
    fileinto "Projects";
    addflag "\\\\Seen \\\\Deleted";
    reject "no";
    discard;`;
  const findings = judgeInboxRules(script, {
    isInternalDomain: (domain) => domain === 'example.org',
    trashFolders: ['Trash'],
  });

  it('every finding is a phrase whose English is the description the CLI and the API show', () => {
    assert.equal(findings.length, 9);
    const english = translator('en');
    for (const finding of findings)
      assert.equal(english(finding.phrase.key, finding.phrase.params), finding.description);
    assert.match(findings[0]!.description, /outside the organization, to thief@elsewhere\.test \(a copy/);
  });

  it('a Dutch reader gets every finding in Dutch, with the address and folder it names', () => {
    const dutch = translator('nl');
    const told = findings.map((finding) => dutch(finding.phrase.key, finding.phrase.params));
    assert.deepEqual(englishIn(told.join('\n').replace(/\S+@\S+/g, '')), []);
    assert.equal(
      told[0],
      'stuurt e-mail door buiten de organisatie, naar thief@elsewhere.test (een kopie; de eigenaar ontvangt het bericht ook)',
    );
    assert.ok(told.includes('verbergt e-mail in de weinig gebruikte map "RSS Feeds"'));
  });
});

describe('moments inside a text', () => {
  it('are written the reader’s way in the organization’s zone; the rest stays as it is', () => {
    const text = '{"anchoredAt":"2026-12-07T15:02:03.456Z","id":"2026-12-07"}';
    assert.equal(
      formatter('en', 'Europe/Amsterdam').momentsIn(text),
      '{"anchoredAt":"7 Dec 2026, 16:02 CET","id":"2026-12-07"}',
    );
    assert.match(
      formatter('nl', 'Europe/Amsterdam').momentsIn(`om ${'2026-07-01T10:00:00Z'}`),
      /^om 1 jul\.? 2026.* 12:00 CEST$/,
    );
  });
});
