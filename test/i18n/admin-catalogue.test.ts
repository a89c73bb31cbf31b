import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { alertTypes } from '../../src/alerts/index.js';
import { auditOperations } from '../../src/audit/index.js';
import { findingWords } from '../../src/console/admin-findings.js';
import { catalogues, translator } from '../../src/i18n/index.js';
import { policyFields } from '../../src/outbound/index.js';
import { controlDefinitions } from '../../src/score/index.js';
import { orgSettingFields } from '../../src/settings/index.js';

const en: Readonly<Record<string, string>> = catalogues.en;
const nl: Readonly<Record<string, string>> = catalogues.nl;
const fill = (template: string, values: Record<string, string>) =>
  template.replace(/\{(\w+)\}/g, (_, name: string) => values[name] ?? '');

/**
 * The admin pages translate the domain's words by identifier (alert type, control id, setting key,
 * policy field, audit operation). The domain keeps its English as the source: the catalogue's English
 * must be that same text, or an edit in the domain would leave the Dutch describing something else.
 */
describe('the admin catalogue follows the domain’s own words', () => {
  it('alert titles, by type', () => {
    for (const [type, { title }] of Object.entries(alertTypes))
      assert.equal(en[`admin.alertType.${type}`], title, `admin.alertType.${type}`);
  });

  it('Secure Score control titles and why, by control id', () => {
    for (const control of controlDefinitions) {
      assert.equal(en[`admin.control.${control.id}.title`], control.title, `${control.id} title`);
      assert.equal(en[`admin.control.${control.id}.why`], control.why, `${control.id} why`);
    }
  });

  it('organization setting and sending policy field descriptions, by key', () => {
    for (const [key, field] of Object.entries(orgSettingFields))
      assert.equal(en[`admin.setting.${key}`], field.description, `admin.setting.${key}`);
    for (const [name, field] of Object.entries(policyFields))
      assert.equal(en[`admin.policyField.${name}`], field.description, `admin.policyField.${name}`);
  });

  it('every audit operation has a name in every language, and no name is left for one that is gone', () => {
    for (const operation of Object.keys(auditOperations))
      assert.ok(en[`admin.op.${operation}`] && nl[`admin.op.${operation}`], operation);
    for (const key of Object.keys(en).filter((key) => key.startsWith('admin.op.')))
      assert.ok(key.slice('admin.op.'.length) in auditOperations, `${key} names no operation`);
  });

  it('every enum choice of a setting or policy field has words', () => {
    const values: string[] = [
      ...Object.values(orgSettingFields).flatMap((field): readonly string[] =>
        field.kind === 'enum' ? field.values : field.kind === 'boolean' ? ['true', 'false'] : [],
      ),
      ...Object.values(policyFields).flatMap((field): readonly string[] =>
        field.kind === 'enum' ? field.values : [],
      ),
    ];
    for (const value of values) assert.ok(nl[`admin.value.${value}`], `admin.value.${value}`);
  });
});

describe('Secure Score findings in the reader’s words', () => {
  const dutch = translator('nl');
  const english = translator('en');
  const findingKeys = Object.keys(en).filter((key) => key.startsWith('admin.finding.'));

  it('every sentence the catalogue knows is written in Dutch with the values it held', () => {
    assert.ok(findingKeys.length > 40);
    for (const key of findingKeys) {
      const values = (template: string, part: string) =>
        Object.fromEntries(
          [...template.matchAll(/\{(\w+)\}/g)].map(([, name]) => [
            name!,
            name!.startsWith('part') ? part : '7',
          ]),
        );
      const source = fill(en[key]!, values(en[key]!, 'DNS server unreachable'));
      const expected = fill(nl[key]!, values(nl[key]!, 'DNS-server onbereikbaar'));
      assert.equal(findingWords(dutch, source).text, expected, key);
    }
  });

  it('a finding of several parts is read part by part; a part no pattern knows stays English, marked so', () => {
    const out = findingWords(
      dutch,
      '1 of 4 users have MFA registered (25%); 2 more have MFA enforced but no factor registered yet; a sentence added later',
    ).text;
    assert.equal(
      out,
      '1 van 4 gebruikers hebben MFA geregistreerd (25%); bij nog 2 is MFA afgedwongen maar nog geen factor geregistreerd; <span lang="en">a sentence added later</span>',
    );
  });

  it('an English reader gets the score module’s sentence as it is, escaped', () => {
    assert.equal(findingWords(english, 'x <b> of 3').text, 'x &lt;b&gt; of 3');
  });
});
