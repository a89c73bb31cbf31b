import type { Kysely } from 'kysely';

/**
 * Recipients accepted for a message that is not sent yet (outbound/send-reservations.ts): the
 * sending limits count them beside send_counters, so concurrent sessions of one account, on any
 * number of processes, accept exactly the limit. A row goes when its message is counted (in the
 * transaction of its Send record) or given back (aborted, refused, failed); a row whose process died
 * stops counting at expires_at and is deleted by the hourly prune.
 */
export function sendReservationsMigration() {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('send_reservations')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('internal_recipients', 'integer', (c) => c.notNull())
        .addColumn('external_recipients', 'integer', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('send_reservations_user')
        .on('send_reservations')
        .columns(['user_id', 'expires_at'])
        .execute();
    },
  };
}
