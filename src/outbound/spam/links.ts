import type { AnalysisInput } from './analysis-input.js';
import { registrableDomain } from './domain-names.js';
import type { Finding } from './finding.js';
import { MAX_LINKS, type ParsedMessage } from './parsed-message.js';

/** More distinct links than this in one message is a catalogue, not a conversation. */
export const MANY_LINKS = 10;

/** Public link shorteners: they hide where a link goes, so filters and readers cannot judge it. */
export const URL_SHORTENERS = new Set([
  'bit.ly',
  'bitly.com',
  'tinyurl.com',
  't.co',
  'goo.gl',
  'is.gd',
  'v.gd',
  'ow.ly',
  'cutt.ly',
  'rebrand.ly',
  'buff.ly',
  'shorturl.at',
  'rb.gy',
  't.ly',
  'tiny.cc',
  'tiny.one',
  's.id',
  'bl.ink',
  'qrco.de',
  'shorte.st',
  'adf.ly',
  'clck.ru',
  'u.to',
]);

/** Extensions people show as link text ("report.pdf") that are not, or rarely, real top-level domains. */
const FILE_EXTENSIONS = new Set(
  'pdf doc docx xls xlsx ppt pptx txt csv jpg jpeg png gif zip rar eml msg ics htm html exe mp4 mov odt ods'.split(
    ' ',
  ),
);

/**
 * "bit.ly/abc" written without a scheme: mail clients make it a link all the same. Found from each
 * "/" by looking at the host-like word before it (the same matches as one expression with a
 * look-behind and every shortener as an alternative, tried at every position, but ~10× cheaper).
 */
/** [\w.-] */
function isHostCharacter(code: number): boolean {
  return (
    (code >= 0x61 && code <= 0x7a) || // a-z
    (code >= 0x41 && code <= 0x5a) || // A-Z
    (code >= 0x30 && code <= 0x39) || // 0-9
    code === 0x5f || // _
    code === 0x2e || // .
    code === 0x2d // -
  );
}
const PATH_AFTER_SHORTENER = /[\w\-./?=&%#]+/y;
const LONGEST_SHORTENER = Math.max(...[...URL_SHORTENERS].map((host) => host.length));

function* bareShortenedLinks(text: string): Generator<string> {
  let consumed = 0;
  for (let slash = text.indexOf('/'); slash >= 0; slash = text.indexOf('/', slash + 1)) {
    let start = slash;
    while (start > 0 && slash - start <= LONGEST_SHORTENER && isHostCharacter(text.charCodeAt(start - 1)))
      start--;
    if (start === slash || start < consumed || slash - start > LONGEST_SHORTENER) continue;
    const before = start > 0 ? text[start - 1] : '';
    if (before === '@' || before === '/') continue;
    if (!URL_SHORTENERS.has(text.slice(start, slash).toLowerCase())) continue;
    PATH_AFTER_SHORTENER.lastIndex = slash + 1;
    const path = PATH_AFTER_SHORTENER.exec(text);
    if (!path) continue;
    consumed = PATH_AFTER_SHORTENER.lastIndex;
    yield text.slice(start, consumed);
  }
}

interface Link {
  url: URL;
  /** The visible text, for links from HTML anchors. */
  text: string | null;
}

function toUrl(candidate: string): URL | null {
  let text = candidate.trim();
  if (/^www\./i.test(text)) text = 'http://' + text;
  else if (text.startsWith('//')) text = 'http:' + text;
  if (!/^https?:\/\//i.test(text)) return null;
  try {
    return new URL(text);
  } catch {
    return null;
  }
}

/** Outlook Safe Links and Google redirects wrap a link the user pasted; judge the link inside. */
function unwrap(url: URL): URL {
  const host = url.hostname;
  const inner = host.endsWith('.safelinks.protection.outlook.com')
    ? url.searchParams.get('url')
    : (host === 'www.google.com' || host === 'google.com') && url.pathname === '/url'
      ? (url.searchParams.get('q') ?? url.searchParams.get('url'))
      : null;
  return (inner && toUrl(inner)) || url;
}

/** Every http(s) link in the message, anchors first, each distinct URL once, at most MAX_LINKS. */
export function collectLinks(message: ParsedMessage): { links: Link[]; truncated: boolean } {
  const links: Link[] = [];
  const seen = new Set<string>();
  // A text that repeats one link thousands of times parses it once.
  const seenCandidates = new Set<string>();
  const add = (candidate: string, text: string | null): boolean => {
    if (seenCandidates.has(candidate)) return true;
    seenCandidates.add(candidate);
    const url = toUrl(candidate);
    if (!url) return true;
    if (seen.has(url.href)) return true;
    if (links.length >= MAX_LINKS) return false;
    seen.add(url.href);
    links.push({ url, text });
    return true;
  };
  for (const anchor of message.anchors) if (!add(anchor.href, anchor.text)) return { links, truncated: true };
  for (const text of message.texts)
    for (const match of text.matchAll(/\b(?:https?:\/\/|www\.)[^\s<>"'`{}|\\^[\]]+/gi))
      if (!add(match[0].replace(/[.,;:!?)'"»]+$/, ''), null)) return { links, truncated: true };
  for (const text of message.texts)
    for (const match of bareShortenedLinks(text))
      if (!add(`http://${match.replace(/[.,;:!?]+$/, '')}`, null)) return { links, truncated: true };
  return { links, truncated: false };
}

/** The host a link's visible text shows ("www.paypal.com/login" → "www.paypal.com"), if it shows one. */
export function shownHost(text: string): string | null {
  const shown = text.trim().replace(/^[<([]+|[>)\].,;:]+$/g, '');
  const match = /^(https?:\/\/)?([^\s/?#@]+\.[^\s/?#@]+)(?:[/?#]\S*)?$/i.exec(shown);
  if (!match) return null;
  const url = toUrl(match[1] ? shown : 'http://' + match[2]);
  if (!url) return null;
  const tld = url.hostname.split('.').pop() ?? '';
  if (!/^([a-z]{2,24}|xn--[a-z0-9-]+)$/.test(tld)) return null;
  if (!match[1] && !/^www\./i.test(shown) && FILE_EXTENSIONS.has(tld)) return null;
  return url.hostname;
}

function publicIpAddress(host: string): boolean {
  if (host.startsWith('[')) return true;
  const octets = /^(\d{1,3})\.(\d{1,3})\.\d{1,3}\.\d{1,3}$/.exec(host);
  if (!octets) return false;
  const [a, b] = [Number(octets[1]), Number(octets[2])];
  // RFC 1918 and loopback: intranet links between colleagues, not a phishing page on the internet.
  return !(a === 10 || a === 127 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168));
}

function examples(items: readonly string[]): string {
  const distinct = [...new Set(items)];
  return distinct.slice(0, 3).join(', ') + (distinct.length > 3 ? ` (+${distinct.length - 3})` : '');
}

/** MANY_LINKS, URL_SHORTENER, LINK_TEXT_MISMATCH and LINK_TO_IP_ADDRESS. */
export function analyzeLinks(input: AnalysisInput): Finding[] {
  const { links, truncated } = collectLinks(input.message);
  const findings: Finding[] = [];
  if (truncated)
    findings.push({
      name: 'ANALYSIS_LIMIT_REACHED',
      detail: `only the first ${MAX_LINKS} links were looked at`,
    });
  if (links.length > MANY_LINKS)
    findings.push({ name: 'MANY_LINKS', detail: `${links.length} distinct links` });
  const shortened = links.filter((link) => URL_SHORTENERS.has(link.url.hostname.replace(/^www\./, '')));
  if (shortened.length > 0)
    findings.push({
      name: 'URL_SHORTENER',
      detail: `shortened links: ${examples(shortened.map((link) => link.url.hostname + link.url.pathname))}`,
    });
  const mismatched: string[] = [];
  for (const link of links) {
    const shown = link.text === null ? null : shownHost(link.text);
    if (shown === null) continue;
    const target = unwrap(link.url).hostname;
    if (registrableDomain(shown) !== registrableDomain(target)) mismatched.push(`${shown} → ${target}`);
  }
  if (mismatched.length > 0)
    findings.push({
      name: 'LINK_TEXT_MISMATCH',
      detail: `link text shows one site, the link goes to another: ${examples(mismatched)}`,
    });
  const numeric = links.filter((link) => publicIpAddress(link.url.hostname));
  if (numeric.length > 0)
    findings.push({
      name: 'LINK_TO_IP_ADDRESS',
      detail: `links to bare IP addresses: ${examples(numeric.map((link) => link.url.host))}`,
    });
  return findings;
}
