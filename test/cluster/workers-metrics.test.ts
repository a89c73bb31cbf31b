import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, test } from 'node:test';
import { SENDER, type ServedMailwarden } from '../support/served-mailwarden.js';
import { logLines, prepareWorkers, workersThatServedSmtp } from '../support/served-workers.js';
import { sendOne, waitUntil } from '../support/smtp-load.js';

/**
 * `mailwarden serve` with MAILWARDEN_WORKERS=2 on SQLite: /metrics shows the whole service whichever
 * worker answers the scrape (the answering worker gathers its sibling's registry through the
 * supervisor), and a worker that stops answering is left out of a scrape rather than hanging it.
 */
let served: ServedMailwarden;

/** May send one message an hour to the outside; the second restricts the account (action restrict). */
const EVE = { address: 'eve@example.org', password: 'eve-account-password-123' };

before(async () => {
  served = await prepareWorkers({ env: { MAILWARDEN_LOG_LEVEL: 'info' } });
  for (const [args, input] of [
    [['user', 'add', EVE.address, '--password-stdin'], `${EVE.password}\n`],
    [['org', 'set', 'mailSignIn.accountPassword', 'allowed'], ''],
    [
      [
        'policy',
        'set',
        'tight',
        '--users',
        EVE.address,
        '--external-per-hour',
        '1',
        '--per-minute',
        '100',
        '--per-day',
        '100',
        '--action',
        'restrict',
      ],
      '',
    ],
  ] as const) {
    const result = await served.cli(args, input);
    assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
  }
  await served.start();
});
after(async () => {
  await served?.remove();
});

/** GET /metrics on a connection of its own (no keep-alive: node:cluster hands each one to a worker). */
function scrape(): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const request = http.get(
      { host: '127.0.0.1', port: served.ports.http, path: '/metrics', agent: false },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          text += chunk;
        });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
        response.on('error', reject);
      },
    );
    request.on('error', reject);
  });
}

/** The value of one series (name with its labels as the text shows them), or null when absent. */
function sample(text: string, series: string): number | null {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? null : Number(line.slice(series.length + 1));
}

const SPOOLED = 'mailwarden_messages_total{outcome="spooled"}';

/** Messages each worker answered 250, from its `smtp transaction` log lines. */
function acceptedBy(worker: number): number {
  return logLines(served).filter(
    (line) => line['msg'] === 'smtp transaction' && line['code'] === 250 && line['worker'] === worker,
  ).length;
}

test('with two workers every /metrics scrape counts the messages both workers accepted, and shows the process series', async () => {
  let accepted = 0;
  for (let round = 0; round < 20 && (accepted < 12 || workersThatServedSmtp(served).size < 2); round++) {
    const replies = await Promise.all(
      [0, 1, 2, 3].map((index) =>
        sendOne({
          port: served.ports.smtp,
          user: SENDER,
          password: served.appPassword,
          messageId: `<metrics-${round}-${index}@example.org>`,
        }),
      ),
    );
    for (const reply of replies) assert.equal(reply.code, 250, reply.response);
    accepted += replies.length;
  }
  assert.deepEqual([...workersThatServedSmtp(served)].sort(), [1, 2], 'both workers served submissions');
  assert.ok(acceptedBy(1) > 0 && acceptedBy(2) > 0 && acceptedBy(1) + acceptedBy(2) === accepted);

  // Each scrape is a new connection: node:cluster hands them to the workers in turn.
  for (let attempt = 0; attempt < 6; attempt++) {
    const { status, text } = await scrape();
    assert.equal(status, 200);
    assert.equal(sample(text, SPOOLED), accepted, `scrape ${attempt}: ${SPOOLED}`);
    assert.ok(sample(text, 'process_resident_memory_bytes') !== null, 'process series present');
    assert.ok(sample(text, 'process_cpu_user_seconds_total') !== null, 'process series present');
    assert.equal(
      sample(text, 'mailwarden_restricted_senders'),
      0,
      'a database gauge is read once, not summed',
    );
  }
});

test('with two workers a database gauge appears once in every scrape, with the value of the database', async () => {
  // eve's second message crosses her hourly limit: her account is restricted (a row, whichever worker).
  const replies = [];
  for (let index = 0; index < 3; index++)
    replies.push(
      await sendOne({
        port: served.ports.smtp,
        user: EVE.address,
        password: EVE.password,
        messageId: `<metrics-restricted-${index}@example.org>`,
      }),
    );
  assert.equal(replies[0]?.code, 250, replies[0]?.response);
  assert.ok(
    replies.slice(1).every((reply) => reply.code >= 500),
    replies.map((r) => r.response).join('\n'),
  );
  const restricted = await served.cli(['restricted', 'list']);
  assert.ok(restricted.stdout.includes(EVE.address), restricted.stdout);
  for (let attempt = 0; attempt < 4; attempt++) {
    const { status, text } = await scrape();
    assert.equal(status, 200);
    const lines = text.split('\n').filter((line) => line.startsWith('mailwarden_restricted_senders '));
    assert.deepEqual(lines, ['mailwarden_restricted_senders 1'], `scrape ${attempt}`);
  }
});

test('a worker that stops answering is left out of a scrape instead of hanging it; once killed and replaced, scrapes go on', async () => {
  const started = logLines(served).find((line) => line['msg'] === 'mailwarden started');
  const [, second] = (started?.['pids'] as number[] | undefined) ?? [];
  assert.ok(second, 'the start line names both workers');
  const countOfFirst = acceptedBy(1);
  assert.ok(countOfFirst > 0);

  // Stopped, worker 2 keeps its IPC line open but answers nothing: only the supervisor's timeout
  // lets worker 1's scrape finish. Scrapes handed to worker 2 wait; they end once it is killed.
  process.kill(second, 'SIGSTOP');
  const pending: Array<Promise<unknown>> = [];
  let answered: { status: number; text: string } | null = null;
  try {
    for (let attempt = 0; attempt < 4 && !answered; attempt++) {
      const scraping = scrape();
      pending.push(scraping.catch(() => null));
      answered = await Promise.race([
        scraping.catch(() => null),
        new Promise<null>((resolve) => setTimeout(() => resolve(null), 5000)),
      ]);
    }
  } finally {
    process.kill(second, 'SIGKILL');
  }
  assert.ok(answered, 'a scrape answered by the live worker finished while the other was stopped');
  assert.equal(answered.status, 200);
  assert.equal(sample(answered.text, SPOOLED), countOfFirst, 'the stopped worker is left out');
  await Promise.all(pending);

  await waitUntil(
    () => logLines(served).some((line) => line['msg'] === 'worker replaced'),
    60_000,
    'the supervisor replaced the killed worker',
  );
  for (let attempt = 0; attempt < 4; attempt++) {
    const { status, text } = await scrape();
    assert.equal(status, 200);
    // The killed worker's counts died with it; worker 1's and the replacement's (none yet) remain.
    assert.equal(sample(text, SPOOLED), countOfFirst);
  }
});
