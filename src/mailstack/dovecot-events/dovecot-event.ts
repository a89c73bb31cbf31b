/**
 * One event as Dovecot's event exporter sends it (`format = json`, src/stats/event-exporter-fmt-json.c):
 * the event name, its categories and its flattened fields (parent fields such as user, session and
 * remote_ip included). Field names were checked against Dovecot 2.3.19.1 (test/mailstack).
 */
export interface DovecotEvent {
  event: string;
  hostname?: string;
  start_time?: string | number;
  end_time?: string | number;
  categories?: string[];
  fields: Record<string, unknown>;
}

export type ParseEventsOutcome =
  | { ok: true; events: DovecotEvent[] }
  | { ok: false; problem: string; count: number };

/** Events per request: Dovecot posts one; a batching forwarder may post many (JSON array or lines). */
export const MAX_EVENTS_PER_REQUEST = 10_000;

/**
 * A body is one event object, an array of them, or JSON Lines. All or nothing: a body with one
 * malformed event is refused whole (400), so that nothing is half-recorded.
 */
export function parseEvents(body: string): ParseEventsOutcome {
  const text = body.trim();
  if (text === '') return { ok: false, problem: 'the body is empty', count: 1 };
  let values: unknown[];
  try {
    if (text.startsWith('[')) {
      const parsed: unknown = JSON.parse(text);
      values = Array.isArray(parsed) ? parsed : [parsed];
    } else if (text.includes('\n')) {
      values = text
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as unknown);
    } else values = [JSON.parse(text) as unknown];
  } catch {
    return { ok: false, problem: 'the body is not JSON (one event, an array, or JSON Lines)', count: 1 };
  }
  if (values.length > MAX_EVENTS_PER_REQUEST)
    return {
      ok: false,
      problem: `more than ${MAX_EVENTS_PER_REQUEST} events in one request`,
      count: values.length,
    };
  const events: DovecotEvent[] = [];
  for (const [index, value] of values.entries()) {
    if (!isEvent(value))
      return {
        ok: false,
        problem: `event ${index + 1} is not a Dovecot event (an object with "event" and "fields", whose values are strings, numbers or lists of strings)`,
        count: values.length,
      };
    events.push(value);
  }
  return { ok: true, events };
}

/**
 * The exporter's JSON has strings, numbers and (for strlist fields) lists of strings, nothing else.
 * A value of another shape is refused with its body rather than read as absent: the mapping would
 * otherwise drop the event (a sign-in whose user is an object is no sign-in) while answering 204.
 * Checked by hand, not with a schema library: this runs for every event of a burst.
 */
function isEvent(value: unknown): value is DovecotEvent {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const candidate = value as Record<string, unknown>;
  const fields = candidate['fields'];
  if (typeof candidate['event'] !== 'string' || candidate['event'] === '') return false;
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) return false;
  if (candidate['categories'] !== undefined && !isStringList(candidate['categories'])) return false;
  for (const name of ['start_time', 'end_time'] as const) {
    const time = candidate[name];
    if (time !== undefined && typeof time !== 'string' && typeof time !== 'number') return false;
  }
  for (const field of Object.values(fields as Record<string, unknown>))
    if (typeof field !== 'string' && typeof field !== 'number' && !isStringList(field)) return false;
  return true;
}

function isStringList(value: unknown): boolean {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

/** `format_args = time-rfc3339` gives ISO strings; `time-unix` gives seconds (with a fraction). */
export function eventTimeMs(event: DovecotEvent, fallbackMs: number): number {
  const value = event.end_time ?? event.start_time;
  if (typeof value === 'number' && Number.isFinite(value))
    return Math.round(value < 1e11 ? value * 1000 : value);
  if (typeof value === 'string') {
    const parsed = Date.parse(value);
    if (!Number.isNaN(parsed)) return parsed;
  }
  return fallbackMs;
}
