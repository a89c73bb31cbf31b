import type { Executor } from '../store/index.js';

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

/** The account's live reservations other than `exceptId` (this message's own). */
export async function reservedByOthers(
  db: Executor,
  userId: string,
  exceptId: string,
  nowMs: number,
): Promise<Reserved> {
  const row = await db
    .selectFrom('send_reservations')
    .select((eb) => [
      eb.fn.coalesce(eb.fn.sum<number | string>('internal_recipients'), eb.lit(0)).as('internal'),
      eb.fn.coalesce(eb.fn.sum<number | string>('external_recipients'), eb.lit(0)).as('external'),
    ])
    .where('user_id', '=', userId)
    .where('expires_at', '>', nowMs)
    .where('id', '!=', exceptId)
    .executeTakeFirst();
  return { internal: Number(row?.internal ?? 0), external: Number(row?.external ?? 0) };
}

/** This message's reservation, as it stands after one more recipient. */
export async function saveReservation(
  db: Executor,
  reservation: { id: string; userId: string; internal: number; external: number; expiresAtMs: number },
): Promise<void> {
  await db
    .insertInto('send_reservations')
    .values({
      id: reservation.id,
      user_id: reservation.userId,
      internal_recipients: reservation.internal,
      external_recipients: reservation.external,
      expires_at: reservation.expiresAtMs,
    })
    .onConflict((conflict) =>
      conflict.column('id').doUpdateSet({
        internal_recipients: reservation.internal,
        external_recipients: reservation.external,
        expires_at: reservation.expiresAtMs,
      }),
    )
    .execute();
}

export async function renewReservation(db: Executor, id: string, expiresAtMs: number): Promise<void> {
  await db.updateTable('send_reservations').set({ expires_at: expiresAtMs }).where('id', '=', id).execute();
}

/** Gives a reservation back (or drops it as its message is counted); none left is no error. */
export async function dropReservation(db: Executor, id: string): Promise<void> {
  await db.deleteFrom('send_reservations').where('id', '=', id).execute();
}

/** Reservations past their time count no more: their rows go. */
export async function pruneReservations(db: Executor, nowMs: number): Promise<number> {
  const result = await db.deleteFrom('send_reservations').where('expires_at', '<=', nowMs).executeTakeFirst();
  return Number(result.numDeletedRows);
}
