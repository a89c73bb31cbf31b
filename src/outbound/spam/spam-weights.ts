/**
 * Default weight of every finding the analysers raise, used for findings the policy's spamWeights
 * does not list (set a weight to 0 there to switch a finding off). Tuned on test/outbound/spam/corpus
 * for the default spamScore of 10: no single finding but an executable reaches it; a clear phishing or
 * fraud message shows three or four of them.
 */
export const DEFAULT_SPAM_WEIGHTS: Readonly<Record<string, number>> = Object.freeze({
  // who the message goes to (recipients.ts)
  MANY_EXTERNAL_RECIPIENTS: 3,
  NEW_RECIPIENT_DOMAINS: 3,
  // who it claims to be from (sender-identity.ts, reply-to.ts, lookalike-domains.ts)
  FROM_NOT_OWN_ADDRESS: 6,
  FROM_NAME_BRAND: 5,
  FROM_NAME_MISMATCH: 3,
  REPLY_TO_EXTERNAL: 5,
  LOOKALIKE_DOMAIN: 4,
  // links (links.ts)
  MANY_LINKS: 2,
  URL_SHORTENER: 2,
  LINK_TEXT_MISMATCH: 4,
  LINK_TO_IP_ADDRESS: 3,
  // attachments (attachments.ts)
  // alone enough to hold: the big providers refuse these outright (Gmail, Microsoft 365's common attachment filter)
  EXECUTABLE_ATTACHMENT: 10,
  DOUBLE_EXTENSION_ATTACHMENT: 4,
  MACRO_ATTACHMENT: 5,
  HTML_ATTACHMENT: 5,
  // phrasing (phrasing.ts), each category at most once per message
  PHISHING_PHRASE: 4,
  PAYMENT_FRAUD_PHRASE: 3,
  CRYPTO_SCAM_PHRASE: 3,
  PRIZE_SCAM_PHRASE: 3,
  URGENCY_PHRASE: 2,
  // the account's behaviour (volume.ts, upstream-refusals.ts, sign-in-network.ts)
  SEND_BURST: 4,
  UPSTREAM_REFUSALS: 4,
  NEW_NETWORK: 2,
  // the site's own spam engine, when spam.rspamdUrl is set (external-spam-check.ts): its reject
  // score alone is enough to hold; its "add header" score counts with Mailwarden's findings
  RSPAMD_REJECT: 10,
  RSPAMD_SPAM: 5,
  // the message itself (analyze-message.ts)
  MALFORMED_MIME: 2,
  ANALYSIS_LIMIT_REACHED: 0,
});
