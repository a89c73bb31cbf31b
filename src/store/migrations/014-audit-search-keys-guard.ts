import { type Kysely, sql } from 'kysely';
import type { Dialect } from '../store.js';

/**
 * Security invariant: a search key is never changed, and is removed only with its record (retention,
 * behind a signed checkpoint), as audit_log's own rows (migration 005). A deleted key would hide its
 * record from every search by mailbox or client IP while the hash chain stays intact; with this
 * guard that takes dropping the trigger first, and `mailwarden audit verify` names the record whose
 * key is missing (audit/verify-search-keys.ts).
 */
export function auditSearchKeysGuardMigration(dialect: Dialect) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      const covered = '(SELECT coalesce(max(through_id), 0) FROM audit_checkpoint)';
      if (dialect === 'sqlite') {
        await sql
          .raw(
            `CREATE TRIGGER audit_search_keys_no_update BEFORE UPDATE ON audit_search_keys
             BEGIN SELECT RAISE(ABORT, 'audit_search_keys is append-only'); END`,
          )
          .execute(db);
        await sql
          .raw(
            `CREATE TRIGGER audit_search_keys_no_delete BEFORE DELETE ON audit_search_keys
             WHEN OLD.record_id > ${covered}
             BEGIN SELECT RAISE(ABORT, 'audit_search_keys is append-only'); END`,
          )
          .execute(db);
        return;
      }
      await sql
        .raw(
          `CREATE FUNCTION audit_search_keys_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
           BEGIN
             IF TG_OP = 'DELETE' AND OLD.record_id <= ${covered} THEN
               RETURN OLD;
             END IF;
             RAISE EXCEPTION 'audit_search_keys is append-only';
           END $$`,
        )
        .execute(db);
      await sql
        .raw(
          `CREATE TRIGGER audit_search_keys_no_change BEFORE UPDATE OR DELETE ON audit_search_keys
           FOR EACH ROW EXECUTE FUNCTION audit_search_keys_refuse_change()`,
        )
        .execute(db);
      await sql
        .raw(
          `CREATE TRIGGER audit_search_keys_no_truncate BEFORE TRUNCATE ON audit_search_keys
           FOR EACH STATEMENT EXECUTE FUNCTION audit_search_keys_refuse_change()`,
        )
        .execute(db);
    },
  };
}
