#!/usr/bin/env node
// Runs the core of the test suite (domain modules' unit tests and a gateway smoke test) on each Node
// version in VERSIONS besides the one running `npm test`. The Node binaries come from the npm
// registry's node-linux-<arch> packages (what the `node` package installs) and, like better-sqlite3
// compiled for each (its ABI differs per Node major; the package ships the headers node-gyp needs),
// are cached outside the clone: MAILWARDEN_CI_CACHE, default /var/cache/mailwarden-ci.
// Each version runs in a copy of the compiled tree whose node_modules links to the shared one except
// better-sqlite3. MAILWARDEN_NODE_VERSIONS=skip turns it off (e.g. on a machine without a compiler).
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Run by `npm test`: the newest release of each supported line besides Node 20 (package.json engines,
 * src/runtime/node-support.ts). 24 must be 24.22.0 or later: 24.19.0 to 24.21.x abort at exit with
 * better-sqlite3 12 (`Assertion failed: (env) != nullptr` in node::RemoveEnvironmentCleanupHook).
 */
const VERSIONS = ['22.23.5', '24.22.3'];
/** Path substrings of dist/test files: domain modules, then the served gateway (SMTP over TLS, spool). */
const CORE = [
  'dist/test/identity/password-hashes',
  'dist/test/identity/totp-code',
  'dist/test/directory/',
  'dist/test/runtime/',
  'dist/test/cli/serve.test',
  'dist/test/gateway/tls-reload',
];

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cacheRoot = process.env.MAILWARDEN_CI_CACHE ?? '/var/cache/mailwarden-ci';
const log = (message) => process.stderr.write(`[node-versions] ${message}\n`);

function run(command, args, options) {
  const result = spawnSync(command, args, { stdio: 'inherit', ...options });
  if (result.status !== 0)
    throw new Error(`${command} ${args.join(' ')} exited with ${result.status ?? result.signal}`);
}

/** The Node binary of `version`, fetched once with `npm pack node-linux-<arch>@<version>`. */
function nodeBinary(version) {
  const dir = path.join(cacheRoot, `node-${version}`);
  const binary = path.join(dir, 'package', 'bin', 'node');
  if (existsSync(binary)) return { dir, binary };
  mkdirSync(dir, { recursive: true });
  log(`fetching Node ${version} into ${dir}`);
  run('npm', ['pack', `node-linux-${process.arch}@${version}`, '--silent'], { cwd: dir });
  const tarball = readdirSync(dir).find((name) => name.endsWith('.tgz'));
  run('tar', ['xzf', tarball], { cwd: dir });
  rmSync(path.join(dir, tarball));
  return { dir, binary };
}

/** better-sqlite3 (this checkout's version) compiled for `version`, kept beside its Node binary. */
function sqliteAddon(node) {
  const source = path.join(root, 'node_modules', 'better-sqlite3');
  const { version } = JSON.parse(readFileSync(path.join(source, 'package.json'), 'utf8'));
  const target = path.join(node.dir, `better-sqlite3-${version}`);
  const abi = spawnSync(node.binary, ['-p', 'process.versions.modules'], { encoding: 'utf8' }).stdout.trim();
  if (existsSync(path.join(target, 'build', 'Release', 'better_sqlite3.node'))) {
    if (builtForAbi(target) === abi) return target;
    log(
      `the cached better-sqlite3 for ${path.basename(node.dir)} was built for another Node (ABI ${builtForAbi(target)}, not ${abi}): building it again`,
    );
    rmSync(target, { recursive: true, force: true });
  }
  const building = `${target}.building`;
  rmSync(building, { recursive: true, force: true });
  cpSync(source, building, {
    recursive: true,
    dereference: true,
    filter: (file) => !file.includes(`${path.sep}build${path.sep}`),
  });
  rmSync(path.join(building, 'build'), { recursive: true, force: true });
  const npmRoot = spawnSync('npm', ['root', '-g'], { encoding: 'utf8' }).stdout.trim();
  log(`compiling better-sqlite3 ${version} for Node ${path.basename(node.dir)}`);
  run(
    node.binary,
    [
      path.join(npmRoot, 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
      'rebuild',
      '--release',
      `--nodedir=${path.join(node.dir, 'package')}`,
    ],
    // Under `npm test`, npm hands its configuration to scripts as npm_config_* variables, and
    // node-gyp takes npm_config_nodedir (this machine's ~/.npmrc says /usr: Node 20's headers) over
    // --nodedir: the addon came out built for Node 20. So node-gyp gets none of npm's settings.
    {
      cwd: building,
      env: { ...withoutNpmConfig(process.env), npm_config_nodedir: path.join(node.dir, 'package') },
    },
  );
  if (builtForAbi(building) !== abi)
    throw new Error(
      `better-sqlite3 was built for ABI ${builtForAbi(building)}, not Node ${path.basename(node.dir)}'s ${abi}`,
    );
  renameSync(building, target);
  return target;
}

/** The Node ABI (NODE_MODULE_VERSION) an addon build was configured for, from node-gyp's config.gypi. */
function builtForAbi(dir) {
  const config = path.join(dir, 'build', 'config.gypi');
  if (!existsSync(config)) return null;
  return /"node_module_version": (\d+)/.exec(readFileSync(config, 'utf8'))?.[1] ?? null;
}

function withoutNpmConfig(env) {
  return Object.fromEntries(
    Object.entries(env).filter(([name]) => !name.toLowerCase().startsWith('npm_config_')),
  );
}

/** A copy of the compiled tree for one Node version; node_modules links to the shared packages. */
function runTree(node, addon) {
  const tree = path.join(node.dir, 'run');
  rmSync(tree, { recursive: true, force: true });
  mkdirSync(path.join(tree, 'node_modules'), { recursive: true });
  for (const name of ['dist', 'bin', 'deploy', 'docs', 'package.json'])
    cpSync(path.join(root, name), path.join(tree, name), { recursive: true });
  cpSync(path.join(root, 'test', 'clients'), path.join(tree, 'test', 'clients'), { recursive: true });
  cpSync(path.join(root, 'scripts', 'run-tests.mjs'), path.join(tree, 'scripts', 'run-tests.mjs'));
  const shared = path.join(root, 'node_modules');
  for (const name of readdirSync(shared)) {
    if (name === 'better-sqlite3' || name === '.bin') continue;
    symlinkSync(path.join(shared, name), path.join(tree, 'node_modules', name));
  }
  cpSync(addon, path.join(tree, 'node_modules', 'better-sqlite3'), { recursive: true });
  return tree;
}

if (process.env.MAILWARDEN_NODE_VERSIONS === 'skip') {
  log('skipped (MAILWARDEN_NODE_VERSIONS=skip)');
  process.exit(0);
}
const wanted = process.argv.slice(2).length > 0 ? process.argv.slice(2) : VERSIONS;
let failed = false;
for (const version of wanted) {
  const node = nodeBinary(version);
  const tree = runTree(node, sqliteAddon(node));
  log(`Node ${version}: ${CORE.join(' ')}`);
  const result = spawnSync(node.binary, [path.join(tree, 'scripts', 'run-tests.mjs'), ...CORE], {
    stdio: 'inherit',
    cwd: tree,
    env: { ...process.env, PATH: `${path.dirname(node.binary)}:${process.env.PATH}` },
  });
  if (result.status !== 0) {
    log(`Node ${version}: FAILED`);
    failed = true;
  } else log(`Node ${version}: passed`);
}
process.exit(failed ? 1 : 0);
