/**
 * The addresses a Sieve script redirects mail to (RFC 5228 §4.2 `redirect [:copy] "address"`), read
 * from its text: comments are dropped first so that a commented-out redirect does not count.
 */
export function sieveRedirectTargets(script: string): string[] {
  const code = script
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/"(?:[^"\\]|\\.)*"|#[^\n]*/g, (match) => (match.startsWith('#') ? ' ' : match));
  const targets = new Set<string>();
  for (const match of code.matchAll(/\bredirect\b((?:\s+:[a-z]+)*)\s+"((?:[^"\\]|\\.)*)"/gi))
    targets.add(match[2]!.replace(/\\(.)/g, '$1').trim().toLowerCase());
  return [...targets];
}
