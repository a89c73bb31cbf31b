/**
 * Sign-in throughput: mail logins per second through the whole pipeline (identity.signIn: lockout,
 * credential, policy, risk with GeoIP, sign-in log + audit record, group-committed), with
 *   A. app passwords (SHA-256 of a 100-bit secret + one indexed read), against
 *   B. the baseline: the account password with the verified-credential cache warm (argon2id once
 *      per user, then an HMAC lookup), measured in the same process, in alternating rounds;
 *   C. for scale: the account password with a cold cache (argon2id on every login).
 *
 *   npm run build && node dist/bench/signin-verification/signin.bench.js [--users 200] [--logins 4000] [--concurrency 50] [--postgres]
 */
import { parseArgs } from 'node:util';
import type { App } from '../../src/app.js';
import { openBenchApp } from '../bench-app.js';
import { sized, smokeOption } from '../smoke-size.js';

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: sized(200, 10) },
    logins: { type: 'string', default: sized(4000, 100) },
    concurrency: { type: 'string', default: sized(50, 10) },
    rounds: { type: 'string', default: sized(3, 1) },
    ...smokeOption,
    postgres: { type: 'boolean', default: false },
  },
});
const USERS = Number(values.users);
const LOGINS = Number(values.logins);
const CONCURRENCY = Number(values.concurrency);
const ROUNDS = Number(values.rounds);
const PASSWORD = 'lantern-orchard-piano';
const _POSTGRES_ADMIN = process.env['TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const actor = { actor: 'bench', logonType: 'admin' as const };

interface Account {
  address: string;
  appPassword: string;
}

async function main(): Promise<void> {
  const bench = await openBenchApp({ name: 'signin', postgres: Boolean(values.postgres) });
  const { app } = bench;
  try {
    const accounts = await seed(app);
    await app.settings.change({ 'mailSignIn.accountPassword': 'allowed' }, actor);
    // Warm-up: JIT, statement caches, GeoIP file, and the credential cache (one argon2id per user).
    await run(app, accounts, accounts.length, (account) => account.appPassword);
    await run(app, accounts, accounts.length, () => PASSWORD);

    const appRuns: number[] = [];
    const cachedRuns: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      appRuns.push(await run(app, accounts, LOGINS, (account) => account.appPassword));
      cachedRuns.push(await run(app, accounts, LOGINS, () => PASSWORD));
    }
    // Cold: a new identity cache per run is not reachable from here; a password change empties it
    // for that user. Change every password, then sign in once each (argon2id every time).
    const cold = await coldRun(app, accounts);
    const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)]!;
    const report = {
      store: app.store.dialect,
      users: USERS,
      loginsPerRun: LOGINS,
      concurrency: CONCURRENCY,
      rounds: ROUNDS,
      appPassword_logins_per_s: appRuns.map(round),
      accountPasswordCached_logins_per_s: cachedRuns.map(round),
      accountPasswordCold_logins_per_s: round(cold),
      ratio_app_vs_cached_median: round(median(appRuns) / median(cachedRuns)),
      ratio_app_vs_cold: round(median(appRuns) / cold),
    };
    console.log(JSON.stringify(report, null, 2));
  } finally {
    await bench.close();
  }
}

async function seed(app: App): Promise<Account[]> {
  await app.directory.addDomain('example.org', actor);
  const accounts: Account[] = [];
  for (let i = 0; i < USERS; i++) {
    const address = `user${i}@example.org`;
    const created = await app.directory.createUser({ address, password: PASSWORD }, actor);
    if (!created.ok) throw new Error(created.message);
    const appPassword = await app.identity.createAppPassword(
      address,
      { name: 'phone', scopes: ['imap'] },
      actor,
    );
    if (!appPassword.ok) throw new Error(appPassword.message);
    accounts.push({ address, appPassword: appPassword.password });
  }
  return accounts;
}

/** LOGINS sign-ins, CONCURRENCY at a time, spread over the accounts; logins per second. */
async function run(app: App, accounts: Account[], logins: number, secret: (account: Account) => string) {
  let next = 0;
  let failures = 0;
  const start = process.hrtime.bigint();
  const worker = async () => {
    while (next < logins) {
      const index = next++;
      const account = accounts[index % accounts.length]!;
      const outcome = await app.identity.signIn({
        login: account.address,
        secret: secret(account),
        protocol: 'imap',
        // One office network (familiar after the first sign-in), as many clients behind one NAT.
        clientIp: `81.2.69.${(index % 200) + 1}`,
      });
      if (!outcome.ok) failures++;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (failures > 0) throw new Error(`${failures} sign-ins failed`);
  return logins / seconds;
}

async function coldRun(app: App, accounts: Account[]): Promise<number> {
  const sample = accounts.slice(0, Math.min(accounts.length, 100));
  const fresh = 'quartz-meadow-lantern';
  for (const account of sample) {
    const changed = await app.directory.setPassword(account.address, fresh, actor);
    if (!changed.ok) throw new Error(changed.message);
  }
  let next = 0;
  const start = process.hrtime.bigint();
  const worker = async () => {
    while (next < sample.length) {
      const account = sample[next++]!;
      const outcome = await app.identity.signIn({
        login: account.address,
        secret: fresh,
        protocol: 'imap',
        clientIp: '81.2.69.10',
      });
      if (!outcome.ok) throw new Error(`cold sign-in failed: ${outcome.code}`);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return sample.length / (Number(process.hrtime.bigint() - start) / 1e9);
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
