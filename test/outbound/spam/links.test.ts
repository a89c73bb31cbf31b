import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { shownHost } from '../../../src/outbound/spam/links.js';
import { analyze, buildMessage, findingNames } from './message-fixtures.js';

function linkFindings(spec: { text?: string; html?: string }) {
  return analyze(buildMessage(spec));
}

describe('links', () => {
  test('does not flag a signature URL or a few links to the same site', () => {
    const html =
      '<p>See <a href="https://www.acme.example/events/demo">www.acme.example/events/demo</a> and ' +
      '<a href="https://acme.example/manual.pdf">https://acme.example/manual.pdf</a> or ' +
      '<a href="https://files.acme.example/contract.pdf">contract.pdf</a></p>';
    assert.deepEqual(findingNames(linkFindings({ text: 'Eva\nhttps://www.acme.example', html })), []);
  });

  test('flags link text showing one domain while the link goes to another', () => {
    const findings = linkFindings({
      html: '<a href="https://office365-keep.web.app/login">https://login.microsoftonline.com/</a>',
    });
    assert.deepEqual(findingNames(findings), ['LINK_TEXT_MISMATCH']);
    assert.match(findings[0]!.detail, /login\.microsoftonline\.com → office365-keep\.web\.app/);
  });

  test('judges the link inside an Outlook Safe Links wrapper', () => {
    const html =
      '<a href="https://eur01.safelinks.protection.outlook.com/?url=https%3A%2F%2Fwww.acme.example%2Fx&amp;data=1">https://www.acme.example/x</a>';
    assert.deepEqual(findingNames(linkFindings({ html })), []);
  });

  test('flags URL shorteners, with or without a scheme', () => {
    assert.deepEqual(findingNames(linkFindings({ text: 'Register: https://bit.ly/acme-webinar' })), [
      'URL_SHORTENER',
    ]);
    assert.deepEqual(findingNames(linkFindings({ html: '<a href="//tinyurl.com/abc">here</a>' })), [
      'URL_SHORTENER',
    ]);
    assert.deepEqual(findingNames(linkFindings({ text: 'Klik op bit.ly/3mbx-nl om te upgraden.' })), [
      'URL_SHORTENER',
    ]);
    assert.deepEqual(findingNames(linkFindings({ text: 'mail me at eva@bit.ly.example' })), []);
  });

  test('flags more than 10 distinct links, counting each URL once', () => {
    const eleven = Array.from({ length: 11 }, (_, i) => `https://shop.example/item${i}`).join('\n');
    assert.deepEqual(findingNames(linkFindings({ text: eleven })), ['MANY_LINKS']);
    const ten = Array.from({ length: 10 }, (_, i) => `https://shop.example/item${i}`).join('\n');
    assert.deepEqual(findingNames(linkFindings({ text: `${ten}\n${ten}` })), []);
  });

  test('flags links to public IP addresses but not to intranet addresses', () => {
    assert.deepEqual(findingNames(linkFindings({ text: 'pay at http://185.220.101.45/dhl' })), [
      'LINK_TO_IP_ADDRESS',
    ]);
    assert.deepEqual(findingNames(linkFindings({ text: 'status: http://10.10.1.20/status' })), []);
  });

  test('looks at no more than 500 links', () => {
    const many = Array.from({ length: 600 }, (_, i) => `<a href="https://x${i}.example/">${i}</a>`).join('');
    const findings = linkFindings({ html: many });
    assert.deepEqual(findingNames(findings), ['ANALYSIS_LIMIT_REACHED', 'MANY_LINKS']);
    assert.match(findings[1]!.detail, /^500 distinct links/);
  });

  test('reads the host a link text shows, ignoring file names and prose', () => {
    assert.equal(shownHost('www.PayPal.com/login'), 'www.paypal.com');
    assert.equal(shownHost('https://login.microsoftonline.com/'), 'login.microsoftonline.com');
    assert.equal(shownHost('report.pdf'), null);
    assert.equal(shownHost('Click here'), null);
    assert.equal(shownHost('version 1.2'), null);
  });
});
