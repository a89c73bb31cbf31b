import { inEnglish, phrase, type RespondPhrase } from './respond-words.js';
import { type SieveAction, sieveActions } from './sieve-rules.js';

/**
 * What a compromised account's inbox rules are made for (PRODUCT.md, playbook step 4): forwarding mail
 * out, and hiding it from the owner (deleting it, marking it read, filing it where nobody looks).
 */
export const inboxRuleFindingKinds = [
  'external-forwarding',
  'internal-forwarding',
  'deletes-mail',
  'rejects-mail',
  'marks-read',
  'moves-to-rarely-used-folder',
  'moves-mail',
] as const;
export type InboxRuleFindingKind = (typeof inboxRuleFindingKinds)[number];

export interface InboxRuleFinding {
  kind: InboxRuleFindingKind;
  /** The address, folder or flag the rule names. */
  target: string | null;
  /** One line for the admin, in English (the CLI, the API, alert evidence). */
  description: string;
  /** The same line to be told in the reader's language. */
  phrase: RespondPhrase;
}

/** A finding worded once: the phrase, and its English as the description. */
function found(kind: InboxRuleFindingKind, target: string | null, words: RespondPhrase): InboxRuleFinding {
  return { kind, target, description: inEnglish([words]), phrase: words };
}

/** Findings that make a script suspicious; forwarding inside the org and ordinary filing do not. */
const SUSPICIOUS: ReadonlySet<InboxRuleFindingKind> = new Set([
  'external-forwarding',
  'deletes-mail',
  'rejects-mail',
  'marks-read',
  'moves-to-rarely-used-folder',
]);

export function isSuspiciousFinding(finding: InboxRuleFinding): boolean {
  return SUSPICIOUS.has(finding.kind);
}

export function isSuspicious(findings: readonly InboxRuleFinding[]): boolean {
  return findings.some(isSuspiciousFinding);
}

/**
 * Folders attackers file mail into so the owner never sees the replies to their fraud (the names the
 * hosted suites' investigations keep finding), and names made of punctuation only ("." or "..").
 */
const RARELY_USED_FOLDER =
  /^(?:junk(?: e-?mail)?|spam|archives?|rss(?: feeds| subscriptions)?|conversation history|notes|outbox|sync issues)$|^[^\p{L}\p{N}]+$/iu;

export interface JudgeContext {
  /** Whether a domain is one of the organization's own. */
  isInternalDomain(domain: string): boolean;
  /** The trash folders (dovecot.trashFolders): filing into one is deleting. */
  trashFolders: readonly string[];
}

/** The findings of one script's text: one per action that forwards, hides or files mail. */
export function judgeInboxRules(script: string, context: JudgeContext): InboxRuleFinding[] {
  const trash = new Set(context.trashFolders.map((folder) => folder.toLowerCase()));
  return sieveActions(script).flatMap((action) => judgeAction(action, context, trash));
}

function judgeAction(
  action: SieveAction,
  context: JudgeContext,
  trash: ReadonlySet<string>,
): InboxRuleFinding[] {
  const first = action.strings[0] ?? null;
  switch (action.command) {
    case 'redirect': {
      const target = (first ?? '').trim().toLowerCase();
      const domain = target.includes('@') ? target.slice(target.lastIndexOf('@') + 1) : '';
      // A target built from variables cannot be placed, so it counts as leaving the org.
      const internal = domain !== '' && !target.includes('${') && context.isInternalDomain(domain);
      const copy = action.tags.includes(':copy');
      return [
        internal
          ? found(
              'internal-forwarding',
              target,
              phrase(copy ? 'respond.finding.forwardsInternalCopy' : 'respond.finding.forwardsInternal', {
                target,
              }),
            )
          : found(
              'external-forwarding',
              target,
              phrase(copy ? 'respond.finding.forwardsExternalCopy' : 'respond.finding.forwardsExternal', {
                target,
              }),
            ),
      ];
    }
    case 'discard':
      return [found('deletes-mail', null, phrase('respond.finding.discards'))];
    case 'reject':
    case 'ereject':
      return [found('rejects-mail', null, phrase('respond.finding.rejects'))];
    case 'fileinto': {
      const folder = first ?? '';
      if (trash.has(folder.toLowerCase()))
        return [found('deletes-mail', folder, phrase('respond.finding.movesToTrash', { folder }))];
      if (RARELY_USED_FOLDER.test(folder.trim()))
        return [
          found('moves-to-rarely-used-folder', folder, phrase('respond.finding.hidesInFolder', { folder })),
        ];
      return [found('moves-mail', folder, phrase('respond.finding.filesInto', { folder }))];
    }
    case 'addflag':
    case 'setflag': {
      // The flags are the last argument (a variable name may come first); a list may hold several.
      const flags = action.strings.join(' ').toLowerCase().split(/\s+/);
      const findings: InboxRuleFinding[] = [];
      if (flags.includes('\\seen'))
        findings.push(found('marks-read', '\\Seen', phrase('respond.finding.marksRead')));
      if (flags.includes('\\deleted'))
        findings.push(found('deletes-mail', '\\Deleted', phrase('respond.finding.flagsDeleted')));
      return findings;
    }
    default:
      return [];
  }
}
