/** What the gateway knows about the signed-in account when it analyses one of its messages. */
export interface SenderContext {
  /** The signed-in account's primary address. */
  address: string;
  /** The account's display name. */
  displayName: string | null;
  /** Primary address and aliases. */
  ownAddresses: string[];
  /** Domains the organization owns; their subdomains count as inside too. */
  orgDomains: readonly string[];
  /** Lower-cased recipient domains this account sent to in the last 30 days (from its history); may be empty for new accounts. */
  knownRecipientDomains: ReadonlySet<string>;
  /** The account's average recipients per hour over its last 7 days (0 = no history). */
  baselineRecipientsPerHour: number;
  /** Recipients sent in the current rolling hour, before this message. */
  recipientsThisHour: number;
  /** Share (0..1) of this account's recent recipients that the upstream refused; null if unknown. */
  upstreamRefusalRate: number | null;
  /** Whether this sign-in came from a network (e.g. /24) or country never seen for this account; null if unknown. */
  newNetwork: boolean | null;
}
