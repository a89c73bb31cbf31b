#!/usr/bin/env node
// Dependency-boundary check (part of `npm test`), for the rules in docs/ARCHITECTURE.md:
// 1. Domain modules know no protocol: they never import smtp-server, nodemailer, the HTTP framework,
//    node:net/tls/http/dgram, and never touch `process` (config and environment come in as deps).
// 2. A module is entered through its door: code outside src/<module>/ imports only src/<module>/index.js.
// 3. Each kind of module imports only the kinds it may (`mayImport`): domain modules only domain
//    and foundation modules; no adapter imports another adapter, the CLI or the composition (src/*.ts and src/composition/:
//    app.ts, server.ts, http.ts, …) — what an adapter uses comes in as deps the composition builds;
//    the CLI, the process entry point, imports the composition and no adapter.
// 4. Every folder under src/ is listed below, in exactly one kind.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// Another tree may be named (the check's own tests copy src/ and break a rule in the copy).
const src = process.argv[2] ? path.resolve(process.argv[2]) : path.join(root, 'src');
/** The rules of the product, over the store: no protocol, no process. */
const domainModules = new Set([
  'directory',
  'identity',
  'settings',
  'outbound',
  'alerts',
  'audit',
  'score',
  'respond',
  'importing',
]);
/** Reach the outside world for the others (mail out, webhooks, DNS); may use each other. */
const serviceModules = new Set(['delivery', 'notify', 'dnscheck']);
/** Where the outside world comes in (SMTP, HTTP API, pages, Postfix and Dovecot). */
const adapterModules = new Set(['gateway', 'api', 'console', 'mailstack']);
/** The process entry point: opens the app (app.ts) and starts the server (server.ts). */
const entryModules = new Set(['cli']);
/** Read by adapters alike, neither adapter nor domain: the refusal→HTTP-status tables, the SMTP reply table. */
const sharedModules = new Set(['http-status', 'smtp-status']);
/**
 * Under everything, with a door: configuration, the database, the languages people read, and metrics
 * (the only importer of prom-client; every module may record through its narrow interfaces).
 */
const foundationModules = new Set(['config', 'store', 'i18n', 'metrics']);
/** Composition kept in a folder of its own: wiring between modules that neither may own. */
const compositionFolders = new Set(['composition']);
/** Shared by everyone, with no door of their own: time, logging and ambient type declarations. */
const openFolders = new Set(['runtime', 'types']);
const kinds = {
  domain: domainModules,
  service: serviceModules,
  adapter: adapterModules,
  entry: entryModules,
  shared: sharedModules,
  foundation: foundationModules,
  composition: compositionFolders,
};
/** Which kinds a kind's files may import (besides their own module, runtime/ and types/). */
const mayImport = {
  domain: ['domain', 'foundation'],
  service: ['domain', 'service', 'foundation'],
  adapter: ['domain', 'service', 'shared', 'foundation'],
  shared: ['domain', 'service', 'foundation'],
  foundation: ['foundation'],
  entry: ['domain', 'service', 'foundation', 'composition'],
  composition: ['domain', 'service', 'adapter', 'entry', 'shared', 'foundation', 'composition'],
};
/** A file directly in src/ is composition; a folder is the kind it is listed as. */
function kindOf(moduleName) {
  if (moduleName === null) return 'composition';
  return Object.keys(kinds).find((kind) => kinds[kind].has(moduleName)) ?? 'unlisted';
}
const protocolPackages = [
  /^smtp-server/,
  /^nodemailer/,
  /^hono/,
  /^@hono\//,
  /^node:(net|tls|http|https|dgram|http2)$/,
];

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? walk(full) : full.endsWith('.ts') ? [full] : [];
  });
}

const problems = [];
for (const name of readdirSync(src)) {
  if (!statSync(path.join(src, name)).isDirectory()) continue;
  const listed = [...Object.values(kinds), openFolders].filter((kind) => kind.has(name)).length;
  if (listed !== 1)
    problems.push(`src/${name}/: listed in ${listed} kinds of module; list it in exactly one`);
}
for (const kind of [...Object.values(kinds), openFolders])
  for (const name of kind)
    if (!statSync(path.join(src, name), { throwIfNoEntry: false })?.isDirectory())
      problems.push(`${name}: listed as a module, but src/${name}/ does not exist`);

for (const file of walk(src)) {
  const relative = path.relative(src, file);
  const moduleName = relative.includes(path.sep) ? relative.split(path.sep)[0] : null;
  const text = readFileSync(file, 'utf8');
  const imports = [...text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+['"]([^'"]+)['"]/gms)].map(
    (m) => m[1],
  );
  for (const specifier of imports) {
    if (domainModules.has(moduleName) && protocolPackages.some((pattern) => pattern.test(specifier)))
      problems.push(`${relative}: domain module imports protocol library ${specifier}`);
    if (!specifier.startsWith('.')) continue;
    const target = path.relative(src, path.resolve(path.dirname(file), specifier));
    const targetModule = target.includes(path.sep) ? target.split(path.sep)[0] : null;
    if (targetModule === moduleName || openFolders.has(targetModule)) continue;
    if (targetModule !== null && target !== path.join(targetModule, 'index.js'))
      problems.push(
        `${relative}: reaches past the door of ${targetModule}/ (${specifier}); import ${targetModule}/index.js`,
      );
    const from = kindOf(moduleName);
    const to = kindOf(targetModule);
    if (!(mayImport[from] ?? []).includes(to))
      problems.push(
        `${relative}: imports ${targetModule === null ? target : `${targetModule}/`} (${to}), but ${from} modules import only ${mayImport[from]?.join(', ')}`,
      );
  }
  if (domainModules.has(moduleName) && /\bprocess\.(env|argv|exit|on|stdout|stderr|stdin)\b/.test(text))
    problems.push(`${relative}: domain module uses process.*; take it as a dependency`);
}

if (problems.length > 0) {
  console.error(`dependency boundaries: ${problems.length} problem(s)`);
  for (const problem of problems) console.error(`  - ${problem}`);
  process.exit(1);
}
console.log('dependency boundaries: ok');
