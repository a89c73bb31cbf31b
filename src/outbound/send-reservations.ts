import { compiledQuery, type Executor } from '../store/index.js';

/**
 * Recipients accepted for messages not sent yet (send_reservations): what makes the sending limits
 * exact under concurrency. A recipient is checked and reserved in one write transaction (serialized
 * across every process on the database: SQLite's BEGIN IMMEDIATE, PostgreSQL's write lock), against
 * the sent counts (send_counters) plus every other live reservation of the account. A reservation
 * leaves in the transaction that counts its message, or is given back when the message is not sent.
 *
 * A process killed mid-message cannot give back: its reservations stop counting at expires_at (they
 * err toward refusing, never past the limit, meanwhile), before and after a restart alike, and the
 * hourly prune deletes them. A live message renews its reservation at every recipient and when its
 * content has arrived, so only a message stalled longer than this loses it.
 */
export const RESERVATION_TTL_MS = 10 * 60_000;

export interface Reserved {
  internal: number;
  external: number;
}

// Every RCPT runs the first two and every message the last: built and compiled once (compiled-query.ts).
const reservedByOthersQuery = compiledQuery<
  { userId: string; exceptId: string; nowMs: number },
  { internal: number | string; external: number | string }
>((db, param) =>
  db
    .selectFrom('send_reservations')
    .select((eb) => [
      eb.fn.coalesce(eb.fn.sum<number | string>('internal_recipients'), eb.lit(0)).as('internal'),
      eb.fn.coalesce(eb.fn.sum<number | string>('external_recipients'), eb.lit(0)).as('external'),
    ])
    .where('user_id', '=', param('userId'))
    .where('expires_at', '>', param('nowMs'))
    .where('id', '!=', param('exceptId')),
);

const saveReservationQuery = compiledQuery<
  { id: string; userId: string; internal: number; external: number; expiresAtMs: number },
  never
>((db, param) =>
  db
    .insertInto('send_reservations')
    .values({
      id: param('id'),
      user_id: param('userId'),
      internal_recipients: param('internal'),
      external_recipients: param('external'),
      expires_at: param('expiresAtMs'),
    })
    .onConflict((conflict) =>
      conflict.column('id').doUpdateSet((eb) => ({
        internal_recipients: eb.ref('excluded.internal_recipients'),
        external_recipients: eb.ref('excluded.external_recipients'),
        expires_at: eb.ref('excluded.expires_at'),
      })),
    ),
);

const dropReservationQuery = compiledQuery<{ id: string }, never>((db, param) =>
  db.deleteFrom('send_reservations').where('id', '=', param('id')),
);

/** The account's live reservations other than `exceptId` (this message's own). */
export async function reservedByOthers(
  db: Executor,
  userId: string,
  exceptId: string,
  nowMs: number,
): Promise<Reserved> {
  const { rows } = await reservedByOthersQuery(db, { userId, exceptId, nowMs });
  const row = rows[0];
  return { internal: Number(row?.internal ?? 0), external: Number(row?.external ?? 0) };
}

/** This message's reservation, as it stands after one more recipient. */
export async function saveReservation(
  db: Executor,
  reservation: { id: string; userId: string; internal: number; external: number; expiresAtMs: number },
): Promise<void> {
  await saveReservationQuery(db, reservation);
}

export async function renewReservation(db: Executor, id: string, expiresAtMs: number): Promise<void> {
  await db.updateTable('send_reservations').set({ expires_at: expiresAtMs }).where('id', '=', id).execute();
}

/** Gives a reservation back (or drops it as its message is counted); none left is no error. */
export async function dropReservation(db: Executor, id: string): Promise<void> {
  await dropReservationQuery(db, { id });
}

/** Reservations past their time count no more: their rows go. */
export async function pruneReservations(db: Executor, nowMs: number): Promise<number> {
  const result = await db.deleteFrom('send_reservations').where('expires_at', '<=', nowMs).executeTakeFirst();
  return Number(result.numDeletedRows);
}
