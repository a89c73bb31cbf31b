/** What a reader of an HTML body sees: its text, and its links with the text shown for them. */
export interface HtmlAnchor {
  href: string;
  /** The visible text of the link, whitespace collapsed. */
  text: string;
}

export interface HtmlContent {
  text: string;
  anchors: HtmlAnchor[];
}

const NAMED_ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
  shy: '',
  zwnj: '',
  zwj: '',
  euro: '€',
  copy: '©',
  reg: '®',
  hellip: '…',
  ndash: '–',
  mdash: '—',
  lsquo: '‘',
  rsquo: '’',
  ldquo: '“',
  rdquo: '”',
  eacute: 'é',
  euml: 'ë',
  iuml: 'ï',
  ouml: 'ö',
  uuml: 'ü',
  auml: 'ä',
};

/** Tags after which a reader sees a line break, so words on either side do not run together. */
const BREAKING_TAGS = new Set([
  'br',
  'p',
  'div',
  'li',
  'tr',
  'td',
  'th',
  'table',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'blockquote',
  'hr',
]);
/** Link text longer than this is not a URL anyone reads; only its start is kept. */
const MAX_ANCHOR_TEXT = 2000;
/** Elements whose content is never shown as text. */
const HIDDEN_ELEMENTS = ['script', 'style', 'head', 'title', 'template'];

export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]{1,6}|#\d{1,7}|[a-z]{2,8});?/gi, (whole, entity: string) => {
    if (entity.startsWith('#')) {
      const code =
        entity[1] === 'x' || entity[1] === 'X'
          ? Number.parseInt(entity.slice(2), 16)
          : Number(entity.slice(1));
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : '';
    }
    return NAMED_ENTITIES[entity.toLowerCase()] ?? whole;
  });
}

function readAttribute(tag: string, name: string): string | null {
  const pattern = new RegExp(`\\s${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s"'>]+))`, 'i');
  const match = pattern.exec(tag);
  if (!match) return null;
  return decodeEntities(match[1] ?? match[2] ?? match[3] ?? '').trim();
}

function isNameCharacter(code: number): boolean {
  return (code >= 0x61 && code <= 0x7a) || (code >= 0x41 && code <= 0x5a) || (code >= 0x30 && code <= 0x39);
}

/**
 * One linear pass over the markup: every search moves forward and stops at the first missing
 * delimiter, so crafted input (thousands of unclosed tags) costs no more than its length.
 */
export function readHtml(html: string, maxAnchors: number): HtmlContent {
  let text = '';
  const anchors: HtmlAnchor[] = [];
  let open: { href: string; text: string } | null = null;
  const closeAnchor = () => {
    if (!open) return;
    anchors.push({ href: open.href, text: open.text.replace(/\s+/g, ' ').trim() });
    open = null;
  };
  const emit = (chunk: string) => {
    text += chunk;
    if (open && open.text.length < MAX_ANCHOR_TEXT) open.text += chunk;
  };
  const emitSource = (from: number, to: number) => {
    if (to <= from) return;
    const chunk = html.slice(from, to);
    emit(chunk.includes('&') ? decodeEntities(chunk) : chunk);
  };
  let i = 0;
  while (i < html.length) {
    const lt = html.indexOf('<', i);
    if (lt < 0) {
      emitSource(i, html.length);
      break;
    }
    emitSource(i, lt);
    const next = html.charCodeAt(lt + 1);
    if (html.startsWith('<!--', lt)) {
      const end = html.indexOf('-->', lt + 4);
      if (end < 0) break;
      i = end + 3;
      continue;
    }
    const closing = next === 0x2f;
    if (!closing && next !== 0x21 && next !== 0x3f && !isNameCharacter(next)) {
      emit('<');
      i = lt + 1;
      continue;
    }
    const gt = html.indexOf('>', lt + 1);
    if (gt < 0) break;
    i = gt + 1;
    let nameEnd = lt + (closing ? 2 : 1);
    const nameStart = nameEnd;
    while (nameEnd < gt && isNameCharacter(html.charCodeAt(nameEnd))) nameEnd++;
    if (nameEnd === nameStart) continue;
    const name = html.slice(nameStart, nameEnd).toLowerCase();
    if (!closing && HIDDEN_ELEMENTS.includes(name) && html.charCodeAt(gt - 1) !== 0x2f) {
      const closer = new RegExp(`</${name}\\s*>`, 'gi');
      closer.lastIndex = i;
      const found = closer.exec(html);
      if (!found) break;
      i = found.index + found[0].length;
      continue;
    }
    if (BREAKING_TAGS.has(name)) emit('\n');
    if (name !== 'a' && name !== 'area') continue;
    closeAnchor();
    if (closing || anchors.length >= maxAnchors) continue;
    const tag = html.slice(lt, gt + 1);
    const href = readAttribute(tag, 'href');
    if (href === null) continue;
    if (name === 'area') anchors.push({ href, text: (readAttribute(tag, 'alt') ?? '').replace(/\s+/g, ' ') });
    else open = { href, text: '' };
  }
  closeAnchor();
  return { text, anchors };
}
