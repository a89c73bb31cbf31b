import type { AuditLog, AuditRecord, AuditRecordInput, IngestStep } from '../../audit/index.js';
import { type InboxRuleChange, sieveRedirectTargets } from '../../respond/index.js';
import type { Clock } from '../../runtime/clock.js';
import type { Logger } from '../../runtime/logger.js';
import type { DoveadmClient } from './doveadm-client.js';
import { createEventSpool, type EventSpool, type SpooledBatch } from './event-spool.js';
import { forwardingSetBy } from './map-dovecot-event.js';
import { mayRepeatMailwardensOwn, prepareBody, prepareEvents, type ScriptWanted } from './prepare-events.js';

/** Counters of the ingest endpoint (GET /metrics). Dovecot does not retry: every refusal counts. */
export interface DovecotIngestCounters {
  /** Events accepted (spooled, then written or gathered into a window). */
  accepted: number;
  /** Accepted events that mean nothing for the audit log. */
  ignored: number;
  /** Events in bodies refused as malformed (400). */
  malformed: number;
  /** Requests refused for a missing or wrong secret (401). */
  unauthorized: number;
  /** Events refused because they could not be spooled (503: disk, or the backlog is full). */
  failed: number;
}

export type IngestOutcome =
  | { ok: true; accepted: number }
  | { ok: false; code: 'malformed'; message: string }
  | { ok: false; code: 'unavailable'; message: string };

export interface DovecotEventIngest {
  /** Parses one request body and spools its events; resolves once they would survive a crash. */
  accept(body: string): Promise<IngestOutcome>;
  refusedUnauthorized(): void;
  /**
   * backlog: events spooled and not yet taken for the audit log; lagSeconds: how long the oldest event
   * not yet committed has waited since it was accepted (0 when none waits).
   */
  counters(): Readonly<DovecotIngestCounters & { backlog: number; lagSeconds: number }>;
  /** Resolves when every accepted event is in the audit log (tests, benchmarks, shutdown). */
  drained(): Promise<void>;
}

/**
 * Events per audit transaction when a backlog is drained (a quiet spool commits what is there). A
 * commit writes every index page it touched to the write-ahead log, and a burst from many mailboxes
 * touches about one page per mailbox per index whatever the transaction size: larger transactions
 * share those pages among more records (bench/audit/ingest.bench.ts: 1,000 → 5,000 raised the rate
 * about 2× once the log outgrew the page cache). The cost is the event loop: a full transaction holds
 * it for about 60-90 ms, which submissions and policy checks waiting behind it can afford.
 */
const EVENTS_PER_COMMIT = 5000;
/**
 * Batches written to the audit log before the first is known to be committed: the next one is ready
 * when the writer finishes one, instead of being taken and handed over only then (on SQLite the
 * writer is a thread of its own, bench/audit/README.md).
 */
const BATCHES_IN_FLIGHT = 2;
const DEFAULT_SOURCE = 'dovecot-events';
/** How long before Dovecot's event of a sign-in Mailwarden's own record of it may have been written. */
const LOGIN_RECORDED_BEFORE_MS = 10 * 60_000;
/** Sign-ins of one mailbox looked up per batch: a burst of more is not a duplicate worth the read. */
const MAX_LOGINS_LOOKED_UP = 1000;

type RecordStep = Extract<IngestStep, { kind: 'record' }>;

/** How far apart Dovecot's time and Mailwarden's of one sign-in without a session id may be. */
const SESSIONLESS_SAME_LOGIN_MS = 30_000;

/** A MailboxLogin made from Dovecot's auth_request_finished (map-dovecot-event.ts mapLogin). */
function isDovecotLoginStep(step: IngestStep): step is RecordStep {
  return (
    step.kind === 'record' &&
    step.record.input.operation === 'MailboxLogin' &&
    step.record.input.details?.['source'] === 'dovecot'
  );
}

/** doveadm deactivated a mailbox's Sieve scripts (map-dovecot-event.ts mapSieveChange). */
function isDoveadmDeactivationStep(step: IngestStep): step is RecordStep {
  return (
    step.kind === 'record' &&
    step.record.input.operation === 'UpdateInboxRules' &&
    mayRepeatMailwardensOwn(step.record.input)
  );
}

/** Dovecot's service names and the sign-in log's protocols, as one (dovecot-auth.ts serviceProtocols). */
function sameProtocol(protocol: string | null | undefined): string {
  const name = (protocol ?? '').toLowerCase();
  if (name === 'submission') return 'smtp';
  if (name === 'managesieve') return 'sieve';
  return name;
}

function loginKey(mailbox: string, sessionId: string): string {
  return `${mailbox.toLowerCase()}\n${sessionId}`;
}

export interface DovecotEventIngestDeps {
  /** search: the sign-ins Mailwarden recorded itself (withoutLoginsAlreadyRecorded). */
  audit: Pick<AuditLog, 'ingest' | 'ingestCursor'> & Partial<Pick<AuditLog, 'search'>>;
  clock: Clock;
  logger: Logger;
  trashFolders: readonly string[];
  doveadm: DoveadmClient | null;
  /** The spool folder (DATA_DIR/dovecot-events; each worker process of a host has its own). */
  spoolDir: string;
  /**
   * The name its committed spool position is kept under (default `dovecot-events`): one per spool,
   * so worker N's replacement resumes worker N's spool.
   */
  source?: string;
  /**
   * Told, once its record is committed, of every Sieve script saved or activated whose text could be
   * read (respond's rule review raises the forwarding and hidden-mail alerts). Not awaited: a slow
   * or failing review never holds the audit log back.
   */
  onInboxRuleChanged?: (change: InboxRuleChange) => Promise<unknown>;
  /** Whether Mailwarden itself deactivated this mailbox's Sieve scripts about then (respond). */
  isOwnDeactivation?: (mailbox: string, timeMs: number) => boolean;
}

export function createDovecotEventIngest(deps: DovecotEventIngestDeps): DovecotEventIngest {
  const source = deps.source ?? DEFAULT_SOURCE;
  const trashFolders = new Set(deps.trashFolders.map((name) => name.toLowerCase()));
  const counters: DovecotIngestCounters = {
    accepted: 0,
    ignored: 0,
    malformed: 0,
    unauthorized: 0,
    failed: 0,
  };
  let spool: EventSpool | null = null;
  // The spool opens on the first request: it needs the committed position to resume from.
  let opening: Promise<EventSpool> | null = null;
  const openSpool = () =>
    (opening ??= deps.audit.ingestCursor(source).then(
      (cursor) => {
        spool = createEventSpool({
          dir: deps.spoolDir,
          cursor,
          logger: deps.logger,
          nowMs: deps.clock.nowMs,
          prepare: (events) => prepareEvents(events, { trashFolders, nowMs: deps.clock.nowMs() }),
        });
        return spool;
      },
      (error: unknown) => {
        // A database that could not be read now may be readable on the next request.
        opening = null;
        throw error;
      },
    ));
  let draining: Promise<void> | null = null;
  let waiters: Array<() => void> = [];

  /**
   * A Sieve script's record is written once, so its text is read first (a local call of a few ms).
   * Returns the steps with, after each rule change that set up forwarding, its Set-Forwarding record.
   */
  const readScripts = async (
    steps: IngestStep[],
    scripts: readonly ScriptWanted[],
    changes: InboxRuleChange[],
  ) => {
    const { doveadm } = deps;
    if (!doveadm || scripts.length === 0) return steps;
    const forwarding = new Map<AuditRecordInput, AuditRecordInput>();
    const texts = await Promise.all(
      scripts.map(async (script) => {
        const answer = await doveadm.readSieveScript(script.user, script.name);
        const text = answer.ok ? answer.value : null;
        const redirectTargets = text === null ? [] : sieveRedirectTargets(text);
        script.record.details = {
          ...script.record.details,
          ...(text === null ? { scriptUnreadable: true } : { redirectTargets }),
        };
        const setForwarding = forwardingSetBy(script.record, redirectTargets);
        if (setForwarding) forwarding.set(script.record, setForwarding);
        return text;
      }),
    );
    // In event order (the scripts are), whichever text came back first.
    scripts.forEach((script, index) => {
      const text = texts[index];
      if (typeof text === 'string')
        changes.push({
          user: script.user,
          script: script.name,
          action: String(script.record.details?.['action'] ?? ''),
          actor: script.record.actor,
          text,
        });
    });
    if (forwarding.size === 0) return steps;
    return steps.flatMap((step): IngestStep[] => {
      const added = step.kind === 'record' ? forwarding.get(step.record.input) : undefined;
      return added && step.kind === 'record'
        ? [step, { kind: 'record', record: { timeMs: step.record.timeMs, input: added } }]
        : [step];
    });
  };

  /**
   * With the Lua passdb (deploy/dovecot/conf.d/90) Mailwarden decides every sign-in and records its
   * MailboxLogin itself, with the credential, risk and reason; Dovecot's auth_request_finished for
   * the same session (conf.d/95) would be a second record of the one sign-in, so it is dropped.
   * Without the passdb (95 alone) no such record exists and the event's record is the only one.
   */
  const withoutLoginsAlreadyRecorded = async (steps: IngestStep[]): Promise<IngestStep[]> => {
    const search = deps.audit.search;
    const logins = steps.filter(isDovecotLoginStep);
    if (!search || logins.length === 0) return steps;
    const mailboxes = new Set(logins.map((step) => step.record.input.mailbox ?? ''));
    const earliestMs = Math.min(...logins.map((step) => step.record.timeMs));
    const own: AuditRecord[] = [];
    for (const mailbox of mailboxes) {
      const page = await search({
        mailbox,
        operations: ['MailboxLogin'],
        sinceMs: earliestMs - LOGIN_RECORDED_BEFORE_MS,
        limit: MAX_LOGINS_LOOKED_UP,
      });
      for (const record of page.records) if (record.details?.['source'] !== 'dovecot') own.push(record);
    }
    if (own.length === 0) return steps;
    const sessions = new Set(
      own.flatMap((r) => (r.sessionId ? [loginKey(r.mailbox ?? '', r.sessionId)] : [])),
    );
    // SMTP AUTH through Postfix's SASL has no session id on either side: the same mailbox, protocol
    // and result within a few seconds is the same sign-in (each of Mailwarden's records counts once).
    const sessionless = own.filter((r) => !r.sessionId);
    const isRecorded = (input: AuditRecordInput, timeMs: number) => {
      const mailbox = (input.mailbox ?? '').toLowerCase();
      if (input.sessionId) return sessions.has(loginKey(mailbox, input.sessionId));
      const protocol = sameProtocol(input.protocol);
      const index = sessionless.findIndex(
        (r) =>
          (r.mailbox ?? '').toLowerCase() === mailbox &&
          r.result === input.result &&
          sameProtocol(r.protocol) === protocol &&
          Math.abs(Date.parse(r.time) - timeMs) <= SESSIONLESS_SAME_LOGIN_MS,
      );
      if (index === -1) return false;
      sessionless.splice(index, 1);
      return true;
    };
    return steps.filter(
      (step) => !(isDovecotLoginStep(step) && isRecorded(step.record.input, step.record.timeMs)),
    );
  };

  /**
   * Mailwarden deactivates a mailbox's Sieve scripts through doveadm (respond: DisableInboxRules,
   * the forwarding enforcement) and records it, naming who asked and why; Dovecot's event of that
   * deactivation names only "doveadm" and often arrives before that record is committed, so respond
   * says which deactivations it made (isOwnDeactivation, each answering for one event).
   */
  const withoutOwnDeactivations = (steps: IngestStep[]): IngestStep[] => {
    const isOwn = deps.isOwnDeactivation;
    if (!isOwn || !steps.some(isDoveadmDeactivationStep)) return steps;
    return steps.filter(
      (step) =>
        !(isDoveadmDeactivationStep(step) && isOwn(step.record.input.mailbox ?? '', step.record.timeMs)),
    );
  };
  const withoutMailwardensOwn = async (steps: IngestStep[]) =>
    withoutOwnDeactivations(await withoutLoginsAlreadyRecorded(steps));

  /** The inbox-rule reviews, chained: never awaited by the ingest. */
  let reviews: Promise<unknown> = Promise.resolve();
  /** Writes the batches' steps (after their scripts are read); resolves once they are committed. */
  let handedOver: Promise<unknown> = Promise.resolve();
  const write = (batches: SpooledBatch[]): Promise<void> => {
    const changes: InboxRuleChange[] = [];
    const steps = withoutMailwardensOwn(batches.flatMap((batch) => batch.prepared.steps)).then((kept) =>
      readScripts(
        kept,
        batches.flatMap((batch) => batch.prepared.scripts),
        changes,
      ),
    );
    // Handed to the audit log in spool order, even when a later batch's scripts are read first. The
    // commit is wrapped so that the next batch waits for the hand-over, not for the commit.
    const handed = Promise.all([steps, handedOver]).then(([ready]) => ({
      committed: deps.audit.ingest(ready, { cursor: { source, position: batches.at(-1)!.position } }),
    }));
    handedOver = handed.catch(() => {});
    return handed.then(({ committed }) =>
      committed.then(() => {
        // One after the other, in event order (a save before its activation), and after those of
        // earlier batches: a review reads the mail server's state, which the one before may change.
        for (const change of changes)
          reviews = reviews.then(() =>
            deps
              .onInboxRuleChanged?.(change)
              .catch((error: unknown) =>
                deps.logger.warn('an inbox rule change could not be reviewed', { error, user: change.user }),
              ),
          );
      }),
    );
  };

  const drain = async (open: EventSpool) => {
    let delayMs = 100;
    // Batches written and not yet known to be committed, oldest first.
    const inFlight: Array<{ batches: SpooledBatch[]; committed: Promise<void> }> = [];
    for (;;) {
      while (inFlight.length < BATCHES_IN_FLIGHT) {
        const batches = open.take(EVENTS_PER_COMMIT);
        if (batches.length === 0) break;
        const committed = write(batches);
        committed.catch(() => {}); // seen below, in order
        inFlight.push({ batches, committed });
      }
      const oldest = inFlight[0];
      if (!oldest) break;
      try {
        await oldest.committed;
        inFlight.shift();
        open.committed(oldest.batches);
        delayMs = 100;
      } catch (error) {
        // Nothing is lost: the batches after a failed one are refused too (IngestWriter), and all
        // of them go back to the spool's front, in order, to be tried again.
        await Promise.allSettled(inFlight.map((entry) => entry.committed));
        open.putBack(inFlight.flatMap((entry) => entry.batches));
        inFlight.length = 0;
        deps.logger.error('dovecot events not stored yet; retrying', {
          error,
          backlog: open.backlog(),
          retryInMs: delayMs,
        });
        await new Promise((resolve) => setTimeout(resolve, delayMs).unref());
        delayMs = Math.min(delayMs * 2, 30_000);
      }
    }
    draining = null;
    const done = waiters;
    waiters = [];
    for (const resolve of done) resolve();
  };
  const kick = (open: EventSpool) => {
    draining ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => drain(open));
  };

  return {
    async accept(body) {
      // The spool opens first: events it still holds from before a restart are prepared before this
      // body, so those without a time of their own get an earlier one.
      const opened = spool ?? (await openSpool().catch((error: unknown) => ({ error })));
      const prepared = prepareBody(body, { trashFolders, nowMs: deps.clock.nowMs() });
      if (!prepared.ok) {
        counters.malformed += prepared.count;
        return { ok: false, code: 'malformed', message: prepared.problem };
      }
      const { spoolText, ...events } = prepared;
      try {
        if ('error' in opened) throw opened.error;
        const open = opened;
        open.append(spoolText, events);
        kick(open);
      } catch (error) {
        counters.failed += events.events;
        deps.logger.error('dovecot events refused: cannot spool', { error });
        return { ok: false, code: 'unavailable', message: 'the events cannot be accepted now' };
      }
      counters.accepted += events.events;
      counters.ignored += events.ignored;
      return { ok: true, accepted: events.events };
    },
    refusedUnauthorized() {
      counters.unauthorized += 1;
    },
    counters() {
      const oldest = spool?.oldestWaitingAtMs() ?? null;
      const lagSeconds = oldest === null ? 0 : Math.max(0, deps.clock.nowMs() - oldest) / 1000;
      return { ...counters, backlog: spool?.backlog() ?? 0, lagSeconds };
    },
    async drained() {
      if (opening) {
        const open = await opening;
        if (open.backlog() > 0) kick(open);
      }
      if (!draining) return;
      await new Promise<void>((resolve) => waiters.push(resolve));
    },
  };
}
