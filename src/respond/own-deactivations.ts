import type { SiblingChannel } from '../store/index.js';

/** How far apart Mailwarden's asking doveadm to deactivate and Dovecot's event of it may be. */
const OWN_DEACTIVATION_MS = 60_000;

/**
 * Deactivations this process (or another worker process of this host: Dovecot's event may reach any
 * of them) asked doveadm for, by mailbox: when each was asked. Dovecot's event of such a deactivation
 * is not recorded again (isOwnDeactivation); after a restart it would be, a repeat rather than a loss.
 */
export function createOwnDeactivations(siblings: SiblingChannel | null = null) {
  const asked = new Map<string, number[]>();
  const remember = (address: string, atMs: number) => {
    const key = address.toLowerCase();
    asked.set(key, [...(asked.get(key) ?? []), atMs]);
  };
  siblings?.onTold((message) => {
    if (message.kind === 'own-deactivation') remember(message.mailbox, message.atMs);
  });
  return {
    /** Resolves once every worker of this host knows, so it comes before asking doveadm. */
    async note(address: string): Promise<void> {
      const atMs = Date.now();
      remember(address, atMs);
      await siblings?.tell({ kind: 'own-deactivation', mailbox: address, atMs });
    },
    /** Whether Dovecot's doveadm deactivation of this mailbox at timeMs is one this process asked for. */
    isOwnDeactivation(mailbox: string, timeMs: number): boolean {
      const nowMs = Date.now();
      for (const [key, times] of asked) {
        const fresh = times.filter((askedMs) => nowMs - askedMs <= OWN_DEACTIVATION_MS);
        if (fresh.length === 0) asked.delete(key);
        else asked.set(key, fresh);
      }
      const times = asked.get(mailbox.toLowerCase()) ?? [];
      const index = times.findIndex((askedMs) => Math.abs(timeMs - askedMs) <= OWN_DEACTIVATION_MS);
      if (index === -1) return false;
      times.splice(index, 1);
      return true;
    },
  };
}

export type OwnDeactivations = ReturnType<typeof createOwnDeactivations>;
