/**
 * The sign-ins-by-country chart (/account/sign-ins, the admin's user page) against the sign-in write
 * path: what an index that covers the chart's query (user_id, at, country, result) buys the query and
 * costs every sign-in insert, on SQLite or PostgreSQL.
 *
 * Seeds --rows sign-ins for --others users plus --user-rows for one account, all in the last 30 days
 * (37,000 is the account that took 155 ms), then for each index layout:
 *   current:  sign_ins_user_at (user_id, at), the layout before migration 023;
 *   added:    the current one plus (user_id, at, country, result);
 *   replaced: (user_id, at, country, result) instead of (user_id, at) (what migration 023 does);
 * times the chart's query (identity's signInsByCountry, median of --queries runs) and --inserts
 * sign-in rows written as the pipeline writes them (one INSERT each, --batch per transaction, as the
 * group commit does).
 *
 *   npm run build && node dist/bench/signin-country/country-chart.bench.js [--postgres] [--user-rows 37000]
 */
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import type { SignInTable } from '../../src/store/index.js';
import { openBenchApp } from '../bench-app.js';
import { sized, smokeOption } from '../smoke-size.js';

const { values } = parseArgs({
  options: {
    'user-rows': { type: 'string', default: sized(37_000, 300) },
    rows: { type: 'string', default: sized(200_000, 1000) },
    others: { type: 'string', default: sized(2_000, 20) },
    queries: { type: 'string', default: sized(31, 3) },
    inserts: { type: 'string', default: sized(20_000, 200) },
    batch: { type: 'string', default: '50' },
    rounds: { type: 'string', default: sized(3, 1) },
    ...smokeOption,
    postgres: { type: 'boolean', default: false },
  },
});
const USER_ROWS = Number(values['user-rows']);
const ROWS = Number(values.rows);
const OTHERS = Number(values.others);
const QUERIES = Number(values.queries);
const INSERTS = Number(values.inserts);
const BATCH = Number(values.batch);
const ROUNDS = Number(values.rounds);
const _POSTGRES_ADMIN = process.env['TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const DAY = 86_400_000;
const COUNTRIES = ['NL', 'NL', 'NL', 'NL', 'BE', 'DE', 'GB', 'US', 'FR', null];

const median = (samples: number[]) => [...samples].sort((a, b) => a - b)[Math.floor(samples.length / 2)]!;
const msSince = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;

let sequence = 0;
function row(userId: string, at: number): SignInTable {
  sequence += 1;
  const failure = sequence % 7 === 0;
  return {
    id: `${at.toString(36).padStart(10, '0')}-${sequence.toString(36).padStart(8, '0')}`,
    at,
    user_id: userId,
    login: `${userId}@bench.test`,
    protocol: sequence % 3 === 0 ? 'imap' : 'smtp',
    client_ip: `198.51.100.${sequence % 250}`,
    country: COUNTRIES[sequence % COUNTRIES.length] ?? null,
    city: null,
    latitude: null,
    longitude: null,
    client: 'bench',
    result: failure ? 'failure' : 'success',
    reason: failure ? 'bad-password' : 'ok',
    credential: 'password',
    risk_level: 'none',
    risk_reasons: '[]',
    failure_tag: null,
  } as SignInTable;
}

const LAYOUTS = {
  current: ['CREATE INDEX sign_ins_user_at ON sign_ins (user_id, at)'],
  added: [
    'CREATE INDEX sign_ins_user_at ON sign_ins (user_id, at)',
    'CREATE INDEX sign_ins_user_country ON sign_ins (user_id, at, country, result)',
  ],
  replaced: ['CREATE INDEX sign_ins_user_country ON sign_ins (user_id, at, country, result)'],
} as const;

async function main(): Promise<void> {
  const bench = await openBenchApp({ name: 'country', postgres: Boolean(values.postgres) });
  const { app } = bench;
  const db = app.store.db;
  try {
    const nowMs = Date.now();
    const seed = async (count: number, userOf: (i: number) => string) => {
      for (let start = 0; start < count; start += 1000) {
        const rows = Array.from({ length: Math.min(1000, count - start) }, (_, i) =>
          row(userOf(start + i), nowMs - Math.floor(Math.random() * 30 * DAY)),
        );
        // 1000 rows × 17 columns stays under PostgreSQL's 65,535 parameters.
        await app.store.writeTransaction((trx) => trx.insertInto('sign_ins').values(rows).execute());
      }
    };
    await seed(USER_ROWS, () => 'the-account');
    await seed(ROWS, (i) => `user-${i % OTHERS}`);
    console.log(
      `${app.store.dialect}: ${USER_ROWS} sign-ins of one account and ${ROWS} of ${OTHERS} others in 30 days`,
    );
    const since = nowMs - 30 * DAY;
    const results: Record<string, { query: number[]; insert: number[] }> = {};
    for (let round = 0; round < ROUNDS; round++)
      for (const [name, statements] of Object.entries(LAYOUTS)) {
        await sql.raw('DROP INDEX IF EXISTS sign_ins_user_at').execute(db);
        await sql.raw('DROP INDEX IF EXISTS sign_ins_user_country').execute(db);
        for (const statement of statements) await sql.raw(statement).execute(db);
        if (app.store.dialect === 'postgres') await sql.raw('VACUUM ANALYZE sign_ins').execute(db);
        else await sql.raw('ANALYZE').execute(db);
        const queries: number[] = [];
        for (let i = 0; i < QUERIES; i++) {
          const start = process.hrtime.bigint();
          await app.identity.signInsByCountry('the-account', since);
          queries.push(msSince(start));
        }
        const start = process.hrtime.bigint();
        for (let done = 0; done < INSERTS; done += BATCH)
          await app.store.writeTransaction(async (trx) => {
            for (let i = 0; i < BATCH; i++)
              await trx
                .insertInto('sign_ins')
                .values(row(`user-${(done + i) % OTHERS}`, Date.now()))
                .execute();
          });
        const perInsertUs = (msSince(start) * 1000) / INSERTS;
        const entry = results[name] ?? { query: [], insert: [] };
        results[name] = entry;
        entry.query.push(median(queries));
        entry.insert.push(perInsertUs);
        console.log(
          `  round ${round + 1} ${name.padEnd(8)} chart query ${median(queries).toFixed(2)} ms (median of ${QUERIES}), insert ${perInsertUs.toFixed(1)} µs/row (${INSERTS} rows, ${BATCH} per transaction)`,
        );
      }
    for (const [name, entry] of Object.entries(results))
      console.log(
        `${name.padEnd(8)} chart query median ${median(entry.query).toFixed(2)} ms; insert median ${median(entry.insert).toFixed(1)} µs/row`,
      );
  } finally {
    await bench.close();
  }
}

await main();
