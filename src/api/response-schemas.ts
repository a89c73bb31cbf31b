import { z } from 'zod';
import { type Alert, alertTypes } from '../alerts/index.js';
import type {
  AuditRecord,
  AuditSearchPage,
  MailboxAuditCoverage,
  MailboxAuditSetting,
  PruneOutcome,
  VerifyChainOutcome,
} from '../audit/index.js';
import type { Domain, Group, RemovedDomain, RemovedUser, User } from '../directory/index.js';
import { type ApiErrorBody, type ApiErrorCode, apiErrorStatus } from '../http-status/index.js';
import { catalogues, type Message, type MessageKey } from '../i18n/index.js';
import type { AppPassword, MfaSummary, SignInEntry } from '../identity/index.js';
import type { NotificationDelivery, Webhook } from '../notify/index.js';
import type { PolicySettings, QuarantinedMessage, Restriction, SendingPolicy } from '../outbound/index.js';
import {
  type InboxRuleScript,
  inboxRuleFindingKinds,
  type PlaybookStep,
  playbookStepNames,
  playbookStepStatuses,
  respondMessageKeys,
} from '../respond/index.js';
import {
  overrideStatuses,
  type ScoredControl,
  type ScoreReport,
  type ScoreSnapshot,
} from '../score/index.js';
import type { Health } from './routes/health.js';

/**
 * What the API answers, for the OpenAPI document only: handlers return the modules' own types. The
 * `satisfies` clauses make the compiler refuse a schema that has fallen behind its type.
 */
const isoTime = z.string().meta({ format: 'date-time' });

export const domainSchema = z.object({ name: z.string(), createdAt: isoTime }) satisfies z.ZodType<Domain>;

export const userSchema = z.object({
  id: z.string(),
  address: z.string(),
  displayName: z.string().nullable(),
  role: z.enum(['user', 'admin']),
  aliases: z.array(z.string()),
  disabled: z.boolean(),
  passwordChangedAt: isoTime.nullable(),
  createdAt: isoTime,
  updatedAt: isoTime,
}) satisfies z.ZodType<User>;

export const removedUserSchema = z.object({
  id: z.string(),
  address: z.string(),
  role: z.enum(['user', 'admin']),
  aliases: z.array(z.string()).meta({ description: 'Aliases removed with the user.' }),
  groups: z.array(z.string()).meta({ description: 'Groups the user was removed from.' }),
  revokedApiTokens: z.array(z.string()).meta({ description: 'API tokens the user owned, now revoked.' }),
}) satisfies z.ZodType<RemovedUser>;

export const removedDomainSchema = z.object({
  name: z.string(),
  removedUsers: z.array(z.string()).meta({ description: 'Users deleted with the domain (withUsers).' }),
  removedAliases: z
    .array(z.string())
    .meta({ description: 'Aliases in the domain removed from users of other domains (withUsers).' }),
}) satisfies z.ZodType<RemovedDomain>;

export const auditRecordSchema = z.object({
  id: z.number().int(),
  time: isoTime,
  operation: z.string(),
  result: z.enum(['success', 'failure']),
  mailbox: z.string().nullable(),
  actor: z.string(),
  logonType: z.string(),
  clientIp: z.string().nullable(),
  protocol: z.string().nullable(),
  clientInfo: z.string().nullable(),
  sessionId: z.string().nullable(),
  folder: z.string().nullable(),
  destinationFolder: z.string().nullable(),
  itemIds: z.array(z.string()).nullable(),
  messageId: z.string().nullable(),
  subject: z.string().nullable(),
  details: z.record(z.string(), z.unknown()).nullable(),
  hash: z.string().meta({ description: 'SHA-256 chaining this record to the one before it.' }),
}) satisfies z.ZodType<AuditRecord>;

export const auditPageSchema = z.object({
  records: z.array(auditRecordSchema),
  nextCursor: z.number().int().nullable(),
}) satisfies z.ZodType<AuditSearchPage>;

export const verifyChainSchema = z.discriminatedUnion('ok', [
  z.object({
    ok: z.literal(true),
    recordsChecked: z.number().int(),
    headId: z.number().int().nullable(),
    headHash: z.string(),
    anchors: z.object({
      checked: z.number().int(),
      throughId: z.number().int().nullable(),
      newestAt: z.string().nullable(),
    }),
  }),
  z.object({
    ok: z.literal(false),
    recordsChecked: z.number().int(),
    brokenAtId: z.number().int(),
    problem: z.enum([
      'altered',
      'missing',
      'relinked',
      'unexpected-start',
      'bad-checkpoint',
      'checkpoint-mismatch',
      'unsearchable',
      'cut',
      'bad-anchor',
    ]),
    detail: z.string(),
  }),
]) satisfies z.ZodType<VerifyChainOutcome>;

export const mailboxAuditSettingSchema = z.object({
  mailbox: z.string(),
  enabled: z.boolean(),
  changedAt: isoTime.nullable().meta({ description: 'null: never changed (auditing is on by default).' }),
  changedBy: z.string().nullable(),
}) satisfies z.ZodType<MailboxAuditSetting>;

export const mailboxAuditCoverageSchema = z.object({
  total: z.number().int().meta({ description: 'Mailboxes of users who are not disabled.' }),
  audited: z.number().int(),
}) satisfies z.ZodType<MailboxAuditCoverage>;

export const pruneOutcomeSchema = z.object({
  removed: z.number().int(),
  throughId: z.number().int().nullable(),
  cutoff: isoTime,
}) satisfies z.ZodType<PruneOutcome>;

export const groupSchema = z.object({
  name: z.string(),
  members: z.array(z.string()).meta({ description: 'Primary addresses of the members, sorted.' }),
}) satisfies z.ZodType<Group>;

const policySettingsSchema = z.object({
  externalPerHour: z.number().int(),
  internalPerHour: z.number().int(),
  perDay: z.number().int(),
  perMessage: z.number().int(),
  perMinute: z.number().int(),
  action: z.enum(['restrict', 'restrict-today', 'alert']),
  externalForwarding: z.enum(['off', 'on', 'automatic']),
  spamScore: z.number().int(),
  spamAction: z.enum(['hold', 'reject']),
  spamVerdictsToRestrict: z.number().int(),
  spamWindowMinutes: z.number().int(),
  earlyWarningPercent: z.number().int(),
  spamWeights: z.record(z.string(), z.number()),
}) satisfies z.ZodType<PolicySettings>;

export const sendingPolicySchema = z.object({
  name: z.string(),
  priority: z
    .number()
    .int()
    .meta({ description: 'Lower applies first; the default policy applies last, whatever its number.' }),
  scope: z.object({ users: z.array(z.string()), groups: z.array(z.string()), domains: z.array(z.string()) }),
  settings: policySettingsSchema,
  version: z.number().int().meta({ description: 'Raised by every change; 0 for the built-in default.' }),
  updatedAt: isoTime.nullable().meta({ description: 'null for the built-in default, never changed.' }),
}) satisfies z.ZodType<SendingPolicy>;

export const orgSettingSchema = z.object({
  key: z.string(),
  value: z.union([z.boolean(), z.number(), z.string()]),
  default: z.union([z.boolean(), z.number(), z.string()]),
  description: z.string(),
  updatedAt: z.string().nullable(),
  updatedBy: z.string().nullable(),
});

export const restrictionSchema = z.object({
  id: z.string(),
  mailbox: z.string(),
  userId: z.string(),
  reason: z.enum(['hourly-external-limit', 'hourly-internal-limit', 'daily-limit', 'spam-verdicts']),
  policyName: z.string(),
  action: z.enum(['restrict', 'restrict-today']),
  since: isoTime,
  until: isoTime
    .nullable()
    .meta({ description: 'restrict-today: lifted automatically at this time (00:00 UTC).' }),
  evidence: z.object({
    counts: z.record(z.string(), z.number()),
    policyVersion: z.number().int(),
    sampleSubjects: z.array(z.string()),
    recipientDomains: z.array(z.object({ domain: z.string(), recipients: z.number().int() })),
    sourceIps: z.array(z.string()),
    messagesLastHour: z.number().int(),
  }),
  released: z.object({ at: isoTime, by: z.string(), reason: z.string(), forced: z.boolean() }).nullable(),
}) satisfies z.ZodType<Restriction>;

const alertType = z.enum(
  Object.keys(alertTypes) as [keyof typeof alertTypes, ...(keyof typeof alertTypes)[]],
);

export const alertSchema = z.object({
  id: z.string(),
  type: alertType,
  title: z.string(),
  severity: z.enum(['informational', 'low', 'medium', 'high']),
  mailbox: z.string().nullable(),
  status: z.enum(['new', 'acknowledged', 'resolved']),
  count: z.number().int().meta({ description: 'How many occurrences were grouped into this alert.' }),
  firstAt: isoTime,
  lastAt: isoTime,
  evidence: z.record(z.string(), z.unknown()),
  updatedBy: z.string().nullable(),
}) satisfies z.ZodType<Alert>;

export const quarantinedMessageSchema = z.object({
  id: z.string(),
  mailbox: z.string().meta({ description: 'Primary address of the user who sent the message.' }),
  sender: z.string().meta({ description: 'The envelope sender (MAIL FROM).' }),
  recipients: z.array(z.string()).meta({ description: 'The envelope recipients (RCPT TO).' }),
  size: z.number().int().meta({ description: 'Bytes, as submitted.' }),
  subject: z.string().nullable(),
  messageId: z.string().nullable(),
  score: z.number().meta({ description: 'The sum of the weights of the findings.' }),
  findings: z.array(
    z.object({
      name: z.string().meta({ description: 'SCREAMING_SNAKE name of what was found.' }),
      weight: z.number().meta({ description: "Its weight under the policy's spamWeights." }),
      detail: z.string(),
    }),
  ),
  policy: z
    .object({ name: z.string(), version: z.number().int() })
    .meta({ description: 'The sending policy, and its version, that judged the message.' }),
  heldAt: isoTime,
  status: z.enum(['held', 'released', 'deleted']),
  decidedBy: z
    .string()
    .nullable()
    .meta({ description: 'Who released or deleted it (an address, token:<name>, cli); null while held.' }),
  decidedAt: isoTime.nullable(),
}) satisfies z.ZodType<QuarantinedMessage>;

export const quarantinedMessageDetailSchema = quarantinedMessageSchema.extend({
  headers: z.string().meta({
    description:
      'The header section as submitted, up to the empty line that ends it, line breaks and folding kept; never the body.',
  }),
});

export const webhookSchema = z.object({
  id: z.string(),
  name: z.string(),
  url: z.string(),
  active: z.boolean(),
  createdAt: isoTime,
}) satisfies z.ZodType<Webhook>;

export const notificationDeliverySchema = z.object({
  id: z.string(),
  channel: z.enum(['email', 'webhook']),
  target: z.string().meta({ description: "An email address, or the webhook's id." }),
  webhookName: z.string().nullable().meta({ description: "The webhook's name, while it exists." }),
  alertId: z.string().nullable(),
  status: z.enum(['pending', 'delivered', 'failed']),
  attempts: z.number().int(),
  nextAttemptAt: isoTime.nullable(),
  lastError: z.string().nullable(),
  createdAt: isoTime,
  deliveredAt: isoTime.nullable(),
}) satisfies z.ZodType<NotificationDelivery>;

const check = z.object({ ok: z.boolean(), message: z.string().optional() });

export const healthSchema = z.object({
  status: z.enum(['ok', 'degraded', 'down']),
  database: check,
  delivery: check.extend({ target: z.string().meta({ description: 'smtp://host:port or spool:/path' }) }),
  worker: z.number().int().optional().meta({
    description: 'Which worker process answered (MAILWARDEN_WORKERS > 1): 1 to the number of workers.',
  }),
}) satisfies z.ZodType<Health>;

export const errorSchema = z.object({
  error: z.object({
    code: z.enum(Object.keys(apiErrorStatus) as [ApiErrorCode, ...ApiErrorCode[]]),
    message: z.string(),
    issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    unmetChecks: z
      .array(z.string())
      .optional()
      .meta({ description: 'release-refused: what securing the account still lacks.' }),
    requestId: z.string().optional(),
  }),
}) satisfies z.ZodType<ApiErrorBody>;

/** The keys a Secure Score finding may hold: the score's and the DNS checks' areas of the catalogue. */
const findingKeys = Object.keys(catalogues.en).filter(
  (key) => key.startsWith('score.') || key.startsWith('dnscheck.'),
) as [MessageKey, ...MessageKey[]];

/** A sentence as a catalogue key and its values (src/i18n/message.ts); values may be sentences too. */
export const messageSchema: z.ZodType<Message> = z
  .object({
    key: z.enum(findingKeys),
    get params() {
      return z.record(z.string(), messageValueSchema).optional();
    },
  })
  .meta({
    description:
      'A sentence as a message key of the catalogue (src/i18n/messages/) and the values of its {placeholders}, for a reader in any language.',
  });

const messageValueSchema = z.union([
  z.string().meta({ description: 'Data (a name, a record, an error), written as it is.' }),
  z.number(),
  z.object({ percent: z.number().meta({ description: 'A share, 0–1.' }) }),
  z.object({ moment: isoTime }),
  messageSchema,
  z.object({ list: z.array(messageSchema), separator: z.enum(['; ', ', ']) }),
]);

const scoreCategory = z.enum(['identity', 'mail-flow', 'audit', 'domains']);
const measuredState = z.enum(['completed', 'partial', 'to-address', 'not-available']);

export const scoredControlSchema = z.object({
  id: z.string(),
  title: z.string(),
  category: scoreCategory,
  maxPoints: z.number(),
  points: z.number(),
  pointsToGain: z
    .number()
    .meta({ description: 'What completing it still adds; 0 when the risk was accepted.' }),
  status: z.enum(['completed', 'partial', 'to-address', 'not-available', ...overrideStatuses]).meta({
    description:
      "The admin's status when set, otherwise the measured state (not-available: could not check, 0 points).",
  }),
  measured: z.object({
    state: measuredState,
    points: z.number(),
    current: z.string().meta({ description: 'The finding in English.' }),
    finding: messageSchema,
    detail: z.record(z.string(), z.unknown()).optional(),
  }),
  notes: z.array(z.string()),
  override: z
    .object({ status: z.enum(overrideStatuses), reason: z.string(), setBy: z.string(), setAt: isoTime })
    .nullable(),
  measuredBy: z.string(),
  why: z.string(),
  recommendation: z.object({
    cli: z.string(),
    api: z.string().nullable(),
    consoleLink: z.string().nullable(),
  }),
}) satisfies z.ZodType<ScoredControl>;

export const scoreReportSchema = z.object({
  at: isoTime,
  score: z.number(),
  maxScore: z.number(),
  percentage: z.number(),
  achievableScore: z
    .number()
    .meta({ description: 'The maximum without the controls whose risk was accepted.' }),
  achievablePercentage: z.number(),
  categories: z.array(
    z.object({ category: scoreCategory, score: z.number(), maxScore: z.number(), percentage: z.number() }),
  ),
  notChecked: z.object({ controls: z.number().int(), maxPoints: z.number() }),
  controls: z.array(scoredControlSchema).meta({ description: 'Most points to gain first.' }),
}) satisfies z.ZodType<ScoreReport>;

export const scoreSnapshotSchema = z.object({
  id: z.string(),
  at: isoTime,
  day: z.string().meta({ description: 'The UTC day, YYYY-MM-DD.' }),
  trigger: z.enum(['daily', 'on-demand']),
  score: z.number(),
  maxScore: z.number(),
  percentage: z.number(),
  achievableScore: z.number(),
  categories: z.record(scoreCategory, z.object({ score: z.number(), maxScore: z.number() })),
  controls: z
    .array(z.object({ id: z.string(), points: z.number(), maxPoints: z.number(), status: z.string() }))
    .optional(),
}) satisfies z.ZodType<ScoreSnapshot>;
// App passwords and the sign-in log.
export const appPasswordSchema = z.object({
  name: z.string(),
  scopes: z.array(z.enum(['smtp', 'imap', 'pop3', 'sieve'])),
  createdAt: isoTime,
  createdBy: z.string(),
  expiresAt: isoTime.nullable(),
  lastUsedAt: isoTime.nullable(),
  lastUsedIp: z.string().nullable(),
  lastUsedProtocol: z.string().nullable(),
  state: z.enum(['active', 'expired', 'revoked']),
  revokedAt: isoTime.nullable(),
}) satisfies z.ZodType<AppPassword>;

export const signInEntrySchema = z.object({
  id: z.string(),
  at: isoTime,
  user: z.string().nullable().meta({ description: 'The account, when the login named one.' }),
  login: z.string(),
  protocol: z.enum(['web', 'smtp', 'imap', 'pop3', 'sieve', 'api']),
  clientIp: z.string().nullable(),
  country: z
    .string()
    .nullable()
    .meta({ description: 'ISO 3166-1 alpha-2, from offline GeoIP (DB-IP Lite).' }),
  city: z.string().nullable(),
  client: z.string().nullable(),
  result: z.enum(['success', 'failure']),
  reason: z
    .string()
    .meta({ description: 'signed-in, or why not: wrong-password, locked-out, app-password-required…' }),
  credential: z
    .string()
    .nullable()
    .meta({ description: 'password, app-password:<name>, totp, passkey, recovery-code.' }),
  risk: z.object({
    level: z.enum(['none', 'low', 'medium', 'high']),
    reasons: z.array(
      z.enum([
        'unfamiliar-network',
        'new-country',
        'impossible-travel',
        'password-spray',
        'brute-force',
        'after-lockout',
      ]),
    ),
  }),
}) satisfies z.ZodType<SignInEntry>;

// Second factors (MFA).
export const mfaSummarySchema = z.object({
  address: z.string(),
  role: z.string(),
  state: z.enum(['disabled', 'enabled', 'enforced']).meta({
    description: 'disabled: no second factor; enabled: registered one; enforced: an admin requires one.',
  }),
  totp: z.boolean().meta({ description: 'An authenticator app is set up.' }),
  passkeys: z.number().int(),
  recoveryCodesLeft: z.number().int(),
  requiredBy: z
    .enum(['admin-enforced', 'policy-admins', 'policy-all'])
    .nullable()
    .meta({ description: 'Why a second factor is required of this user, if it is.' }),
  registerBy: isoTime
    .nullable()
    .meta({ description: 'End of the registration grace period, while none is set up.' }),
}) satisfies z.ZodType<MfaSummary>;

// Inbox rules and the secure-this-account playbook.
/** A sentence the API also gives as a catalogue key and values, for a client that tells it in its own language. */
const respondPhraseSchema = z
  .object({
    key: z.enum(respondMessageKeys),
    params: z.record(z.string(), z.union([z.string(), z.number()])),
  })
  .meta({
    description:
      'The same words as a message key of Mailwarden’s catalogues and the values of its {placeholders}.',
  });

export const inboxRuleScriptSchema = z.object({
  name: z.string(),
  active: z.boolean(),
  includedByActive: z
    .boolean()
    .meta({ description: 'Not active itself, but the active script includes it, so it runs too.' }),
  suspicious: z.boolean().meta({ description: 'It forwards mail out of the organization or hides it.' }),
  findings: z.array(
    z.object({
      kind: z.enum(inboxRuleFindingKinds),
      target: z.string().nullable().meta({ description: 'The address, folder or flag the rule names.' }),
      description: z.string().meta({ description: 'What the rule does, in English.' }),
      phrase: respondPhraseSchema,
    }),
  ),
}) satisfies z.ZodType<InboxRuleScript>;

export const playbookStepSchema = z.object({
  step: z.enum(playbookStepNames),
  status: z.enum(playbookStepStatuses),
  detail: z.string().meta({ description: 'What the step did, in English.' }),
  phrases: z.array(respondPhraseSchema),
}) satisfies z.ZodType<PlaybookStep>;
