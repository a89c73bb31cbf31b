/**
 * What the policy service remembers about messages in flight, keyed by Postfix's `instance`
 * attribute (one value per MAIL transaction on one SMTP connection). Postfix sends no request when
 * a client gives up between RCPT and the end of DATA, so entries also leave by age, and the map
 * never grows past `maxEntries` (the oldest goes first). An entry that leaves that way is handed to
 * `onDrop` (its message's reserved recipients are given back).
 */
export interface PendingMessagesOptions {
  ttlMs: number;
  maxEntries: number;
  nowMs(): number;
  onDrop?(value: unknown): void;
}

export class PendingMessages<T> {
  /** Insertion order is age order: every set() re-inserts at the end. */
  private readonly entries = new Map<string, { value: T; expiresAtMs: number }>();

  constructor(private readonly options: PendingMessagesOptions) {}

  get size(): number {
    return this.entries.size;
  }

  get(key: string): T | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAtMs <= this.options.nowMs()) {
      this.entries.delete(key);
      this.options.onDrop?.(entry.value);
      return undefined;
    }
    return entry.value;
  }

  set(key: string, value: T): void {
    const now = this.options.nowMs();
    const replaced = this.entries.get(key);
    this.entries.delete(key);
    if (replaced && replaced.value !== value) this.options.onDrop?.(replaced.value);
    for (const [oldestKey, oldest] of this.entries) {
      if (oldest.expiresAtMs > now && this.entries.size < this.options.maxEntries) break;
      this.entries.delete(oldestKey);
      this.options.onDrop?.(oldest.value);
    }
    this.entries.set(key, { value, expiresAtMs: now + this.options.ttlMs });
  }

  /** The entry, removed. */
  take(key: string): T | undefined {
    const value = this.get(key);
    this.entries.delete(key);
    return value;
  }
}
