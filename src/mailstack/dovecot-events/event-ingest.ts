import type { AuditLog, IngestStep } from '../../audit/index.js';
import type { Clock } from '../../runtime/clock.js';
import type { Logger } from '../../runtime/logger.js';
import type { DoveadmClient } from './doveadm-client.js';
import { parseEvents } from './dovecot-event.js';
import { mapDovecotEvent } from './map-dovecot-event.js';
import { sieveRedirectTargets } from './sieve-redirects.js';

/** Counters of the ingest endpoint (GET /metrics). Dovecot does not retry: every refusal counts. */
export interface DovecotIngestCounters {
  /** Events written (or gathered into a window) durably. */
  accepted: number;
  /** Events accepted that mean nothing for the audit log. */
  ignored: number;
  /** Events in bodies refused as malformed (400). */
  malformed: number;
  /** Requests refused for a missing or wrong secret (401). */
  unauthorized: number;
  /** Events not stored because the database failed (503). */
  failed: number;
}

export type IngestOutcome =
  | { ok: true; accepted: number; ignored: number }
  | { ok: false; code: 'malformed'; message: string }
  | { ok: false; code: 'unavailable'; message: string };

export interface DovecotEventIngest {
  /** Parses, maps and durably stores one request body; resolves only after the commit. */
  accept(body: string): Promise<IngestOutcome>;
  refusedUnauthorized(): void;
  counters(): Readonly<DovecotIngestCounters>;
}

export function createDovecotEventIngest(deps: {
  audit: Pick<AuditLog, 'ingest'>;
  clock: Clock;
  logger: Logger;
  trashFolders: readonly string[];
  doveadm: DoveadmClient | null;
}): DovecotEventIngest {
  const trashFolders = new Set(deps.trashFolders.map((name) => name.toLowerCase()));
  const counters: DovecotIngestCounters = {
    accepted: 0,
    ignored: 0,
    malformed: 0,
    unauthorized: 0,
    failed: 0,
  };
  return {
    async accept(body) {
      const parsed = parseEvents(body);
      if (!parsed.ok) {
        counters.malformed += parsed.count;
        return { ok: false, code: 'malformed', message: parsed.problem };
      }
      const nowMs = deps.clock.nowMs();
      const steps: IngestStep[] = [];
      const scripts: Array<Promise<void>> = [];
      let ignored = 0;
      for (const event of parsed.events) {
        const mapped = mapDovecotEvent(event, { trashFolders, nowMs });
        if (mapped.steps.length === 0) ignored += 1;
        for (const step of mapped.steps) steps.push(step);
        const { script } = mapped;
        if (script && deps.doveadm) {
          // The record is written once, so the script is read first (a local call of a few ms).
          scripts.push(
            deps.doveadm.sieveScript(script.user, script.name).then((text) => {
              script.record.details = {
                ...script.record.details,
                ...(text === null
                  ? { scriptUnreadable: true }
                  : { redirectTargets: sieveRedirectTargets(text) }),
              };
            }),
          );
        }
      }
      await Promise.all(scripts);
      const accepted = parsed.events.length - ignored;
      try {
        if (steps.length > 0) await deps.audit.ingest(steps);
      } catch (error) {
        counters.failed += accepted;
        deps.logger.error('dovecot events not stored', { error, events: parsed.events.length });
        return { ok: false, code: 'unavailable', message: 'the audit log cannot be written now' };
      }
      counters.accepted += accepted;
      counters.ignored += ignored;
      return { ok: true, accepted, ignored };
    },
    refusedUnauthorized() {
      counters.unauthorized += 1;
    },
    counters: () => ({ ...counters }),
  };
}
