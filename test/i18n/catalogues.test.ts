import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  catalogues,
  chooseLocale,
  formatter,
  preferredFromAcceptLanguage,
  translator,
} from '../../src/i18n/index.js';

const placeholders = (message: string) => [...message.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('message catalogues', () => {
  it('every catalogue has exactly the keys the other has', () => {
    const en = Object.keys(catalogues.en).sort();
    const nl = Object.keys(catalogues.nl).sort();
    assert.deepEqual(
      en.filter((key) => !nl.includes(key)),
      [],
      'keys in English but not in Dutch',
    );
    assert.deepEqual(
      nl.filter((key) => !en.includes(key)),
      [],
      'keys in Dutch but not in English',
    );
  });

  it('a translation keeps every placeholder of its English message, and no empty message', () => {
    const en: Record<string, string> = catalogues.en;
    const nl: Record<string, string> = catalogues.nl;
    for (const key of Object.keys(en)) {
      assert.deepEqual(placeholders(nl[key] ?? ''), placeholders(en[key] ?? ''), `placeholders of ${key}`);
      assert.ok((en[key] ?? '').trim() && (nl[key] ?? '').trim(), `${key} is empty`);
    }
  });

  it('plural pairs come in both forms', () => {
    for (const key of Object.keys(catalogues.en)) {
      if (key.endsWith('.one'))
        assert.ok(`${key.slice(0, -4)}.other` in catalogues.en, `${key} has no .other`);
    }
  });
});

describe('choosing the reader’s language', () => {
  it('the user’s own setting wins over the browser and the organization', () => {
    assert.equal(chooseLocale({ user: 'en', acceptLanguage: 'nl-NL', org: 'nl' }), 'en');
  });

  it('Accept-Language by q-value, with regional tags read by their language', () => {
    assert.equal(preferredFromAcceptLanguage('nl-NL,nl;q=0.9,en-US;q=0.8'), 'nl');
    assert.equal(preferredFromAcceptLanguage('de-DE,en;q=0.5,nl;q=0.7'), 'nl');
    assert.equal(preferredFromAcceptLanguage('nl-BE;q=0, en'), 'en');
    assert.equal(preferredFromAcceptLanguage('fr, *;q=0.1'), null);
    assert.equal(preferredFromAcceptLanguage(';;,q=x'), null);
  });

  it('the organization’s default applies when the browser names no supported language', () => {
    assert.equal(chooseLocale({ acceptLanguage: 'fr-FR', org: 'nl' }), 'nl');
    assert.equal(chooseLocale({}), 'en');
  });
});

describe('formatting for the reader', () => {
  it('writes moments in the organization’s time zone and the reader’s language', () => {
    const nl = formatter('nl', 'Europe/Amsterdam');
    assert.match(nl.moment('2026-12-07T16:41:00.000Z'), /7 dec\.? 2026.*17:41/);
    const en = formatter('en', 'UTC');
    assert.match(en.moment('2026-12-07T16:41:00.000Z'), /7 Dec 2026.*16:41/);
    assert.equal(en.moment('not a date'), 'not a date');
  });

  it('an unknown time zone falls back to UTC instead of throwing', () => {
    assert.equal(formatter('en', 'Mars/Olympus').timeZone, 'UTC');
  });

  it('recent moments read relative, in the reader’s language', () => {
    const now = new Date('2026-12-07T12:00:00Z');
    assert.match(formatter('nl').relative('2026-12-07T11:57:00Z', now), /3 min\.? geleden/);
    assert.match(formatter('en').relative('2026-12-07T11:57:00Z', now), /3 min\.? ago/);
  });

  it('fills placeholders and writes numbers the language’s way', () => {
    assert.equal(translator('nl')('nav.admin.users'), 'Gebruikers');
    assert.equal(translator('nl').locale, 'nl');
  });
});
