import type { AuditLog } from '../audit/index.js';
import type { Directory } from '../directory/index.js';
import type { Clock } from '../runtime/clock.js';
import type { Store } from '../store/index.js';
import { baselineRecipientsPerHour } from './send-counters.js';
import type { SenderContext } from './spam/index.js';

/** What the spam analysers need to know about an account besides the message itself. */
export interface SenderHistoryInput {
  user: { id: string; address: string };
  orgDomains: readonly string[];
  recipientsThisHour: number;
  clientIp: string | null;
  sessionId: string | null;
}

interface CachedHistory {
  until: number;
  displayName: string | null;
  ownAddresses: string[];
  knownRecipientDomains: Set<string>;
  upstreamRefusalRate: number | null;
  loginNetworks: Map<string, Set<string>>;
  baseline: number;
}

const HISTORY_DAYS = 30;
const HISTORY_RECORDS = 1000;

/**
 * Builds the SenderContext from the account's own records: recipient domains and upstream refusals
 * from its Send records of the last 30 days, its usual networks from its successful sign-ins, its
 * 7-day baseline from the send counters. The slow parts are cached per account for a few minutes;
 * the current hour's count is always fresh.
 */
export function createSenderHistory(deps: {
  store: Store;
  audit: AuditLog;
  directory: Directory;
  clock: Clock;
  cacheMs?: number;
}) {
  const cacheMs = deps.cacheMs ?? 5 * 60_000;
  const cache = new Map<string, CachedHistory>();

  async function load(user: { id: string; address: string }): Promise<CachedHistory> {
    const now = deps.clock.nowMs();
    const hit = cache.get(user.id);
    if (hit && hit.until > now) return hit;
    const since = now - HISTORY_DAYS * 86_400_000;
    const [account, sends, logins, baseline] = await Promise.all([
      deps.directory.findUser(user.id),
      deps.audit.search({
        mailbox: user.address,
        operations: ['Send', 'SendAs'],
        sinceMs: since,
        limit: HISTORY_RECORDS,
      }),
      deps.audit.search({
        mailbox: user.address,
        operations: ['MailboxLogin'],
        result: 'success',
        sinceMs: since,
        limit: HISTORY_RECORDS,
      }),
      baselineRecipientsPerHour(deps.store.db, user.id, now),
    ]);
    const knownRecipientDomains = new Set<string>();
    let recipients = 0;
    let refused = 0;
    for (const record of sends.records) {
      // Submissions Mailwarden refused or held never left: their recipients are not known domains.
      if (record.details?.['refusal'] !== undefined) continue;
      const listed = (record.details?.['recipients'] as string[] | undefined) ?? [];
      for (const address of listed) {
        const domain = address.slice(address.lastIndexOf('@') + 1).toLowerCase();
        if (domain) knownRecipientDomains.add(domain);
      }
      recipients += Number(record.details?.['recipientCount'] ?? listed.length);
      refused += ((record.details?.['refusedRecipients'] as string[] | undefined) ?? []).length;
      if (record.result === 'failure' && record.details?.['failure'] === 'permanent')
        refused += Number(record.details?.['recipientCount'] ?? 0);
    }
    const loginNetworks = new Map<string, Set<string>>();
    for (const record of logins.records) {
      if (!record.clientIp) continue;
      const network = networkOf(record.clientIp);
      const sessions = loginNetworks.get(network) ?? new Set<string>();
      sessions.add(record.sessionId ?? '');
      loginNetworks.set(network, sessions);
    }
    const history: CachedHistory = {
      until: now + cacheMs,
      displayName: account?.displayName ?? null,
      ownAddresses: account ? [account.address, ...account.aliases] : [user.address],
      knownRecipientDomains,
      // Below 20 recipients a share says little.
      upstreamRefusalRate: recipients >= 20 ? refused / recipients : null,
      loginNetworks,
      baseline,
    };
    if (cache.size >= 10_000) cache.clear();
    cache.set(user.id, history);
    return history;
  }

  return {
    async contextFor(input: SenderHistoryInput): Promise<SenderContext> {
      const history = await load(input.user);
      return {
        address: input.user.address,
        displayName: history.displayName,
        ownAddresses: history.ownAddresses,
        orgDomains: input.orgDomains,
        knownRecipientDomains: history.knownRecipientDomains,
        baselineRecipientsPerHour: history.baseline,
        recipientsThisHour: input.recipientsThisHour,
        upstreamRefusalRate: history.upstreamRefusalRate,
        newNetwork: isNewNetwork(history.loginNetworks, input.clientIp, input.sessionId),
      };
    },
  };
}

export type SenderHistory = ReturnType<typeof createSenderHistory>;

/** /24 for IPv4, /64 for IPv6: the granularity of "the same network" for a person's devices. */
function networkOf(ip: string): string {
  const v4 = /^(?:::ffff:)?(\d+\.\d+\.\d+)\.\d+$/.exec(ip);
  if (v4) return v4[1]!;
  return ip.toLowerCase().split(':').slice(0, 4).join(':');
}

/** null without history (other sign-ins than this session's) or without an address. */
function isNewNetwork(
  networks: Map<string, Set<string>>,
  clientIp: string | null,
  sessionId: string | null,
): boolean | null {
  if (!clientIp) return null;
  let others = false;
  for (const sessions of networks.values())
    if (hasOtherSession(sessions, sessionId)) {
      others = true;
      break;
    }
  if (!others) return null;
  const sessions = networks.get(networkOf(clientIp));
  return !sessions || !hasOtherSession(sessions, sessionId);
}

function hasOtherSession(sessions: ReadonlySet<string>, sessionId: string | null): boolean {
  if (sessions.size > 1) return true;
  for (const session of sessions) if (session !== sessionId) return true;
  return false;
}
