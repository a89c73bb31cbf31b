import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { loadConfig } from '../../src/config/index.js';
import { createSecretBox, openWithKey, parseSecretKey, sealWithKey } from '../../src/runtime/secret-box.js';
import { makeTempDir } from '../support/test-app.js';

describe('secret box (AES-256-GCM)', () => {
  const key = randomBytes(32);

  test('seals the same plaintext to a different ciphertext each time, and opens both', () => {
    const first = sealWithKey(key, 'whsec_same-secret');
    const second = sealWithKey(key, 'whsec_same-secret');
    assert.notEqual(first, second);
    assert.ok(!first.includes('whsec_same-secret'));
    assert.equal(openWithKey(key, first), 'whsec_same-secret');
    assert.equal(openWithKey(key, second), 'whsec_same-secret');
  });

  test('detects tampering with the ciphertext, the IV or the tag', () => {
    const sealed = sealWithKey(key, 'whsec_tamper-me');
    const parts = sealed.split('.');
    for (const index of [1, 2, 3]) {
      const altered = [...parts];
      const bytes = Buffer.from(altered[index]!, 'base64url');
      bytes[0] = bytes[0]! ^ 0x01;
      altered[index] = bytes.toString('base64url');
      assert.throws(() => openWithKey(key, altered.join('.')), /cannot be opened|unknown format/);
    }
    assert.throws(() => openWithKey(key, 'v2.a.b.c'), /unknown format/);
  });

  test('does not open under another key', () => {
    const sealed = sealWithKey(key, 'whsec_other-key');
    assert.throws(() => openWithKey(randomBytes(32), sealed), /another secrets\.key/);
  });

  test('uses secrets.key when set, and a 0600 key file created on first use when not', async () => {
    const temp = makeTempDir();
    try {
      const configured = createSecretBox({ key: key.toString('base64'), dataDir: temp.dir });
      assert.equal(openWithKey(key, await configured.seal('from config')), 'from config');

      const fromFile = createSecretBox({ key: null, dataDir: temp.dir });
      const sealed = await fromFile.seal('from file');
      const keyFile = path.join(temp.dir, 'keys', 'secret.key');
      assert.equal(statSync(keyFile).mode & 0o777, 0o600);
      const fileKey = parseSecretKey(readFileSync(keyFile, 'utf8'));
      assert.ok(fileKey);
      assert.equal(openWithKey(fileKey, sealed), 'from file');
      // Another instance on the same data folder reads the same key.
      assert.equal(await createSecretBox({ key: null, dataDir: temp.dir }).open(sealed), 'from file');
      await assert.rejects(configured.open(sealed), /another secrets\.key/);
    } finally {
      temp.remove();
    }
  });

  test('a secrets.key that is not 32 bytes of base64 is a configuration problem', () => {
    const outcome = loadConfig({ env: { MAILWARDEN_SECRETS_KEY: 'too-short' } });
    assert.equal(outcome.ok, false);
    assert.ok(!outcome.ok && outcome.problems.some((problem) => problem.startsWith('secrets.key:')));
    assert.ok(!outcome.ok && !outcome.problems.join(' ').includes('too-short'));
    const good = loadConfig({ env: { MAILWARDEN_SECRETS_KEY: key.toString('base64') } });
    assert.ok(good.ok);
  });
});
