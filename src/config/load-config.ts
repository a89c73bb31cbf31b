import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { parseSecretKey } from '../runtime/secret-box.js';
import type { Config } from './config.js';
import { type ConfigKey, configKeys, toEnvironmentName } from './config-keys.js';

export type LoadConfigOutcome = { ok: true; config: Config } | { ok: false; problems: string[] };

export interface ConfigSources {
  env: Record<string, string | undefined>;
  /** YAML file; MAILWARDEN_CONFIG in env names one too. */
  file?: string;
  /** Values set by the caller (tests, CLI flags) on top of file and env. */
  overrides?: Record<string, unknown>;
}

/** Variables that are not config keys but are read here on purpose. */
// MAILWARDEN_WORKER_SLOT: set by `serve`'s supervisor on each worker process it starts (worker-pool.ts).
const nonKeyEnvironmentNames = new Set(['MAILWARDEN_CONFIG', 'MAILWARDEN_WORKER_SLOT']);

/**
 * Loads defaults ← YAML file ← environment ← overrides, validates every key and the combinations,
 * and reports every problem at once (Outline's env.ts habit) instead of failing on the first.
 */
export function loadConfig(sources: ConfigSources): LoadConfigOutcome {
  const problems: string[] = [];
  const raw = new Map<string, { value: unknown; origin: string }>();

  const filePath = sources.file ?? sources.env['MAILWARDEN_CONFIG'];
  if (filePath) readConfigFile(filePath, raw, problems);

  const keysByEnvironmentName = new Map(configKeys.map((key) => [toEnvironmentName(key.path), key]));
  for (const [name, value] of Object.entries(sources.env)) {
    if (!name.startsWith('MAILWARDEN_') || value === undefined) continue;
    const key = keysByEnvironmentName.get(name);
    if (key) raw.set(key.path, { value, origin: name });
    else if (!nonKeyEnvironmentNames.has(name))
      problems.push(`${name}: unknown environment variable (no such config key)`);
  }
  for (const [keyPath, value] of Object.entries(sources.overrides ?? {})) {
    raw.set(keyPath, { value, origin: keyPath });
  }

  const values: Record<string, unknown> = {};
  for (const key of configKeys) {
    const given = raw.get(key.path);
    if (!given || given.value === undefined || given.value === null || given.value === '') {
      values[key.path] = key.defaultValue;
      continue;
    }
    const parsed = parseValue(key, given.value);
    if (parsed.ok) values[key.path] = parsed.value;
    else {
      problems.push(`${given.origin}: ${parsed.problem}`);
      // The default stands in so that the combination checks below do not report the same key twice.
      values[key.path] = key.defaultValue;
    }
  }

  const config = toConfig(values);
  problems.push(...checkCombinations(config));
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, config: deepFreeze(config) };
}

function readConfigFile(
  filePath: string,
  raw: Map<string, { value: unknown; origin: string }>,
  problems: string[],
): void {
  let text: string;
  try {
    text = readFileSync(filePath, 'utf8');
  } catch (error) {
    problems.push(
      `${filePath}: cannot read config file (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
    return;
  }
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    problems.push(`${filePath}: not valid YAML (${(error as Error).message.split('\n')[0]})`);
    return;
  }
  if (document === null || document === undefined) return;
  if (typeof document !== 'object' || Array.isArray(document)) {
    problems.push(`${filePath}: the top level must be a mapping of keys`);
    return;
  }
  const knownPaths = new Set(configKeys.map((key) => key.path));
  const knownPrefixes = new Set(configKeys.flatMap((key) => prefixesOf(key.path)));
  const walk = (node: Record<string, unknown>, prefix: string) => {
    for (const [name, value] of Object.entries(node)) {
      const keyPath = prefix ? `${prefix}.${name}` : name;
      if (knownPaths.has(keyPath)) raw.set(keyPath, { value, origin: `${filePath}: ${keyPath}` });
      else if (knownPrefixes.has(keyPath) && value && typeof value === 'object' && !Array.isArray(value))
        walk(value as Record<string, unknown>, keyPath);
      else problems.push(`${filePath}: ${keyPath}: unknown config key`);
    }
  };
  walk(document as Record<string, unknown>, '');
}

function prefixesOf(keyPath: string): string[] {
  const parts = keyPath.split('.');
  return parts.slice(0, -1).map((_, index) => parts.slice(0, index + 1).join('.'));
}

type ParsedValue = { ok: true; value: unknown } | { ok: false; problem: string };

function parseValue(key: ConfigKey, value: unknown): ParsedValue {
  switch (key.kind) {
    case 'string':
      if (typeof value === 'string' || typeof value === 'number') return { ok: true, value: String(value) };
      return { ok: false, problem: 'must be a string' };
    case 'enum': {
      const text = String(value);
      if (key.values?.includes(text)) return { ok: true, value: text };
      return { ok: false, problem: `must be one of ${key.values?.join(', ')} (got "${text}")` };
    }
    case 'boolean': {
      if (typeof value === 'boolean') return { ok: true, value };
      const text = String(value).toLowerCase();
      if (['true', '1', 'yes', 'on'].includes(text)) return { ok: true, value: true };
      if (['false', '0', 'no', 'off'].includes(text)) return { ok: true, value: false };
      return { ok: false, problem: `must be true or false (got "${String(value)}")` };
    }
    case 'port':
    case 'integer': {
      const text = String(value).trim();
      const number = /^-?\d+$/.test(text) ? Number(text) : Number.NaN;
      const min = key.kind === 'port' ? 0 : (key.min ?? Number.MIN_SAFE_INTEGER);
      const max = key.kind === 'port' ? 65535 : (key.max ?? Number.MAX_SAFE_INTEGER);
      if (!Number.isSafeInteger(number))
        return { ok: false, problem: `must be a whole number (got "${text}")` };
      if (number < min || number > max)
        return { ok: false, problem: `must be between ${min} and ${max} (got ${number})` };
      return { ok: true, value: number };
    }
    case 'string-list': {
      if (Array.isArray(value)) return { ok: true, value: value.map(String) };
      return {
        ok: true,
        value: String(value)
          .split(',')
          .map((part) => part.trim())
          .filter(Boolean),
      };
    }
  }
}

function toConfig(values: Record<string, unknown>): Config {
  const config: Record<string, unknown> = {};
  for (const [keyPath, value] of Object.entries(values)) {
    const parts = keyPath.split('.');
    let node = config;
    for (const part of parts.slice(0, -1)) {
      node[part] ??= {};
      node = node[part] as Record<string, unknown>;
    }
    node[parts[parts.length - 1]!] = value;
  }
  const typed = config as unknown as Config;
  typed.data.dir = path.resolve(typed.data.dir);
  return typed;
}

/** More processes than this on one host would share its cores and memory with no gain. */
export const MAX_WORKERS = 64;

/**
 * How many processes `serve` runs: the number given, or for `auto` one per core (`cores`,
 * os.availableParallelism()) on PostgreSQL and one on SQLite; null when the value is neither
 * (loadConfig reports it).
 *
 * Why one on SQLite: every worker writes the same file, and SQLite lets one writer in at a time, the
 * others waiting by polling. Measured with bench/gateway-throughput on 2 cores (the load generator on
 * the same machine), two workers on SQLite took 1.6× the CPU per message of one process and gave
 * 0.8–0.9× its throughput. On PostgreSQL the workers' writes interleave in the server as several
 * instances' do. `workers: 2` (or more) on SQLite still runs that many, exact as on PostgreSQL.
 */
export function workerCount(value: string, cores: number, database: 'sqlite' | 'postgres'): number | null {
  const text = value.trim().toLowerCase();
  if (text === 'auto') return database === 'sqlite' ? 1 : Math.max(1, Math.min(MAX_WORKERS, cores));
  if (!/^\d+$/.test(text)) return null;
  const count = Number(text);
  return count >= 1 && count <= MAX_WORKERS ? count : null;
}

function checkCombinations(config: Config): string[] {
  const problems: string[] = [];
  if (workerCount(config.workers, 1, 'sqlite') === null)
    problems.push(
      `workers: must be auto (one per core) or a whole number from 1 to ${MAX_WORKERS} (got "${config.workers}")`,
    );
  if (config.database.url !== null && !/^postgres(ql)?:\/\//.test(config.database.url))
    problems.push('database.url: must start with postgres:// (leave unset for SQLite)');
  if (config.notify.emailFrom !== null && !/^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$/.test(config.notify.emailFrom))
    problems.push('notify.emailFrom: must be one plain address such as security@example.org');
  if (config.relay.url !== null) {
    try {
      const url = new URL(config.relay.url);
      if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:')
        problems.push(
          `relay.url: must be smtp://host:port or smtps://user:pass@host:port (got ${url.protocol})`,
        );
      if (!url.hostname) problems.push('relay.url: has no host');
    } catch {
      problems.push('relay.url: not a URL; expected smtp://host:port or smtps://user:pass@host:port');
    }
  }
  if (config.secrets.key !== null && parseSecretKey(config.secrets.key) === null)
    problems.push('secrets.key: must be 32 bytes in base64 (make one with: openssl rand -base64 32)');
  if (config.dovecot.doveadmUrl !== null && !/^https?:\/\/[^/]/.test(config.dovecot.doveadmUrl))
    problems.push('dovecot.doveadmUrl: must be http(s)://host:port/doveadm/v1');
  if ((config.dovecot.doveadmUrl === null) !== (config.dovecot.doveadmApiKey === null))
    problems.push('dovecot.doveadmUrl and dovecot.doveadmApiKey: set both or neither');
  if (config.dovecot.eventsSecret !== null && config.dovecot.eventsSecret.length < 16)
    problems.push('dovecot.eventsSecret: use at least 16 characters (openssl rand -hex 16)');
  if (config.dovecot.authSecret !== null && config.dovecot.authSecret.length < 24)
    problems.push('dovecot.authSecret: at least 24 characters (make one with: openssl rand -base64 32)');
  if (config.audit.anchorWebhookUrl !== null && !/^https?:\/\/[^/]/.test(config.audit.anchorWebhookUrl))
    problems.push('audit.anchorWebhookUrl: must be an http(s):// URL');
  if (
    config.import.source !== null &&
    !/^(dovecot-passwd:\/|csv:\/|sql:(mailcow|modoboa|mailinabox|postfixadmin):(mysql|mariadb|postgres|postgresql|sqlite):)/.test(
      config.import.source,
    )
  )
    problems.push(
      'import.source: expected dovecot-passwd:/path, csv:/path or sql:<mailcow|modoboa|mailinabox|postfixadmin>:<mysql://…|postgres://…|sqlite:///path>',
    );
  if ((config.tls.certFile === null) !== (config.tls.keyFile === null))
    problems.push('tls.certFile and tls.keyFile: set both or neither');
  for (const file of [config.tls.certFile, config.tls.keyFile]) {
    if (file === null) continue;
    try {
      readFileSync(file);
    } catch (error) {
      problems.push(`tls: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  for (const server of config.dns.servers)
    if (!isDnsServer(server))
      problems.push(
        `dns.servers: ${JSON.stringify(server)} is not an IP address or IP:port (127.0.0.1:5353, [::1]:53)`,
      );
  for (const entry of config.notify.webhooks.allowInternalHosts)
    if (!isHostOrRange(entry))
      problems.push(
        `notify.webhooks.allowInternalHosts: ${JSON.stringify(entry)} is not a host name, an IP address or a CIDR range (chat.internal, 10.1.2.3, 10.0.0.0/8, fd00::/8)`,
      );
  if (config.score.mtaStsCaFile !== null) {
    try {
      readFileSync(config.score.mtaStsCaFile);
    } catch (error) {
      problems.push(
        `score.mtaStsCaFile: cannot read ${config.score.mtaStsCaFile} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
  }
  if (config.web.publicUrl !== null) {
    let url: URL | null = null;
    try {
      url = new URL(config.web.publicUrl);
    } catch {}
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.pathname !== '/' || url.search)
      problems.push('web.publicUrl: must be an origin such as https://mail.example.org (no path)');
  }
  // Without a public URL the console trusts only loopback names as its origin (console-app.ts); on
  // any other listener the origin every form post is checked against must be configured.
  if (
    config.web.enabled &&
    config.http.enabled &&
    config.web.publicUrl === null &&
    !isLoopbackHost(config.listen)
  )
    problems.push(
      `web.publicUrl: required when listen (${config.listen}) is not a loopback address and the web console is on: the origin browsers use, e.g. https://mail.example.org (or set web.enabled: false)`,
    );
  if (config.milter.listen !== null && parseHostPort(config.milter.listen) === null)
    problems.push('milter.listen: must be HOST:PORT, e.g. 127.0.0.1:10041');
  if (config.spam.rspamdUrl !== null) {
    let url: URL | null = null;
    try {
      url = new URL(config.spam.rspamdUrl);
    } catch {}
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:'))
      problems.push("spam.rspamdUrl: must be Rspamd's http(s) URL, e.g. http://127.0.0.1:11333");
  }
  const ports = [
    ['smtp.port', config.smtp.enabled ? config.smtp.port : null],
    ['smtps.port', config.smtps.enabled ? config.smtps.port : null],
    ['http.port', config.http.enabled ? config.http.port : null],
    ['policy.port', config.policy.enabled ? config.policy.port : null],
  ] as const;
  const seen = new Map<number, string>();
  for (const [name, port] of ports) {
    if (port === null || port === 0) continue;
    const other = seen.get(port);
    if (other) problems.push(`${name}: port ${port} is already used by ${other}`);
    seen.set(port, name);
  }
  return problems;
}

/** `127.0.0.1:10041` or `[::1]:10041` → host and port; null when it is neither. */
export function parseHostPort(value: string): { host: string; port: number } | null {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(value.trim());
  const port = Number(match?.[3]);
  if (!match || port > 65535) return null;
  return { host: (match[1] ?? match[2])!, port };
}

/** What node:dns setServers takes: an IP, IPv4:port or [IPv6]:port. */
function isDnsServer(value: string): boolean {
  if (isIP(value) !== 0) return true;
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|(\d{1,3}(?:\.\d{1,3}){3})):(\d{1,5})$/.exec(value);
  if (!match) return false;
  const port = Number(match[3]);
  return isIP(match[1] ?? match[2] ?? '') !== 0 && port >= 1 && port <= 65535;
}

/** 127.0.0.0/8, ::1 or localhost: reachable from this host only. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return bare === 'localhost' || bare === '::1' || (isIP(bare) === 4 && bare.startsWith('127.'));
}

/** A host name as the URL parser leaves it, an IP address, or an address/prefix-length range. */
function isHostOrRange(value: string): boolean {
  const [address = '', prefix, extra] = value.split('/');
  if (extra !== undefined) return false;
  if (prefix !== undefined) {
    const family = isIP(address);
    const length = /^\d{1,3}$/.test(prefix) ? Number(prefix) : -1;
    return family !== 0 && length >= 0 && length <= (family === 4 ? 32 : 128);
  }
  if (isIP(address) !== 0) return true;
  return /^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*\.?$/i.test(
    address,
  );
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
