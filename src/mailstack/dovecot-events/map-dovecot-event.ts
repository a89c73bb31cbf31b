import type { AuditRecordInput, GroupedOperation, IngestStep, LogonType } from '../../audit/index.js';
import { type DovecotEvent, eventTimeMs } from './dovecot-event.js';
import { appendUids, copyUids, expandSet, parseSetAndMailbox, parseStore } from './imap-arguments.js';

export interface MapContext {
  /** Lower-case folder names a move into counts as MoveToDeletedItems. */
  trashFolders: ReadonlySet<string>;
  nowMs: number;
}

/** What one event becomes: steps for the audit log, and a Sieve script whose text is wanted. */
export interface MappedEvent {
  steps: IngestStep[];
  /** The record of this step gets the script's redirect targets once its text is read. */
  script?: { user: string; name: string; record: AuditRecordInput };
}

const IGNORED: MappedEvent = { steps: [] };

/**
 * The mapping from Dovecot events to mailbox audit records (Dovecot as a source of the mailbox log):
 * - auth_request_finished → MailboxLogin (success only when `success=yes`; Dovecot omits it otherwise)
 * - mail_opened while fetching a body → the MailItemsAccessed window of the session and folder
 * - mail_expunged → gathered until its command ends: MOVE → Move/MoveToDeletedItems, DELETE →
 *   FolderDelete, otherwise (EXPUNGE, CLOSE, or expunges found on sync) → HardDelete
 * - imap_command_finished: STORE ±\Deleted → SoftDelete / other flags → Update, COPY → Copy,
 *   MOVE, APPEND → Create, CREATE/RENAME/DELETE → Folder*, SEARCH → SearchQueryInitiated,
 *   SETACL/DELETEACL → UpdateFolderPermissions, LOGOUT → closes the session's windows
 * - sieve_storage_save_finished, sieve_script_activated/deleted/renamed, sieve_storage_deactivated →
 *   UpdateInboxRules; a script saved or activated by an administrator (doveadm) that redirects mail
 *   is also Set-Forwarding (forwardingSetBy, once its text is read);
 *   sieve_action_finished with action_name=redirect → RedirectMessage
 * - mail_user_session_finished → closes the session's windows
 * Everything else is acknowledged and ignored.
 */
export function mapDovecotEvent(event: DovecotEvent, context: MapContext): MappedEvent {
  const fields = event.fields;
  const user = text(fields['user'])?.toLowerCase() ?? null;
  const timeMs = eventTimeMs(event, context.nowMs);
  const session = text(fields['session']);
  switch (event.event) {
    case 'auth_request_finished':
      return mapLogin(event, timeMs);
    case 'imap_command_finished':
      if (!user || !session) return IGNORED;
      return mapImapCommand(event, { user, session, timeMs }, context);
    case 'mail_opened': {
      if (!user || !session) return IGNORED;
      const reasons = list(fields['reason_code']);
      const command = text(fields['cmd_name'])?.toUpperCase() ?? '';
      const readsBody = reasons.includes('imap:fetch_body') || command === 'RETR' || command === 'TOP';
      const uid = fields['uid'];
      const folder = text(fields['mailbox']);
      if (!readsBody || !folder || (typeof uid !== 'number' && typeof uid !== 'string')) return IGNORED;
      return activity('MailItemsAccessed', fields, { user, session, timeMs, folder, uid: String(uid) });
    }
    case 'mail_expunged': {
      const folder = text(fields['mailbox']);
      const uid = fields['uid'];
      if (!user || !session || !folder || (typeof uid !== 'number' && typeof uid !== 'string'))
        return IGNORED;
      // UID MOVE names its UIDs itself; gathering them too would only risk a second record.
      if (text(fields['cmd_name'])?.toUpperCase() === 'UID MOVE') return IGNORED;
      const command = bareCommand(text(fields['cmd_name']));
      const window = command === 'MOVE' ? 'Move' : command === 'DELETE' ? 'FolderDelete' : 'HardDelete';
      return activity(window, fields, { user, session, timeMs, folder, uid: String(uid) });
    }
    case 'mail_user_session_finished':
      return session ? { steps: [{ kind: 'close-session', sessionId: session, timeMs }] } : IGNORED;
    case 'sieve_storage_save_finished':
    case 'sieve_script_activated':
    case 'sieve_script_deleted':
    case 'sieve_script_renamed':
    case 'sieve_storage_deactivated':
      return user ? mapSieveChange(event, user, timeMs) : IGNORED;
    case 'sieve_action_finished':
      return user && text(fields['action_name']) === 'redirect' ? mapRedirect(event, user, timeMs) : IGNORED;
    default:
      return IGNORED;
  }
}

interface Who {
  user: string;
  session: string;
  timeMs: number;
}

/** Who acted on which mailbox, from where: the part every record of a session shares. */
interface Acting {
  mailbox: string;
  actor: string;
  logonType: LogonType;
  clientIp: string | null;
  sessionId: string | null;
}

function acting(fields: Record<string, unknown>, who: { user: string; session: string | null }): Acting {
  const master = text(fields['master_user']);
  return {
    mailbox: who.user,
    actor: master?.toLowerCase() ?? who.user,
    logonType: master ? 'admin' : 'owner',
    clientIp: text(fields['remote_ip']),
    sessionId: who.session,
  };
}

/** The fields of a record beyond who acted, its operation, result and protocol. */
type RecordFields = Pick<
  AuditRecordInput,
  'clientInfo' | 'folder' | 'destinationFolder' | 'itemIds' | 'messageId' | 'subject' | 'details'
>;

/**
 * Every record of the mapping is built here, with all its fields in one order: the write path then
 * sees one object shape (events arrive by the thousand; spreading partial objects costs a third of the
 * mapping's time).
 */
function recordInput(
  who: Acting,
  operation: AuditRecordInput['operation'],
  result: AuditRecordInput['result'],
  protocol: string | null,
  more: RecordFields,
): AuditRecordInput {
  return {
    operation,
    result,
    mailbox: who.mailbox,
    actor: who.actor,
    logonType: who.logonType,
    clientIp: who.clientIp,
    protocol,
    clientInfo: more.clientInfo ?? null,
    sessionId: who.sessionId,
    folder: more.folder ?? null,
    destinationFolder: more.destinationFolder ?? null,
    itemIds: more.itemIds ?? null,
    messageId: more.messageId ?? null,
    subject: more.subject ?? null,
    details: more.details ?? null,
  };
}

function record(timeMs: number, input: AuditRecordInput): IngestStep {
  return { kind: 'record', record: { timeMs, input } };
}

/**
 * A command that ends the session's window of its folder: the window's items become the command's
 * record. Without a folder there is no window, and the record stands alone.
 */
function closeWindow(
  who: Who,
  folder: string | null,
  window: GroupedOperation,
  input: AuditRecordInput,
  options: { requireItems?: boolean } = {},
): MappedEvent {
  if (!folder) return { steps: [record(who.timeMs, input)] };
  const step: IngestStep = {
    kind: 'close',
    sessionId: who.session,
    folder,
    window,
    record: { timeMs: who.timeMs, input },
    requireItems: options.requireItems ?? false,
  };
  return { steps: [step] };
}

function activity(
  operation: 'MailItemsAccessed' | 'HardDelete' | 'Move' | 'FolderDelete',
  fields: Record<string, unknown>,
  who: Who & { folder: string; uid: string },
): MappedEvent {
  const { mailbox, actor, logonType, clientIp } = acting(fields, who);
  return {
    steps: [
      {
        kind: 'activity',
        activity: {
          operation,
          sessionId: who.session,
          folder: who.folder,
          mailbox,
          actor,
          logonType,
          clientIp,
          protocol: text(fields['protocol']) ?? 'imap',
          itemIds: [who.uid],
          timeMs: who.timeMs,
        },
      },
    ],
  };
}

function mapLogin(event: DovecotEvent, timeMs: number): MappedEvent {
  const fields = event.fields;
  const service = text(fields['service']);
  // LMTP and doveadm look users up without anyone signing in.
  if (service === 'lmtp' || service === 'doveadm') return IGNORED;
  const user = (text(fields['user']) ?? text(fields['original_user']))?.toLowerCase();
  if (!user) return IGNORED;
  const success = text(fields['success']) === 'yes';
  const who = acting(fields, { user, session: text(fields['session']) });
  const details = new Details();
  details.add('source', 'dovecot');
  details.add('transport', text(fields['transport']));
  details.add('policyResult', text(fields['policy_result']));
  details.add('error', text(fields['error']));
  return {
    steps: [
      record(
        timeMs,
        recordInput(who, 'MailboxLogin', success ? 'success' : 'failure', service, {
          clientInfo: text(fields['mechanism']),
          details: details.value(),
        }),
      ),
    ],
  };
}

function mapImapCommand(event: DovecotEvent, who: Who, context: MapContext): MappedEvent {
  const fields = event.fields;
  const rawCommand = text(fields['cmd_name'])?.toUpperCase() ?? '';
  const byUid = rawCommand.startsWith('UID ');
  const command = byUid ? rawCommand.slice(4) : rawCommand;
  const args = text(fields['cmd_args']) ?? '';
  const folder = text(fields['mailbox']);
  const succeeded = text(fields['tagged_reply_state']) === 'OK';
  const reply = text(fields['tagged_reply']) ?? '';
  const acted = acting(fields, who);
  const input = (operation: AuditRecordInput['operation'], more: RecordFields) =>
    recordInput(acted, operation, succeeded ? 'success' : 'failure', 'imap', more);
  const step = (operation: AuditRecordInput['operation'], more: RecordFields) => ({
    steps: [record(who.timeMs, input(operation, more))],
  });
  // Details of a command: what it names, then the server's reply when it failed.
  const details = (...named: Array<[string, unknown]>) => {
    const list = new Details();
    for (const [name, value] of named) list.add(name, value);
    if (!succeeded) list.add('reply', reply);
    return list.value();
  };

  switch (command) {
    case 'LOGOUT':
      return { steps: [{ kind: 'close-session', sessionId: who.session, timeMs: who.timeMs }] };
    case 'STORE': {
      const store = parseStore(args);
      const deleted = store?.flags.some((flag) => flag.toLowerCase() === '\\deleted') ?? false;
      const soft = deleted && store?.sign !== '-';
      return step(soft ? 'SoftDelete' : 'Update', {
        folder,
        itemIds: items(byUid, store?.set ?? null),
        details: details(['flags', store ? `${store.sign}FLAGS (${store.flags.join(' ')})` : args]),
      });
    }
    case 'COPY': {
      const target = parseSetAndMailbox(args);
      const uids = copyUids(reply);
      return step('Copy', {
        folder,
        destinationFolder: target?.mailbox ?? null,
        itemIds: uids ? expandSet(uids.source) : items(byUid, target?.set ?? null),
        details: details(['destinationUids', uids?.destination]),
      });
    }
    case 'MOVE': {
      const target = parseSetAndMailbox(args);
      const toTrash = target ? context.trashFolders.has(target.mailbox.toLowerCase()) : false;
      const moved = input(toTrash ? 'MoveToDeletedItems' : 'Move', {
        folder,
        destinationFolder: target?.mailbox ?? null,
        itemIds: items(byUid, target?.set ?? null),
        details: details(),
      });
      return closeWindow(who, folder, 'Move', moved);
    }
    case 'EXPUNGE':
    case 'CLOSE': {
      if (!folder) return IGNORED;
      const expunged = input('HardDelete', { folder, details: details(['command', rawCommand]) });
      // An EXPUNGE that removed nothing is not worth a record; its expunged messages are the items.
      return closeWindow(who, folder, 'HardDelete', expunged, { requireItems: true });
    }
    case 'APPEND': {
      const uids = appendUids(reply);
      return step('Create', { folder, itemIds: uids ? expandSet(uids) : null, details: details() });
    }
    case 'CREATE':
      return step('FolderCreate', { folder: folder ?? args, details: details() });
    case 'RENAME':
      return step('FolderRename', {
        folder: text(fields['old_mailbox']) ?? folder,
        destinationFolder: text(fields['new_mailbox']),
        details: details(),
      });
    case 'DELETE': {
      const deleted = input('FolderDelete', { folder: folder ?? args, details: details() });
      return closeWindow(who, folder, 'FolderDelete', deleted);
    }
    case 'SEARCH':
    case 'ESEARCH':
      return step('SearchQueryInitiated', {
        folder,
        details: details(['criteria', text(fields['cmd_human_args']) ?? args]),
      });
    case 'SETACL':
    case 'DELETEACL':
      return step('UpdateFolderPermissions', {
        folder,
        details: details(['command', command], ['arguments', args]),
      });
    default:
      return IGNORED;
  }
}

const sieveActions: Record<string, string> = {
  sieve_storage_save_finished: 'save',
  sieve_script_activated: 'activate',
  sieve_script_deleted: 'delete',
  sieve_script_renamed: 'rename',
  sieve_storage_deactivated: 'deactivate',
};

function mapSieveChange(event: DovecotEvent, user: string, timeMs: number): MappedEvent {
  const fields = event.fields;
  const name = text(fields['script_name']);
  const action = sieveActions[event.event] ?? event.event;
  const viaDoveadm =
    (event.categories ?? []).includes('service:doveadm') ||
    list(fields['reason_code']).some((code) => code.startsWith('doveadm:'));
  const who: Acting = viaDoveadm
    ? {
        mailbox: user,
        actor: 'doveadm',
        logonType: 'admin',
        clientIp: null,
        sessionId: text(fields['session']),
      }
    : acting(fields, { user, session: text(fields['session']) });
  const details = new Details();
  details.add('action', action);
  details.add('script', name);
  details.add('newName', text(fields['new_script_name']));
  details.add('command', text(fields['cmd_name']));
  const input = recordInput(who, 'UpdateInboxRules', 'success', viaDoveadm ? 'doveadm' : 'managesieve', {
    details: details.value(),
  });
  const wantsText = name !== null && (action === 'save' || action === 'activate');
  return { steps: [record(timeMs, input)], ...(wantsText ? { script: { user, name, record: input } } : {}) };
}

/**
 * Set-Forwarding ("mailbox-level forwarding set by an administrator"): on a Dovecot server that is a
 * redirecting Sieve script put in place through doveadm (`doveadm sieve put`, the HTTP API), where a
 * user's own redirect rule is an inbox rule (UpdateInboxRules with its targets). Null for anything else.
 */
export function forwardingSetBy(
  rule: AuditRecordInput,
  redirectTargets: readonly string[],
): AuditRecordInput | null {
  if (rule.protocol !== 'doveadm' || redirectTargets.length === 0) return null;
  return {
    ...rule,
    operation: 'Set-Forwarding',
    details: {
      forwardingTo: [...redirectTargets],
      via: 'sieve',
      script: rule.details?.['script'],
      action: rule.details?.['action'],
    },
  };
}

function mapRedirect(event: DovecotEvent, user: string, timeMs: number): MappedEvent {
  const fields = event.fields;
  const who: Acting = {
    mailbox: user,
    actor: user,
    logonType: 'owner',
    clientIp: null,
    sessionId: text(fields['session']),
  };
  const details = new Details();
  details.add('redirectTarget', text(fields['redirect_target'])?.toLowerCase());
  details.add('rule', text(fields['script_location']));
  details.add('from', text(fields['message_from']) ?? text(fields['mail_from']));
  return {
    steps: [
      record(
        timeMs,
        recordInput(who, 'RedirectMessage', 'success', 'lmtp', {
          messageId: text(fields['message_id']),
          subject: text(fields['message_subject']),
          details: details.value(),
        }),
      ),
    ],
  };
}

function items(byUid: boolean, set: string | null): string[] | null {
  // Without UID the set holds message sequence numbers, which name no message once the session ends.
  return byUid && set ? expandSet(set) : null;
}

function bareCommand(name: string | null): string {
  return (name ?? '').toUpperCase().replace(/^UID /, '');
}

function text(value: unknown): string | null {
  if (typeof value === 'string') return value === '' ? null : value;
  if (typeof value === 'number') return String(value);
  return null;
}

function list(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === 'string');
  return typeof value === 'string' ? [value] : [];
}

/** A record's details: entries without a value are left out; no entries at all is null. */
class Details {
  private entries: Record<string, unknown> | null = null;
  add(name: string, value: unknown): void {
    if (value === null || value === undefined) return;
    this.entries ??= {};
    this.entries[name] = value;
  }
  value(): Record<string, unknown> | null {
    return this.entries;
  }
}
