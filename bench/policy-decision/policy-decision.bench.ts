/**
 * Policy decision latency: MAIL FROM (outbound.beginMessage) plus one RCPT (budget.checkRecipient)
 * for random users among 100,000 with counters in the store, on SQLite (and PostgreSQL with
 * --postgres). Baseline in the same process: one primary-key read of the same user's row through the
 * same store, the floor any decision pays.
 *
 *   npm run build && node dist/bench/policy-decision/policy-decision.bench.js [--users 100000] [--decisions 20000] [--postgres]
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import type { buildApp } from '../../src/app.js';
import type { AddressTable, SendCounterTable, UserTable } from '../../src/store/index.js';
import { openBenchApp } from '../bench-app.js';
import { sized, smokeOption } from '../smoke-size.js';

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: sized(100_000, 500) },
    decisions: { type: 'string', default: sized(20_000, 200) },
    ...smokeOption,
    postgres: { type: 'boolean', default: false },
  },
});
const USERS = Number(values.users);
const DECISIONS = Number(values.decisions);
const _POSTGRES_ADMIN = process.env['TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

async function main(): Promise<void> {
  const bench = await openBenchApp({ name: 'policy', postgres: Boolean(values.postgres) });
  const { app } = bench;
  try {
    const t0 = Date.now();
    await seed(app, USERS);
    console.error(`seeded ${USERS} users with counters in ${Date.now() - t0} ms (${app.store.dialect})`);
    const ids = await app.store.db.selectFrom('users').select(['id', 'address']).execute();

    // Warm-up: JIT, caches, statement caches.
    for (let i = 0; i < 2000; i++) await decide(app, ids[i % ids.length]!);

    const baseline: number[] = [];
    const decisions: number[] = [];
    for (let i = 0; i < DECISIONS; i++) {
      const user = ids[Math.floor(Math.random() * ids.length)]!;
      // Alternate so that both see the same cache and machine state.
      let start = process.hrtime.bigint();
      await app.store.db
        .selectFrom('users')
        .select(['id', 'address', 'disabled_at'])
        .where('id', '=', user.id)
        .executeTakeFirst();
      baseline.push(Number(process.hrtime.bigint() - start) / 1e6);
      start = process.hrtime.bigint();
      await decide(app, user);
      decisions.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
    const report = {
      store: app.store.dialect,
      users: USERS,
      decisions: DECISIONS,
      decision_ms: summarize(decisions),
      baseline_pk_read_ms: summarize(baseline),
      ratio_p50: round(quantile(decisions, 0.5) / quantile(baseline, 0.5)),
      target: 'p99 < 1 ms on SQLite',
    };
    console.log(JSON.stringify(report, null, 2));
  } finally {
    await bench.close();
  }
}

/** One MAIL FROM and one RCPT, as the gateway and the Postfix policy service ask them. */
async function decide(
  app: Awaited<ReturnType<typeof buildApp>>,
  user: { id: string; address: string },
): Promise<void> {
  const begun = await app.outbound.beginMessage(user);
  if (!begun.ok) throw new Error(`unexpected refusal ${begun.code}`);
  const outcome = await begun.budget.checkRecipient('someone@customer.test');
  if (!outcome.ok) throw new Error(`unexpected refusal ${outcome.code}`);
}

/** Users, addresses and a few hours of counters each, written directly (argon2 per user would take hours). */
async function seed(app: Awaited<ReturnType<typeof buildApp>>, count: number): Promise<void> {
  const now = Date.now();
  const minute = Math.floor(now / 60_000);
  await app.store.db.insertInto('domains').values({ name: 'bench.test', created_at: now }).execute();
  const batch = 500;
  for (let start = 0; start < count; start += batch) {
    const users: UserTable[] = [];
    const addresses: AddressTable[] = [];
    const counters: SendCounterTable[] = [];
    for (let i = start; i < Math.min(count, start + batch); i++) {
      const id = randomUUID();
      const address = `user${i}@bench.test`;
      users.push({
        id,
        address,
        domain: 'bench.test',
        display_name: null,
        role: 'user' as const,
        password_hash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA',
        password_changed_at: now,
        disabled_at: null,
        created_at: now,
        updated_at: now,
        mfa_state: 'disabled',
        must_change_password: 0,
        sessions_valid_after: 0,
        mfa_grace_from: null,
        last_sign_in_at: null,
      });
      addresses.push({ address, user_id: id, kind: 'primary' as const, created_at: now });
      for (let back = 0; back < 12; back++)
        counters.push({
          user_id: id,
          minute: minute - back * 37 - (i % 30),
          messages: 2,
          internal_recipients: 1,
          external_recipients: 3,
          spam_verdicts: 0,
        });
    }
    await app.store.writeTransaction(async (trx) => {
      await trx.insertInto('users').values(users).execute();
      await trx.insertInto('addresses').values(addresses).execute();
      for (let c = 0; c < counters.length; c += 1000)
        await trx
          .insertInto('send_counters')
          .values(counters.slice(c, c + 1000))
          .execute();
    });
  }
  await app.outbound.setPolicy(
    'default',
    { settings: { perMinute: 100000, externalPerHour: 100000, perDay: 1000000 } },
    { actor: 'bench', logonType: 'system' },
  );
}

function quantile(samples: number[], q: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}
function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
function summarize(samples: number[]) {
  return {
    p50: round(quantile(samples, 0.5)),
    p95: round(quantile(samples, 0.95)),
    p99: round(quantile(samples, 0.99)),
    max: round(Math.max(...samples)),
  };
}

await main();
