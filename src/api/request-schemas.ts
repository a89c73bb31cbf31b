import { z } from 'zod';
import { auditOperations, isAuditOperation } from '../audit/index.js';
import { SQL_PRESETS } from '../importing/index.js';
import { type PolicySettings, policyFields } from '../outbound/index.js';
import { MAX_HISTORY_DAYS, settableStatuses } from '../score/index.js';

/**
 * What the API accepts. These schemas check shapes and types only; what an address, a domain or a
 * password must look like is the directory's to say, so a malformed address is a 422 from the
 * directory, not a 400 from here. Bodies are strict: an unknown (or misspelt) field is refused.
 */
const role = z.enum(['user', 'admin']);
const displayName = z
  .string()
  .nullable()
  .meta({ description: 'Shown in mail clients; null or "" clears it.' });

export const newDomainBody = z.strictObject({
  name: z.string().meta({ description: 'A domain the organization owns.', examples: ['example.com'] }),
});

export const newUserBody = z.strictObject({
  address: z
    .string()
    .meta({ description: 'The primary address; it is also the login.', examples: ['alice@example.com'] }),
  password: z.string().meta({ description: '12 to 256 characters.' }),
  displayName: displayName.optional(),
  role: role.optional().meta({ description: 'Defaults to user.' }),
});

export const userUpdateBody = z
  .strictObject({
    displayName: displayName.optional(),
    role: role.optional(),
    disabled: z.boolean().optional().meta({ description: 'A disabled user can neither sign in nor send.' }),
  })
  .refine((body) => Object.values(body).some((value) => value !== undefined), {
    error: 'give at least one of displayName, role, disabled',
  });

export const newPasswordBody = z.strictObject({ password: z.string() });

export const newAliasBody = z.strictObject({
  alias: z.string().meta({ description: 'An address in a domain of the organization.' }),
});

const pageLimit = z.coerce
  .number()
  .int()
  .min(1)
  .max(1000)
  .meta({ description: 'Page size, 1–1000 (default 100).' });

export const domainRemovalQuery = z.object({
  withUsers: z.enum(['true', 'false']).optional().meta({
    description:
      'true: delete the users in the domain and remove the aliases in it too (each audited); otherwise the removal is refused (409) while there are any.',
  }),
});

export const userListQuery = z.object({
  limit: pageLimit.optional(),
  cursor: z.string().optional().meta({ description: 'The nextCursor of the previous page.' }),
});

/** ISO 8601 (RFC 3339 profile): a timestamp with Z or an offset, or a date taken as midnight UTC. */
const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;
const timestamp = z
  .string()
  .refine((text) => ISO_TIMESTAMP.test(text) && !Number.isNaN(Date.parse(text)), {
    error: 'expected an ISO 8601 timestamp such as 2026-01-31T08:00:00Z or a date such as 2026-01-31',
  })
  .transform((text) => Date.parse(text));

const operationList = z
  .union([z.string(), z.array(z.string())])
  .transform((value) =>
    (Array.isArray(value) ? value : [value])
      .flatMap((item) => item.split(','))
      .map((item) => item.trim())
      .filter((item) => item !== ''),
  )
  .refine((names) => names.every(isAuditOperation), {
    error: `expected operation names among ${Object.keys(auditOperations).join(', ')}`,
  });

export const auditSearchQuery = z.object({
  mailbox: z.string().optional().meta({ description: 'Primary address of the mailbox acted on.' }),
  operation: operationList.optional().meta({
    description: 'Operation names, comma-separated or the parameter repeated.',
    examples: ['AddUser,SetPassword'],
  }),
  actor: z.string().optional().meta({ description: 'An address, token:<name>, cli or system.' }),
  result: z.enum(['success', 'failure']).optional(),
  clientIp: z.string().optional(),
  folder: z
    .string()
    .optional()
    .meta({ description: 'The folder acted on, or the destination of a move or copy.' }),
  since: timestamp
    .optional()
    .meta({ description: 'Records at or after this time (ISO 8601).', format: 'date-time' }),
  until: timestamp
    .optional()
    .meta({ description: 'Records before this time (ISO 8601).', format: 'date-time' }),
  cursor: z.coerce
    .number()
    .int()
    .positive()
    .optional()
    .meta({ description: 'The nextCursor of the previous page (records are newest first).' }),
  limit: pageLimit.optional(),
});

/** The search filters without paging: for counts and exports. */
export const auditFilterQuery = auditSearchQuery.omit({ cursor: true, limit: true });

export const auditExportQuery = auditFilterQuery.extend({
  format: z
    .enum(['csv', 'jsonl'])
    .optional()
    .meta({ description: 'csv (RFC 4180, a header line first) or jsonl (the default).' }),
});

export const mailboxAuditBody = z.strictObject({
  enabled: z
    .boolean()
    .meta({ description: 'false turns auditing of this mailbox’s items and folders off (audited).' }),
});

export const auditPruneBody = z.strictObject({
  retentionDays: z.number().int().min(1).optional().meta({
    description: 'Remove records older than this many days; default: the org setting audit.retentionDays.',
  }),
});

export const newGroupBody = z.strictObject({
  name: z.string().meta({
    description: '1–64 lower-case letters, digits, dots, dashes or underscores.',
    examples: ['finance'],
  }),
});

export const newGroupMemberBody = z.strictObject({
  user: z.string().meta({ description: 'Primary address or alias of the user to add.' }),
});

/**
 * A setting that is a whole number. Only the JSON type is checked here: the range is the outbound
 * module's to enforce, so that its refusal (422 invalid-policy) names the field and the range. The
 * range is still documented, from the same table the module validates with.
 */
function wholeNumberSetting(name: keyof typeof policyFields) {
  const field = policyFields[name];
  if (field.kind !== 'integer') throw new Error(`policy setting ${name} is not a number`);
  return z
    .number()
    .optional()
    .meta({
      description: `${capitalize(field.description)}; a whole number from ${field.min} to ${field.max}.`,
      type: 'integer',
      minimum: field.min,
      maximum: field.max,
    });
}

/** A setting with named values; as with numbers, a value outside them is the module's 422. */
function choiceSetting(name: keyof typeof policyFields) {
  const field = policyFields[name];
  if (field.kind !== 'enum') throw new Error(`policy setting ${name} has no named values`);
  return z
    .string()
    .optional()
    .meta({
      description: `${capitalize(field.description)}; one of ${field.values.join(', ')}.`,
      enum: [...field.values],
    });
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

const policySettingsShape = {
  externalPerHour: wholeNumberSetting('externalPerHour'),
  internalPerHour: wholeNumberSetting('internalPerHour'),
  perDay: wholeNumberSetting('perDay'),
  perMessage: wholeNumberSetting('perMessage'),
  perMinute: wholeNumberSetting('perMinute'),
  action: choiceSetting('action'),
  externalForwarding: choiceSetting('externalForwarding'),
  spamScore: wholeNumberSetting('spamScore'),
  spamAction: choiceSetting('spamAction'),
  spamVerdictsToRestrict: wholeNumberSetting('spamVerdictsToRestrict'),
  spamWindowMinutes: wholeNumberSetting('spamWindowMinutes'),
  earlyWarningPercent: wholeNumberSetting('earlyWarningPercent'),
  spamWeights: z
    .record(z.string(), z.number())
    .optional()
    .meta({
      description:
        'Finding name (SCREAMING_SNAKE) → weight from -100 to 100; merged into the current weights.',
      examples: [{ URL_SHORTENER: 3 }],
    }),
} satisfies Record<keyof PolicySettings, z.ZodType>;

const scopeList = (what: string) =>
  z
    .array(z.string())
    .optional()
    .meta({ description: `${what} the policy applies to; replaces the current list when given.` });

export const policyUpdateBody = z.strictObject({
  priority: z.number().optional().meta({
    description:
      'Lower applies first; a whole number from 0 to 1000000. New policies default to after the others.',
    type: 'integer',
    minimum: 0,
    maximum: 1_000_000,
  }),
  users: scopeList('Addresses of users'),
  groups: scopeList('Groups'),
  domains: scopeList('Domains'),
  ...policySettingsShape,
});

export const orgSettingsBody = z.record(z.string(), z.union([z.boolean(), z.number(), z.string()])).meta({
  description:
    'Settings to change, by name (see GET /org/settings), e.g. {"mfa.requireForAll": true}; all are checked before any is stored.',
});

export const releaseBody = z.strictObject({
  reason: z.string().meta({
    description: 'Why the sender may send again (at least 3 characters); kept in the audit log.',
  }),
  force: z.boolean().optional().meta({
    description:
      'Release even though the account is not secured yet (the password was not changed since the restriction); the audit record names the checks overridden.',
  }),
});

export const alertListQuery = z.object({
  status: z.enum(['new', 'acknowledged', 'resolved']).optional(),
  mailbox: z.string().optional().meta({ description: 'Primary address of the mailbox.' }),
  limit: pageLimit.optional(),
});

export const quarantineListQuery = z.object({
  status: z
    .enum(['held', 'released', 'deleted'])
    .default('held')
    .meta({ description: 'Messages still held (the default), or the ones released or deleted.' }),
  mailbox: z.string().optional().meta({ description: 'Primary address of the sending mailbox.' }),
  limit: pageLimit.optional(),
});

export const newWebhookBody = z.strictObject({
  name: z.string().meta({
    description: '1–64 letters, digits, dots, dashes or underscores.',
    examples: ['pager'],
  }),
  url: z.string().meta({
    description: 'An absolute http:// or https:// URL; alerts are POSTed to it, signed.',
    examples: ['https://hooks.example.com/mailwarden'],
  }),
});

export const deliveryListQuery = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(1000)
    .optional()
    .meta({ description: 'How many deliveries, 1–1000 (default 50).' }),
});

export const scoreStatusBody = z.strictObject({
  status: z.enum(settableStatuses).meta({
    description:
      'risk-accepted (0 points), third-party or alternate-mitigation (full points), or measured (remove the status).',
  }),
  reason: z.string().meta({
    description: 'Why (at least 3 characters); kept with the status and in the audit log.',
    examples: ['mail for this domain is signed by the hosting provider'],
  }),
});

export const scoreHistoryQuery = z.object({
  days: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_HISTORY_DAYS)
    .optional()
    .meta({ description: `How many days back, 1–${MAX_HISTORY_DAYS} (default 90).` }),
});
// App passwords, password reset and the sign-in log.
export const newAppPasswordBody = z.strictObject({
  name: z.string().meta({ description: '1–64 printable characters, e.g. the device.', examples: ['iPhone'] }),
  scopes: z.array(z.string()).meta({
    description: 'Protocols it may sign in to: smtp, imap, pop3, sieve.',
    examples: [['smtp', 'imap']],
  }),
  expiresDays: z
    .number()
    .int()
    .nullable()
    .optional()
    .meta({ description: 'Days until it stops working, 1–3650; null or absent: no expiry.' }),
});

export const resetPasswordBody = z.strictObject({
  revokeAppPasswords: z
    .boolean()
    .optional()
    .meta({ description: 'Also revoke every app password of the user (default false).' }),
});

export const mailPasswordBody = z.strictObject({
  mode: z.enum(['app-passwords-only', 'account-password']).meta({
    description:
      'account-password: the mail clients (IMAP, POP3, SMTP) may keep the account password while the org setting is app-passwords-only (not for a user with MFA); app-passwords-only: they use app passwords.',
  }),
});

export const signInListQuery = z.object({
  user: z
    .string()
    .optional()
    .meta({ description: 'Primary address (or the login typed, for unknown names).' }),
  since: timestamp
    .optional()
    .meta({ description: 'Entries at or after this time (ISO 8601).', format: 'date-time' }),
  result: z.enum(['success', 'failure']).optional(),
  limit: pageLimit.optional(),
});

export const disableInboxRulesBody = z.strictObject({
  evenIfHarmless: z.boolean().optional().meta({
    description: 'Deactivate the active script even when nothing in it forwards or hides mail.',
  }),
});

export const secureAccountBody = z.strictObject({
  revokeAppPasswords: z
    .boolean()
    .optional()
    .meta({ description: 'Revoke every app password too (default true).' }),
  resetMfa: z.boolean().optional().meta({
    description: 'Remove every second factor first (one the attacker registered), then require a new one.',
  }),
  disableInboxRules: z.boolean().optional().meta({
    description: 'Deactivate the active Sieve script when it forwards or hides mail (default true).',
  }),
  release: z
    .strictObject({
      reason: z.string().meta({ description: 'Why the sender may send again; kept in the audit log.' }),
      force: z.boolean().optional(),
    })
    .optional()
    .meta({ description: 'Release the sender from the restricted list as the last step.' }),
});

// Import from another mail server.
const importRunFields = {
  dryRun: z
    .boolean()
    .optional()
    .meta({ description: 'true: report what the import would do and change nothing.' }),
  sync: z.boolean().optional().meta({
    description: 'true: also disable (never delete) the accounts of this source it no longer lists.',
  }),
  defaultScheme: z.string().optional().meta({
    description: "The scheme of hashes that name none (Dovecot's default_pass_scheme), e.g. SHA512-CRYPT.",
  }),
};

export const importBody = z.discriminatedUnion('source', [
  z.strictObject({
    source: z.literal('dovecot-passwd'),
    text: z.string().meta({
      description: 'The passwd-file: user:{SCHEME}hash:uid:gid:gecos:home:shell:extra_fields lines.',
    }),
    ...importRunFields,
  }),
  z.strictObject({
    source: z.literal('csv'),
    text: z.string().meta({ description: 'CSV lines: address,name,password_hash[,admin][,disabled].' }),
    ...importRunFields,
  }),
  z.strictObject({
    source: z.literal('sql'),
    url: z
      .string()
      .meta({ description: 'mysql://…, postgres://… or sqlite:///path (a file on the server).' }),
    preset: z.enum(SQL_PRESETS),
    ...importRunFields,
  }),
]);
