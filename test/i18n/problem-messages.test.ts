import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { catalogues, formatter, messageKeys, translator, writeMessage } from '../../src/i18n/index.js';
import { cliActor, createTestApp, type TestApp } from '../support/test-app.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const en: Readonly<Record<string, string>> = catalogues.en;
const nl: Readonly<Record<string, string>> = catalogues.nl;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? sources(full) : full.endsWith('.ts') ? [full] : [];
  });
}

/**
 * Every problem key the settings and outbound modules can write, read from their source: each quoted
 * `settings.problem.…` or `policy.problem.…` string in src/settings/ and src/outbound/. The keys are
 * typed, so a key is written only as such a literal.
 */
function keysInCode(): Map<string, string> {
  const found = new Map<string, string>();
  for (const file of [
    ...sources(path.join(ROOT, 'src', 'settings')),
    ...sources(path.join(ROOT, 'src', 'outbound')),
  ])
    for (const [, key] of readFileSync(file, 'utf8').matchAll(
      /['"`]((?:settings|policy)\.problem\.[\w.-]+)['"`]/g,
    ))
      found.set(key!, path.relative(ROOT, file));
  return found;
}

const dutch = { t: translator('nl'), fmt: formatter('nl') };

describe('why a setting or a sending policy was refused is a message of both catalogues', () => {
  const inCode = keysInCode();

  test('every problem key the settings and outbound modules write is in the English and the Dutch catalogue', () => {
    assert.ok([...inCode.keys()].filter((key) => key.startsWith('settings.problem.')).length >= 6);
    assert.ok([...inCode.keys()].filter((key) => key.startsWith('policy.problem.')).length >= 10);
    const missing = [...inCode].flatMap(([key, file]) => [
      ...(en[key]?.trim() ? [] : [`${key} (${file}) is not in the English catalogue`]),
      ...(nl[key]?.trim() ? [] : [`${key} (${file}) is not in the Dutch catalogue`]),
    ]);
    assert.deepEqual(missing, []);
  });

  test('the catalogue keeps no problem the code no longer writes', () => {
    const unused = Object.keys(en).filter(
      (key) => (key.startsWith('settings.problem.') || key.startsWith('policy.problem.')) && !inCode.has(key),
    );
    assert.deepEqual(unused, []);
  });

  describe('refusals of a real application', () => {
    let testApp: TestApp;
    before(async () => {
      testApp = await createTestApp('sqlite');
    });
    after(async () => {
      await testApp?.cleanup();
    });

    test('a refused settings change keeps its English problems and carries each as a message too', async () => {
      const outcome = await testApp.app.settings.change(
        {
          'lockout.enabled': 'maybe',
          'lockout.threshold': 1,
          locale: 'fr',
          timeZone: 'Mars/Olympus',
          nope: 1,
        },
        cliActor,
      );
      assert.ok(!outcome.ok);
      assert.deepEqual(outcome.problems, [
        'lockout.enabled is true or false',
        'lockout.threshold is a whole number from 3 to 100',
        'locale is one of en, nl',
        'timeZone is an IANA time zone name, e.g. Europe/Amsterdam or UTC (not "Mars/Olympus")',
        'nope is not a setting (see mailwarden org show)',
      ]);
      assert.equal(outcome.message, outcome.problems.join('; '));
      assert.deepEqual(
        outcome.problemMessages.map((problem) => writeMessage(dutch.t, dutch.fmt, problem)),
        [
          'lockout.enabled is true of false',
          'lockout.threshold is een geheel getal van 3 tot en met 100',
          'locale is een van en, nl',
          'timeZone is de naam van een IANA-tijdzone, bijvoorbeeld Europe/Amsterdam of UTC (niet "Mars/Olympus")',
          'nope is geen instelling (zie mailwarden org show)',
        ],
      );
      const empty = await testApp.app.settings.change({}, cliActor);
      assert.ok(!empty.ok);
      assert.deepEqual(empty.problems, ['no setting to change']);
      assert.deepEqual(empty.problemMessages.flatMap(messageKeys), ['settings.problem.nothingToChange']);
    });

    test('a refused sending policy keeps its English message and carries each problem as a message too', async () => {
      const outcome = await testApp.app.outbound.setPolicy(
        'default',
        { settings: { perMessage: 0, action: 'explode', nope: 1, spamWeights: { lower: 1, BIG: 500 } } },
        cliActor,
      );
      assert.ok(!outcome.ok);
      assert.equal(
        outcome.message,
        'perMessage: must be a whole number from 1 to 1000 (got 0); ' +
          'action: must be one of restrict, restrict-today, alert (got "explode"); ' +
          'nope: unknown policy setting; ' +
          'spamWeights.lower: finding names are SCREAMING_SNAKE; ' +
          'spamWeights.BIG: must be a number from -100 to 100',
      );
      assert.equal(outcome.problemMessages?.length, 5);
      assert.equal(
        writeMessage(dutch.t, dutch.fmt, outcome.problemMessages![0]!),
        'perMessage: moet een geheel getal van 1 tot en met 1000 zijn (ontvangen: 0)',
      );
      const nobody = await testApp.app.outbound.setPolicy('sales', {}, cliActor);
      assert.ok(!nobody.ok);
      assert.equal(nobody.message, 'policy sales applies to nobody: give it users, groups or domains');
      assert.deepEqual(nobody.problemMessages?.flatMap(messageKeys), ['policy.problem.nobody']);
    });
  });
});
