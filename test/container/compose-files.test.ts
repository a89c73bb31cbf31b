import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { configKeys, toEnvironmentName } from '../../src/config/index.js';

// The compose files cannot be run here (no registry for postgres and haproxy): these checks keep
// them in step with the Dockerfile and the configuration, which image.test.ts runs for real.
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const dockerfile = readFileSync(path.join(REPO, 'Dockerfile'), 'utf8');
const variables = new Set(configKeys.map((key) => toEnvironmentName(key.path)));

/** The image's exposed ports and its one volume, as the Dockerfile declares them. */
const exposed = (dockerfile.match(/^EXPOSE (.+)$/m)?.[1] ?? '').split(/\s+/).map(Number);
const volume = JSON.parse(dockerfile.match(/^VOLUME (.+)$/m)?.[1] ?? '[]') as string[];

interface Service {
  image?: string;
  build?: { context?: string; dockerfile?: string };
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
}

function services(file: string): [string, Service][] {
  const compose = parse(readFileSync(path.join(REPO, file), 'utf8'), { merge: true }) as {
    services: Record<string, Service>;
  };
  return Object.entries(compose.services).filter(([, service]) => service.image === 'mailwarden:local');
}

test('the Dockerfile sets only real configuration variables, and exposes the ports the image listens on', () => {
  const set = [...dockerfile.matchAll(/\b(MAILWARDEN_[A-Z_]+)=/g)].map((match) => match[1] ?? '');
  assert.ok(set.length > 0);
  for (const name of set) assert.ok(variables.has(name), `${name} is a configuration variable`);
  const defaults = new Map(configKeys.map((key) => [key.path, key.defaultValue]));
  assert.deepEqual(exposed, [
    defaults.get('smtp.port'),
    defaults.get('smtps.port'),
    defaults.get('http.port'),
    defaults.get('policy.port'),
  ]);
  assert.deepEqual(volume, ['/var/lib/mailwarden']);
  assert.match(dockerfile, /\bMAILWARDEN_DATA_DIR=\/var\/lib\/mailwarden \\$/m);
});

for (const file of ['deploy/container/compose.yaml', 'deploy/compose/compose.yaml']) {
  describe(file, () => {
    const mailwardens = services(file);

    test('builds its Mailwarden services from the repository Dockerfile, each with a volume on the data dir', () => {
      assert.ok(mailwardens.length > 0);
      for (const [name, service] of mailwardens) {
        const context = path.resolve(path.dirname(path.join(REPO, file)), service.build?.context ?? '.');
        assert.equal(context, REPO, `${name} builds from the repository`);
        assert.ok(existsSync(path.join(context, service.build?.dockerfile ?? 'Dockerfile')));
        assert.ok(
          service.volumes?.some((entry) => entry.split(':')[1] === volume[0]),
          `${name} mounts a volume on ${volume[0]}`,
        );
      }
    });

    test('sets only real configuration variables and publishes only ports the image exposes', () => {
      for (const [name, service] of mailwardens) {
        for (const key of Object.keys(service.environment ?? {}))
          assert.ok(variables.has(key), `${name}: ${key} is a configuration variable`);
        for (const mapping of service.ports ?? []) {
          const target = Number(mapping.split(':').pop());
          assert.ok(exposed.includes(target), `${name}: ${mapping} targets a port the image exposes`);
        }
      }
    });
  });
}

test("HAProxy's backends reach the instances on ports the image exposes", () => {
  const cfg = readFileSync(path.join(REPO, 'deploy/compose/haproxy.cfg'), 'utf8');
  const targets = [...cfg.matchAll(/^\s*server \S+ mailwarden-\d:(\d+)/gm)].map((match) => Number(match[1]));
  assert.equal(targets.length, 9);
  for (const port of targets) assert.ok(exposed.includes(port), `haproxy targets ${port}`);
});
