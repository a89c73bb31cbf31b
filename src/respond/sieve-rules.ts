/**
 * What a Sieve script (RFC 5228, with fileinto, imap4flags, reject and include) does to incoming mail,
 * read from its text without running it: the actions and their arguments, whatever tests guard them.
 * An attacker's rule is judged by what it does (forward, hide, delete), not by when it fires, so the
 * conditions are not evaluated: a rule that forwards only "invoice" mail still forwards.
 */

/** One action command of a script: its tags (`:copy`…) and string arguments (string lists flattened). */
export interface SieveAction {
  command: string;
  tags: string[];
  strings: string[];
}

type Token =
  | { kind: 'word'; text: string }
  | { kind: 'tag'; text: string }
  | { kind: 'string'; text: string }
  | { kind: 'punct'; text: string };

/** The commands whose arguments matter here; tests and control commands (if, require…) are skipped. */
const ACTIONS = new Set([
  'redirect',
  'fileinto',
  'discard',
  'reject',
  'ereject',
  'addflag',
  'setflag',
  'include',
  'keep',
  'vacation',
]);

/**
 * Splits a script into tokens: quoted strings are unescaped (`\\` and `\"`, RFC 5228 §2.4.2), `text:`
 * multi-line strings end at a line holding one dot, comments (`#…` and bracketed) are dropped.
 */
function tokenize(script: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  while (at < script.length) {
    const char = script[at]!;
    if (/\s/.test(char)) {
      at += 1;
    } else if (char === '#') {
      const end = script.indexOf('\n', at);
      at = end === -1 ? script.length : end + 1;
    } else if (script.startsWith('/*', at)) {
      const end = script.indexOf('*/', at + 2);
      at = end === -1 ? script.length : end + 2;
    } else if (char === '"') {
      let text = '';
      at += 1;
      while (at < script.length && script[at] !== '"') {
        if (script[at] === '\\' && at + 1 < script.length) at += 1;
        text += script[at];
        at += 1;
      }
      at += 1;
      tokens.push({ kind: 'string', text });
    } else if (/^text:[ \t]*(#[^\n]*)?\r?\n/i.test(script.slice(at, at + 200))) {
      const start = script.indexOf('\n', at) + 1;
      const end = script.slice(start).search(/^\.\r?$/m);
      const body = end === -1 ? script.slice(start) : script.slice(start, start + end);
      // Dot-stuffing: a line starting with ".." stands for one starting with ".".
      tokens.push({ kind: 'string', text: body.replace(/^\.\./gm, '.') });
      const close = end === -1 ? script.length : script.indexOf('\n', start + end);
      at = close === -1 ? script.length : close + 1;
    } else if (char === ':') {
      const match = /^:[A-Za-z_][A-Za-z0-9_]*/.exec(script.slice(at, at + 100));
      tokens.push({ kind: 'tag', text: (match?.[0] ?? ':').toLowerCase() });
      at += match?.[0].length ?? 1;
    } else if (/[A-Za-z_]/.test(char)) {
      const match = /^[A-Za-z_][A-Za-z0-9_]*/.exec(script.slice(at, at + 100))!;
      tokens.push({ kind: 'word', text: match[0].toLowerCase() });
      at += match[0].length;
    } else {
      tokens.push({ kind: 'punct', text: char });
      at += 1;
    }
  }
  return tokens;
}

/** The action commands of a script, in order. Garbage yields what could be read, never an exception. */
export function sieveActions(script: string): SieveAction[] {
  const tokens = tokenize(script);
  const actions: SieveAction[] = [];
  // A command starts a script, or follows `;`, `{` or `}`; its arguments run to `;` or `{`.
  let commandStart = true;
  let current: SieveAction | null = null;
  for (const token of tokens) {
    if (token.kind === 'punct' && (token.text === ';' || token.text === '{' || token.text === '}')) {
      if (current) actions.push(current);
      current = null;
      commandStart = true;
      continue;
    }
    if (commandStart && token.kind === 'word') {
      current = ACTIONS.has(token.text) ? { command: token.text, tags: [], strings: [] } : null;
      commandStart = false;
      continue;
    }
    commandStart = false;
    if (current && token.kind === 'string') current.strings.push(token.text);
    if (current && token.kind === 'tag') current.tags.push(token.text);
  }
  if (current) actions.push(current);
  return actions;
}

/** The addresses a script redirects mail to, lowercased, each once. */
export function sieveRedirectTargets(script: string): string[] {
  const targets = new Set<string>();
  for (const action of sieveActions(script))
    if (action.command === 'redirect' && action.strings[0] !== undefined)
      targets.add(action.strings[0].trim().toLowerCase());
  return [...targets];
}

/** The personal scripts a script includes (RFC 6609 `include :personal "name"`; :global ones are the admin's). */
export function sieveIncludes(script: string): string[] {
  return sieveActions(script).flatMap((action) =>
    action.command === 'include' && !action.tags.includes(':global') && action.strings[0] !== undefined
      ? [action.strings[0]]
      : [],
  );
}
