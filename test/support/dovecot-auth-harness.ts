import { chmodSync, chownSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate } from 'selfsigned';
import { freePort } from './cli-process.js';
import {
  descendantsOf,
  gidOf,
  processesMentioning,
  readOrEmpty,
  run,
  signal,
  uidOf,
  waitForExit,
  waitForPid,
  waitForPort,
} from './daemons.js';
import {
  INTERNAL_SERVICES,
  DEPLOY_DIR as POSTFIX_DEPLOY_DIR,
  postfixMasterConfig,
} from './postfix-harness.js';
import { makeTempDir } from './test-app.js';

/**
 * A real Dovecot 2.3 (IMAP) and Postfix 3.7 (submission) that authenticate through Mailwarden with
 * the files of deploy/dovecot/ as shipped (the Lua passdb, the auth policy snippet) and the SASL
 * lines of deploy/postfix/. Only paths and ports are changed: /etc/dovecot/ becomes the harness's
 * folder, 127.0.0.1:8025 Mailwarden's HTTP port, the chrooted SASL socket a loopback TCP listener.
 * Needs root and the Debian packages postfix, dovecot-core, dovecot-imapd and dovecot-auth-lua.
 */
export interface DovecotAuthHarnessOptions {
  /** Mailwarden's HTTP listener (/dovecot/passdb and /dovecot/policy). */
  httpPort: number;
  /** Mailwarden's Postfix policy listener (the submission entry of deploy/postfix/master.cf). */
  policyPort: number;
  /** dovecot.authSecret. */
  authSecret: string;
  /**
   * Adds deploy/dovecot/conf.d/96-mailwarden-doveadm.conf, as shipped, listening on this port with
   * DOVEADM_API_KEY (chosen before Mailwarden is built, since its config names the URL).
   */
  doveadmPort?: number;
  /**
   * Adds deploy/dovecot/conf.d/95-mailwarden-audit.conf, as shipped, exporting Dovecot's events to
   * Mailwarden's /dovecot/events with this secret (dovecot.eventsSecret).
   */
  eventsSecret?: string;
}

/** The doveadm HTTP API key of a harness started with `doveadmPort`. */
export const DOVEADM_API_KEY = 'doveadm-key-for-tests-0123';

export interface DovecotAuthHarness {
  imapPort: number;
  pop3Port: number;
  /** ManageSieve (RFC 5804). */
  sievePort: number;
  submissionPort: number;
  workDir: string;
  dovecotLog(): string;
  postfixLog(): string;
  stop(): Promise<void>;
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const DOVECOT_DEPLOY_DIR = path.join(ROOT, 'deploy', 'dovecot');

/** The harness's Dovecot master user (deploy/dovecot/conf.d/93-mailwarden-master-users.conf). */
export const MASTER_USER = { name: 'helpdesk', password: 'master-key-for-tests-0123' } as const;

/**
 * Starts the harness on free ports. A port found free can be taken by another test before Dovecot or
 * Postfix binds it (tests run two at a time): that start is stopped and tried again on new ports.
 */
export async function startDovecotAuthHarness(
  options: DovecotAuthHarnessOptions,
): Promise<DovecotAuthHarness> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnFreePorts(options);
    } catch (error) {
      if (attempt >= 3 || !/Address already in use/.test((error as Error).message)) throw error;
    }
  }
}

async function startOnFreePorts(options: DovecotAuthHarnessOptions): Promise<DovecotAuthHarness> {
  const temp = makeTempDir('mailwarden-dovecot-auth-');
  const work = temp.dir;
  chmodSync(work, 0o755);
  for (const dir of ['log', 'run', 'spool', 'run/postfix-data', 'postfix', 'dovecot', 'tls', 'mail'])
    mkdirSync(path.join(work, dir), { recursive: true });
  chownSync(path.join(work, 'run/postfix-data'), uidOf('postfix'), 0);
  chownSync(path.join(work, 'mail'), uidOf('dovecot'), 0);
  const log = (name: string) => path.join(work, 'log', name);
  const [imapPort, pop3Port, sievePort, submissionPort, saslPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const dovecotConf = path.join(work, 'dovecot', 'dovecot.conf');
  const postfixDir = path.join(work, 'postfix');
  const pids: number[] = [];
  let dovecotPid: number | null = null;
  let stopped = false;
  const stopNow = async () => {
    if (stopped) return;
    stopped = true;
    process.off('exit', stopOnExit);
    dovecotPid ??= processesMentioning(dovecotConf)[0] ?? null;
    if (dovecotPid !== null && !pids.includes(dovecotPid)) pids.push(dovecotPid);
    const processes = [...pids, ...descendantsOf(pids)];
    await run('postfix', ['-c', postfixDir, 'stop'], log('postfix-start.out')).catch(() => {});
    if (dovecotPid !== null) signal(dovecotPid, 'SIGTERM');
    await waitForExit(processes, 15_000);
    if (!process.env['KEEP_DOVECOT_HARNESS']) temp.remove();
  };
  const stopOnExit = () => {
    for (const pid of pids) signal(pid, 'SIGTERM');
  };
  process.on('exit', stopOnExit);

  try {
    const shipped = (name: string) =>
      readFileSync(path.join(DOVECOT_DEPLOY_DIR, name), 'utf8')
        .replaceAll('/etc/dovecot/', `${work}/dovecot/`)
        .replaceAll('127.0.0.1:8025', `127.0.0.1:${options.httpPort}`)
        .replaceAll('/var/vmail/', `${work}/mail/`)
        .replace('uid=vmail gid=vmail', 'uid=dovecot gid=dovecot');
    writeFileSync(path.join(work, 'dovecot', 'mailwarden-passdb.lua'), shipped('mailwarden-passdb.lua'));
    // As deploy/dovecot says: mode 0640, group dovecot (the auth process reads it as dovecot).
    const header = path.join(work, 'dovecot', 'mailwarden-auth.header');
    writeFileSync(header, `Authorization: Bearer ${options.authSecret}`, { mode: 0o640 });
    chownSync(header, 0, gidOf('dovecot'));
    writeFileSync(
      dovecotConf,
      `${dovecotBase(work, { imapPort, pop3Port, sievePort, saslPort })}
# --- deploy/dovecot/conf.d/90-mailwarden-auth.conf, as shipped
${shipped('conf.d/90-mailwarden-auth.conf')}
# --- deploy/dovecot/conf.d/91-mailwarden-auth-policy.conf, as shipped
${shipped('conf.d/91-mailwarden-auth-policy.conf').replace('CHANGE-ME-to-a-random-string', 'test-nonce')}
# --- deploy/dovecot/conf.d/93-mailwarden-master-users.conf, as shipped
${shipped('conf.d/93-mailwarden-master-users.conf')}
${
  options.doveadmPort === undefined
    ? ''
    : `# --- deploy/dovecot/conf.d/96-mailwarden-doveadm.conf, as shipped
${shipped('conf.d/96-mailwarden-doveadm.conf')
  .replace('CHANGE-ME-TO-A-LONG-RANDOM-STRING', DOVEADM_API_KEY)
  .replace('port = 8080', `port = ${options.doveadmPort}`)}`
}
${
  options.eventsSecret === undefined
    ? ''
    : `# --- deploy/dovecot/conf.d/95-mailwarden-audit.conf, as shipped
${shipped('conf.d/95-mailwarden-audit.conf').replace('CHANGE-ME-TO-THE-EVENTS-SECRET', options.eventsSecret)}`
}
`,
    );
    // The master users' file, as 93-mailwarden-master-users.conf asks for it.
    const masters = path.join(work, 'dovecot', 'master-users');
    writeFileSync(masters, `${MASTER_USER.name}:{PLAIN}${MASTER_USER.password}\n`, { mode: 0o640 });
    chownSync(masters, 0, gidOf('dovecot'));
    writeFileSync(path.join(postfixDir, 'main.cf'), postfixMain(work, saslPort));
    writeFileSync(
      path.join(postfixDir, 'master.cf'),
      postfixMasterConfig(submissionPort, options.policyPort),
    );
    const certificate = await generate([{ name: 'commonName', value: 'mail.example.org' }], {
      keySize: 2048,
      algorithm: 'sha256',
      notAfterDate: new Date(Date.now() + 2 * 24 * 3600 * 1000),
    });
    writeFileSync(path.join(work, 'tls', 'key.pem'), certificate.private, { mode: 0o600 });
    writeFileSync(path.join(work, 'tls', 'cert.pem'), certificate.cert, { mode: 0o644 });
    await run('dovecot', ['-c', dovecotConf], log('dovecot-start.out'));
    dovecotPid = await waitForPid(path.join(work, 'run', 'dovecot', 'master.pid'));
    pids.push(dovecotPid);
    await run('postfix', ['-c', postfixDir, 'start'], log('postfix-start.out'));
    pids.push(await waitForPid(path.join(work, 'spool', 'pid', 'master.pid')));
    await waitForPort(imapPort);
    await waitForPort(pop3Port);
    await waitForPort(sievePort);
    if (options.doveadmPort !== undefined) await waitForPort(options.doveadmPort);
    await waitForPort(saslPort);
    await waitForPort(submissionPort);
  } catch (error) {
    const logs = ['dovecot-start.out', 'dovecot.log', 'postfix-start.out', 'postfix.log']
      .map((name) => `--- ${name}\n${readOrEmpty(log(name)).slice(-4000)}`)
      .join('\n');
    await stopNow();
    throw new Error(`the Dovecot/Postfix auth harness did not start: ${(error as Error).message}\n${logs}`);
  }
  return {
    imapPort,
    pop3Port,
    sievePort,
    submissionPort,
    workDir: work,
    dovecotLog: () => readOrEmpty(log('dovecot.log')),
    postfixLog: () => readOrEmpty(log('postfix.log')),
    stop: stopNow,
  };
}

/** A test instance's own folders and loopback listeners; Postfix's SASL on a TCP port when given one. */
export function dovecotBase(
  work: string,
  ports: { imapPort: number; pop3Port: number; sievePort: number; saslPort: number | null },
): string {
  const { imapPort, pop3Port, sievePort, saslPort } = ports;
  return `# Test instance: own folders, loopback only
base_dir = ${work}/run/dovecot
state_dir = ${work}/run/dovecot-state
instance_name = mailwarden-auth-test-${path.basename(work)}
protocols = imap pop3 sieve
listen = 127.0.0.1
log_path = ${work}/log/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_verbose = yes
default_internal_user = dovecot
default_login_user = dovenull
mail_location = maildir:~/Maildir
first_valid_uid = 1
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${imapPort}
  }
  inet_listener imaps {
    port = 0
  }
}
service pop3-login {
  inet_listener pop3 {
    address = 127.0.0.1
    port = ${pop3Port}
  }
  inet_listener pop3s {
    port = 0
  }
}
service managesieve-login {
  inet_listener sieve {
    address = 127.0.0.1
    port = ${sievePort}
  }
}
${
  saslPort === null
    ? ''
    : `# Postfix's SASL over loopback TCP instead of deploy/dovecot/conf.d/92-mailwarden-postfix-sasl.conf's socket.
service auth {
  inet_listener sasl {
    address = 127.0.0.1
    port = ${saslPort}
  }
}
`
}`;
}

function postfixMain(work: string, saslPort: number): string {
  const shipped = readFileSync(path.join(POSTFIX_DEPLOY_DIR, 'main.cf'), 'utf8').replace(
    /^smtpd_sasl_path = .*$/m,
    `smtpd_sasl_path = inet:127.0.0.1:${saslPort}`,
  );
  return `${postfixBase(work)}${shipped}`;
}

/** A test Postfix's main.cf before Mailwarden's lines: own folders, loopback, the harness's certificate. */
export function postfixBase(work: string): string {
  return `compatibility_level = 3.6
config_directory = ${work}/postfix
queue_directory = ${work}/spool
data_directory = ${work}/run/postfix-data
mail_owner = postfix
setgid_group = postdrop
myhostname = mail.example.org
mydomain = example.org
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
relayhost = [127.0.0.1]:1
smtp_dns_support_level = disabled
smtpd_peername_lookup = no
alias_maps =
alias_database =
local_recipient_maps =
maillog_file_prefixes = /var, /dev/stdout, ${work}/log
maillog_file = ${work}/log/postfix.log
smtputf8_enable = no
biff = no
smtpd_relay_restrictions = permit_sasl_authenticated, reject_unauth_destination
smtpd_tls_cert_file = ${work}/tls/cert.pem
smtpd_tls_key_file = ${work}/tls/key.pem
`;
}

/** A master.cf: the submission entry of these lines on a loopback port (not chrooted), and Postfix's own services. */
export function postfixSubmissionMaster(masterLines: string, submissionPort: number): string {
  const lines = masterLines.split('\n');
  const start = lines.findIndex((line) => line.startsWith('submission '));
  const end = lines.findIndex((line, index) => index > start && !line.startsWith(' '));
  const entry = lines.slice(start + 1, end === -1 ? undefined : end);
  return [`127.0.0.1:${submissionPort} inet n - n - - smtpd`, ...entry, ...INTERNAL_SERVICES].join('\n');
}

/** An IMAP LOGIN over a plain loopback connection; the tagged answer line. */
export async function imapLogin(port: number, user: string, password: string): Promise<string> {
  const quote = (text: string) => `"${text.replace(/(["\\])/g, '\\$1')}"`;
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let buffer = '';
    let sent = false;
    socket.setEncoding('utf8');
    socket.setTimeout(20_000, () => {
      socket.destroy();
      reject(new Error(`IMAP: no answer (${buffer})`));
    });
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      if (!sent && buffer.includes('\r\n')) {
        sent = true;
        socket.write(`a1 LOGIN ${quote(user)} ${quote(password)}\r\n`);
      }
      const tagged = buffer.split('\r\n').find((line) => line.startsWith('a1 '));
      if (tagged) {
        socket.end('a2 LOGOUT\r\n');
        resolve(tagged);
      }
    });
    socket.on('error', reject);
  });
}
