import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { alertTypes } from '../../src/alerts/index.js';
import { auditOperations } from '../../src/audit/index.js';
import { catalogues } from '../../src/i18n/index.js';
import { policyFields } from '../../src/outbound/index.js';
import { controlDefinitions } from '../../src/score/index.js';
import { orgSettingFields } from '../../src/settings/index.js';

const en: Readonly<Record<string, string>> = catalogues.en;
const nl: Readonly<Record<string, string>> = catalogues.nl;

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
