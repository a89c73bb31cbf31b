import type { AnalysisInput } from './analysis-input.js';
import type { Finding } from './finding.js';
import type { MessageAttachment } from './parsed-message.js';

/** Files that run code when opened on Windows or mount as a drive full of them. */
export const EXECUTABLE_EXTENSIONS = new Set(
  'exe scr com pif cpl msi msp dll js jse vbs vbe wsf wsh hta bat cmd ps1 psm1 jar lnk reg iso img vhd vhdx appx msix'.split(
    ' ',
  ),
);
/** Saved web pages: a phishing form that opens from disk, out of reach of URL filters. */
export const HTML_EXTENSIONS = new Set(['html', 'htm', 'shtml', 'xhtml', 'svg']);
/** Office formats that carry macros (the "m" variants and the binary templates). */
export const MACRO_EXTENSIONS = new Set('docm dotm xlsm xltm xlam xlsb pptm potm ppam ppsm sldm'.split(' '));
/** Extensions people expect from a harmless document; one in front of an executable is a disguise. */
const DOCUMENT_EXTENSIONS = new Set(
  'pdf doc docx xls xlsx ppt pptx txt rtf csv jpg jpeg png gif zip rar 7z mp3 mp4 odt ods'.split(' '),
);
const EXECUTABLE_TYPES = new Set([
  'application/x-msdownload',
  'application/x-ms-dos-executable',
  'application/x-dosexec',
  'application/x-executable',
  'application/vnd.microsoft.portable-executable',
  'application/x-msi',
  'application/hta',
  'application/java-archive',
]);
const MAX_ARCHIVE_NAMES = 100;

function extensionsOf(filename: string): string[] {
  // Trailing dots and spaces are dropped by Windows, so "invoice.exe. " runs as invoice.exe.
  const parts = filename
    .trim()
    .replace(/[.\s]+$/, '')
    .toLowerCase()
    .split('.');
  return parts.length > 1 ? parts.slice(1) : [];
}

/** Names of the files in a ZIP archive, read from its local file headers (APPNOTE.TXT §4.3.7). */
export function zipEntryNames(head: Buffer): string[] {
  const names: string[] = [];
  let position = 0;
  while (names.length < MAX_ARCHIVE_NAMES) {
    const found = head.indexOf('PK\u0003\u0004', position, 'latin1');
    if (found < 0 || found + 30 > head.length) break;
    const nameLength = head.readUInt16LE(found + 26);
    names.push(head.subarray(found + 30, Math.min(head.length, found + 30 + nameLength)).toString('utf8'));
    position = found + 30 + nameLength;
  }
  return names;
}

function describe(attachment: MessageAttachment): string {
  return attachment.filename ?? `unnamed ${attachment.contentType}`;
}

/** The attachment itself and, for a ZIP archive, the names inside it that show in the head we decoded. */
function namesToCheck(attachment: MessageAttachment): Array<{ name: string; label: string }> {
  const names = attachment.filename ? [{ name: attachment.filename, label: attachment.filename }] : [];
  if (attachment.head.subarray(0, 4).toString('latin1') === 'PK\u0003\u0004')
    for (const inner of zipEntryNames(attachment.head))
      if (!inner.endsWith('/'))
        names.push({ name: inner, label: `${describe(attachment)} contains ${inner}` });
  return names;
}

/** EXECUTABLE_ATTACHMENT, DOUBLE_EXTENSION_ATTACHMENT, MACRO_ATTACHMENT and HTML_ATTACHMENT. */
export function analyzeAttachments(input: AnalysisInput): Finding[] {
  const found = new Map<string, string[]>();
  const note = (name: string, label: string) => found.set(name, [...(found.get(name) ?? []), label]);
  for (const attachment of input.message.attachments) {
    if (attachment.filename === null && attachment.contentType === 'text/html')
      note('HTML_ATTACHMENT', describe(attachment));
    let executable = false;
    for (const { name, label } of namesToCheck(attachment)) {
      const extensions = extensionsOf(name);
      const last = extensions.at(-1);
      if (last === undefined) continue;
      if (EXECUTABLE_EXTENSIONS.has(last)) {
        executable = true;
        note('EXECUTABLE_ATTACHMENT', label);
        const before = extensions.at(-2);
        if (before !== undefined && DOCUMENT_EXTENSIONS.has(before))
          note('DOUBLE_EXTENSION_ATTACHMENT', label);
      }
      if (MACRO_EXTENSIONS.has(last)) note('MACRO_ATTACHMENT', label);
      if (HTML_EXTENSIONS.has(last)) note('HTML_ATTACHMENT', label);
    }
    // "MZ" starts every Windows executable, whatever its name says.
    const program =
      attachment.head.subarray(0, 2).toString('latin1') === 'MZ' ||
      EXECUTABLE_TYPES.has(attachment.contentType);
    if (program && !executable) note('EXECUTABLE_ATTACHMENT', `${describe(attachment)} is a Windows program`);
  }
  return [...found].map(([name, labels]) => ({ name, detail: [...new Set(labels)].slice(0, 5).join('; ') }));
}
