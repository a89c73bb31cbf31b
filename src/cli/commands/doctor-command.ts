import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { SUPPORTED_NODE, unsupportedNodeReason } from '../../runtime/node-support.js';
import type { CliCommand, CliFlags } from '../cli-context.js';
import { loadCliConfig } from '../open-app.js';
import { writeJson, writeLine } from '../output.js';
import { groupId, userId } from './system-accounts.js';

/**
 * `mailwarden doctor`: checks a running Dovecot and Postfix against what `mailwarden setup` writes
 * (the header file, the Lua passdb's URL, the SASL socket in Postfix's spool, the policy service,
 * TLS, versions) and says, for each problem, how to fix it. Exit 0 when all is well, 1 otherwise.
 */
export interface DoctorFinding {
  check: string;
  ok: boolean;
  detail: string;
  fix?: string;
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(command: string, args: readonly string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(command, [...args], { timeout: 15_000, encoding: 'utf8' }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 127;
      resolve({ code, stdout: String(stdout), stderr: String(stderr || (error?.message ?? '')) });
    });
  });
}

/** The first line a server sends on connect (Dovecot's auth handshake), or why there was none. */
function firstLine(target: { path: string } | { host: string; port: number }): Promise<string> {
  return new Promise((resolve) => {
    const socket = 'path' in target ? net.connect(target.path) : net.connect(target.port, target.host);
    let text = '';
    const done = (value: string) => {
      socket.destroy();
      resolve(value);
    };
    socket.setTimeout(5_000, () => done(text === '' ? 'error: no answer within 5 s' : text));
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      text += chunk;
      if (text.includes('\n')) done(text.split('\n')[0] ?? '');
    });
    socket.on('connect', () => {
      if (!('path' in target)) done('connected');
    });
    socket.on('error', (error) => done(`error: ${error.message}`));
  });
}

function versionAtLeast(version: string, minimum: readonly number[]): boolean {
  const parts = version.split(/[.\s-]/).map((part) => Number(part));
  for (let i = 0; i < minimum.length; i++) {
    const part = parts[i] ?? 0;
    if (Number.isNaN(part)) return false;
    if (part !== minimum[i]) return part > (minimum[i] ?? 0);
  }
  return true;
}

export interface DoctorInput {
  /**
   * The root filesystem Dovecot runs in ('/' unless it runs chrooted or in a container): dovecotDir and
   * dovecotConfig are paths as Dovecot sees them, its dovecot group is the one of root's /etc/group,
   * and dovecot and doveconf run chrooted into it.
   */
  dovecotRoot: string;
  dovecotDir: string;
  dovecotConfig: string;
  postfixDir: string;
  authSecret: string | null;
  /** The Node.js Mailwarden runs on (process.versions.node). */
  nodeVersion?: string;
  policyPort: number;
}

export async function diagnose(input: DoctorInput): Promise<DoctorFinding[]> {
  const findings: DoctorFinding[] = [];
  const add = (check: string, ok: boolean, detail: string, fix?: string) =>
    findings.push(fix === undefined || ok ? { check, ok, detail } : { check, ok, detail, fix });

  // --- Mailwarden's side
  add(
    'mailwarden: dovecot.authSecret',
    input.authSecret !== null,
    input.authSecret === null ? 'not set: /dovecot/passdb and /dovecot/policy answer 503' : 'set',
    'set MAILWARDEN_DOVECOT_AUTH_SECRET (openssl rand -base64 32), restart Mailwarden, run mailwarden setup dovecot',
  );

  const nodeProblem = unsupportedNodeReason(input.nodeVersion);
  add(
    'mailwarden: Node.js',
    nodeProblem === null,
    nodeProblem ?? `${input.nodeVersion ?? process.versions.node} (supported: ${SUPPORTED_NODE})`,
    'install a supported Node.js (the newest 22 or 24), then restart Mailwarden',
  );

  // --- The header file Dovecot's auth process reads
  const onHost = (file: string) => path.join(input.dovecotRoot, file);
  const dovecotRun = (command: string, args: readonly string[]) =>
    input.dovecotRoot === '/' ? run(command, args) : run('chroot', [input.dovecotRoot, command, ...args]);
  const header = path.join(input.dovecotDir, 'mailwarden-auth.header');
  const setupFix =
    input.dovecotRoot === '/'
      ? `mailwarden setup dovecot --out ${input.dovecotDir} --force`
      : `mailwarden setup dovecot --out ${onHost(input.dovecotDir)} --dovecot-dir ${input.dovecotDir} --force (then chgrp it to the dovecot group of ${input.dovecotRoot})`;
  try {
    const stat = statSync(onHost(header));
    const text = readFileSync(onHost(header), 'utf8');
    const dovecotGid = groupId('dovecot', input.dovecotRoot);
    const problems: string[] = [];
    if ((stat.mode & 0o777) !== 0o640) problems.push(`mode ${(stat.mode & 0o777).toString(8)}, not 640`);
    if (stat.uid !== 0) problems.push(`owner uid ${stat.uid}, not root`);
    if (dovecotGid !== null && stat.gid !== dovecotGid) problems.push(`group gid ${stat.gid}, not dovecot`);
    if (/\r?\n$/.test(text)) problems.push('ends with a newline, which Dovecot sends as part of the header');
    if (
      input.authSecret !== null &&
      text.replace(/\r?\n$/, '') !== `Authorization: Bearer ${input.authSecret}`
    )
      problems.push("does not hold Mailwarden's dovecot.authSecret");
    add(
      `header file ${header}`,
      problems.length === 0,
      problems.length === 0 ? 'root:dovecot 0640, the secret, no final newline' : problems.join('; '),
      `${setupFix} (or: chown root:dovecot ${onHost(header)} && chmod 0640 ${onHost(header)}; printf without a newline)`,
    );
  } catch (error) {
    add(`header file ${header}`, false, `cannot read: ${(error as Error).message}`, setupFix);
  }

  // --- The Lua passdb's URL: does it reach Mailwarden, and does Mailwarden take the secret?
  const script = path.join(input.dovecotDir, 'mailwarden-passdb.lua');
  let passdbUrl: URL | null = null;
  try {
    const match = /MAILWARDEN_PASSDB_URL\s*=\s*"([^"]+)"/.exec(readFileSync(onHost(script), 'utf8'));
    passdbUrl = match?.[1] ? new URL(match[1]) : null;
    add(
      `passdb script ${script}`,
      passdbUrl !== null,
      passdbUrl === null ? 'no MAILWARDEN_PASSDB_URL in it' : `asks ${passdbUrl.href}`,
      setupFix,
    );
  } catch (error) {
    add(`passdb script ${script}`, false, `cannot read: ${(error as Error).message}`, setupFix);
  }
  if (passdbUrl !== null) {
    const policyUrl = new URL('/dovecot/policy?command=report', passdbUrl);
    const answer = await fetch(policyUrl, {
      method: 'POST',
      headers: { authorization: `Bearer ${input.authSecret ?? ''}`, 'content-type': 'application/json' },
      body: '{}',
      signal: AbortSignal.timeout(5_000),
    }).then(
      async (response) => {
        await response.arrayBuffer();
        return String(response.status);
      },
      (error: Error) => `unreachable (${(error.cause as Error | undefined)?.message ?? error.message})`,
    );
    add(
      `Mailwarden at ${passdbUrl.origin}`,
      answer === '200',
      answer === '200'
        ? 'reachable, and it accepts the secret'
        : answer === '401'
          ? "reachable, but it refuses the header file's secret (401)"
          : answer === '503'
            ? 'reachable, but dovecot.authSecret is unset there (503)'
            : answer,
      answer.startsWith('unreachable')
        ? "start Mailwarden (mailwarden serve), or fix the URL's host and port to Mailwarden's listen and http.port"
        : setupFix,
    );
  }

  // --- Dovecot: version, and the settings that make Mailwarden the one lockout and an outage temporary
  const dovecot = await dovecotRun('dovecot', ['--version']);
  const dovecotVersion = dovecot.stdout.trim().split(' ')[0] ?? '';
  add(
    'dovecot version',
    dovecot.code === 0 && versionAtLeast(dovecotVersion, [2, 3, 19]),
    dovecot.code === 0 ? dovecotVersion : `dovecot --version failed: ${dovecot.stderr.trim()}`,
    'Dovecot 2.3.19 or later (dovecot.http in the Lua passdb): Debian 12 or 13',
  );
  const templates = versionAtLeast(dovecotVersion, [2, 4]) ? '2.4' : '2.3';
  const doveconf = await dovecotRun('doveconf', ['-c', input.dovecotConfig, '-n']);
  add(
    `doveconf -c ${input.dovecotConfig}`,
    doveconf.code === 0,
    doveconf.code === 0 ? 'the configuration loads' : (doveconf.stderr.trim().split('\n')[0] ?? ''),
    `the files must be those for Dovecot ${templates}: mailwarden setup dovecot --dovecot ${templates} --out ${input.dovecotDir} --force`,
  );
  if (doveconf.code === 0) {
    const text = doveconf.stdout;
    const setting = (name: string) => new RegExp(`^${name} = (.*)$`, 'm').exec(text)?.[1]?.trim();
    add(
      'auth_policy_reject_on_fail',
      setting('auth_policy_reject_on_fail') !== 'yes',
      `${setting('auth_policy_reject_on_fail') ?? 'no'}`,
      'set it to no (conf.d/91-mailwarden-auth-policy.conf): yes tells clients their password is wrong while Mailwarden is down',
    );
    add(
      'auth_failure_delay',
      setting('auth_failure_delay') === '0',
      setting('auth_failure_delay') ?? '2 secs (default)',
      'auth_failure_delay = 0 (conf.d/90-mailwarden-auth.conf): Mailwarden does the lockout',
    );
    const penaltyOff = /unix_listener anvil-auth-penalty \{\s*mode = 0+\s*\}/.test(text);
    add(
      "Dovecot's auth penalty",
      penaltyOff,
      penaltyOff
        ? 'off (anvil-auth-penalty mode = 0)'
        : 'on: up to 15 s per answer to an address after failures',
      'service anvil { unix_listener anvil-auth-penalty { mode = 0 } } (conf.d/90-mailwarden-auth.conf)',
    );
  }

  // --- Postfix: version, SASL socket, TLS, policy service
  const postconf = (...args: string[]) => run('postconf', ['-c', input.postfixDir, ...args]);
  const mailVersion = await postconf('-h', 'mail_version');
  add(
    'postfix version',
    mailVersion.code === 0 && versionAtLeast(mailVersion.stdout.trim(), [3, 0]),
    mailVersion.code === 0 ? mailVersion.stdout.trim() : `postconf failed: ${mailVersion.stderr.trim()}`,
    'Postfix 3.0 or later ({ } groups in master.cf)',
  );
  if (mailVersion.code !== 0) return findings;
  const value = async (name: string) => (await postconf('-h', name)).stdout.trim();
  const saslType = await value('smtpd_sasl_type');
  const saslPath = await value('smtpd_sasl_path');
  const spool = await value('queue_directory');
  add(
    'smtpd_sasl_type',
    saslType === 'dovecot',
    saslType,
    `postconf -c ${input.postfixDir} -e smtpd_sasl_type=dovecot (mailwarden setup postfix)`,
  );
  if (saslPath.startsWith('inet:')) {
    const [host, port] = [
      saslPath.slice(5, saslPath.lastIndexOf(':')),
      saslPath.slice(saslPath.lastIndexOf(':') + 1),
    ];
    const greeting = await firstLine({ host, port: Number(port) });
    add(
      `Dovecot SASL at ${saslPath}`,
      greeting === 'connected',
      greeting,
      'a Dovecot auth inet_listener on that address',
    );
  } else {
    const socketPath = path.isAbsolute(saslPath) ? saslPath : path.join(spool, saslPath);
    let problem: string | null = null;
    try {
      const stat = statSync(socketPath);
      const postfixUid = userId('postfix');
      if (!stat.isSocket()) problem = 'not a socket';
      else if (postfixUid !== null && stat.uid !== postfixUid) problem = `owner uid ${stat.uid}, not postfix`;
    } catch {
      problem = `missing (smtpd runs chrooted in ${spool}: the socket must be inside it)`;
    }
    const greeting = problem === null ? await firstLine({ path: socketPath }) : '';
    if (problem === null && !greeting.startsWith('VERSION\t1\t'))
      problem = `no Dovecot auth answers: ${greeting}`;
    add(
      `Dovecot SASL socket ${socketPath}`,
      problem === null,
      problem ?? 'Dovecot auth answers, owned by postfix',
      `conf.d/92-mailwarden-postfix-sasl.conf: unix_listener ${socketPath} { mode = 0660, user = postfix, group = postfix }, then doveadm reload (mailwarden setup dovecot --postfix-spool ${spool})`,
    );
  }
  const certFile = await value('smtpd_tls_cert_file');
  const keyFile = await value('smtpd_tls_key_file');
  let tlsProblem: string | null = null;
  let tlsDetail = '';
  if (certFile === '')
    tlsProblem = 'no smtpd_tls_cert_file: submission (smtpd_tls_security_level=encrypt) cannot start TLS';
  else {
    try {
      const certificate = new X509Certificate(readFileSync(certFile));
      readFileSync(keyFile || certFile);
      const expires = new Date(certificate.validTo);
      tlsDetail = `${certificate.subject.replace(/\n/g, ', ')}, valid until ${expires.toISOString()}`;
      if (expires.getTime() < Date.now()) tlsProblem = `expired on ${expires.toISOString()}`;
    } catch (error) {
      tlsProblem = `cannot read ${certFile} or ${keyFile}: ${(error as Error).message}`;
    }
  }
  add(
    'postfix TLS',
    tlsProblem === null,
    tlsProblem ?? tlsDetail,
    'set smtpd_tls_cert_file and smtpd_tls_key_file to a valid certificate and key (e.g. from certbot)',
  );
  const services = (await postconf('-P')).stdout;
  const policies = [...services.matchAll(/check_policy_service,?\s*\{?\s*inet:([^,}\s]+)/g)].map(
    (match) => match[1] ?? '',
  );
  if (policies.length === 0)
    add(
      'policy service',
      false,
      'no check_policy_service in master.cf',
      `mailwarden setup postfix --out DIR, then use its master.cf`,
    );
  for (const address of new Set(policies)) {
    const port = Number(address.slice(address.lastIndexOf(':') + 1));
    const host = address.slice(0, address.lastIndexOf(':')).replace(/^\[|\]$/g, '');
    const reached = await firstLine({ host, port });
    const problems: string[] = [];
    if (port !== input.policyPort) problems.push(`Mailwarden's policy.port is ${input.policyPort}`);
    if (reached !== 'connected') problems.push(reached);
    add(
      `policy service inet:${address}`,
      problems.length === 0,
      problems.length === 0 ? 'Mailwarden answers' : problems.join('; '),
      'mailwarden setup postfix --out DIR writes the address; Mailwarden must be running (policy.enabled)',
    );
  }
  return findings;
}

function stringFlag(flags: CliFlags, name: string, fallback: string): string {
  const value = flags[name];
  return typeof value === 'string' && value !== '' ? value : fallback;
}

export const doctorCommand: CliCommand = {
  path: ['doctor'],
  args: [],
  summary:
    'Check a running Dovecot and Postfix against what mailwarden setup writes (secrets, sockets, permissions, reachability, TLS, versions) and say how to fix what is wrong.',
  flags: { 'dovecot-dir': true, 'dovecot-config': true, 'dovecot-root': true, 'postfix-dir': true },
  data: 'none',
  async run(context) {
    const config = loadCliConfig(context.io, context.configFile);
    const dovecotDir = stringFlag(context.flags, 'dovecot-dir', '/etc/dovecot');
    const findings = await diagnose({
      dovecotRoot: stringFlag(context.flags, 'dovecot-root', '/'),
      dovecotDir,
      dovecotConfig: stringFlag(context.flags, 'dovecot-config', path.join(dovecotDir, 'dovecot.conf')),
      postfixDir: stringFlag(context.flags, 'postfix-dir', '/etc/postfix'),
      authSecret: config.dovecot.authSecret,
      policyPort: config.policy.port,
    });
    const problems = findings.filter((finding) => !finding.ok);
    if (context.json) writeJson(context.io.stdout, { ok: problems.length === 0, findings });
    else {
      for (const finding of findings) {
        writeLine(
          context.io.stdout,
          `${finding.ok ? 'ok     ' : 'PROBLEM'} ${finding.check}: ${finding.detail}`,
        );
        if (!finding.ok && finding.fix) writeLine(context.io.stdout, `        fix: ${finding.fix}`);
      }
      writeLine(
        context.io.stdout,
        problems.length === 0 ? 'All checks passed.' : `${problems.length} problem(s) found.`,
      );
    }
    return problems.length === 0 ? 0 : 1;
  },
};
