import type { Alerts } from '../alerts/index.js';
import type { AuditLog } from '../audit/index.js';
import type { Directory } from '../directory/index.js';
import type { Identity } from '../identity/index.js';
import type { Outbound } from '../outbound/index.js';
import type { Store } from '../store/index.js';
import type { InboxRuleFinding } from './inbox-rules.js';
import type { MailServer } from './mail-server.js';

export interface RespondDeps {
  directory: Pick<Directory, 'findUser' | 'listDomains' | 'listApiTokens' | 'revokeApiToken'>;
  identity: Pick<Identity, 'resetPassword'> & { mfa: Pick<Identity['mfa'], 'show' | 'enforce' | 'reset'> };
  outbound: Pick<Outbound, 'release' | 'effectivePolicy'>;
  audit: Pick<AuditLog, 'append'>;
  alerts: Pick<Alerts, 'raiseWithin' | 'announce'>;
  store: Pick<Store, 'writeTransaction' | 'siblings'>;
  /** Null when no mail server is configured (dovecot.doveadmUrl unset): rules are out of reach. */
  mailServer: MailServer | null;
  /** Filing into one of these is deleting (dovecot.trashFolders). */
  trashFolders: readonly string[];
}

export type RespondFailure = {
  ok: false;
  code: 'user-not-found' | 'mail-server-not-configured' | 'mail-server-unavailable';
  message: string;
};

/** One Sieve script of a mailbox, judged. */
export interface InboxRuleScript {
  name: string;
  active: boolean;
  /** Whether the active script pulls this one in (`include :personal`): it runs too. */
  includedByActive: boolean;
  findings: InboxRuleFinding[];
  suspicious: boolean;
}

export type InboxRulesOutcome = { ok: true; user: string; scripts: InboxRuleScript[] } | RespondFailure;

export type DisableInboxRulesOutcome =
  | {
      ok: true;
      user: string;
      /** The script deactivated, or null when nothing that runs forwards or hides mail. */
      deactivated: string | null;
      scripts: InboxRuleScript[];
    }
  | RespondFailure;

/** A Sieve script saved or activated in the mail server, with its text (from the event ingest). */
export interface InboxRuleChange {
  user: string;
  script: string;
  /** save or activate. */
  action: string;
  /** Who changed it, as the audit record names them (the user, or doveadm). */
  actor: string;
  text: string;
}

export function failure(code: RespondFailure['code'], message: string): RespondFailure {
  return { ok: false, code, message };
}

export function notConfigured(): RespondFailure {
  return failure(
    'mail-server-not-configured',
    "inbox rules live in Dovecot: set dovecot.doveadmUrl and dovecot.doveadmApiKey (Dovecot's doveadm HTTP API)",
  );
}
