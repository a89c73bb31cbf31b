import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { messageHtml } from '../../src/console/message-html.js';
import {
  catalogues,
  formatter,
  inEnglish,
  type Message,
  message,
  messageKeys,
  parts,
  percent,
  translator,
  writeMessage,
} from '../../src/i18n/index.js';
import { startDnsServer, type TestDnsServer } from '../support/dns-server.js';
import { goodDomain, weakDomain } from '../support/dns-zones.js';
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
 * Every message key the Secure Score and the DNS checks can write, read from their source: each
 * quoted `score.…` or `dnscheck.…` string in src/score/, src/dnscheck/ and src/composition/score-*.ts.
 * The keys are typed, so a key is written only as such a literal; a key built from pieces would not
 * compile.
 */
function keysInCode(): Map<string, string> {
  const files = [
    ...sources(path.join(ROOT, 'src', 'score')),
    ...sources(path.join(ROOT, 'src', 'dnscheck')),
    ...readdirSync(path.join(ROOT, 'src', 'composition'))
      .filter((name) => name.startsWith('score-') && name.endsWith('.ts'))
      .map((name) => path.join(ROOT, 'src', 'composition', name)),
  ];
  const found = new Map<string, string>();
  for (const file of files)
    for (const [, key] of readFileSync(file, 'utf8').matchAll(/['"`]((?:score|dnscheck)\.[\w.-]+)['"`]/g))
      found.set(key!, path.relative(ROOT, file));
  return found;
}

describe('Secure Score findings and DNS check details are messages of both catalogues', () => {
  const inCode = keysInCode();

  test('every key the score and DNS check modules write is in the English and the Dutch catalogue', () => {
    assert.ok([...inCode.keys()].filter((key) => key.startsWith('score.')).length > 60, 'score keys found');
    assert.ok([...inCode.keys()].filter((key) => key.startsWith('dnscheck.')).length > 40, 'DNS keys found');
    const missing = [...inCode].flatMap(([key, file]) => [
      ...(en[key]?.trim() ? [] : [`${key} (${file}) is not in the English catalogue`]),
      ...(nl[key]?.trim() ? [] : [`${key} (${file}) is not in the Dutch catalogue`]),
    ]);
    assert.deepEqual(missing, []);
  });

  test('the catalogue keeps no score or DNS sentence the code no longer writes', () => {
    const unused = Object.keys(en).filter(
      (key) => (key.startsWith('score.') || key.startsWith('dnscheck.')) && !inCode.has(key),
    );
    assert.deepEqual(unused, []);
  });

  describe('a report from real sources and a real DNS server', () => {
    let dns: TestDnsServer;
    let testApp: TestApp;

    before(async () => {
      dns = await startDnsServer(
        { ...goodDomain('good.test', 'mail'), ...weakDomain('weak.test', 'mail') },
        { servfail: ['broken.test'] },
      );
      testApp = await createTestApp('sqlite', {
        overrides: {
          'dns.servers': [dns.address],
          'dns.timeoutMs': 2000,
          'dns.tries': 1,
          'score.dkimSelectors': ['mail'],
        },
      });
      for (const domain of ['good.test', 'weak.test', 'broken.test'])
        assert.ok((await testApp.app.directory.addDomain(domain, cliActor)).ok);
    });
    after(async () => {
      await testApp?.cleanup();
      await dns?.close();
    });

    test('writes only keys found in the code, and every finding in Dutch without a placeholder left', async () => {
      const report = await testApp.app.score.report();
      const dutch = translator('nl');
      const fmt = formatter('nl', 'Europe/Amsterdam');
      const used = new Set<string>();
      for (const control of report.controls) {
        for (const key of messageKeys(control.measured.finding)) used.add(key);
        const written = writeMessage(dutch, fmt, control.measured.finding);
        assert.doesNotMatch(written, /\{\w+\}/, `${control.id}: ${written}`);
        // The English the CLI and the API show is the same finding, written in English.
        assert.equal(control.measured.current, inEnglish(control.measured.finding), control.id);
      }
      assert.deepEqual(
        [...used].filter((key) => !inCode.has(key)),
        [],
        'keys written that the source scan does not see',
      );
      assert.ok(
        [...used].some((key) => key.startsWith('dnscheck.')),
        'the DNS checks wrote details',
      );
    });
  });
});

describe('a message is written the reader’s way', () => {
  const mfa = message('score.finding.usersMfa', { good: 1234, total: 2000, percent: percent(1234 / 2000) });

  test('numbers and shares per language; a share is rounded down, never up to 100%', () => {
    assert.equal(inEnglish(mfa), '1,234 of 2,000 users have MFA registered (61.7%)');
    assert.equal(
      writeMessage(translator('nl'), formatter('nl'), mfa),
      '1.234 van 2.000 gebruikers hebben MFA geregistreerd (61,7%)',
    );
    const almost = message('score.finding.usersMfa', { good: 9999, total: 10000, percent: percent(0.9999) });
    assert.match(inEnglish(almost), /\(99\.9%\)$/);
  });

  test('parts of a finding are joined as the score module always joined them; nested sentences translated', () => {
    const finding: Message = message('score.finding.parts', {
      parts: parts([
        message('score.finding.domainsPass', { good: 1, total: 2 }),
        message('score.finding.domainUnknown', {
          domain: 'broken.test',
          detail: message('dnscheck.dns.servfail'),
        }),
      ]),
    });
    assert.equal(inEnglish(finding), '1 of 2 domains pass; broken.test: could not check (DNS SERVFAIL)');
    assert.equal(
      writeMessage(translator('nl'), formatter('nl'), finding),
      '1 van 2 domeinen voldoen; broken.test: niet te controleren (DNS SERVFAIL)',
    );
  });

  test('on a page, data (a record, a name) is escaped and marked as not to be translated', () => {
    const detail = message('dnscheck.spf.allowsAny', { record: 'v=spf1 <b>+all</b>' });
    assert.equal(
      messageHtml({ t: translator('nl'), fmt: formatter('nl') }, detail).text,
      'SPF staat elke afzender toe (<span translate="no">v=spf1 &lt;b&gt;+all&lt;/b&gt;</span>)',
    );
  });
});
