import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type App, buildApp } from '../../src/app.js';
import { silentLogger } from '../../src/runtime/logger.js';
import { type RunningServer, startServer } from '../../src/server.js';
import { freePort } from '../support/cli-process.js';
import { sendOne } from '../support/smtp-load.js';
import { addUser, cliActor, createPostgresDatabase, makeTempDir, testConfig } from '../support/test-app.js';

const HAPROXY = '/usr/sbin/haproxy';
const ADDRESS = 'carol@cluster.test';
const PASSWORD = 'correct horse battery staple';

/** One SMTP dialogue: every reply line (continuations skipped); the connection is bound to `localAddress`. */
function dialogue(port: number, lines: string[], localAddress: string) {
  return new Promise<string[]>((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1', localAddress });
    const replies: string[] = [];
    let buffered = '';
    let next = 0;
    socket.on('data', (data) => {
      buffered += data.toString('latin1');
      let end = buffered.indexOf('\r\n');
      while (end !== -1) {
        const line = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        end = buffered.indexOf('\r\n');
        if (line[3] === '-') continue;
        replies.push(line);
        if (next < lines.length) socket.write(`${lines[next++]}\r\n`);
        else socket.end();
      }
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(replies));
  });
}

/**
 * Three real instances (startServer on one PostgreSQL database, SMTP on free loopback ports) behind a
 * real HAProxy with send-proxy-v2.
 */
describe('three instances behind HAProxy', {
  skip: !existsSync(HAPROXY) && 'haproxy is not installed',
}, () => {
  let database: { url: string; drop(): Promise<void> };
  const temps: { dir: string; remove(): void }[] = [];
  const apps: App[] = [];
  const servers: RunningServer[] = [];
  let haproxy: ChildProcess;
  let frontPort: number;

  before(async () => {
    database = await createPostgresDatabase();
    for (let index = 0; index < 3; index++) {
      const temp = makeTempDir();
      temps.push(temp);
      const config = testConfig({
        dataDir: temp.dir,
        databaseUrl: database.url,
        overrides: {
          'http.enabled': false,
          'policy.enabled': false,
          'smtps.enabled': false,
          'smtp.requireTls': false,
          'relay.url': null,
          'proxy.trustedAddresses': ['127.0.0.1'],
        },
      });
      apps.push(await buildApp(config, { logger: silentLogger }));
    }
    await addUser(apps[0]!, ADDRESS, PASSWORD);
    const allowed = await apps[0]!.settings.change({ 'mailSignIn.accountPassword': 'allowed' }, cliActor);
    assert.equal(allowed.ok, true);
    for (const app of apps) servers.push(await startServer(app));
    frontPort = await freePort();
    const cfg = path.join(temps[0]!.dir, 'haproxy.cfg');
    const backends = servers
      .map((server, index) => {
        const port = server.smtpPorts().find((listener) => listener.mode === 'starttls')!.port;
        return `  server mw${index} 127.0.0.1:${port} send-proxy-v2`;
      })
      .join('\n');
    writeFileSync(
      cfg,
      `defaults\n  mode tcp\n  timeout connect 5s\n  timeout client 60s\n  timeout server 60s\n` +
        `frontend submission\n  bind 127.0.0.1:${frontPort}\n  default_backend mailwarden\n` +
        `backend mailwarden\n  balance roundrobin\n${backends}\n`,
    );
    haproxy = spawn(HAPROXY, ['-db', '-f', cfg], { stdio: ['ignore', 'ignore', 'pipe'] });
    // Listening once a connection is answered with a greeting.
    for (;;) {
      const replies = await dialogue(frontPort, [], '127.0.0.1').catch(() => []);
      if (replies[0]?.startsWith('220')) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });
  after(async () => {
    haproxy?.kill('SIGTERM');
    for (const server of servers) await server.stop();
    for (const app of apps) await app.close();
    await database.drop();
    for (const temp of temps) temp.remove();
  });

  test('the client’s own address, not HAProxy’s, is in the sign-in log whichever instance served it', async () => {
    const auth = `AUTH PLAIN ${Buffer.from(`\0${ADDRESS}\0${PASSWORD}`).toString('base64')}`;
    for (let round = 0; round < 3; round++) {
      const replies = await dialogue(frontPort, ['EHLO client', auth, 'QUIT'], '127.0.0.5');
      assert.match(replies[2] ?? '', /^235 /, replies.join(' | '));
    }
    const signIns = await apps[2]!.identity.listSignIns({ login: ADDRESS, limit: 10 });
    assert.equal(signIns.length, 3);
    for (const entry of signIns) assert.equal(entry.clientIp, '127.0.0.5');
  });

  test('the audit log written through every instance verifies as one chain', async () => {
    for (const app of apps) await app.audit.flush();
    const verified = await apps[0]!.audit.verify();
    assert.equal(verified.ok, true, JSON.stringify(verified).slice(0, 400));
  });

  test('a sending limit of 10 an hour holds exactly when 30 messages arrive at once through HAProxy on three instances', async () => {
    const limited = 'limited@cluster.test';
    await addUser(apps[0]!, limited, PASSWORD);
    const policy = await apps[1]!.outbound.setPolicy(
      'limited',
      { settings: { externalPerHour: 10, action: 'restrict' }, scope: { users: [limited] }, priority: 1 },
      cliActor,
    );
    assert.equal(policy.ok, true, JSON.stringify(policy));
    const replies = await Promise.all(
      Array.from({ length: 30 }, (_, index) =>
        sendOne({
          port: frontPort,
          user: limited,
          password: PASSWORD,
          messageId: `<limit-${index}@cluster.test>`,
        }),
      ),
    );
    const accepted = replies.filter((reply) => reply.code === 250).length;
    assert.equal(accepted, 10, replies.map((reply) => reply.response).join(' | '));
    // The other 20 were refused with a reply (none lost its connection).
    assert.equal(replies.filter((reply) => reply.code >= 400).length, 20);
  });
});
