import type { Config } from './config.js';
import { configKeys } from './config-keys.js';

/** A copy of the config fit to print: secret values replaced, URLs keep everything but the password. */
export function redactConfig(config: Config): Record<string, unknown> {
  const copy = structuredClone(config) as unknown as Record<string, unknown>;
  for (const key of configKeys) {
    if (!key.secret) continue;
    const parts = key.path.split('.');
    let node: Record<string, unknown> | undefined = copy;
    for (const part of parts.slice(0, -1)) node = node?.[part] as Record<string, unknown> | undefined;
    const leaf = parts[parts.length - 1]!;
    if (!node || node[leaf] === null || node[leaf] === undefined) continue;
    node[leaf] = redactValue(String(node[leaf]));
  }
  return copy;
}

function redactValue(value: string): string {
  try {
    const url = new URL(value);
    if (url.password) url.password = '***';
    // pg also takes the password as a query parameter (postgres://user@host/db?password=…).
    for (const name of [...url.searchParams.keys()])
      if (/password$/i.test(name)) url.searchParams.set(name, '***');
    return url.toString();
  } catch {
    return '***';
  }
}
