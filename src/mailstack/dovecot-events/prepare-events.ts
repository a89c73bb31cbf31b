import { type AuditRecordInput, type IngestStep, sealRecord } from '../../audit/index.js';
import { type DovecotEvent, parseEvents } from './dovecot-event.js';
import { type MapContext, mapDovecotEvent } from './map-dovecot-event.js';

/** A record that waits for its Sieve script's text (the record object is the one in `steps`). */
export interface ScriptWanted {
  user: string;
  name: string;
  record: AuditRecordInput;
}

/** Events made ready for the audit log: their steps, in event order. */
export interface PreparedEvents {
  /** How many events (the spool's backlog counts these). */
  events: number;
  /** Events that mean nothing for the audit log. */
  ignored: number;
  steps: IngestStep[];
  scripts: ScriptWanted[];
}

/** A request body parsed, checked and prepared; with the JSON Lines text the spool keeps of it. */
export type PreparedBody =
  | ({ ok: true; spoolText: string } & PreparedEvents)
  | { ok: false; problem: string; count: number };

/**
 * Maps the events to audit steps and seals their records (every stored field serialized, see
 * SealedRecord), except a record whose Sieve script must be read first (its details change then)
 * and a sign-in (which the ingest may drop, see withoutLoginsAlreadyRecorded in event-ingest.ts).
 */
export function prepareEvents(events: readonly DovecotEvent[], context: MapContext): PreparedEvents {
  const steps: IngestStep[] = [];
  const scripts: ScriptWanted[] = [];
  let ignored = 0;
  for (const event of events) {
    const mapped = mapDovecotEvent(event, context);
    if (mapped.steps.length === 0) ignored += 1;
    if (mapped.script) {
      scripts.push(mapped.script);
      for (const step of mapped.steps) steps.push(step);
      continue;
    }
    // A sign-in stays unsealed too: the ingest drops it when Mailwarden recorded that sign-in itself.
    for (const step of mapped.steps)
      steps.push(
        step.kind === 'record' && step.record.input.operation !== 'MailboxLogin'
          ? { kind: 'sealed', record: sealRecord(step.record) }
          : step,
      );
  }
  return { events: events.length, ignored, steps, scripts };
}

/** One request body: all of it is prepared, or none (see parseEvents). */
export function prepareBody(body: string, context: MapContext): PreparedBody {
  const parsed = parseEvents(body);
  if (!parsed.ok) return parsed;
  // Dovecot sends one JSON object per line; an array is written back as lines.
  const text = body.trim();
  const spoolText = text.startsWith('[')
    ? parsed.events.map((event) => `${JSON.stringify(event)}\n`).join('')
    : `${text}\n`;
  try {
    return { ok: true, spoolText, ...prepareEvents(parsed.events, context) };
  } catch {
    // An event the mapping cannot handle is refused with its body (counted, answered 400) rather
    // than accepted into a spool that could never be drained.
    return { ok: false, problem: 'the events could not be read', count: parsed.events.length };
  }
}
