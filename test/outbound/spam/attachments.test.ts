import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { deflateRawSync } from 'node:zlib';
import { zipEntryNames } from '../../../src/outbound/spam/attachments.js';
import { type AttachmentSpec, analyze, buildMessage, findingNames } from './message-fixtures.js';

const PDF = Buffer.from('%PDF-1.4\n%%EOF\n');
const PROGRAM = Buffer.concat([
  Buffer.from('MZ'),
  Buffer.alloc(62),
  Buffer.from('This program cannot be run in DOS mode.'),
]);

function attach(...attachments: AttachmentSpec[]) {
  return findingNames(analyze(buildMessage({ text: 'See attached.', attachments })));
}

/** A ZIP archive (APPNOTE.TXT §4.3.7 local headers only; enough for a reader that streams). */
function zip(entries: Array<[string, Buffer]>): Buffer {
  return Buffer.concat(
    entries.map(([name, content]) => {
      const data = deflateRawSync(content);
      const header = Buffer.alloc(30);
      header.writeUInt32LE(0x04034b50, 0);
      header.writeUInt16LE(20, 4);
      header.writeUInt16LE(8, 8);
      header.writeUInt32LE(data.length, 18);
      header.writeUInt32LE(content.length, 22);
      header.writeUInt16LE(Buffer.byteLength(name), 26);
      return Buffer.concat([header, Buffer.from(name), data]);
    }),
  );
}

describe('attachments', () => {
  test('does not flag a PDF invoice, photos, an Office document or a ZIP of PDFs', () => {
    assert.deepEqual(
      attach(
        { filename: 'Invoice-2026-1187.pdf', contentType: 'application/pdf', content: PDF },
        { filename: 'IMG_2041.jpg', contentType: 'image/jpeg', content: Buffer.from([0xff, 0xd8, 0xff]) },
        { filename: 'Price list 2027.xlsx', content: Buffer.from('PK\u0003\u0004') },
        { filename: 'Invoice 2026.11.pdf', content: PDF },
        {
          filename: 'invoices.zip',
          content: zip([
            ['a.pdf', PDF],
            ['b.pdf', PDF],
          ]),
        },
      ),
      [],
    );
  });

  test('flags invoice.pdf.exe as an executable attachment with a double extension', () => {
    assert.deepEqual(attach({ filename: 'invoice.pdf.exe', content: PROGRAM }), [
      'EXECUTABLE_ATTACHMENT',
      'DOUBLE_EXTENSION_ATTACHMENT',
    ]);
  });

  test('flags scripts, disk images and shortcuts as executable, whatever the case of the name', () => {
    for (const filename of [
      'run.JS',
      'setup.vbs',
      'a.bat',
      'a.cmd',
      'update.ps1',
      'tool.jar',
      'order.iso',
      'x.scr',
      'doc.lnk',
    ])
      assert.deepEqual(attach({ filename, content: 'x' }), ['EXECUTABLE_ATTACHMENT'], filename);
  });

  test('flags a program whatever its name says', () => {
    assert.deepEqual(attach({ filename: 'photo.jpg', content: PROGRAM }), ['EXECUTABLE_ATTACHMENT']);
  });

  test('flags an executable inside a ZIP archive', () => {
    assert.deepEqual(attach({ filename: 'scan.zip', content: zip([['scan_0231.pdf.exe', PROGRAM]]) }), [
      'EXECUTABLE_ATTACHMENT',
      'DOUBLE_EXTENSION_ATTACHMENT',
    ]);
  });

  test('flags macro-enabled Office files', () => {
    assert.deepEqual(attach({ filename: 'Remittance.docm', content: 'PK' }), ['MACRO_ATTACHMENT']);
    assert.deepEqual(attach({ filename: 'Budget.xlsm', content: 'PK' }), ['MACRO_ATTACHMENT']);
  });

  test('flags HTML attachments, named or not', () => {
    assert.deepEqual(
      attach({ filename: 'Payment_Advice.html', contentType: 'text/html', content: '<form>' }),
      ['HTML_ATTACHMENT'],
    );
    const unnamed = Buffer.from(
      [
        'Content-Type: multipart/mixed; boundary=b',
        '',
        '--b',
        'Content-Type: text/plain',
        '',
        'see attachment',
        '--b',
        'Content-Type: text/html',
        'Content-Disposition: attachment',
        '',
        '<form action="https://collect.example">',
        '--b--',
      ].join('\r\n'),
    );
    assert.deepEqual(findingNames(analyze(unnamed)), ['HTML_ATTACHMENT']);
  });

  test('raises each finding once, naming every file', () => {
    const findings = analyze(
      buildMessage({
        attachments: [
          { filename: 'a.exe', content: 'x' },
          { filename: 'b.exe', content: 'x' },
        ],
      }),
    );
    assert.deepEqual(findingNames(findings), ['EXECUTABLE_ATTACHMENT']);
    assert.match(findings[0]!.detail, /a\.exe; b\.exe/);
  });

  test('reads the names of a ZIP archive and stops at a truncated header', () => {
    const archive = zip([
      ['one.txt', Buffer.from('1')],
      ['two/three.pdf', PDF],
    ]);
    assert.deepEqual(zipEntryNames(archive), ['one.txt', 'two/three.pdf']);
    assert.deepEqual(zipEntryNames(archive.subarray(0, 20)), []);
  });
});
