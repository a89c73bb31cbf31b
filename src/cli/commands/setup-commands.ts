import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type Config, parseHostPort } from '../../config/index.js';
import { type CliCommand, type CliFlags, type CommandContext, UsageError } from '../cli-context.js';
import { loadCliConfig } from '../open-app.js';
import { writeJson, writeLine } from '../output.js';
import { doctorCommand } from './doctor-command.js';
import { groupId } from './system-accounts.js';

/**
 * `mailwarden setup dovecot|postfix --out DIR`: the files of deploy/ with this installation's
 * secrets, URLs and ports filled in, ready to copy (or to write straight into /etc/dovecot).
 */
const DEPLOY_DIR = new URL('../../../../deploy/', import.meta.url);

export type DovecotVersion = '2.3' | '2.4';

export interface DovecotSetupInput {
  version: DovecotVersion;
  /** Where the files will live on the Dovecot host (they name each other by these paths). */
  dovecotDir: string;
  /** Postfix's queue directory: Dovecot's SASL socket goes into its private/ (smtpd runs chrooted there). */
  postfixSpool: string;
  /** Mailwarden's HTTP listener as Dovecot reaches it: "127.0.0.1:8025". */
  mailwardenAddress: string;
  authSecret: string;
  eventsSecret: string | null;
  doveadm: { address: string; port: number; apiKey: string } | null;
  /** auth_policy_hash_nonce: any random string. */
  nonce: string;
}

export interface SetupFile {
  /** Relative to --out. */
  name: string;
  content: string;
  /** 0640 root:dovecot for the secrets Dovecot's auth process reads; 0644 otherwise. */
  secret: boolean;
}

function template(name: string): string {
  return readFileSync(new URL(name, DEPLOY_DIR), 'utf8');
}

function dovecotTemplateDir(version: DovecotVersion): string {
  return version === '2.3' ? 'dovecot/' : 'dovecot-2.4/';
}

/** The Dovecot files, filled in; pure (reads only the templates). */
export function renderDovecotSetup(input: DovecotSetupInput): SetupFile[] {
  const dir = dovecotTemplateDir(input.version);
  const fill = (text: string) =>
    text
      .replaceAll('/etc/dovecot/', `${input.dovecotDir.replace(/\/$/, '')}/`)
      .replaceAll('127.0.0.1:8025', input.mailwardenAddress)
      .replaceAll('/var/spool/postfix/', `${input.postfixSpool.replace(/\/$/, '')}/`)
      .replaceAll('CHANGE-ME-to-a-random-string', input.nonce);
  const files: SetupFile[] = [
    { name: 'mailwarden-passdb.lua', content: fill(template(`${dir}mailwarden-passdb.lua`)), secret: false },
    // No final newline: Dovecot's HTTP client would send it as part of the header and abort.
    { name: 'mailwarden-auth.header', content: `Authorization: Bearer ${input.authSecret}`, secret: true },
  ];
  const conf = (name: string) => fill(template(`${dir}conf.d/${name}`));
  files.push({
    name: 'conf.d/90-mailwarden-auth.conf',
    content: conf('90-mailwarden-auth.conf'),
    secret: false,
  });
  files.push({
    name: 'conf.d/91-mailwarden-auth-policy.conf',
    content: conf('91-mailwarden-auth-policy.conf'),
    secret: false,
  });
  files.push({
    name: 'conf.d/92-mailwarden-postfix-sasl.conf',
    content: conf('92-mailwarden-postfix-sasl.conf'),
    secret: false,
  });
  if (input.eventsSecret !== null)
    files.push({
      name: 'conf.d/95-mailwarden-audit.conf',
      content: conf('95-mailwarden-audit.conf').replaceAll(
        'CHANGE-ME-TO-THE-EVENTS-SECRET',
        encodeURIComponent(input.eventsSecret),
      ),
      secret: true,
    });
  if (input.doveadm !== null)
    files.push({
      name: 'conf.d/96-mailwarden-doveadm.conf',
      content: conf('96-mailwarden-doveadm.conf')
        .replaceAll('CHANGE-ME-TO-A-LONG-RANDOM-STRING', input.doveadm.apiKey)
        .replace(/(address|listen) = 127\.0\.0\.1/, `$1 = ${input.doveadm.address}`)
        .replace(/port = 8080/, `port = ${input.doveadm.port}`),
      secret: true,
    });
  return files;
}

/**
 * The Postfix lines, filled in: main.cf to append, master.cf's submission entry. Without a milter
 * address (milter.listen unset) the milter lines are left out: a submission service pointed at a
 * milter nobody serves would defer every message (milter_default_action = tempfail).
 */
export function renderPostfixSetup(input: {
  policyAddress: string;
  saslPath: string;
  milterAddress: string | null;
}): SetupFile[] {
  let master = template('postfix/master.cf').replaceAll(
    'inet:127.0.0.1:10040',
    `inet:${input.policyAddress}`,
  );
  if (input.milterAddress) master = master.replaceAll('inet:127.0.0.1:10041', `inet:${input.milterAddress}`);
  else
    master = master
      .split('\n')
      .filter((line) => !/^\s+-o (smtpd_milters|milter_default_action|milter_macro_daemon_name)=/.test(line))
      .join('\n')
      .replaceAll(',policy_context=mailwarden-milter', '');
  return [
    {
      name: 'main.cf',
      content: template('postfix/main.cf').replace(
        /^smtpd_sasl_path = .*$/m,
        `smtpd_sasl_path = ${input.saslPath}`,
      ),
      secret: false,
    },
    { name: 'master.cf', content: master, secret: false },
  ];
}

/** Where Postfix reaches the milter: milter.listen, with loopback for a wildcard address. */
export function milterAddressOf(config: Config): string | null {
  const listen = config.milter.listen ? parseHostPort(config.milter.listen) : null;
  if (!listen) return null;
  const host = listen.host === '0.0.0.0' || listen.host === '::' ? '127.0.0.1' : listen.host;
  return `${host.includes(':') ? `[${host}]` : host}:${listen.port}`;
}

/** Where Dovecot and Postfix reach Mailwarden: its listen address, or loopback when it listens on all. */
export function mailwardenHost(config: Config): string {
  const listen = config.listen;
  if (listen === '0.0.0.0' || listen === '::' || listen === '') return '127.0.0.1';
  return listen.includes(':') ? `[${listen}]` : listen;
}

function outDir(flags: CliFlags): string {
  const out = flags['out'];
  if (typeof out !== 'string' || out === '') throw new UsageError('--out DIR is required');
  return path.resolve(out);
}

/** Writes the files; refuses to replace one unless --force, so that nothing edited by hand is lost. */
function writeFiles(out: string, files: readonly SetupFile[], force: boolean): string[] {
  const existing = files.filter((file) => existsSync(path.join(out, file.name)));
  if (existing.length > 0 && !force)
    throw new UsageError(
      `${existing.map((file) => path.join(out, file.name)).join(', ')} already exist: add --force to replace them`,
    );
  const notes: string[] = [];
  const dovecotGroup = groupId('dovecot');
  for (const file of files) {
    const target = path.join(out, file.name);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, file.content, { mode: file.secret ? 0o640 : 0o644 });
    if (!file.secret) continue;
    if (process.getuid?.() === 0 && dovecotGroup !== null) chownSync(target, 0, dovecotGroup);
    else notes.push(`chown root:dovecot ${target}   (Dovecot's auth process reads it as group dovecot)`);
  }
  return notes;
}

function report(
  context: CommandContext,
  out: string,
  files: readonly SetupFile[],
  notes: readonly string[],
  next: readonly string[],
): number {
  if (context.json) {
    writeJson(context.io.stdout, {
      out,
      files: files.map((file) => path.join(out, file.name)),
      todo: [...notes, ...next],
    });
    return 0;
  }
  for (const file of files)
    writeLine(context.io.stdout, `wrote ${path.join(out, file.name)}${file.secret ? ' (0640)' : ''}`);
  writeLine(context.io.stdout);
  writeLine(context.io.stdout, 'Then:');
  for (const step of [...notes, ...next]) writeLine(context.io.stdout, `  ${step}`);
  return 0;
}

export const setupDovecotCommand: CliCommand = {
  path: ['setup', 'dovecot'],
  args: [],
  summary:
    "Write Dovecot's Mailwarden files (Lua passdb, auth policy, Postfix SASL socket, audit, doveadm) with this installation's secrets, URL and ports.",
  flags: { out: true, dovecot: true, 'dovecot-dir': true, 'postfix-spool': true, force: false },
  data: 'none',
  async run(context) {
    const out = outDir(context.flags);
    const version = context.flags['dovecot'] ?? '2.3';
    if (version !== '2.3' && version !== '2.4') throw new UsageError('--dovecot is 2.3 or 2.4');
    const config = loadCliConfig(context.io, context.configFile);
    const authSecret = config.dovecot.authSecret;
    if (authSecret === null)
      throw new UsageError(
        'dovecot.authSecret is not set: set MAILWARDEN_DOVECOT_AUTH_SECRET (openssl rand -base64 32) for Mailwarden first, then run this again',
      );
    const doveadmUrl = config.dovecot.doveadmUrl === null ? null : new URL(config.dovecot.doveadmUrl);
    const dovecotDir = stringFlag(context.flags, 'dovecot-dir') ?? '/etc/dovecot';
    const files = renderDovecotSetup({
      version,
      dovecotDir,
      postfixSpool: stringFlag(context.flags, 'postfix-spool') ?? '/var/spool/postfix',
      mailwardenAddress: `${mailwardenHost(config)}:${config.http.port}`,
      authSecret,
      eventsSecret: config.dovecot.eventsSecret,
      doveadm:
        doveadmUrl === null || config.dovecot.doveadmApiKey === null
          ? null
          : {
              address: doveadmUrl.hostname.replace(/^\[|\]$/g, ''),
              port: Number(doveadmUrl.port || 80),
              apiKey: config.dovecot.doveadmApiKey,
            },
      nonce: randomBytes(18).toString('base64url'),
    });
    const notes = writeFiles(out, files, context.flags['force'] === true);
    return report(context, out, files, notes, [
      ...(path.resolve(out) === path.resolve(dovecotDir)
        ? []
        : [`copy ${out}/ into ${dovecotDir}/ (keeping modes and owners: cp -a)`]),
      `comment out the other passdb includes of ${dovecotDir}/conf.d/10-auth.conf (!include auth-system.conf.ext)`,
      'adjust userdb in conf.d/90-mailwarden-auth.conf to your mail location',
      'doveconf -n && doveadm reload',
      'mailwarden doctor',
    ]);
  },
};

export const setupPostfixCommand: CliCommand = {
  path: ['setup', 'postfix'],
  args: [],
  summary:
    "Write the main.cf lines and master.cf submission entry that make Postfix ask Mailwarden's policy service and sign in through Dovecot SASL.",
  flags: { out: true, force: false },
  data: 'none',
  async run(context) {
    const out = outDir(context.flags);
    const config = loadCliConfig(context.io, context.configFile);
    const files = renderPostfixSetup({
      policyAddress: `${mailwardenHost(config)}:${config.policy.port}`,
      saslPath: 'private/auth',
      milterAddress: milterAddressOf(config),
    });
    const notes = writeFiles(out, files, context.flags['force'] === true);
    if (!config.milter.listen)
      notes.push(
        'milter.listen is not set: mail through Postfix gets limits and restrictions but no content verdict (spam, quarantine); set MAILWARDEN_MILTER_LISTEN=127.0.0.1:10041 and run setup postfix again',
      );
    return report(context, out, files, notes, [
      `append ${out}/main.cf to /etc/postfix/main.cf`,
      `replace the submission entry of /etc/postfix/master.cf with ${out}/master.cf`,
      'postfix check && postfix reload',
      'mailwarden doctor',
    ]);
  },
};

function stringFlag(flags: CliFlags, name: string): string | undefined {
  const value = flags[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** `setup dovecot`, `setup postfix` and `doctor`, which checks what they wrote. */
export const setupCommands: readonly CliCommand[] = [setupDovecotCommand, setupPostfixCommand, doctorCommand];
