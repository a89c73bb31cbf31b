import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { configKeys, toEnvironmentName } from '../../src/config/index.js';

const doc = readFileSync(
  path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../docs/CONFIGURATION.md'),
  'utf8',
);

test('docs/CONFIGURATION.md documents every config key with its environment variable', () => {
  for (const key of configKeys) {
    assert.ok(
      doc.includes(`| \`${key.path}\` | \`${toEnvironmentName(key.path)}\` |`),
      `${key.path} is documented`,
    );
  }
});

test('the environment variables named in the issue keep their exact names', () => {
  const names = new Set(configKeys.map((key) => toEnvironmentName(key.path)));
  for (const name of [
    'MAILWARDEN_DATA_DIR',
    'MAILWARDEN_DATABASE_URL',
    'MAILWARDEN_SMTP_PORT',
    'MAILWARDEN_SMTPS_PORT',
    'MAILWARDEN_HTTP_PORT',
    'MAILWARDEN_LISTEN',
    'MAILWARDEN_RELAY_URL',
    'MAILWARDEN_POLICY_PORT',
    'MAILWARDEN_DNS_SERVERS',
  ])
    assert.ok(names.has(name), name);
});
