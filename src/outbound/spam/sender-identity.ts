import type { AnalysisInput } from './analysis-input.js';
import { BRAND_NAMES, CAPITALISED_BRAND_NAMES } from './brand-names.js';
import { normalizeAddress } from './domain-names.js';
import type { Finding } from './finding.js';
import { firstField, parseMailboxes } from './mime-header-fields.js';

/** Name particles and titles that two different people's names share without being the same person. */
const NAME_PARTICLES = new Set([
  'de',
  'den',
  'der',
  'van',
  'het',
  'ten',
  'ter',
  'te',
  'von',
  'la',
  'le',
  'di',
  'da',
  'du',
  'del',
  'el',
  'al',
  'mr',
  'mrs',
  'ms',
  'dr',
  'ir',
  'ing',
  'drs',
  'mevr',
  'dhr',
]);

/** Lower-case words of a name, accents removed ("Eva de Vries" → eva, de, vries). */
export function nameWords(name: string): string[] {
  return name
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word.length > 0);
}

function containsPhrase(words: readonly string[], phrase: readonly string[]): boolean {
  for (let i = 0; i + phrase.length <= words.length; i++)
    if (phrase.every((part, j) => words[i + j] === part)) return true;
  return false;
}

const BRAND_PHRASES = BRAND_NAMES.map((brand) => ({ brand, phrase: nameWords(brand) }));

/** The brand a display name borrows, unless the account or the organization carries that name itself. */
function borrowedBrand(displayName: string, ownNames: readonly string[]): string | null {
  const words = nameWords(displayName);
  const ownWords = nameWords(ownNames.join(' '));
  for (const { brand, phrase } of BRAND_PHRASES)
    if (containsPhrase(words, phrase) && !containsPhrase(ownWords, phrase)) return brand;
  const capitals = displayName.split(/[^\p{L}\p{N}]+/u);
  for (const brand of CAPITALISED_BRAND_NAMES)
    if (capitals.includes(brand) && !ownWords.includes(brand.toLowerCase())) return brand;
  return null;
}

/** Why the display name is not this account's, or null when it plausibly is. */
function foreignName(
  displayName: string,
  own: ReadonlySet<string>,
  ownNames: readonly string[],
): string | null {
  const embedded = displayName.match(/[^\s<>"(),:;@]+@[^\s<>"(),:;@]+\.[a-z]{2,}/gi) ?? [];
  const stranger = embedded.find((address) => !own.has(normalizeAddress(address)));
  if (stranger) return `display name "${displayName}" shows another address (${stranger})`;
  const words = nameWords(displayName).filter((word) => !NAME_PARTICLES.has(word) && word.length > 1);
  const accountName = ownNames[0];
  if (words.length === 0 || !accountName) return null;
  const ownWords = new Set(nameWords(ownNames.join(' ')));
  if (words.some((word) => ownWords.has(word))) return null;
  return `display name "${displayName}" is not the account's name "${accountName}"`;
}

/**
 * FROM_NOT_OWN_ADDRESS, FROM_NAME_BRAND and FROM_NAME_MISMATCH: does the From header show the account
 * that signed in? The envelope sender counts as the account's own: the MAIL FROM stage has already
 * checked that this account may send as it.
 */
export function analyzeSenderIdentity(input: AnalysisInput): Finding[] {
  const { sender } = input;
  const [from] = parseMailboxes(firstField(input.message.headers, 'from'));
  if (!from) return [];
  const own = new Set([sender.address, ...sender.ownAddresses, input.envelopeFrom].map(normalizeAddress));
  const findings: Finding[] = [];
  if (from.address === '' || !own.has(normalizeAddress(from.address)))
    findings.push({
      name: 'FROM_NOT_OWN_ADDRESS',
      detail: `From ${from.address || '(no address)'} is not an address of ${sender.address}`,
    });
  if (from.name === '') return findings;
  // The account's own name, its addresses' local parts ("sales") and its org's domain labels ("acme").
  const ownNames = [
    sender.displayName ?? '',
    ...[...own].map((address) => address.split('@')[0] ?? ''),
    ...sender.orgDomains.map((domain) => domain.split('.').slice(0, -1).join(' ')),
  ];
  const brand = borrowedBrand(from.name, ownNames);
  if (brand !== null) {
    findings.push({
      name: 'FROM_NAME_BRAND',
      detail: `display name "${from.name}" borrows the name ${brand}`,
    });
    return findings;
  }
  const foreign = foreignName(from.name, own, ownNames);
  if (foreign !== null) findings.push({ name: 'FROM_NAME_MISMATCH', detail: foreign });
  return findings;
}
