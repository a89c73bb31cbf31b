import assert from 'node:assert/strict';
import { appendFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { PolicyClient, rcptRequest } from '../support/postfix-policy-client.js';
import { prepareMailwardenCluster, type ServedMailwarden } from '../support/served-mailwarden.js';
import { createPostgresDatabase, makeTempDir } from '../support/test-app.js';

const LEAD = '"this instance runs the periodic jobs"';
const SYNCED = '"import sync done"';
const SNAPSHOT = '"secure score snapshot taken"';
/** Longer than the leadership retry (5 s): every follower has asked for the lead again meanwhile. */
const FOLLOWERS_TRIED_MS = 6000;

const occurrences = (text: string, needle: string) => text.split(needle).length - 1;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
async function until(condition: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(100);
  }
}

/**
 * Three `mailwarden serve` processes on one PostgreSQL database with a periodic sync from a Dovecot
 * passwd-file (import.source) and the daily Secure Score snapshot on: the jobs run on the instance
 * that holds the lead only, and when that instance is killed with SIGKILL another takes the lead
 * and syncs. Alerts raised on any instance reach a webhook once (the leader dispatches; deliveries are claimed).
 */
describe('periodic jobs in a cluster of three serve processes', () => {
  let database: { url: string; drop(): Promise<void> };
  const temp = makeTempDir('mailwarden-sync-source-');
  const source = path.join(temp.dir, 'users');
  let instances: ServedMailwarden[] = [];

  before(async () => {
    database = await createPostgresDatabase();
    writeFileSync(source, 'first@legacy.test:{PLAIN}first old password:5000:5000::/home/first::\n');
    instances = await prepareMailwardenCluster(3, {
      databaseUrl: database.url,
      env: {
        MAILWARDEN_IMPORT_SOURCE: `dovecot-passwd:${source}`,
        MAILWARDEN_IMPORT_INTERVAL_MINUTES: '1',
        MAILWARDEN_SCORE_DAILY_SNAPSHOT: 'true',
        MAILWARDEN_NOTIFY_WEBHOOKS_ALLOW_INTERNAL_HOSTS: '127.0.0.1',
      },
    });
    for (const instance of instances) await instance.start();
  });
  after(async () => {
    for (const instance of instances) await instance.remove();
    await database?.drop();
    temp.remove();
  });

  const accountExists = async (address: string) => {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      return (await client.query('select 1 from users where address = $1', [address])).rowCount === 1;
    } finally {
      await client.end();
    }
  };
  /** The instances (indexes) whose log has `needle`, among `among`. */
  const logging = (needle: string, among = instances) =>
    among.filter((instance) => occurrences(instance.log(), needle) > 0).map((i) => instances.indexOf(i));

  test('the import sync and the score snapshot run on one instance only, and the sync moves with the lead when its holder is killed', {
    timeout: 180_000,
  }, async () => {
    await until(
      () => logging(SYNCED).length > 0 && logging(SNAPSHOT).length > 0,
      'the first sync and snapshot',
    );
    await sleep(FOLLOWERS_TRIED_MS);
    const leaders = logging(LEAD);
    assert.equal(leaders.length, 1, `instances leading: ${leaders.join(', ')}`);
    const leader = leaders[0]!;
    assert.deepEqual(logging(SYNCED), [leader], 'only the leader synced');
    assert.deepEqual(logging(SNAPSHOT), [leader], 'only the leader took the snapshot');
    assert.equal(await accountExists('first@legacy.test'), true);

    // The directory of record gains an account; the leader dies without a word.
    appendFileSync(source, 'second@legacy.test:{PLAIN}second old password:5000:5000::/home/second::\n');
    await instances[leader]!.kill9();
    const survivors = instances.filter((_, index) => index !== leader);
    await until(() => logging(SYNCED, survivors).length > 0, 'a sync by a survivor');
    await sleep(FOLLOWERS_TRIED_MS);
    const next = logging(LEAD, survivors);
    assert.equal(next.length, 1, `survivors leading: ${next.join(', ')}`);
    assert.deepEqual(logging(SYNCED, survivors), next, 'only the new leader synced');
    assert.equal(await accountExists('second@legacy.test'), true);
    // The day's snapshot is in the database already: the new leader takes none.
    assert.deepEqual(logging(SNAPSHOT), [leader]);
  });

  test('an alert raised on any instance of the cluster reaches the webhook once', {
    timeout: 120_000,
  }, async () => {
    // The instance killed above is back, as a follower.
    for (const instance of instances) if (!instance.alive()) await instance.start();
    const posts: Array<{ alert: { id: string; mailbox: string } }> = [];
    const receiver = http.createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      request.on('end', () => {
        posts.push(JSON.parse(body) as (typeof posts)[number]);
        response.end('ok');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', () => resolve()));
    try {
      const address = receiver.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      const added = await instances[0]!.cli([
        'webhook',
        'add',
        'cluster',
        '--url',
        `http://127.0.0.1:${port}/`,
      ]);
      assert.equal(added.code, 0, added.stderr);
      // A Postfix login no Mailwarden user has: each instance raises an "unknown sender" alert.
      for (const [index, instance] of instances.entries()) {
        const client = await PolicyClient.connect(instance.ports.policy);
        try {
          const login = `stranger${index}@elsewhere.test`;
          const reply = await client.ask(rcptRequest({ sasl_username: login, sender: login }));
          assert.match(reply, /^(DUNNO|OK)/, reply);
        } finally {
          client.close();
        }
      }
      await until(() => posts.length >= 3, 'three webhook posts');
      // Followers would have polled meanwhile (every 5 s) had they dispatched too.
      await sleep(FOLLOWERS_TRIED_MS);
      assert.deepEqual(posts.map((post) => post.alert.mailbox).sort(), [
        'stranger0@elsewhere.test',
        'stranger1@elsewhere.test',
        'stranger2@elsewhere.test',
      ]);
      assert.equal(new Set(posts.map((post) => post.alert.id)).size, 3);
    } finally {
      await new Promise((resolve) => receiver.close(resolve));
    }
  });
});
