import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runMailwarden } from '../support/cli-process.js';
import { makeTempDir } from '../support/test-app.js';

describe('mailwarden webhook', () => {
  const temp = makeTempDir('mailwarden-webhook-cli-');
  const env = { MAILWARDEN_DATA_DIR: path.join(temp.dir, 'data') };
  const cli = (args: string[]) => runMailwarden(args, { env });
  after(() => temp.remove());
  before(async () => assert.equal((await cli(['init'])).code, 0));

  test('add shows the signing secret once; list, deliveries and remove never show it', async () => {
    const added = await cli([
      'webhook',
      'add',
      'siem',
      '--url',
      'https://siem.example.net/hooks?k=1',
      '--json',
    ]);
    assert.equal(added.code, 0, added.stderr);
    const webhook = JSON.parse(added.stdout);
    assert.equal(webhook.name, 'siem');
    assert.equal(webhook.url, 'https://siem.example.net/hooks?k=1');
    assert.match(webhook.secret, /^whsec_/);

    const plain = await cli(['webhook', 'add', 'chat', '--url', 'http://hooks.example.net:9/in']);
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(plain.stdout.trim(), /^whsec_[A-Za-z0-9_-]+$/);
    assert.match(plain.stderr, /not shown again/);

    const list = await cli(['webhook', 'list', '--json']);
    assert.equal(list.code, 0, list.stderr);
    assert.deepEqual(
      JSON.parse(list.stdout).map((entry: { name: string }) => entry.name),
      ['chat', 'siem'],
    );
    assert.ok(!list.stdout.includes(webhook.secret));

    const deliveries = await cli(['webhook', 'deliveries', '--limit', '10', '--json']);
    assert.equal(deliveries.code, 0, deliveries.stderr);
    assert.deepEqual(JSON.parse(deliveries.stdout), []);

    const removed = await cli(['webhook', 'remove', 'chat']);
    assert.equal(removed.code, 0, removed.stderr);
    assert.match(removed.stdout, /removed webhook chat/);
  });

  test('refuses a bad URL, an internal URL, a missing --url, a duplicate name and an unknown webhook', async () => {
    const badUrl = await cli(['webhook', 'add', 'bad', '--url', 'ftp://example.org/', '--json']);
    assert.equal(badUrl.code, 1);
    assert.equal(JSON.parse(badUrl.stdout).error.code, 'invalid-url');
    const noUrl = await cli(['webhook', 'add', 'bad']);
    assert.equal(noUrl.code, 2);
    assert.match(noUrl.stderr, /--url/);
    const first = await cli(['webhook', 'add', 'twice', '--url', 'https://example.org/']);
    assert.equal(first.code, 0, first.stderr);
    const second = await cli(['webhook', 'add', 'twice', '--url', 'https://example.org/']);
    assert.equal(second.code, 1);
    assert.match(second.stderr, /webhook-name-taken/);
    const unknown = await cli(['webhook', 'remove', 'nobody']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /webhook-not-found/);
    const metadata = await cli(['webhook', 'add', 'm', '--url', 'http://169.254.169.254/latest/meta-data/']);
    assert.equal(metadata.code, 1);
    assert.match(metadata.stderr, /internal-url/);
    assert.match(metadata.stderr, /169\.254\.169\.254, a link-local address/);
    const badLimit = await cli(['webhook', 'deliveries', '--limit', 'many']);
    assert.equal(badLimit.code, 2);
  });
});
