import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SenderContext } from '../../../src/outbound/spam/index.js';

/** The .eml files are not compiled: read them from the source tree (dist/test/outbound/spam → test/…). */
export const CORPUS_DIR = fileURLToPath(new URL('../../../../test/outbound/spam/corpus/', import.meta.url));

export interface CorpusCase {
  kind: 'legit' | 'spam';
  name: string;
  raw: Buffer;
  envelopeFrom: string;
  recipients: string[];
  sender: SenderContext;
}

interface Sidecar {
  sender?: Partial<Omit<SenderContext, 'knownRecipientDomains'>> & { knownRecipientDomains?: string[] };
  envelopeFrom?: string;
  recipients?: string[];
  generatedRecipients?: { count: number; pattern: string };
}

function readJson(file: string): Sidecar {
  return JSON.parse(readFileSync(file, 'utf8')) as Sidecar;
}

function toContext(base: Sidecar['sender'], override: Sidecar['sender']): SenderContext {
  const merged = { ...base, ...override };
  return {
    address: merged.address ?? '',
    displayName: merged.displayName ?? null,
    ownAddresses: merged.ownAddresses ?? [],
    orgDomains: merged.orgDomains ?? [],
    knownRecipientDomains: new Set(merged.knownRecipientDomains ?? []),
    baselineRecipientsPerHour: merged.baselineRecipientsPerHour ?? 0,
    recipientsThisHour: merged.recipientsThisHour ?? 0,
    upstreamRefusalRate: merged.upstreamRefusalRate ?? null,
    newNetwork: merged.newNetwork ?? null,
  };
}

/** Envelope recipients as a client would give them: every address in To, Cc and Bcc. */
function headerRecipients(raw: Buffer): string[] {
  const end = raw.indexOf('\n\n');
  const head = raw
    .subarray(0, end < 0 ? raw.length : end)
    .toString('utf8')
    .replace(/\r?\n[ \t]+/g, ' ');
  const lines = head.split(/\r?\n/).filter((line) => /^(to|cc|bcc):/i.test(line));
  return lines
    .flatMap((line) => line.match(/[^\s<>"(),:;]+@[^\s<>"(),:;]+/g) ?? [])
    .map((a) => a.toLowerCase());
}

export function loadCorpus(): CorpusCase[] {
  const defaults = readJson(path.join(CORPUS_DIR, 'default-context.json'));
  const cases: CorpusCase[] = [];
  for (const kind of ['legit', 'spam'] as const) {
    const folder = path.join(CORPUS_DIR, kind);
    for (const file of readdirSync(folder)
      .filter((name) => name.endsWith('.eml'))
      .sort()) {
      const name = file.slice(0, -'.eml'.length);
      const raw = readFileSync(path.join(folder, file));
      let sidecar: Sidecar = {};
      try {
        sidecar = readJson(path.join(folder, `${name}.json`));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
      const sender = toContext(defaults.sender, sidecar.sender);
      const recipients = [...(sidecar.recipients ?? headerRecipients(raw))];
      const generated = sidecar.generatedRecipients;
      if (generated)
        for (let n = 1; n <= generated.count; n++)
          recipients.push(generated.pattern.replaceAll('{n}', String(n)));
      cases.push({
        kind,
        name,
        raw,
        envelopeFrom: sidecar.envelopeFrom ?? sender.address,
        recipients,
        sender,
      });
    }
  }
  return cases;
}
