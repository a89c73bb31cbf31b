#!/usr/bin/env node
// Dependency-boundary check (part of `npm test`), for the rules in docs/ARCHITECTURE.md:
// 1. Domain modules know no protocol: they never import smtp-server, nodemailer, the HTTP framework,
//    node:net/tls/http/dgram, and never touch `process` (config and environment come in as deps).
// 2. A module is entered through its door: code outside src/<module>/ imports only src/<module>/index.js.
// 3. Domain modules never import adapters (gateway, api, cli, mailstack, console).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const src = path.join(root, 'src');
const domainModules = new Set([
  'directory',
  'identity',
  'settings',
  'outbound',
  'alerts',
  'audit',
  'score',
  'detect',
  'respond',
  'importing',
]);
const adapterModules = new Set(['gateway', 'api', 'cli', 'mailstack', 'console', 'dnscheck']);
/** Shared by everyone, with no door of their own: time, logging and ambient type declarations. */
const openFolders = new Set(['runtime', 'types']);
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
    if (targetModule === null || targetModule === moduleName || openFolders.has(targetModule)) continue;
    if (target !== path.join(targetModule, 'index.js'))
      problems.push(
        `${relative}: reaches past the door of ${targetModule}/ (${specifier}); import ${targetModule}/index.js`,
      );
    if (domainModules.has(moduleName) && adapterModules.has(targetModule))
      problems.push(`${relative}: domain module imports adapter ${targetModule}/`);
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
