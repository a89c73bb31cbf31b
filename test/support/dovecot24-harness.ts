import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate } from 'selfsigned';
import { freePort, runMailwarden } from './cli-process.js';
import {
  descendantsOf,
  gidOf,
  readOrEmpty,
  run,
  signal,
  uidOf,
  waitForExit,
  waitForPid,
  waitForPort,
} from './daemons.js';
import { MASTER_USER, postfixBase, postfixSubmissionMaster } from './dovecot-auth-harness.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * A real Dovecot 2.4 from Debian 13, run with chroot from the root filesystem .ci/trixie-dovecot.sh
 * builds once per machine, on this machine's loopback, and a host Postfix in front of it. Dovecot's
 * files are `mailwarden setup dovecot --dovecot 2.4`'s output, changed only where a test instance
 * must differ (paths, ports, the mail user). The test Postfix's spool lies inside the chroot, so
 * the shipped 92 file's unix_listener (postfix:postfix 0660, `--postfix-spool` pointing there) is
 * the socket the host Postfix's smtpd_sasl_path reaches; the chroot's accounts get a postfix user
 * and group with the host's ids for it.
 */
export const TRIXIE_ROOTFS =
  process.env['MAILWARDEN_TRIXIE_ROOTFS'] ?? '/var/cache/mailwarden-ci/trixie-dovecot';

export function missingDovecot24(): string | null {
  if (!existsSync(path.join(TRIXIE_ROOTFS, 'usr/sbin/dovecot')))
    return `no Dovecot 2.4 root filesystem in ${TRIXIE_ROOTFS} (.ci/trixie-dovecot.sh builds it)`;
  if (!existsSync(path.join(TRIXIE_ROOTFS, 'usr/lib/dovecot/modules/auth/libauthdb_lua.so')))
    return `no dovecot-auth-lua in ${TRIXIE_ROOTFS} (remove it; .ci/trixie-dovecot.sh builds it again)`;
  return null;
}

/**
 * Gives the root filesystem a postfix user and group with this machine's ids (the owner of the SASL
 * socket in Postfix's spool), unless it has them already; written through a rename, so that a test
 * running beside never reads half a file.
 */
function ensureChrootPostfixAccount(): void {
  const hostUid = uidOf('postfix');
  const hostGid = gidOf('postfix');
  const wanted = {
    passwd: `postfix:x:${hostUid}:${hostGid}:Postfix (host):/var/spool/postfix:/usr/sbin/nologin`,
    group: `postfix:x:${hostGid}:`,
  };
  for (const [file, line] of Object.entries(wanted)) {
    const target = path.join(TRIXIE_ROOTFS, 'etc', file);
    const text = readFileSync(target, 'utf8');
    const lines = text.split('\n').filter((entry) => entry !== '');
    if (lines.includes(line)) continue;
    const next = `${[...lines.filter((entry) => !entry.startsWith('postfix:')), line].join('\n')}\n`;
    const temporary = `${target}.mailwarden-${process.pid}`;
    writeFileSync(temporary, next, { mode: 0o644 });
    renameSync(temporary, target);
  }
}

async function waitForSocket(file: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(file)) {
    if (Date.now() > deadline) throw new Error(`no socket ${file}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export interface Dovecot24Harness {
  imapPort: number;
  pop3Port: number;
  sievePort: number;
  submissionPort: number;
  dovecotVersion: string;
  /** The chroot, and Dovecot's folder, configuration file and Postfix's spool as seen inside it. */
  rootfs: string;
  dovecotDir: string;
  dovecotConfig: string;
  /** Postfix's configuration folder and spool on this machine. */
  postfixDir: string;
  postfixSpool: string;
  dovecotLog(): string;
  stop(): Promise<void>;
}

export async function startDovecot24Harness(options: {
  /** Environment of `mailwarden setup` (the secrets, http.port and policy.port of the running Mailwarden). */
  env: Record<string, string>;
}): Promise<Dovecot24Harness> {
  mkdirSync(path.join(TRIXIE_ROOTFS, 'run'), { recursive: true });
  const outer = mkdtempSync(path.join(TRIXIE_ROOTFS, 'run', 'mailwarden-test-'));
  const inner = outer.slice(TRIXIE_ROOTFS.length);
  // Postfix's side inside the chroot: its spool is where Dovecot's SASL socket goes.
  const work = path.join(outer, 'pf');
  mkdirSync(work);
  chmodSync(outer, 0o755);
  chmodSync(work, 0o755);
  ensureChrootPostfixAccount();
  const chrootIds = (file: string, name: string) =>
    Number(
      readFileSync(path.join(TRIXIE_ROOTFS, 'etc', file), 'utf8')
        .split('\n')
        .find((line) => line.startsWith(`${name}:`))
        ?.split(':')[2],
    );
  for (const dir of ['log', 'run', 'mail']) mkdirSync(path.join(outer, dir), { recursive: true });
  chownSync(path.join(outer, 'mail'), chrootIds('passwd', 'dovecot'), chrootIds('group', 'dovecot'));
  for (const dir of ['log', 'run', 'spool', 'tls', 'run/postfix-data', 'postfix'])
    mkdirSync(path.join(work, dir), { recursive: true });
  chownSync(path.join(work, 'run/postfix-data'), uidOf('postfix'), 0);
  const [imapPort, pop3Port, sievePort, submissionPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const dovecotConf = path.join(outer, 'dovecot.conf');
  const pids: number[] = [];
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    const all = [...pids, ...descendantsOf(pids)];
    await run(
      'postfix',
      ['-c', path.join(work, 'postfix'), 'stop'],
      path.join(work, 'log', 'postfix-start.out'),
    ).catch(() => {});
    for (const pid of pids) signal(pid, 'SIGTERM');
    await waitForExit(all, 15_000);
    if (!process.env['KEEP_DOVECOT_HARNESS']) rmSync(outer, { recursive: true, force: true });
  };
  try {
    const dovecotDir = path.join(outer, 'dovecot');
    const setup = await runMailwarden(
      [
        'setup',
        'dovecot',
        '--dovecot',
        '2.4',
        '--out',
        dovecotDir,
        '--dovecot-dir',
        path.join(inner, 'dovecot'),
        '--postfix-spool',
        path.join(inner, 'pf', 'spool'),
      ],
      { env: options.env },
    );
    if (setup.code !== 0) throw new Error(`mailwarden setup dovecot --dovecot 2.4: ${setup.stderr}`);
    // The chroot's dovecot group, not the host's.
    chownSync(path.join(dovecotDir, 'mailwarden-auth.header'), 0, chrootIds('group', 'dovecot'));
    const auth = path.join(dovecotDir, 'conf.d', '90-mailwarden-auth.conf');
    writeFileSync(
      auth,
      readFileSync(auth, 'utf8')
        .replace('/var/vmail/', `${inner}/mail/`)
        .replace('uid = vmail', 'uid = dovecot')
        .replace('gid = vmail', 'gid = dovecot'),
    );
    // The optional master users snippet, which setup does not write: copied as shipped, with its
    // passwd-file (mode 0640, the chroot's group dovecot) where the snippet asks for it.
    const masters = path.join(dovecotDir, 'master-users');
    writeFileSync(masters, `${MASTER_USER.name}:{PLAIN}${MASTER_USER.password}\n`, { mode: 0o640 });
    chownSync(masters, 0, chrootIds('group', 'dovecot'));
    writeFileSync(
      path.join(dovecotDir, 'conf.d', '93-mailwarden-master-users.conf'),
      readFileSync(
        path.join(ROOT, 'deploy', 'dovecot-2.4', 'conf.d', '93-mailwarden-master-users.conf'),
        'utf8',
      ).replaceAll('/etc/dovecot/master-users', path.join(inner, 'dovecot', 'master-users')),
    );
    writeFileSync(
      dovecotConf,
      `dovecot_config_version = 2.4.0
dovecot_storage_version = 2.4.0
base_dir = ${inner}/run/dovecot
state_dir = ${inner}/run/state
instance_name = mailwarden-24-${path.basename(outer)}
protocols = imap pop3 sieve
listen = 127.0.0.1
log_path = ${inner}/log/dovecot.log
ssl = no
auth_allow_cleartext = yes
auth_verbose = yes
mail_driver = maildir
mail_path = ~/Maildir
first_valid_uid = 1
service imap-login {
  inet_listener imap {
    port = ${imapPort}
  }
  inet_listener imaps {
    port = 0
  }
}
service pop3-login {
  inet_listener pop3 {
    port = ${pop3Port}
  }
  inet_listener pop3s {
    port = 0
  }
}
service managesieve-login {
  inet_listener sieve {
    port = ${sievePort}
  }
}
!include ${inner}/dovecot/conf.d/*.conf
`,
    );
    const postfixLines = path.join(work, 'postfix-lines');
    const postfixSetup = await runMailwarden(['setup', 'postfix', '--out', postfixLines], {
      env: options.env,
    });
    if (postfixSetup.code !== 0) throw new Error(`mailwarden setup postfix: ${postfixSetup.stderr}`);
    const lines = (name: string) => readFileSync(path.join(postfixLines, name), 'utf8');
    writeFileSync(path.join(work, 'postfix', 'main.cf'), `${postfixBase(work)}${lines('main.cf')}`);
    writeFileSync(
      path.join(work, 'postfix', 'master.cf'),
      postfixSubmissionMaster(lines('master.cf'), submissionPort),
    );
    const certificate = await generate([{ name: 'commonName', value: 'mail.example.org' }], {
      keySize: 2048,
      algorithm: 'sha256',
      notAfterDate: new Date(Date.now() + 2 * 24 * 3600 * 1000),
    });
    writeFileSync(path.join(work, 'tls', 'key.pem'), certificate.private, { mode: 0o600 });
    writeFileSync(path.join(work, 'tls', 'cert.pem'), certificate.cert, { mode: 0o644 });

    // Postfix first: Dovecot puts its SASL socket into Postfix's private/ folder.
    await run(
      'postfix',
      ['-c', path.join(work, 'postfix'), 'start'],
      path.join(work, 'log', 'postfix-start.out'),
    );
    pids.push(await waitForPid(path.join(work, 'spool', 'pid', 'master.pid')));
    await run(
      'chroot',
      [TRIXIE_ROOTFS, '/usr/sbin/dovecot', '-c', `${inner}/dovecot.conf`],
      path.join(outer, 'log', 'start.out'),
    );
    pids.push(await waitForPid(path.join(outer, 'run', 'dovecot', 'master.pid')));
    await waitForPort(imapPort);
    await waitForPort(pop3Port);
    await waitForPort(sievePort);
    await waitForSocket(path.join(work, 'spool', 'private', 'auth'));
    await waitForPort(submissionPort);
  } catch (error) {
    const logs = [
      path.join(outer, 'log', 'start.out'),
      path.join(outer, 'log', 'dovecot.log'),
      path.join(work, 'log', 'postfix.log'),
    ]
      .map((file) => `--- ${file}\n${readOrEmpty(file).slice(-3000)}`)
      .join('\n');
    await stop();
    throw new Error(`Dovecot 2.4 did not start: ${(error as Error).message}\n${logs}`);
  }
  const version = await new Promise<string>((resolve) => {
    const out = path.join(outer, 'log', 'version.out');
    run('chroot', [TRIXIE_ROOTFS, '/usr/sbin/dovecot', '--version'], out)
      .then(() => resolve(readOrEmpty(out).trim()))
      .catch(() => resolve(''));
  });
  return {
    imapPort,
    pop3Port,
    sievePort,
    submissionPort,
    dovecotVersion: version,
    rootfs: TRIXIE_ROOTFS,
    dovecotDir: path.join(inner, 'dovecot'),
    dovecotConfig: `${inner}/dovecot.conf`,
    postfixDir: path.join(work, 'postfix'),
    postfixSpool: path.join(work, 'spool'),
    dovecotLog: () => readOrEmpty(path.join(outer, 'log', 'dovecot.log')),
    stop,
  };
}
