import { spawnSync } from 'node:child_process';
import { accessSync, chmodSync, chownSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './cli-process.js';
import {
  descendantsOf,
  findBinary,
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
import { makeTempDir } from './test-app.js';

/**
 * A real Dovecot 2.3 (IMAP, ManageSieve, LMTP with Sieve, doveadm HTTP API) on loopback high ports,
 * in its own temporary folder, exporting its events to Mailwarden through the shipped
 * deploy/dovecot/conf.d/95-mailwarden-audit.conf (only the URL is changed). Users come from a
 * passwd-file; mail is stored as vmail in Maildirs. Sieve redirects leave through `submissionPort`.
 * Needs root and the Debian packages dovecot-imapd, dovecot-lmtpd, dovecot-sieve, dovecot-managesieved.
 */
export interface DovecotImapHarnessOptions {
  /** Where Mailwarden's HTTP listener is, and its dovecot.eventsSecret. */
  eventsUrl: { port: number; secret: string };
  users: ReadonlyArray<{ login: string; password: string }>;
  /** An SMTP server for Sieve redirects (submission_host). */
  submissionPort: number;
  /**
   * The doveadm HTTP API's port, when the caller must know it before Dovecot starts: Mailwarden has to
   * listen first, because Dovecot's HTTP client backs off from a refused address (up to ~15 s) and
   * holds the events meanwhile.
   */
  doveadmPort?: number;
}

/** The doveadm HTTP API of a harness started with `doveadmPort`, and its key. */
export function doveadmApiOf(port: number) {
  return { url: `http://127.0.0.1:${port}/doveadm/v1`, apiKey: DOVEADM_API_KEY };
}
const DOVEADM_API_KEY = 'test-doveadm-key';

export interface DovecotImapHarness {
  imapPort: number;
  managesievePort: number;
  lmtpPort: number;
  doveadmUrl: string;
  doveadmApiKey: string;
  workDir: string;
  log(): string;
  stop(): Promise<void>;
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const SHIPPED_CONF = path.join(ROOT, 'deploy', 'dovecot', 'conf.d', '95-mailwarden-audit.conf');
const SHIPPED_URL = /http:\/\/dovecot:[^@\s]+@127\.0\.0\.1:8025\/dovecot\/events/;
const MODULES = [
  '/usr/lib/dovecot/modules/lib90_sieve_plugin.so',
  '/usr/lib/dovecot/imap',
  '/usr/lib/dovecot/lmtp',
  '/usr/lib/dovecot/managesieve',
];

/** What this harness needs that is not installed (empty when it can run). */
export function missingDovecotParts(): string[] {
  const missing = ['dovecot', 'doveadm', 'python3'].filter((name) => findBinary(name) === null);
  for (const file of MODULES)
    try {
      accessSync(file);
    } catch {
      missing.push(file);
    }
  if (spawnSync('id', ['-u', 'vmail']).status !== 0) missing.push('user vmail');
  return missing;
}

export async function startDovecotImapHarness(
  options: DovecotImapHarnessOptions,
): Promise<DovecotImapHarness> {
  const temp = makeTempDir('mailwarden-dovecot-');
  const work = temp.dir;
  chmodSync(work, 0o755);
  for (const dir of ['log', 'run', 'mail', 'dovecot']) mkdirSync(path.join(work, dir), { recursive: true });
  chownSync(path.join(work, 'mail'), uidOf('vmail'), gidOf('vmail'));
  const [imapPort, managesievePort, lmtpPort, doveadmPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
    options.doveadmPort ?? (await freePort()),
  ];
  const conf = path.join(work, 'dovecot', 'dovecot.conf');
  const logFile = path.join(work, 'log', 'dovecot.log');
  const doveadmApiKey = DOVEADM_API_KEY;
  let pid: number | null = null;
  let stopped = false;

  const stop = async () => {
    if (stopped) return;
    stopped = true;
    process.off('exit', stopOnExit);
    pid ??= processesMentioning(conf)[0] ?? null;
    if (pid !== null) {
      const all = [pid, ...descendantsOf([pid])];
      signal(pid, 'SIGTERM');
      await waitForExit(all, 15_000);
    }
    if (!process.env['KEEP_DOVECOT_HARNESS']) temp.remove();
  };
  const stopOnExit = () => {
    if (pid !== null) signal(pid, 'SIGTERM');
  };
  process.on('exit', stopOnExit);

  try {
    writeFileSync(
      path.join(work, 'dovecot', 'users'),
      options.users.map((user) => `${user.login}:{PLAIN}${user.password}\n`).join(''),
      { mode: 0o644 },
    );
    const shipped = readFileSync(SHIPPED_CONF, 'utf8');
    if (!SHIPPED_URL.test(shipped))
      throw new Error('deploy/dovecot/conf.d/95-mailwarden-audit.conf no longer has the documented URL');
    const url = `http://dovecot:${options.eventsUrl.secret}@127.0.0.1:${options.eventsUrl.port}/dovecot/events`;
    writeFileSync(path.join(work, 'dovecot', '95-mailwarden-audit.conf'), shipped.replace(SHIPPED_URL, url));
    writeFileSync(
      conf,
      dovecotConfig({
        work,
        imapPort,
        managesievePort,
        lmtpPort,
        doveadmPort,
        doveadmApiKey,
        submissionPort: options.submissionPort,
      }),
    );
    await run('dovecot', ['-c', conf], path.join(work, 'log', 'dovecot-start.out'));
    pid = await waitForPid(path.join(work, 'run', 'dovecot', 'master.pid'));
    for (const port of [imapPort, managesievePort, lmtpPort, doveadmPort]) await waitForPort(port);
  } catch (error) {
    const logs = `${readOrEmpty(path.join(work, 'log', 'dovecot-start.out'))}\n${readOrEmpty(logFile).slice(-4000)}`;
    await stop();
    throw new Error(`the Dovecot harness did not start: ${(error as Error).message}\n${logs}`);
  }
  return {
    imapPort,
    managesievePort,
    lmtpPort,
    doveadmUrl: doveadmApiOf(doveadmPort).url,
    doveadmApiKey,
    workDir: work,
    log: () => readOrEmpty(logFile),
    stop,
  };
}

function dovecotConfig(o: {
  work: string;
  imapPort: number;
  managesievePort: number;
  lmtpPort: number;
  doveadmPort: number;
  doveadmApiKey: string;
  submissionPort: number;
}): string {
  const { work } = o;
  return `# Test instance: IMAP, ManageSieve, LMTP+Sieve on loopback; events to Mailwarden
base_dir = ${work}/run/dovecot
state_dir = ${work}/run/dovecot-state
instance_name = mailwarden-imap-test-${path.basename(work)}
protocols = imap lmtp sieve
listen = 127.0.0.1
log_path = ${work}/log/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = dovecot
default_login_user = dovenull
mail_location = maildir:~/Maildir
first_valid_uid = 100
passdb {
  driver = passwd-file
  args = scheme=PLAIN ${work}/dovecot/users
}
userdb {
  driver = static
  args = uid=vmail gid=vmail home=${work}/mail/%d/%n allow_all_users=yes
}
namespace inbox {
  inbox = yes
  mailbox Trash {
    special_use = \\Trash
    auto = create
  }
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${o.imapPort}
  }
  inet_listener imaps {
    port = 0
  }
}
service managesieve-login {
  inet_listener sieve {
    address = 127.0.0.1
    port = ${o.managesievePort}
  }
}
service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1
    port = ${o.lmtpPort}
  }
}
service doveadm {
  inet_listener http {
    address = 127.0.0.1
    port = ${o.doveadmPort}
  }
}
doveadm_api_key = ${o.doveadmApiKey}
# Failed logins from 127.0.0.1 would otherwise slow the test by seconds.
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
protocol lmtp {
  mail_plugins = $mail_plugins sieve
  postmaster_address = postmaster@example.org
}
plugin {
  sieve = file:~/sieve;active=~/.dovecot.sieve
}
submission_host = 127.0.0.1:${o.submissionPort}

# --- deploy/dovecot/conf.d/95-mailwarden-audit.conf, as shipped (the URL points at the test's Mailwarden)
!include ${work}/dovecot/95-mailwarden-audit.conf
`;
}
