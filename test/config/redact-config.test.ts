import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Config, loadConfig, redactConfig } from '../../src/config/index.js';

function configWith(env: Record<string, string>): Config {
  const outcome = loadConfig({ env });
  if (!outcome.ok) assert.fail(outcome.problems.join('; '));
  return outcome.config;
}

function section(redacted: Record<string, unknown>, name: string): Record<string, unknown> {
  return redacted[name] as Record<string, unknown>;
}

describe('redactConfig', () => {
  test('hides the password of database.url and relay.url but keeps scheme, user, host, port and path', () => {
    const config = configWith({
      MAILWARDEN_DATABASE_URL: 'postgres://mailwarden:s3cret-db-pw@db.internal:5433/mailwarden',
      MAILWARDEN_RELAY_URL: 'smtps://relay-user:hunter2-relay@smtp.example.org:465',
    });
    const redacted = redactConfig(config);
    assert.equal(
      section(redacted, 'database')['url'],
      'postgres://mailwarden:***@db.internal:5433/mailwarden',
    );
    assert.equal(section(redacted, 'relay')['url'], 'smtps://relay-user:***@smtp.example.org:465');
    const printed = JSON.stringify(redacted);
    assert.ok(!printed.includes('s3cret-db-pw'));
    assert.ok(!printed.includes('hunter2-relay'));
  });

  test('hides a password given as a query parameter of the database URL', () => {
    const config = configWith({
      MAILWARDEN_DATABASE_URL:
        'postgres://mailwarden@db.internal/mailwarden?password=s3cret-db-pw&sslmode=require',
    });
    const url = String(section(redactConfig(config), 'database')['url']);
    assert.ok(!url.includes('s3cret-db-pw'), url);
    assert.match(url, /^postgres:\/\/mailwarden@db\.internal\/mailwarden\?/);
    assert.match(url, /sslmode=require/);
  });

  test('hides a percent-encoded password', () => {
    const config = configWith({
      MAILWARDEN_RELAY_URL: 'smtp://relay-user:p%40ss%3Aword@smtp.example.org:587',
    });
    const url = String(section(redactConfig(config), 'relay')['url']);
    assert.equal(url, 'smtp://relay-user:***@smtp.example.org:587');
  });

  test('leaves URLs without a password, unset secrets and everything else as they are', () => {
    const config = configWith({ MAILWARDEN_RELAY_URL: 'smtp://smtp.example.org:25' });
    const redacted = redactConfig(config);
    assert.equal(section(redacted, 'relay')['url'], 'smtp://smtp.example.org:25');
    assert.equal(section(redacted, 'database')['url'], null);
    assert.deepEqual({ ...redacted, relay: config.relay }, JSON.parse(JSON.stringify(config)));
  });

  test('returns a copy and leaves the frozen config untouched', () => {
    const config = configWith({
      MAILWARDEN_DATABASE_URL: 'postgres://mailwarden:s3cret-db-pw@db.internal/mailwarden',
    });
    const redacted = redactConfig(config);
    assert.notEqual(redacted, config);
    assert.equal(config.database.url, 'postgres://mailwarden:s3cret-db-pw@db.internal/mailwarden');
    section(redacted, 'smtp')['port'] = 1;
    assert.equal(config.smtp.port, 2587);
  });
});
