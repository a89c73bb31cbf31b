import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { type Config, configKeys, loadConfig, toEnvironmentName } from '../../src/config/index.js';
import { makeTempDir } from '../support/test-app.js';

const MEBIBYTE = 1024 * 1024;

function load(sources: Parameters<typeof loadConfig>[0]): Config {
  const outcome = loadConfig(sources);
  if (!outcome.ok) assert.fail(`expected a valid config, got: ${outcome.problems.join('; ')}`);
  return outcome.config;
}

function problemsOf(sources: Parameters<typeof loadConfig>[0]): string[] {
  const outcome = loadConfig(sources);
  assert.equal(outcome.ok, false, 'the config is refused');
  return outcome.ok ? [] : outcome.problems;
}

/** Asserts that each pattern matches a problem of its own. */
function assertProblems(problems: string[], patterns: RegExp[]) {
  for (const pattern of patterns) {
    assert.ok(
      problems.some((problem) => pattern.test(problem)),
      `a problem matches ${pattern}; got:\n  ${problems.join('\n  ')}`,
    );
  }
}

describe('loadConfig', () => {
  const temp = makeTempDir('mailwarden-config-');
  after(() => temp.remove());

  function writeYaml(name: string, text: string): string {
    const file = path.join(temp.dir, name);
    writeFileSync(file, text);
    return file;
  }

  test('lists every problem at once', () => {
    const certFile = writeYaml('cert.pem', '-----BEGIN CERTIFICATE-----\n');
    const problems = problemsOf({
      env: {
        MAILWARDEN_SMTP_PORT: '70000',
        MAILWARDEN_SMPT_PORT: '25',
        MAILWARDEN_RELAY_URL: 'http://relay.example.org',
        MAILWARDEN_TLS_CERT_FILE: certFile,
        MAILWARDEN_HTTP_PORT: 'eighty',
        MAILWARDEN_LOG_LEVEL: 'verbose',
        MAILWARDEN_DATABASE_URL: 'mysql://db.internal/mailwarden',
      },
    });
    assertProblems(problems, [
      /^MAILWARDEN_SMTP_PORT: must be between 0 and 65535 \(got 70000\)$/,
      /^MAILWARDEN_SMPT_PORT: unknown environment variable/,
      /^relay\.url: must be smtp:\/\/host:port or smtps:\/\/user:pass@host:port \(got http:\)$/,
      /^tls\.certFile and tls\.keyFile: set both or neither$/,
      /^MAILWARDEN_HTTP_PORT: must be a whole number \(got "eighty"\)$/,
      /^MAILWARDEN_LOG_LEVEL: must be one of debug, info, warn, error \(got "verbose"\)$/,
      /^database\.url: must start with postgres:\/\//,
    ]);
    assert.equal(problems.length, 7, problems.join('\n'));
  });

  test('reports a relay URL that is not a URL, an unreadable TLS file and ports used twice', () => {
    const problems = problemsOf({
      env: {
        MAILWARDEN_RELAY_URL: 'relay.example.org:25',
        MAILWARDEN_TLS_CERT_FILE: path.join(temp.dir, 'missing-cert.pem'),
        MAILWARDEN_TLS_KEY_FILE: path.join(temp.dir, 'missing-key.pem'),
        MAILWARDEN_SMTP_PORT: '8025',
        MAILWARDEN_SMTP_MAX_MESSAGE_BYTES: '10',
      },
    });
    assertProblems(problems, [
      /^relay\.url: /,
      /^tls: cannot read .*missing-cert\.pem \(ENOENT\)$/,
      /^tls: cannot read .*missing-key\.pem \(ENOENT\)$/,
      /^(smtp|http)\.port: port 8025 is already used by (smtp|http)\.port$/,
      /^MAILWARDEN_SMTP_MAX_MESSAGE_BYTES: must be between 1024 and 1073741824 \(got 10\)$/,
    ]);
  });

  test('an alert sender that is not one plain address is a problem at start-up', () => {
    assertProblems(problemsOf({ env: { MAILWARDEN_NOTIFY_EMAIL_FROM: 'Security <security@example.org>' } }), [
      /^notify\.emailFrom: must be one plain address/,
    ]);
    const good = loadConfig({ env: { MAILWARDEN_NOTIFY_EMAIL_FROM: 'security@example.org' } });
    assert.equal(good.ok && good.config.notify.emailFrom, 'security@example.org');
  });

  test('derives every environment name from the key path', () => {
    assert.equal(toEnvironmentName('dns.servers'), 'MAILWARDEN_DNS_SERVERS');
    assert.equal(toEnvironmentName('smtp.maxMessageBytes'), 'MAILWARDEN_SMTP_MAX_MESSAGE_BYTES');
    assert.equal(toEnvironmentName('tls.certFile'), 'MAILWARDEN_TLS_CERT_FILE');
    assert.equal(toEnvironmentName('listen'), 'MAILWARDEN_LISTEN');
    const names = configKeys.map((key) => toEnvironmentName(key.path));
    assert.equal(new Set(names).size, names.length, 'no two keys share an environment name');
    for (const name of names) assert.match(name, /^MAILWARDEN_[A-Z0-9]+(_[A-Z0-9]+)*$/);
  });

  test('recognises the environment variable of every config key', () => {
    const env = Object.fromEntries(configKeys.map((key) => [toEnvironmentName(key.path), '']));
    const config = load({ env });
    assert.equal(config.smtp.port, 2587, 'an empty variable means the default');
  });

  test('reads lists and numbers from the environment', () => {
    const config = load({
      env: {
        MAILWARDEN_DNS_SERVERS: '127.0.0.1:5353, 127.0.0.2:53,',
        MAILWARDEN_SMTP_MAX_MESSAGE_BYTES: String(10 * MEBIBYTE),
        MAILWARDEN_SMTP_REQUIRE_TLS: 'off',
        MAILWARDEN_DATABASE_POOL_SIZE: ' 25 ',
        MAILWARDEN_LOG_LEVEL: 'debug',
      },
    });
    assert.deepEqual(config.dns.servers, ['127.0.0.1:5353', '127.0.0.2:53']);
    assert.equal(config.smtp.maxMessageBytes, 10 * MEBIBYTE);
    assert.equal(config.smtp.requireTls, false);
    assert.equal(config.database.poolSize, 25);
    assert.equal(config.log.level, 'debug');
  });

  test('DNS servers must be IP addresses with an optional port; the MTA-STS CA file must be readable', () => {
    const ok = load({ env: { MAILWARDEN_DNS_SERVERS: '127.0.0.1, 127.0.0.1:5353, ::1, [::1]:53' } });
    assert.deepEqual(ok.dns.servers, ['127.0.0.1', '127.0.0.1:5353', '::1', '[::1]:53']);
    const problems = problemsOf({
      env: {
        MAILWARDEN_DNS_SERVERS: 'dns.example.org,127.0.0.1:99999',
        MAILWARDEN_SCORE_MTA_STS_CA_FILE: '/nonexistent/ca.pem',
      },
    });
    assertProblems(problems, [
      /dns\.servers: "dns\.example\.org" is not an IP address/,
      /dns\.servers: "127\.0\.0\.1:99999" is not an IP address/,
      /score\.mtaStsCaFile: cannot read \/nonexistent\/ca\.pem \(ENOENT\)/,
    ]);
  });

  test('a web console listening beyond loopback needs web.publicUrl, named at start-up', () => {
    assertProblems(problemsOf({ env: { MAILWARDEN_LISTEN: '0.0.0.0' } }), [
      /web\.publicUrl: required when listen \(0\.0\.0\.0\) is not a loopback address/,
    ]);
    assertProblems(problemsOf({ env: { MAILWARDEN_LISTEN: '192.0.2.10' } }), [/web\.publicUrl: required/]);
    for (const env of [
      { MAILWARDEN_LISTEN: '0.0.0.0', MAILWARDEN_WEB_PUBLIC_URL: 'https://mail.example.org' },
      { MAILWARDEN_LISTEN: '0.0.0.0', MAILWARDEN_WEB_ENABLED: 'false' },
      { MAILWARDEN_LISTEN: '0.0.0.0', MAILWARDEN_HTTP_ENABLED: 'false' },
      { MAILWARDEN_LISTEN: '127.0.0.2' },
      { MAILWARDEN_LISTEN: '::1' },
      { MAILWARDEN_LISTEN: 'localhost' },
    ])
      assert.ok(load({ env }), JSON.stringify(env));
  });

  test('reads the YAML file, from sources.file or MAILWARDEN_CONFIG', () => {
    const file = writeYaml(
      'mailwarden.yaml',
      [
        'listen: 0.0.0.0',
        'web:',
        '  publicUrl: https://mail.example.org',
        'smtp:',
        '  port: 1587',
        '  hostname: mail.example.org',
        '  requireTls: false',
        'dns:',
        '  servers:',
        '    - 10.0.0.53:53',
        '    - 10.0.0.54:53',
        'database:',
        '  url: postgres://mailwarden@db.internal/mailwarden',
        '',
      ].join('\n'),
    );
    for (const sources of [{ env: {}, file }, { env: { MAILWARDEN_CONFIG: file } }]) {
      const config = load(sources);
      assert.equal(config.listen, '0.0.0.0');
      assert.equal(config.smtp.port, 1587);
      assert.equal(config.smtp.hostname, 'mail.example.org');
      assert.equal(config.smtp.requireTls, false);
      assert.deepEqual(config.dns.servers, ['10.0.0.53:53', '10.0.0.54:53']);
      assert.equal(config.database.url, 'postgres://mailwarden@db.internal/mailwarden');
      assert.equal(config.smtps.port, 2465, 'keys the file leaves out keep their default');
    }
  });

  test('the environment overrides the file, and overrides override both', () => {
    const file = writeYaml('override.yaml', 'smtp:\n  port: 1587\nhttp:\n  port: 1080\n');
    const config = load({ env: { MAILWARDEN_SMTP_PORT: '1588', MAILWARDEN_HTTP_PORT: '1081' }, file });
    assert.equal(config.smtp.port, 1588);
    assert.equal(config.http.port, 1081);
    const overridden = load({
      env: { MAILWARDEN_SMTP_PORT: '1588' },
      file,
      overrides: { 'smtp.port': 1589 },
    });
    assert.equal(overridden.smtp.port, 1589);
    assert.equal(overridden.http.port, 1080);
  });

  test('reports unknown YAML keys with their path, and bad YAML values with file and path', () => {
    const file = writeYaml(
      'unknown.yaml',
      ['smtp:', '  prot: 25', '  port: seventy', 'bogus: 1', 'relay:', '  tls:', '    verify: true', ''].join(
        '\n',
      ),
    );
    const problems = problemsOf({ env: {}, file });
    assertProblems(problems, [
      new RegExp(`^${escapeRegExp(file)}: smtp\\.prot: unknown config key$`),
      new RegExp(`^${escapeRegExp(file)}: bogus: unknown config key$`),
      new RegExp(`^${escapeRegExp(file)}: relay\\.tls: unknown config key$`),
      new RegExp(`^${escapeRegExp(file)}: smtp\\.port: must be a whole number \\(got "seventy"\\)$`),
    ]);
    assert.equal(problems.length, 4, problems.join('\n'));
  });

  test('reports a file that is not valid YAML, is not a mapping, or cannot be read', () => {
    const invalid = writeYaml('invalid.yaml', 'smtp:\n  port: [2587\n');
    assertProblems(problemsOf({ env: {}, file: invalid }), [
      new RegExp(`^${escapeRegExp(invalid)}: not valid YAML`),
    ]);
    const list = writeYaml('list.yaml', '- smtp\n- http\n');
    assertProblems(problemsOf({ env: {}, file: list }), [
      new RegExp(`^${escapeRegExp(list)}: the top level must be a mapping`),
    ]);
    const missing = path.join(temp.dir, 'missing.yaml');
    assertProblems(problemsOf({ env: { MAILWARDEN_CONFIG: missing } }), [
      new RegExp(`^${escapeRegExp(missing)}: cannot read config file \\(ENOENT\\)$`),
    ]);
  });

  test('an empty YAML file means every default', () => {
    const config = load({ env: {}, file: writeYaml('empty.yaml', '# nothing set\n') });
    assert.equal(config.smtp.port, 2587);
  });

  test('the defaults are the documented ones', () => {
    const config = load({ env: {} });
    assert.equal(config.listen, '127.0.0.1');
    assert.equal(config.smtp.port, 2587);
    assert.equal(config.smtps.port, 2465);
    assert.equal(config.http.port, 8025);
    assert.equal(config.policy.port, 10040);
    assert.equal(config.data.dir, path.resolve('data'));
    assert.ok(path.isAbsolute(config.data.dir), 'data.dir is resolved to an absolute path');
    assert.equal(config.database.url, null);
    assert.equal(config.relay.url, null);
    assert.equal(config.smtp.maxMessageBytes, 35 * MEBIBYTE);
    assert.equal(config.smtp.requireTls, true);
    assert.equal(config.tls.certFile, null);
    assert.equal(config.tls.keyFile, null);
    assert.deepEqual(config.dns.servers, []);
    assert.equal(config.log.level, 'info');
    for (const key of configKeys) {
      const value = key.path
        .split('.')
        .reduce<unknown>((node, part) => (node as Record<string, unknown>)[part], config);
      const expected = key.path === 'data.dir' ? path.resolve(String(key.defaultValue)) : key.defaultValue;
      assert.deepEqual(value, expected, `${key.path} defaults to its documented value`);
    }
  });

  test('a relative data.dir is resolved to an absolute path', () => {
    const config = load({ env: { MAILWARDEN_DATA_DIR: 'var/mailwarden' } });
    assert.equal(config.data.dir, path.resolve('var/mailwarden'));
  });

  test('the returned config is frozen, all the way down', () => {
    const config = load({ env: { MAILWARDEN_DNS_SERVERS: '127.0.0.1:53' } });
    assert.ok(Object.isFrozen(config));
    assert.ok(Object.isFrozen(config.smtp));
    assert.ok(Object.isFrozen(config.dns.servers));
    assert.throws(() => {
      (config.smtp as { port: number }).port = 25;
    }, TypeError);
    assert.throws(() => {
      config.dns.servers.push('10.0.0.1:53');
    }, TypeError);
    assert.equal(config.smtp.port, 2587);
  });

  test('a frozen default does not leak between loads', () => {
    const first = load({ env: {} });
    const second = load({ env: { MAILWARDEN_DNS_SERVERS: '127.0.0.1:53' } });
    assert.deepEqual(first.dns.servers, []);
    assert.deepEqual(second.dns.servers, ['127.0.0.1:53']);
    assert.deepEqual(load({ env: {} }).dns.servers, []);
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

test('milter.listen and spam.rspamdUrl: read from the environment, and refused when malformed', () => {
  const config = load({
    env: {
      MAILWARDEN_MILTER_LISTEN: '127.0.0.1:10041',
      MAILWARDEN_SPAM_RSPAMD_URL: 'http://127.0.0.1:11333',
      MAILWARDEN_SPAM_RSPAMD_TIMEOUT_MS: '2000',
    },
  });
  assert.equal(config.milter.listen, '127.0.0.1:10041');
  assert.equal(config.spam.rspamdUrl, 'http://127.0.0.1:11333');
  assert.equal(config.spam.rspamdTimeoutMs, 2000);
  assert.equal(load({ env: {} }).milter.listen, null, 'no milter unless asked for');
  assertProblems(
    problemsOf({ env: { MAILWARDEN_MILTER_LISTEN: '10041', MAILWARDEN_SPAM_RSPAMD_URL: 'rspamd:11333' } }),
    [/^milter\.listen: must be HOST:PORT/, /^spam\.rspamdUrl: must be Rspamd's http\(s\) URL/],
  );
});
