import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { SUPPORTED_NODE, unsupportedNodeReason } from '../../src/runtime/node-support.js';

test('package.json engines names the same floor (20) as the range the doctor and serve check', () => {
  const manifest = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'));
  assert.equal(manifest.engines.node, '>=20');
  assert.match(SUPPORTED_NODE, /^>=20 /);
});

test('20, 22, 24.22 and later are supported; Node 24 before 24.22 and Node 18 are not, with the reason', () => {
  for (const version of ['20.20.2', '22.23.5', '24.22.0', '24.22.3', 'v24.23.1', '26.12.1'])
    assert.equal(unsupportedNodeReason(version), null, version);
  for (const version of ['24.21.0', '24.19.0', '24.18.1', '24.0.0'])
    assert.match(unsupportedNodeReason(version) ?? '', /\(env\) != nullptr.*24\.22\.0 or later/, version);
  assert.match(unsupportedNodeReason('18.20.8') ?? '', /older than 20/);
});

test('the Node.js running this test is a supported one', () => {
  assert.equal(unsupportedNodeReason(), null);
});
