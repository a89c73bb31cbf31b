import { chmodSync, chownSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate } from 'selfsigned';
import { freePort } from './cli-process.js';
import {
  descendantsOf,
  findBinary,
  processesMentioning,
  readOrEmpty,
  run,
  signal,
  uidOf,
  waitForExit,
  waitForPid,
  waitForPort,
} from './daemons.js';
import { makeTempDir } from './test-app.js';

/**
 * A real Postfix 3.7 and Dovecot 2.3 on loopback high ports, in their own temporary folder, for
 * integration tests (the setup of shared/reference/mailstack, trimmed to what submission needs):
 * Dovecot only authenticates (SASL over TCP, a passwd-file with the test users), Postfix runs the
 * submission service of deploy/postfix/master.cf with Mailwarden's policy port, and relays every
 * accepted message to the test's upstream SMTP server. Needs root (Postfix's master runs as root)
 * and the Debian packages postfix and dovecot-core.
 */
export interface PostfixHarnessOptions {
  /** Where Mailwarden's policy listener is. */
  policyPort: number;
  /**
   * Where Mailwarden's milter is. Unset: the submission entry without its milter lines (a
   * deployment that uses the policy service only).
   */
  milterPort?: number;
  /** Postfix relays accepted mail to 127.0.0.1 on this port. */
  relayPort: number;
  /** Accounts Dovecot accepts for SMTP AUTH (plain passwords: test accounts only). */
  users: ReadonlyArray<{ login: string; password: string }>;
}

export interface PostfixHarness {
  /** Postfix submission (STARTTLS required before AUTH, as in deploy/postfix/master.cf). */
  submissionPort: number;
  workDir: string;
  /** Postfix's log so far (maillog_file). */
  postfixLog(): string;
  stop(): Promise<void>;
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const DEPLOY_DIR = path.join(ROOT, 'deploy', 'postfix');
/** The programs this harness runs that are not installed (empty when it can run). */
export function missingMailstackBinaries(): string[] {
  return ['postfix', 'dovecot'].filter((name) => findBinary(name) === null);
}

export async function startPostfixHarness(options: PostfixHarnessOptions): Promise<PostfixHarness> {
  const temp = makeTempDir('mailwarden-postfix-');
  const work = temp.dir;
  // Postfix and Dovecot drop privileges (postfix, dovecot, dovenull): they must reach into the folder.
  chmodSync(work, 0o755);
  for (const dir of ['log', 'run', 'spool', 'run/postfix-data', 'postfix', 'dovecot', 'tls'])
    mkdirSync(path.join(work, dir), { recursive: true });
  chownSync(path.join(work, 'run/postfix-data'), uidOf('postfix'), 0);
  const log = (name: string) => path.join(work, 'log', name);
  const [submissionPort, saslPort] = [await freePort(), await freePort()];
  const dovecotConf = path.join(work, 'dovecot', 'dovecot.conf');
  const postfixDir = path.join(work, 'postfix');
  /** The master processes: Postfix's master and Dovecot's; each takes its children down with it. */
  const pids: number[] = [];
  let dovecotPid: number | null = null;
  let stopped = false;

  const stopNow = async () => {
    if (stopped) return;
    stopped = true;
    process.off('exit', stopOnExit);
    // A Dovecot whose pid file never appeared is still found by its command line.
    dovecotPid ??= processesMentioning(dovecotConf)[0] ?? null;
    if (dovecotPid !== null && !pids.includes(dovecotPid)) pids.push(dovecotPid);
    const processes = [...pids, ...descendantsOf(pids)];
    await run('postfix', ['-c', postfixDir, 'stop'], log('postfix-start.out')).catch(() => {});
    if (dovecotPid !== null) signal(dovecotPid, 'SIGTERM');
    await waitForExit(processes, 15_000);
    if (!process.env['KEEP_POSTFIX_HARNESS']) temp.remove();
  };
  // A test process that dies without its after() hooks must not leave the daemons behind.
  const stopOnExit = () => {
    for (const pid of pids) signal(pid, 'SIGTERM');
  };
  process.on('exit', stopOnExit);

  try {
    writeFileSync(
      path.join(work, 'dovecot', 'users'),
      options.users.map((user) => `${user.login}:{PLAIN}${user.password}\n`).join(''),
      { mode: 0o644 },
    );
    writeFileSync(dovecotConf, dovecotConfig(work, saslPort));
    writeFileSync(path.join(postfixDir, 'main.cf'), postfixMainConfig(work, options.relayPort, saslPort));
    writeFileSync(
      path.join(postfixDir, 'master.cf'),
      postfixMasterConfig(submissionPort, options.policyPort, options.milterPort),
    );
    // smtpd reads its key as root, before it drops privileges.
    const certificate = await generate([{ name: 'commonName', value: 'mail.example.org' }], {
      keySize: 2048,
      algorithm: 'sha256',
      notAfterDate: new Date(Date.now() + 2 * 24 * 3600 * 1000),
    });
    writeFileSync(path.join(work, 'tls', 'key.pem'), certificate.private, { mode: 0o600 });
    writeFileSync(path.join(work, 'tls', 'cert.pem'), certificate.cert, { mode: 0o644 });
    await run('dovecot', ['-c', dovecotConf], log('dovecot-start.out'));
    // The daemon writes its pid file after the starting process returned.
    dovecotPid = await waitForPid(path.join(work, 'run', 'dovecot', 'master.pid'));
    pids.push(dovecotPid);
    // `postfix start` waits for the master (master -w), which has written its pid file by then.
    await run('postfix', ['-c', postfixDir, 'start'], log('postfix-start.out'));
    pids.push(await waitForPid(path.join(work, 'spool', 'pid', 'master.pid')));
    await waitForPort(saslPort);
    await waitForPort(submissionPort);
  } catch (error) {
    const logs = ['postfix-start.out', 'postfix.log', 'dovecot-start.out', 'dovecot.log']
      .map((name) => `--- ${name}\n${readOrEmpty(log(name)).slice(-4000)}`)
      .join('\n');
    await stopNow();
    throw new Error(`the Postfix/Dovecot harness did not start: ${(error as Error).message}\n${logs}`);
  }

  return {
    submissionPort,
    workDir: work,
    postfixLog: () => readOrEmpty(log('postfix.log')),
    stop: stopNow,
  };
}

function dovecotConfig(work: string, saslPort: number): string {
  return `# Dovecot only as Postfix's SASL server (nothing else listens)
base_dir = ${work}/run/dovecot
state_dir = ${work}/run/dovecot-state
instance_name = mailwarden-test-${path.basename(work)}
protocols = none
listen = 127.0.0.1
log_path = ${work}/log/dovecot.log
ssl = no
# Postfix talks to the auth service over loopback TCP without TLS (the client's TLS is Postfix's).
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_verbose = yes
default_internal_user = dovecot
default_login_user = dovenull
passdb {
  driver = passwd-file
  args = scheme=PLAIN ${work}/dovecot/users
}
userdb {
  driver = static
  args = uid=dovecot gid=dovecot home=/nonexistent allow_all_users=yes
}
service auth {
  inet_listener sasl {
    address = 127.0.0.1
    port = ${saslPort}
  }
}
# Failed logins from 127.0.0.1 would otherwise slow later tests by seconds.
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
`;
}

function postfixMainConfig(work: string, relayPort: number, saslPort: number): string {
  const shipped = readFileSync(path.join(DEPLOY_DIR, 'main.cf'), 'utf8').replace(
    /^smtpd_sasl_path = .*$/m,
    `smtpd_sasl_path = inet:127.0.0.1:${saslPort}`,
  );
  return `# Test instance: own folders, loopback only, every message relayed to the test upstream
compatibility_level = 3.6
config_directory = ${work}/postfix
queue_directory = ${work}/spool
data_directory = ${work}/run/postfix-data
mail_owner = postfix
setgid_group = postdrop
myhostname = mail.example.org
mydomain = example.org
myorigin = $mydomain
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
relayhost = [127.0.0.1]:${relayPort}
smtp_dns_support_level = disabled
smtpd_peername_lookup = no
alias_maps =
alias_database =
local_recipient_maps =
# No syslog here: Postfix logs to a file through postlogd, and must be allowed to.
maillog_file_prefixes = /var, /dev/stdout, ${work}/log
maillog_file = ${work}/log/postfix.log
smtputf8_enable = no
biff = no
smtpd_relay_restrictions = permit_sasl_authenticated, reject_unauth_destination
smtpd_tls_cert_file = ${work}/tls/cert.pem
smtpd_tls_key_file = ${work}/tls/key.pem

# --- deploy/postfix/main.cf, as shipped (SASL over TCP instead of the chroot socket)
${shipped}`;
}

/**
 * The submission entry of deploy/postfix/master.cf, as shipped, on a free loopback port, without
 * the chroot (it would need Debian's copied system files), with the test's policy port, and with
 * the test's milter port or without the milter lines (then the policy service records at once).
 */
export function postfixMasterConfig(submissionPort: number, policyPort: number, milterPort?: number): string {
  const lines = readFileSync(path.join(DEPLOY_DIR, 'master.cf'), 'utf8').split('\n');
  const start = lines.findIndex((line) => line.startsWith('submission '));
  if (start === -1) throw new Error('deploy/postfix/master.cf has no submission entry');
  const end = lines.findIndex((line, index) => index > start && !line.startsWith(' '));
  const entry = lines.slice(start + 1, end === -1 ? undefined : end);
  if (!entry.some((line) => line.includes('inet:127.0.0.1:10040')))
    throw new Error('deploy/postfix/master.cf no longer points at inet:127.0.0.1:10040');
  if (!entry.some((line) => line.includes('smtpd_milters=inet:127.0.0.1:10041')))
    throw new Error('deploy/postfix/master.cf no longer points its milter at inet:127.0.0.1:10041');
  const withMilter =
    milterPort === undefined
      ? entry
          .filter((line) => !/-o (smtpd_milters|milter_default_action)=/.test(line))
          .map((line) => line.replace(',policy_context=mailwarden-milter', ''))
      : entry.map((line) => line.replaceAll('inet:127.0.0.1:10041', `inet:127.0.0.1:${milterPort}`));
  return [
    `127.0.0.1:${submissionPort} inet n - n - - smtpd`,
    ...withMilter.map((line) => line.replaceAll('inet:127.0.0.1:10040', `inet:127.0.0.1:${policyPort}`)),
    ...INTERNAL_SERVICES,
  ].join('\n');
}

/** Postfix's own services (Debian's master.cf), none chrooted. */
export const INTERNAL_SERVICES = [
  'pickup    unix  n       -       n       60      1       pickup',
  'cleanup   unix  n       -       n       -       0       cleanup',
  'qmgr      unix  n       -       n       300     1       qmgr',
  'tlsmgr    unix  -       -       n       1000?   1       tlsmgr',
  'rewrite   unix  -       -       n       -       -       trivial-rewrite',
  'bounce    unix  -       -       n       -       0       bounce',
  'defer     unix  -       -       n       -       0       bounce',
  'trace     unix  -       -       n       -       0       bounce',
  'verify    unix  -       -       n       -       1       verify',
  'flush     unix  n       -       n       1000?   0       flush',
  'proxymap  unix  -       -       n       -       -       proxymap',
  'proxywrite unix -       -       n       -       1       proxymap',
  'smtp      unix  -       -       n       -       -       smtp',
  'relay     unix  -       -       n       -       -       smtp',
  'showq     unix  n       -       n       -       -       showq',
  'error     unix  -       -       n       -       -       error',
  'retry     unix  -       -       n       -       -       error',
  'discard   unix  -       -       n       -       -       discard',
  'anvil     unix  -       -       n       -       1       anvil',
  'scache    unix  -       -       n       -       1       scache',
  'postlog   unix-dgram n  -       n       -       1       postlogd',
  '',
];
