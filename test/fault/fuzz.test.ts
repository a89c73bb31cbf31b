import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { PolicyClient, rcptRequest } from '../support/postfix-policy-client.js';
import { faultSeed, type SeededRandom, seededRandom } from '../support/seeded-random.js';
import {
  DOVECOT_AUTH_SECRET,
  DOVECOT_EVENTS_SECRET,
  prepareMailwarden,
  SENDER,
  type ServedMailwarden,
} from '../support/served-mailwarden.js';
import { SmtpDialogue } from '../support/smtp-dialogue.js';
import { sendOne } from '../support/smtp-load.js';

const SEED = faultSeed(424_242);
const SMTP_SESSIONS = 300;
const POLICY_CONNECTIONS = 150;
const HTTP_REQUESTS = 600;
const CONCURRENCY = 8;
const MAX_RSS_GROWTH_BYTES = 100 * 1024 * 1024;
/** A Node stack frame ("    at fn (file:///…/x.js:12:5)"): never for a client to see. */
const STACK_TRACE = /\n\s+at [^\n]*:\d+:\d+|\bat file:\/\/|node:internal/;

async function inParallel(count: number, work: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) await work(next++);
    }),
  );
}

/** A line of printable noise, sometimes with control bytes and 8-bit bytes in it. */
function noise(random: SeededRandom, length: number): string {
  const alphabet =
    'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789<>@:.=+/ \t\0\x1b\x7f\u00e9\u2028';
  let text = '';
  for (let index = 0; index < length; index++) text += alphabet[random.int(0, alphabet.length - 1)];
  return text;
}

/** Writes `chunks` to a raw connection one after another and keeps what comes back, until it closes or goes quiet. */
async function rawSession(port: number, chunks: Array<string | Buffer>, quietMs = 300): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let received = '';
    let timer: NodeJS.Timeout | undefined;
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(received);
    };
    const quiet = () => {
      clearTimeout(timer);
      timer = setTimeout(finish, quietMs);
    };
    socket.on('data', (data) => {
      received += data.toString('latin1');
      quiet();
    });
    socket.on('error', finish);
    socket.on('close', finish);
    socket.on('connect', () => {
      for (const chunk of chunks) if (!socket.destroyed) socket.write(chunk);
      quiet();
    });
  });
}

/**
 * One HTTP request on a connection of its own (no keep-alive pool: a server that refuses a huge body
 * may close the connection before reading it, which must not spill into the next request).
 * `status` 0: the server closed the connection without an answer.
 */
function httpRequest(
  port: number,
  request: { method: string; path: string; headers: Record<string, string>; body?: string | Buffer },
): Promise<{ status: number; text: string }> {
  return new Promise((resolve) => {
    const outgoing = http.request(
      {
        host: '127.0.0.1',
        port,
        method: request.method,
        path: request.path,
        headers: request.headers,
        agent: false,
      },
      (response) => {
        let text = '';
        response.setEncoding('latin1');
        response.on('data', (chunk: string) => {
          text += chunk;
        });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
        response.on('error', () => resolve({ status: response.statusCode ?? 0, text }));
      },
    );
    outgoing.on('error', () => resolve({ status: 0, text: '' }));
    outgoing.end(request.body);
  });
}

/** One misbehaving SMTP session of a seeded kind. */
function smtpGarbage(random: SeededRandom, index: number): Array<string | Buffer> {
  switch (index % 6) {
    case 0:
      return Array.from({ length: random.int(1, 20) }, () =>
        Buffer.concat([random.bytes(random.int(1, 300)), Buffer.from('\r\n')]),
      );
    case 1: // one huge line, with or without its end
      return [
        'EHLO fuzz.test\r\n',
        `MAIL FROM:<${'a'.repeat(random.int(10_000, 1_000_000))}@example.org>`,
        random.next() < 0.5 ? '\r\n' : '',
      ];
    case 2: // bare LF and bare CR where CRLF belongs
      return [
        'EHLO fuzz.test\n',
        'MAIL FROM:<alice@example.org>\r',
        'RCPT TO:<x@customer.test>\n\r\n',
        'DATA\n',
        'Subject: bare\n\n.\n',
        '\r.\r\n',
        'QUIT\r\n',
      ];
    case 3: // pipelining abuse: everything at once, before the greeting, unauthenticated
      return [
        [
          'EHLO fuzz.test',
          'MAIL FROM:<alice@example.org>',
          ...Array.from({ length: random.int(10, 400) }, (_, n) => `RCPT TO:<r${n}@customer.test>`),
          'DATA',
          'Subject: pipelined',
          '',
          'body',
          '.',
          'BDAT 100 LAST',
          noise(random, 200),
          'QUIT',
        ].join('\r\n'),
      ];
    case 4: // AUTH with garbage (a few fake logins only, so as not to look like a password spray)
      return [
        'EHLO fuzz.test\r\n',
        `AUTH ${random.pick(['PLAIN', 'LOGIN', 'CRAM-MD5', 'XOAUTH2', noise(random, 12)])} ${random.bytes(random.int(0, 400)).toString('base64')}\r\n`,
        `${random.bytes(random.int(0, 100)).toString('base64')}\r\n`,
        `${Buffer.from(`\0fuzz${random.int(1, 3)}@example.org\0${noise(random, 20)}`).toString('base64')}\r\n`,
        '*\r\n',
      ];
    default:
      return Array.from({ length: random.int(1, 30) }, () => `${noise(random, random.int(0, 2000))}\r\n`);
  }
}

/** Signs in properly, starts DATA, sends part of a message and hangs up: a crashed or cut-off client. */
async function midDataDisconnect(served: ServedMailwarden, random: SeededRandom): Promise<void> {
  const { client } = await SmtpDialogue.connect(served.ports.smtp);
  try {
    await client.command('EHLO fuzz.test');
    await client.startTls();
    await client.command('EHLO fuzz.test');
    const auth = await client.authPlain(SENDER, served.appPassword);
    assert.equal(auth.code, 235, auth.text);
    await client.command(`MAIL FROM:<${SENDER}>`);
    await client.command('RCPT TO:<carol@customer.test>');
    await client.command('DATA');
    client.write(
      `Subject: cut off\r\nMessage-ID: <cut-${random.int(1, 1e9)}@example.org>\r\n\r\n${'y'.repeat(random.int(0, 300_000))}`,
    );
    await new Promise((resolve) => setTimeout(resolve, random.int(0, 50)));
  } finally {
    client.destroy();
  }
}

function policyGarbage(random: SeededRandom): string | Buffer {
  switch (random.int(0, 5)) {
    case 0:
      return Buffer.concat([random.bytes(random.int(1, 5000)), Buffer.from('\n\n')]);
    case 1: // a real request with its fields scrambled
      return `${Object.entries(
        rcptRequest({
          protocol_state: random.pick(['RCPT', 'END-OF-MESSAGE', 'DATA', 'CONNECT', '', noise(random, 10)]),
          sasl_username: random.pick([SENDER, '', 'nobody@example.org', noise(random, 40)]),
          instance: random.pick(['', noise(random, 30), 'x'.repeat(10_000)]),
          recipient: random.pick(['', 'carol@customer.test', noise(random, 300), '<>']),
          size: random.pick([
            '',
            '-1',
            '1e309',
            'NaN',
            String(random.int(0, 2 ** 31)),
            '99999999999999999999',
          ]),
          recipient_count: random.pick(['0', '-5', 'many', '']),
          client_address: random.pick(['203.0.113.9', 'not-an-ip', '::ffff:1.2.3.4', '']),
        }),
      )
        .map(([name, value]) => `${name}=${value}`)
        .join('\n')}\n\n`;
    case 2: // lines without '=', empty names, duplicate names
      return `request=smtpd_access_policy\nnoequals\n=empty\nrequest=again\n${noise(random, 500)}\n\n`;
    case 3: // one enormous attribute, never finished
      return `request=smtpd_access_policy\nsender=${'s'.repeat(random.int(100_000, 3_000_000))}`;
    case 4: // many requests pipelined in one write
      return Array.from(
        { length: random.int(2, 50) },
        () =>
          `request=smtpd_access_policy\nprotocol_state=RCPT\nsasl_username=${SENDER}\ninstance=${random.int(1, 5)}\n\n`,
      ).join('');
    default:
      return `${noise(random, random.int(0, 3000))}\n${random.next() < 0.5 ? '\n' : ''}`;
  }
}

/** A JSON value of a random shape: wrong types, deep nesting, long strings, near-valid objects. */
function jsonValue(random: SeededRandom, depth = 0): unknown {
  switch (random.int(0, depth > 4 ? 4 : 7)) {
    case 0:
      return null;
    case 1:
      return random.pick([0, -1, 1e308, 2 ** 53 + 1, 0.5, Number.MAX_SAFE_INTEGER]);
    case 2:
      return random.next() < 0.5;
    case 3:
      return noise(random, random.int(0, random.next() < 0.1 ? 100_000 : 40));
    case 4:
      return random.pick(['alice@example.org', 'example.org', 'admin', 'restrict', '1h', '', '__proto__']);
    case 5:
      return Array.from({ length: random.int(0, 5) }, () => jsonValue(random, depth + 1));
    default: {
      const keys = [
        'name',
        'address',
        'password',
        'role',
        'settings',
        'scope',
        'reason',
        'days',
        'scopes',
        'users',
        'constructor',
        '__proto__',
        noise(random, 8),
      ];
      return Object.fromEntries(
        Array.from({ length: random.int(0, 6) }, () => [random.pick(keys), jsonValue(random, depth + 1)]),
      );
    }
  }
}

function httpTarget(random: SeededRandom): {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string | Buffer;
} {
  const kind = random.int(0, 3);
  const body = (() => {
    const choice = random.int(0, 9);
    if (choice === 0) return random.bytes(random.int(0, 4000));
    if (choice === 1) return `{"a":${'['.repeat(random.int(100, 5000))}`;
    if (choice === 2) return 'x'.repeat(random.int(100_000, 1_000_000));
    if (choice < 6)
      return new URLSearchParams(
        Object.fromEntries(
          Array.from({ length: random.int(0, 8) }, () => [
            random.pick([
              'user',
              'mode',
              'password',
              'service',
              'rip',
              'lip',
              'success',
              'master_user',
              noise(random, 6),
            ]),
            random.pick([
              'verify',
              'exists',
              'imap',
              'smtp',
              'fuzz1@example.org',
              '10.0.0.1',
              'not-an-ip',
              noise(random, random.int(0, 300)),
            ]),
          ]),
        ),
      ).toString();
    return JSON.stringify(jsonValue(random));
  })();
  // Mostly the type the route expects, so that the body reaches its parser; sometimes any.
  const contentType = (natural: string) =>
    random.next() < 0.7
      ? natural
      : random.pick([
          'application/json',
          'application/x-www-form-urlencoded',
          'text/plain',
          '',
          'multipart/form-data; boundary=x',
        ]);
  const bearer = (secret: string) =>
    random.next() < 0.9 ? `Bearer ${secret}` : `Bearer ${random.bytes(20).toString('hex')}`;
  if (kind === 0)
    return {
      method: 'POST',
      path: random.pick(['/dovecot/passdb', '/dovecot/policy']),
      headers: {
        authorization: bearer(DOVECOT_AUTH_SECRET),
        'content-type': contentType('application/x-www-form-urlencoded'),
      },
      body,
    };
  if (kind === 1) {
    const basic = `Basic ${Buffer.from(`dovecot:${DOVECOT_EVENTS_SECRET}`).toString('base64')}`;
    return {
      method: 'POST',
      path: '/dovecot/events',
      headers: {
        authorization: random.next() < 0.9 ? basic : bearer(DOVECOT_EVENTS_SECRET),
        'content-type': contentType('application/x-ndjson'),
      },
      body,
    };
  }
  // The admin API, with every writing route that takes a body; never webhooks (they reach out to URLs).
  const address = random.pick([
    'bob@example.org',
    'nobody@example.org',
    noise(random, 20),
    '..%2f..%2f',
    'x'.repeat(3000),
  ]);
  const [method, path] = random.pick([
    ['POST', '/api/v1/domains'],
    ['POST', '/api/v1/users'],
    ['PATCH', `/api/v1/users/${encodeURIComponent(address)}`],
    ['PUT', `/api/v1/users/${encodeURIComponent(address)}`],
    ['POST', `/api/v1/users/${encodeURIComponent(address)}/aliases`],
    ['POST', `/api/v1/users/${encodeURIComponent(address)}/app-passwords`],
    ['POST', `/api/v1/users/${encodeURIComponent(address)}/reset-password`],
    ['POST', '/api/v1/groups'],
    ['PUT', `/api/v1/policies/${encodeURIComponent(noise(random, 10))}`],
    ['PATCH', '/api/v1/org/settings'],
    ['POST', '/api/v1/audit/prune'],
    ['PUT', `/api/v1/audit/mailboxes/${encodeURIComponent(address)}`],
    ['PUT', `/api/v1/score/controls/${encodeURIComponent(noise(random, 10))}`],
    ['POST', `/api/v1/restricted/${encodeURIComponent(address)}/release`],
    [
      'GET',
      `/api/v1/audit?${new URLSearchParams({ [noise(random, 8)]: noise(random, 200), mailbox: noise(random, 50), since: noise(random, 10) }).toString()}`,
    ],
  ] as const);
  return {
    method,
    path,
    headers: { authorization: `Bearer ${'<token>'}`, 'content-type': contentType('application/json') },
    body: method === 'GET' ? '' : body,
  };
}

/** HTTP_REQUESTS seeded requests; returns the answers that were a server error (a 5xx other than 503). */
async function httpFuzz(served: ServedMailwarden, seed: number): Promise<string[]> {
  const random = seededRandom(seed);
  const serverErrors: string[] = [];
  const statuses = new Map<number, number>();
  await inParallel(HTTP_REQUESTS, async (index) => {
    const target = httpTarget(random);
    const headers = Object.fromEntries(
      Object.entries(target.headers).map(([name, value]) => [
        name,
        value.replace('<token>', served.apiToken),
      ]),
    );
    const { status, text } = await httpRequest(served.ports.http, {
      method: target.method,
      path: target.path,
      headers,
      ...(target.method === 'GET' ? {} : { body: target.body }),
    });
    statuses.set(status, (statuses.get(status) ?? 0) + 1);
    assert.doesNotMatch(text, STACK_TRACE, `${target.method} ${target.path}`);
    // 503 is an honest answer (e.g. the event spool is full); any other 5xx is a bug.
    if (status >= 500 && status !== 503)
      serverErrors.push(
        `#${index} ${target.method} ${target.path.slice(0, 80)} → ${status} ${text.slice(0, 200)}`,
      );
  });
  console.log(
    `seed ${seed}: HTTP statuses ${JSON.stringify(Object.fromEntries(statuses))} (0: closed without an answer)`,
  );
  return serverErrors;
}

describe(`fuzzed input on every listener (seed ${SEED}; FAULT_SEED replays)`, () => {
  let served: ServedMailwarden;
  let rssBefore = 0;
  before(async () => {
    served = await prepareMailwarden();
    await served.start();
    // One normal message first: the process is warm, and its RSS is the baseline.
    const warm = await sendOne({
      port: served.ports.smtp,
      user: SENDER,
      password: served.appPassword,
      messageId: '<warm@example.org>',
    });
    assert.equal(warm.code, 250, warm.response);
    // The first requests with bodies of a megabyte grow V8's heap to hold them (about 100 MB with
    // CONCURRENCY such bodies at once), and the process keeps that room. What must not happen is
    // growth that goes on with the amount of garbage: so the baseline is taken after one such round.
    await httpFuzz(served, SEED + 3);
    rssBefore = served.rssBytes();
  });
  after(() => served.remove());

  test('garbage SMTP sessions (noise, huge lines, bare LF/CR, pipelining, bad AUTH, cut-off DATA) get no stack trace and crash nothing', {
    timeout: 60_000,
  }, async () => {
    const random = seededRandom(SEED);
    await inParallel(SMTP_SESSIONS, async (index) => {
      if (index % 10 === 9) return midDataDisconnect(served, random);
      const replies = await rawSession(served.ports.smtp, smtpGarbage(random, index));
      assert.doesNotMatch(replies, STACK_TRACE, `session ${index}`);
    });
    assert.ok(served.alive(), 'the process is running');
  });

  test('garbage Postfix policy requests get no stack trace and crash nothing', {
    timeout: 60_000,
  }, async () => {
    const random = seededRandom(SEED + 1);
    await inParallel(POLICY_CONNECTIONS, async () => {
      const replies = await rawSession(
        served.ports.policy,
        Array.from({ length: random.int(1, 4) }, () => policyGarbage(random)),
      );
      assert.doesNotMatch(replies, STACK_TRACE);
    });
    assert.ok(served.alive(), 'the process is running');
    const policy = await PolicyClient.connect(served.ports.policy);
    try {
      assert.match(
        await policy.ask(rcptRequest({ instance: 'after-the-fuzz' })),
        /^(DUNNO|OK|PREPEND)/,
        'a real request is still answered',
      );
    } finally {
      policy.close();
    }
  });

  test('garbage bodies to /dovecot/passdb, /dovecot/policy, /dovecot/events and the admin API get no 5xx and no stack trace', {
    timeout: 90_000,
  }, async () => {
    const serverErrors = await httpFuzz(served, SEED + 2);
    assert.deepEqual(serverErrors, []);
    assert.ok(served.alive(), 'the process is running');
  });

  test('afterwards the process answers /healthz, a normal message still goes through, and memory stayed bounded', async () => {
    assert.ok(served.alive(), 'the process is running');
    const health = await httpRequest(served.ports.http, { method: 'GET', path: '/healthz', headers: {} });
    assert.equal(health.status, 200, health.text);
    const sent = await sendOne({
      port: served.ports.smtp,
      user: SENDER,
      password: served.appPassword,
      messageId: '<after-fuzz@example.org>',
    });
    assert.equal(sent.code, 250, sent.response);
    const growth = served.rssBytes() - rssBefore;
    console.log(
      `seed ${SEED}: RSS ${Math.round(rssBefore / 1048576)} MB before, grew ${Math.round(growth / 1048576)} MB`,
    );
    assert.ok(growth < MAX_RSS_GROWTH_BYTES, `RSS grew by ${Math.round(growth / 1048576)} MB`);
    const verify = await served.cli(['audit', 'verify', '--json']);
    assert.equal(verify.code, 0, verify.stderr);
  });
});
