import type { Kysely } from 'kysely';

/** Groups, sending policies, rolling send counters, restrictions and alerts. */
export function outboundMigration() {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('groups')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('group_members')
        .addColumn('group_name', 'text', (c) => c.notNull().references('groups.name'))
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        .addPrimaryKeyConstraint('group_members_pk', ['group_name', 'user_id'])
        .execute();
      await db.schema.createIndex('group_members_user').on('group_members').column('user_id').execute();

      await db.schema
        .createTable('sending_policies')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('priority', 'integer', (c) => c.notNull())
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('settings', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();

      // One row per user and minute with sends: the rolling windows sum these (see send-counters.ts).
      await db.schema
        .createTable('send_counters')
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('minute', 'bigint', (c) => c.notNull())
        .addColumn('messages', 'integer', (c) => c.notNull())
        .addColumn('internal_recipients', 'integer', (c) => c.notNull())
        .addColumn('external_recipients', 'integer', (c) => c.notNull())
        .addColumn('spam_verdicts', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('send_counters_pk', ['user_id', 'minute'])
        .execute();
      await db.schema.createIndex('send_counters_minute').on('send_counters').column('minute').execute();

      await db.schema
        .createTable('restrictions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('policy_name', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('since', 'bigint', (c) => c.notNull())
        .addColumn('until', 'bigint')
        .addColumn('evidence', 'text', (c) => c.notNull())
        .addColumn('released_at', 'bigint')
        .addColumn('released_by', 'text')
        .addColumn('release_reason', 'text')
        .addColumn('release_forced', 'integer')
        .execute();
      await db.schema
        .createIndex('restrictions_user')
        .on('restrictions')
        .columns(['user_id', 'since'])
        .execute();

      await db.schema
        .createTable('alerts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('severity', 'text', (c) => c.notNull())
        .addColumn('mailbox', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('count', 'integer', (c) => c.notNull())
        .addColumn('first_at', 'bigint', (c) => c.notNull())
        .addColumn('last_at', 'bigint', (c) => c.notNull())
        .addColumn('evidence', 'text', (c) => c.notNull())
        .addColumn('updated_by', 'text')
        .execute();
      await db.schema
        .createIndex('alerts_group')
        .on('alerts')
        .columns(['mailbox', 'type', 'last_at'])
        .execute();
      await db.schema.createIndex('alerts_status').on('alerts').columns(['status', 'last_at']).execute();
    },
  };
}
