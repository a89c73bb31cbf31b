import type { DomainCheckName, DomainCheckResult, Reading, ScoreInputs } from './score-inputs.js';

/**
 * The inputs of one evaluation, each read at most once and only when a control asks for it: a whole
 * report reads every source once (concurrently), one control reads only its own.
 */
export class Facts {
  private readonly memo = new Map<string, Promise<unknown>>();

  constructor(
    readonly inputs: ScoreInputs,
    readonly nowMs: number,
  ) {}

  /** Reads `key` once per evaluation. */
  once<T>(key: string, read: () => Promise<T>): Promise<T> {
    let hit = this.memo.get(key) as Promise<T> | undefined;
    if (!hit) {
      hit = read();
      this.memo.set(key, hit);
    }
    return hit;
  }

  domains(): Promise<Reading<string[]>> {
    return this.once('directory.domains', () => this.inputs.directory.domains());
  }

  /** One DNS check over every domain of the org. */
  domainCheck(name: DomainCheckName): Promise<Reading<DomainCheckResult[]>> {
    return this.once(`dns.${name}`, async () => {
      const domains = await this.domains();
      if (!domains.available) return domains;
      return { available: true, value: await this.inputs.dns.check(name, domains.value) } as const;
    });
  }
}
