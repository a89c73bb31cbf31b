import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MAX_TEXT_BYTES, parseMessage } from '../../../src/outbound/spam/parsed-message.js';
import { analyze, buildMessage, findingNames } from './message-fixtures.js';

function raw(lines: string[]): Buffer {
  return Buffer.from(lines.join('\r\n'));
}

describe('reading a message (MIME walk)', () => {
  test('decodes RFC 2047 subjects, folded headers and quoted-printable latin-1 text', () => {
    const message = parseMessage(
      raw([
        'From: Eva <eva@acme.example>',
        'Subject: =?iso-8859-1?Q?Cr=E9er_een?=',
        '  =?utf-8?B?IG9mZmVydGU=?=',
        'Content-Type: text/plain; charset=iso-8859-1',
        'Content-Transfer-Encoding: quoted-printable',
        '',
        'Caf=E9 De Zo=EB wil 12 tafels, geleverd v=F3=F3r 15 januari, en een lange re=',
        'gel.',
      ]),
    );
    assert.equal(message.subject, 'Créer een offerte');
    assert.equal(
      message.texts[0],
      'Café De Zoë wil 12 tafels, geleverd vóór 15 januari, en een lange regel.',
    );
    assert.deepEqual(message.problems, []);
  });

  test('reads base64 HTML inside nested multiparts, with its links and visible text', () => {
    const html = Buffer.from(
      '<p>Hello <a href="https://www.acme.example/x?a=1&amp;b=2">our <b>site</b></a></p>',
    );
    const message = parseMessage(
      raw([
        'Content-Type: multipart/mixed; boundary=outer',
        '',
        '--outer',
        'Content-Type: multipart/alternative; boundary="inner"',
        '',
        '--inner',
        'Content-Type: text/plain',
        '',
        'Hello',
        '--inner',
        'Content-Type: text/html; charset=utf-8',
        'Content-Transfer-Encoding: base64',
        '',
        html.toString('base64'),
        '--inner--',
        '--outer--',
        '',
      ]),
    );
    assert.deepEqual(message.anchors, [{ href: 'https://www.acme.example/x?a=1&b=2', text: 'our site' }]);
    assert.equal(message.texts.length, 2);
    assert.match(message.texts[1]!, /Hello our site/);
    assert.deepEqual(message.problems, []);
  });

  test('finds attachment names in Content-Disposition, Content-Type name and RFC 2231 continuations', () => {
    const message = parseMessage(
      raw([
        'Content-Type: multipart/mixed; boundary=b',
        '',
        '--b',
        'Content-Type: application/pdf',
        'Content-Disposition: attachment; filename*0*=utf-8\'\'Offerte%20Zo%C3%AB; filename*1=".pdf"',
        '',
        '%PDF-1.4',
        '--b',
        'Content-Type: application/octet-stream; name="=?utf-8?Q?factuur=5F12.pdf?="',
        '',
        'data',
        '--b',
        'Content-Type: text/plain; name="notes.txt"',
        'Content-Disposition: attachment',
        '',
        'not body text',
        '--b--',
      ]),
    );
    assert.deepEqual(
      message.attachments.map((attachment) => attachment.filename),
      ['Offerte Zoë.pdf', 'factuur_12.pdf', 'notes.txt'],
    );
    assert.deepEqual(message.texts, []);
  });

  test('does not read the text of an attached message, but does list its attachments', () => {
    const message = parseMessage(
      raw([
        'Content-Type: multipart/mixed; boundary=b',
        '',
        '--b',
        'Content-Type: text/plain',
        '',
        'Is this phishing?',
        '--b',
        'Content-Type: message/rfc822',
        '',
        'Subject: verify your account',
        'Content-Type: multipart/mixed; boundary=c',
        '',
        '--c',
        'Content-Type: text/plain',
        '',
        'verify your account at http://evil.example',
        '--c',
        'Content-Type: application/octet-stream; name="tool.exe"',
        '',
        'MZ',
        '--c--',
        '--b--',
      ]),
    );
    assert.deepEqual(message.texts, ['Is this phishing?']);
    assert.deepEqual(
      message.attachments.map((attachment) => attachment.filename),
      ['tool.exe'],
    );
  });

  test('reports a multipart without boundary and still reads its text', () => {
    const findings = analyze(
      raw(['Content-Type: multipart/alternative', '', '--x', '', 'please verify your account now']),
    );
    assert.ok(findingNames(findings).includes('MALFORMED_MIME'));
    assert.ok(findingNames(findings).includes('PHISHING_PHRASE'));
  });

  test('reports an unclosed multipart (truncated message) and reads what arrived', () => {
    const message = parseMessage(
      raw([
        'Content-Type: multipart/mixed; boundary=b',
        '',
        '--b',
        'Content-Type: text/plain',
        '',
        'first part',
      ]),
    );
    assert.deepEqual(message.texts, ['first part']);
    assert.match(message.problems.join(), /not closed/);
  });

  test('never throws on truncated MIME', () => {
    const whole = buildMessage({
      html: '<p><a href="https://bit.ly/x">https://www.acme.example</a></p>',
      attachments: [{ filename: 'invoice.pdf.exe', content: Buffer.from('MZ\u0090\u0000') }],
    });
    for (let length = 0; length <= whole.length; length += 7) {
      const findings = analyze(whole.subarray(0, length));
      assert.ok(Array.isArray(findings));
    }
  });

  test('never throws on random bytes and broken encodings', () => {
    let seed = 42;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const alphabet = 'abc:=?\r\n\t-<>"\';*%&#/@.QB\u00e9\u0000';
    for (let round = 0; round < 300; round++) {
      const length = Math.floor(random() * 600);
      let text = round % 2 === 0 ? 'Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n' : '';
      for (let i = 0; i < length; i++) text += alphabet[Math.floor(random() * alphabet.length)];
      assert.doesNotThrow(() => analyze(Buffer.from(text, 'latin1')));
    }
    assert.doesNotThrow(() =>
      analyze(
        raw([
          'Subject: =?x-unknown?Q?=ZZ?= =?utf-8?B?!!!?=',
          'Content-Type: text/html; charset="no-such-charset"',
          'Content-Transfer-Encoding: base64',
          '',
          '@@@ not base64 @@@',
        ]),
      ),
    );
  });

  test('looks at no more than MAX_TEXT_BYTES (512 KiB) of text and says so', () => {
    assert.equal(MAX_TEXT_BYTES, 512 * 1024);
    const big = 'lorem ipsum '.repeat(Math.ceil((3 * 1024 * 1024) / 12));
    const message = parseMessage(raw(['Content-Type: text/plain', '', big]));
    assert.ok(message.texts[0]!.length <= MAX_TEXT_BYTES);
    assert.deepEqual(message.limitsReached, ['text']);
    assert.ok(
      findingNames(analyze(raw(['Content-Type: text/plain', '', big]))).includes('ANALYSIS_LIMIT_REACHED'),
    );
  });

  test('text past MAX_TEXT_BYTES is not read: a phrase there raises no finding, only the limit', () => {
    const padding = 'lorem ipsum '.repeat(Math.ceil(MAX_TEXT_BYTES / 12));
    const names = findingNames(
      analyze(raw(['Content-Type: text/plain', '', `${padding}\r\nPlease verify your account today.`])),
    );
    assert.ok(names.includes('ANALYSIS_LIMIT_REACHED'));
    assert.ok(!names.includes('PHISHING_PHRASE'));
    // The same phrase before the bound is found.
    const early = findingNames(
      analyze(raw(['Content-Type: text/plain', '', `Please verify your account today.\r\n${padding}`])),
    );
    assert.ok(early.includes('PHISHING_PHRASE'));
  });

  test('analysis of a big crafted body stays short for the event loop (bounded CPU, any size)', () => {
    const fill = (unit: string, bytes: number) => unit.repeat(Math.ceil(bytes / Buffer.byteLength(unit)));
    const bodies = [
      ['text/plain', fill('Привет мир, учетная запись ёжик éèàç naïve café\r\n', 20 * 1024 * 1024)],
      [
        'text/plain',
        fill('http://example.com/a http://example.com/b bit.ly/x a/b/c/d/e/f/g\r\n', 20 * 1024 * 1024),
      ],
      [
        'text/html',
        fill(
          '<div><b>x</b><a href="http://a.example/1">a.example</a> your account </div>\r\n',
          20 * 1024 * 1024,
        ),
      ],
    ] as const;
    for (const [type, body] of bodies) {
      const message = raw([`Content-Type: ${type}; charset=utf-8`, '', body]);
      const before = process.cpuUsage();
      const names = findingNames(analyze(message));
      const cpu = process.cpuUsage(before);
      const cpuMs = (cpu.user + cpu.system) / 1000;
      assert.ok(names.includes('ANALYSIS_LIMIT_REACHED'));
      // 25–50 ms on a 2-core VM; reading all 20 MiB of the first body took 820 ms.
      assert.ok(cpuMs < 400, `${type}: ${cpuMs.toFixed(0)} ms of CPU`);
    }
  });

  test('reads crafted markup in linear time (thousands of unclosed tags and anchors)', () => {
    const crafted = '<a href="https://x.example/" '.repeat(50_000) + '<a>'.repeat(100_000) + '<!--';
    const started = performance.now();
    analyze(raw(['Content-Type: text/html', '', crafted]));
    assert.ok(performance.now() - started < 2000, 'took too long');
  });

  test('reports a message without a header block as malformed', () => {
    const findings = analyze(Buffer.from('just some words, no headers at all\r\n'));
    assert.deepEqual(findingNames(findings), ['MALFORMED_MIME']);
  });
});
