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
 * The mapping from Dovecot events to mailbox audit records (issue 5, "Dovecot as a source"):
 * - auth_request_finished → MailboxLogin (success only when `success=yes`; Dovecot omits it otherwise)
 * - mail_opened while fetching a body → the MailItemsAccessed window of the session and folder
 * - mail_expunged → gathered until its command ends: MOVE → Move/MoveToDeletedItems, DELETE →
 *   FolderDelete, otherwise (EXPUNGE, CLOSE, or expunges found on sync) → HardDelete
 * - imap_command_finished: STORE ±\Deleted → SoftDelete / other flags → Update, COPY → Copy,
 *   MOVE, APPEND → Create, CREATE/RENAME/DELETE → Folder*, SEARCH → SearchQueryInitiated,
 *   SETACL/DELETEACL → UpdateFolderPermissions, LOGOUT → closes the session's windows
 * - sieve_storage_save_finished, sieve_script_activated/deleted/renamed, sieve_storage_deactivated →
 *   UpdateInboxRules; sieve_action_finished with action_name=redirect → RedirectMessage
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

function base(fields: Record<string, unknown>, who: { user: string; session: string | null }) {
  const master = text(fields['master_user']);
  const logonType: LogonType = master ? 'admin' : 'owner';
  return {
    mailbox: who.user,
    actor: master?.toLowerCase() ?? who.user,
    logonType,
    clientIp: text(fields['remote_ip']),
    sessionId: who.session,
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
  const { mailbox, actor, logonType, clientIp } = base(fields, who);
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
  const session = text(fields['session']);
  return {
    steps: [
      record(timeMs, {
        operation: 'MailboxLogin',
        result: success ? 'success' : 'failure',
        ...base(fields, { user, session }),
        protocol: service,
        clientInfo: text(fields['mechanism']),
        details: compact({
          source: 'dovecot',
          transport: text(fields['transport']),
          policyResult: text(fields['policy_result']),
          error: text(fields['error']),
        }),
      }),
    ],
  };
}

function mapImapCommand(event: DovecotEvent, who: Who, context: MapContext): MappedEvent {
  const fields = event.fields;
  const rawCommand = text(fields['cmd_name'])?.toUpperCase() ?? '';
  const byUid = rawCommand.startsWith('UID ');
  const command = bareCommand(rawCommand);
  const args = text(fields['cmd_args']) ?? '';
  const folder = text(fields['mailbox']);
  const state = text(fields['tagged_reply_state']);
  const reply = text(fields['tagged_reply']) ?? '';
  const result = state === 'OK' ? 'success' : 'failure';
  const common = { ...base(fields, who), protocol: 'imap', result } as const;
  const step = (input: Omit<AuditRecordInput, keyof typeof common>) =>
    record(who.timeMs, { ...common, ...input });
  const failure = state === 'OK' ? {} : { reply };

  switch (command) {
    case 'LOGOUT':
      return { steps: [{ kind: 'close-session', sessionId: who.session, timeMs: who.timeMs }] };
    case 'STORE': {
      const store = parseStore(args);
      const deleted = store?.flags.some((flag) => flag.toLowerCase() === '\\deleted') ?? false;
      const soft = deleted && store?.sign !== '-';
      return {
        steps: [
          step({
            operation: soft ? 'SoftDelete' : 'Update',
            folder,
            ...items(byUid, store?.set ?? null),
            details: compact({
              flags: store ? `${store.sign}FLAGS (${store.flags.join(' ')})` : args,
              ...failure,
            }),
          }),
        ],
      };
    }
    case 'COPY': {
      const target = parseSetAndMailbox(args);
      const uids = copyUids(reply);
      return {
        steps: [
          step({
            operation: 'Copy',
            folder,
            destinationFolder: target?.mailbox ?? null,
            ...(uids ? { itemIds: expandSet(uids.source) } : items(byUid, target?.set ?? null)),
            details: compact({ destinationUids: uids?.destination, ...failure }),
          }),
        ],
      };
    }
    case 'MOVE': {
      const target = parseSetAndMailbox(args);
      const toTrash = target ? context.trashFolders.has(target.mailbox.toLowerCase()) : false;
      const input: AuditRecordInput = {
        ...common,
        operation: toTrash ? 'MoveToDeletedItems' : 'Move',
        folder,
        destinationFolder: target?.mailbox ?? null,
        ...items(byUid, target?.set ?? null),
        details: compact({ ...failure }),
      };
      return closeWindow(who, folder, 'Move', input);
    }
    case 'EXPUNGE':
    case 'CLOSE': {
      if (!folder) return IGNORED;
      const input: AuditRecordInput = {
        ...common,
        operation: 'HardDelete',
        folder,
        details: compact({ command: rawCommand, ...failure }),
      };
      // An EXPUNGE that removed nothing is not worth a record; its expunged messages are the items.
      return closeWindow(who, folder, 'HardDelete', input, { requireItems: true });
    }
    case 'APPEND': {
      const uids = appendUids(reply);
      return {
        steps: [
          step({
            operation: 'Create',
            folder,
            itemIds: uids ? expandSet(uids) : null,
            details: compact({ ...failure }),
          }),
        ],
      };
    }
    case 'CREATE':
      return {
        steps: [
          step({ operation: 'FolderCreate', folder: folder ?? args, details: compact({ ...failure }) }),
        ],
      };
    case 'RENAME':
      return {
        steps: [
          step({
            operation: 'FolderRename',
            folder: text(fields['old_mailbox']) ?? folder,
            destinationFolder: text(fields['new_mailbox']),
            details: compact({ ...failure }),
          }),
        ],
      };
    case 'DELETE': {
      const input: AuditRecordInput = {
        ...common,
        operation: 'FolderDelete',
        folder: folder ?? args,
        details: compact({ ...failure }),
      };
      return closeWindow(who, folder, 'FolderDelete', input);
    }
    case 'SEARCH':
    case 'ESEARCH':
      return {
        steps: [
          step({
            operation: 'SearchQueryInitiated',
            folder,
            details: compact({ criteria: text(fields['cmd_human_args']) ?? args, ...failure }),
          }),
        ],
      };
    case 'SETACL':
    case 'DELETEACL':
      return {
        steps: [
          step({
            operation: 'UpdateFolderPermissions',
            folder,
            details: compact({ command, arguments: args, ...failure }),
          }),
        ],
      };
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
  const who = viaDoveadm
    ? {
        mailbox: user,
        actor: 'doveadm',
        logonType: 'admin' as const,
        clientIp: null,
        sessionId: text(fields['session']),
      }
    : base(fields, { user, session: text(fields['session']) });
  const input: AuditRecordInput = {
    operation: 'UpdateInboxRules',
    result: 'success',
    ...who,
    protocol: viaDoveadm ? 'doveadm' : 'managesieve',
    details: compact({
      action,
      script: name,
      newName: text(fields['new_script_name']),
      command: text(fields['cmd_name']),
    }),
  };
  const wantsText = name !== null && (action === 'save' || action === 'activate');
  return { steps: [record(timeMs, input)], ...(wantsText ? { script: { user, name, record: input } } : {}) };
}

function mapRedirect(event: DovecotEvent, user: string, timeMs: number): MappedEvent {
  const fields = event.fields;
  return {
    steps: [
      record(timeMs, {
        operation: 'RedirectMessage',
        result: 'success',
        mailbox: user,
        actor: user,
        logonType: 'owner',
        protocol: 'lmtp',
        sessionId: text(fields['session']),
        messageId: text(fields['message_id']),
        subject: text(fields['message_subject']),
        details: compact({
          redirectTarget: text(fields['redirect_target'])?.toLowerCase(),
          rule: text(fields['script_location']),
          from: text(fields['message_from']) ?? text(fields['mail_from']),
        }),
      }),
    ],
  };
}

function items(byUid: boolean, set: string | null): Pick<AuditRecordInput, 'itemIds'> & { details?: never } {
  // Without UID the set holds message sequence numbers, which name no message once the session ends.
  return byUid && set ? { itemIds: expandSet(set) } : {};
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

/** The object without its null/undefined entries; null when nothing is left. */
function compact(object: Record<string, unknown>): Record<string, unknown> | null {
  const entries = Object.entries(object).filter(([, value]) => value !== null && value !== undefined);
  return entries.length > 0 ? Object.fromEntries(entries) : null;
}
