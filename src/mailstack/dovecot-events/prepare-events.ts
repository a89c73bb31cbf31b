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
 * and one that may repeat Mailwarden's own record (mayRepeatMailwardensOwn: the ingest may drop it).
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
    // Left unsealed too: the ingest drops them when Mailwarden recorded that change itself.
    for (const step of mapped.steps)
      steps.push(
        step.kind === 'record' && !mayRepeatMailwardensOwn(step.record.input)
          ? { kind: 'sealed', record: sealRecord(step.record) }
          : step,
      );
  }
  return { events: events.length, ignored, steps, scripts };
}

/**
 * A sign-in (Mailwarden's passdb recorded it) and doveadm deactivating the Sieve scripts (Mailwarden's
 * respond did it and recorded DisableInboxRules): the ingest drops them when that record exists
 * (event-ingest.ts withoutMailwardensOwn).
 */
export function mayRepeatMailwardensOwn(input: AuditRecordInput): boolean {
  if (input.operation === 'MailboxLogin') return input.details?.['source'] === 'dovecot';
  return (
    input.operation === 'UpdateInboxRules' &&
    input.actor === 'doveadm' &&
    input.details?.['action'] === 'deactivate'
  );
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
