import { z } from 'zod';
import {
  alertListQuery,
  auditExportQuery,
  auditFilterQuery,
  auditPruneBody,
  auditSearchQuery,
  deliveryListQuery,
  disableInboxRulesBody,
  domainRemovalQuery,
  importBody,
  mailboxAuditBody,
  mailPasswordBody,
  newAliasBody,
  newAppPasswordBody,
  newDomainBody,
  newGroupBody,
  newGroupMemberBody,
  newPasswordBody,
  newUserBody,
  newWebhookBody,
  orgSettingsBody,
  policyUpdateBody,
  quarantineListQuery,
  releaseBody,
  resetPasswordBody,
  scoreHistoryQuery,
  scoreStatusBody,
  secureAccountBody,
  signInListQuery,
  userListQuery,
  userUpdateBody,
} from './request-schemas.js';
import * as responses from './response-schemas.js';

/**
 * The OpenAPI 3.1 description of the HTTP API, kept here so that route files stay pipelines. Request
 * schemas are the ones the routes validate with; a test checks that every route is described.
 */
const schemas = {
  NewDomain: newDomainBody,
  NewUser: newUserBody,
  UserUpdate: userUpdateBody,
  NewPassword: newPasswordBody,
  NewAlias: newAliasBody,
  NewGroup: newGroupBody,
  NewGroupMember: newGroupMemberBody,
  PolicyUpdate: policyUpdateBody,
  Release: releaseBody,
  OrgSettingsUpdate: orgSettingsBody,
  NewWebhook: newWebhookBody,
  MailboxAuditUpdate: mailboxAuditBody,
  AuditPrune: auditPruneBody,
  Domain: responses.domainSchema,
  DomainList: z.object({ domains: z.array(responses.domainSchema) }),
  DomainResponse: z.object({ domain: responses.domainSchema }),
  RemovedDomainResponse: z.object({ domain: responses.removedDomainSchema }),
  User: responses.userSchema,
  UserResponse: z.object({ user: responses.userSchema }),
  RemovedUserResponse: z.object({ user: responses.removedUserSchema }),
  UserPage: z.object({
    users: z.array(responses.userSchema),
    nextCursor: z
      .string()
      .nullable()
      .meta({ description: 'Pass as cursor for the next page; null at the end.' }),
  }),
  Group: responses.groupSchema,
  GroupList: z.object({ groups: z.array(responses.groupSchema) }),
  GroupResponse: z.object({ group: responses.groupSchema }),
  SendingPolicy: responses.sendingPolicySchema,
  PolicyList: z.object({
    policies: z
      .array(responses.sendingPolicySchema)
      .meta({ description: 'In matching order; the default policy, always present, last.' }),
  }),
  PolicyResponse: z.object({ policy: responses.sendingPolicySchema }),
  Restriction: responses.restrictionSchema,
  RestrictedList: z.object({
    restricted: z
      .array(responses.restrictionSchema)
      .meta({ description: 'The restrictions in force now, newest first.' }),
  }),
  RestrictionList: z.object({
    restrictions: z
      .array(responses.restrictionSchema)
      .meta({ description: "The user's restrictions, released ones included, newest first (up to 50)." }),
  }),
  RestrictionResponse: z.object({ restriction: responses.restrictionSchema }),
  OrgSettings: z.object({ settings: z.array(responses.orgSettingSchema) }),
  OrgSettingsChanged: z.object({
    settings: z.array(responses.orgSettingSchema),
    changed: z.array(z.string()).meta({ description: 'The settings whose value changed (each audited).' }),
  }),
  QuarantinedMessage: responses.quarantinedMessageSchema,
  QuarantineList: z.object({
    messages: z
      .array(responses.quarantinedMessageSchema)
      .meta({ description: 'The messages that match, newest first.' }),
  }),
  QuarantinedMessageResponse: z.object({ message: responses.quarantinedMessageSchema }),
  QuarantinedMessageDetail: responses.quarantinedMessageDetailSchema,
  QuarantinedMessageDetailResponse: z.object({ message: responses.quarantinedMessageDetailSchema }),
  Alert: responses.alertSchema,
  AlertList: z.object({ alerts: z.array(responses.alertSchema) }),
  AlertResponse: z.object({ alert: responses.alertSchema }),
  Webhook: responses.webhookSchema,
  WebhookList: z.object({ webhooks: z.array(responses.webhookSchema) }),
  NewWebhookResponse: z.object({
    webhook: responses.webhookSchema,
    secret: z.string().meta({
      description: 'The signing secret (whsec_…): shown only in this answer, stored encrypted.',
    }),
  }),
  NotificationDelivery: responses.notificationDeliverySchema,
  DeliveryList: z.object({
    deliveries: z
      .array(responses.notificationDeliverySchema)
      .meta({ description: 'Alert emails and webhook calls, newest first.' }),
  }),
  AuditRecord: responses.auditRecordSchema,
  AuditPage: responses.auditPageSchema,
  VerifyChainOutcome: responses.verifyChainSchema,
  AuditCounts: z.object({
    counts: z.record(z.string(), z.number().int()).meta({ description: 'Matching records per operation.' }),
  }),
  PruneOutcome: responses.pruneOutcomeSchema,
  MailboxAuditOverview: z.object({
    coverage: responses.mailboxAuditCoverageSchema,
    auditingOff: z.array(responses.mailboxAuditSettingSchema),
  }),
  MailboxAuditSettingResponse: z.object({ setting: responses.mailboxAuditSettingSchema }),
  MailboxAuditChanged: z.object({
    setting: responses.mailboxAuditSettingSchema,
    changed: z.boolean().meta({ description: 'false: it already was so (nothing audited).' }),
  }),
  ScoreStatus: scoreStatusBody,
  Message: responses.messageSchema,
  ScoreReport: responses.scoreReportSchema,
  ScoredControl: responses.scoredControlSchema,
  ScoredControlResponse: z.object({ control: responses.scoredControlSchema }),
  ScoreSnapshot: responses.scoreSnapshotSchema,
  ScoreSnapshotResponse: z.object({ snapshot: responses.scoreSnapshotSchema }),
  ScoreHistory: z.object({
    snapshots: z
      .array(responses.scoreSnapshotSchema)
      .meta({ description: 'Oldest first, for a trend chart.' }),
  }),
  Health: responses.healthSchema,
  Error: responses.errorSchema,
  // App passwords, password reset and the sign-in log.
  NewAppPassword: newAppPasswordBody,
  ResetPassword: resetPasswordBody,
  MailPassword: mailPasswordBody,
  AppPassword: responses.appPasswordSchema,
  AppPasswordList: z.object({ appPasswords: z.array(responses.appPasswordSchema) }),
  AppPasswordResponse: z.object({ appPassword: responses.appPasswordSchema }),
  NewAppPasswordResponse: z.object({
    appPassword: responses.appPasswordSchema,
    password: z
      .string()
      .meta({ description: 'The app password: shown only in this answer, stored as a hash.' }),
  }),
  ResetPasswordResponse: z.object({
    user: responses.userSchema,
    temporaryPassword: z.string().meta({
      description: 'Shown only here. Works on the web only, where the user must change it first.',
    }),
    revokedAppPasswords: z.array(z.string()),
  }),
  UnlockResponse: z.object({
    user: responses.userSchema,
    unlockedSources: z.array(z.string()).meta({ description: 'The networks that were locked out.' }),
  }),
  SignInList: z.object({
    signIns: z.array(responses.signInEntrySchema).meta({ description: 'Newest first.' }),
  }),
  MailPasswordResponse: z.object({
    user: responses.userSchema,
    mode: z.enum(['app-passwords-only', 'account-password']),
    changed: z
      .boolean()
      .meta({ description: 'False when the account already had this mode (nothing audited).' }),
  }),
  // Second factors (MFA).
  MfaResponse: z.object({ mfa: responses.mfaSummarySchema }),
  DisableInboxRulesRequest: disableInboxRulesBody,
  SecureAccountRequest: secureAccountBody,
  InboxRulesResponse: z.object({
    user: z.string(),
    scripts: z.array(responses.inboxRuleScriptSchema),
  }),
  DisableInboxRulesResponse: z.object({
    user: z.string(),
    deactivated: z.string().nullable().meta({
      description: 'The script deactivated (kept, not deleted), or null when none forwards or hides mail.',
    }),
    scripts: z.array(responses.inboxRuleScriptSchema),
  }),
  SecureAccountResponse: z.object({
    complete: z
      .boolean()
      .meta({ description: 'False when a step failed or was refused; the steps say which.' }),
    user: z.string(),
    temporaryPassword: z.string().meta({
      description: 'Shown only here. Works on the web only, where the user must change it first.',
    }),
    steps: z.array(responses.playbookStepSchema).meta({ description: 'Each step, in the order it ran.' }),
  }),
  // Import from another mail server.
  ImportRequest: importBody,
  ImportReportResponse: z.object({ report: importReportSchema() }),
} satisfies Record<string, z.ZodType>;

/** What an import did, per section: counts, and the entries created, updated or skipped (with why). */
function importReportSchema() {
  const line = z.object({
    name: z.string().nullable(),
    outcome: z.enum(['created', 'updated', 'unchanged', 'skipped']),
    at: z.string().optional().meta({ description: 'Where the source holds it: "line 12", "mailbox row 3".' }),
    changes: z.array(z.string()).optional(),
    reason: z.string().optional().meta({ description: 'Why it was skipped, or why part of it was kept.' }),
  });
  const section = z.object({
    created: z.number().int(),
    updated: z.number().int(),
    unchanged: z.number().int(),
    skipped: z.number().int(),
    entries: z.array(line).meta({ description: 'At most 1,000 per section; the counts are whole.' }),
    entriesOmitted: z.number().int(),
  });
  return z.object({
    source: z.string(),
    dryRun: z.boolean(),
    sync: z.boolean(),
    domains: section,
    users: section.extend({
      withoutPassword: z
        .array(z.string())
        .meta({ description: 'Accounts imported without a usable password (an unknown or empty hash).' }),
    }),
    aliases: section,
  });
}

type SchemaName = keyof typeof schemas;

const failures = {
  400: ['InvalidRequest', 'The body or the query is malformed; issues name each field.'],
  401: ['Unauthenticated', 'No API token, or an unknown or revoked one.'],
  403: ['Forbidden', 'An auditor token tried to change something.'],
  404: [
    'NotFound',
    'No such user, group, sending policy, alert, quarantined message, webhook or Secure Score control.',
  ],
  409: [
    'Conflict',
    'The name or address is taken, or the state forbids it: a sender that is not restricted, or one not ' +
      'secured yet (release-refused; unmetChecks lists what is missing), or a quarantined message that ' +
      'was already released or deleted (message-not-held), or inbox rules asked of a Mailwarden with no ' +
      'mail server configured (mail-server-not-configured).',
  ],
  413: ['PayloadTooLarge', 'The body exceeds the size limit.'],
  415: ['UnsupportedMediaType', 'The body is not application/json.'],
  422: [
    'Unprocessable',
    'A module refused the value: an address, domain, password, name or webhook URL, a policy setting out of its ' +
      'range (the message names the field and the range), or a release without a reason.',
  ],
  500: ['InternalError', 'A bug or an infrastructure failure; the requestId finds it in the log.'],
  502: [
    'BadGateway',
    'The mail relay refused the released message or could not be reached (release-failed); it stays held. ' +
      "Or Dovecot's doveadm API did not answer (mail-server-unavailable). Or an import's source could not be read (source-unreadable).",
  ],
} as const;

type FailureStatus = keyof typeof failures;

interface RouteDoc {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  path: string;
  operationId: string;
  summary: string;
  /** read: any token; write: admin tokens; public: no token. */
  access: 'public' | 'read' | 'write';
  query?: z.ZodObject;
  body?: SchemaName;
  /** Without a schema: JSON of any shape (200, 201) or no body at all (204). */
  success: { status: 200 | 201 | 204; schema?: SchemaName; description: string };
  /** Answers that are not errors of the API table (the health check's 503). */
  otherAnswers?: Record<number, { schema: SchemaName; description: string }>;
  failures?: FailureStatus[];
}

const userPath = '/api/v1/users/{address}';
const groupPath = '/api/v1/groups/{name}';
const policyPath = '/api/v1/policies/{name}';
const restrictedPath = '/api/v1/restricted/{address}';
const alertPath = '/api/v1/alerts/{id}';
const quarantinePath = '/api/v1/quarantine/{id}';
const webhookPath = '/api/v1/webhooks/{name}';
const mailboxAuditPath = '/api/v1/audit/mailboxes/{mailbox}';
const scoreControlPath = '/api/v1/score/controls/{id}';

// App passwords, password reset and the sign-in log.
const signInRouteDocs: RouteDoc[] = [
  {
    method: 'get',
    path: `${userPath}/app-passwords`,
    operationId: 'listAppPasswords',
    summary: "The user's app passwords (never the secrets); ?all=true includes revoked ones",
    access: 'read',
    success: { status: 200, schema: 'AppPasswordList', description: 'Oldest first' },
    failures: [404],
  },
  {
    method: 'post',
    path: `${userPath}/app-passwords`,
    operationId: 'createAppPassword',
    summary: 'Create an app password for a mail client (shown once)',
    access: 'write',
    body: 'NewAppPassword',
    success: {
      status: 201,
      schema: 'NewAppPasswordResponse',
      description: 'The app password and its secret',
    },
    failures: [404, 409, 422],
  },
  {
    method: 'delete',
    path: `${userPath}/app-passwords/{name}`,
    operationId: 'revokeAppPassword',
    summary: 'Revoke an app password; the next sign-in with it fails',
    access: 'write',
    success: { status: 200, schema: 'AppPasswordResponse', description: 'The revoked app password' },
    failures: [404],
  },
  {
    method: 'post',
    path: `${userPath}/reset-password`,
    operationId: 'resetPassword',
    summary: 'Reset the password: a temporary one shown once, change required, every session ended',
    access: 'write',
    body: 'ResetPassword',
    success: { status: 200, schema: 'ResetPasswordResponse', description: 'The temporary password' },
    failures: [404],
  },
  {
    method: 'post',
    path: `${userPath}/unlock`,
    operationId: 'unlockUser',
    summary: 'Lift every smart-lockout lock of the account',
    access: 'write',
    success: { status: 200, schema: 'UnlockResponse', description: 'What was unlocked' },
    failures: [404],
  },
  {
    method: 'put',
    path: `${userPath}/mail-password`,
    operationId: 'setMailPassword',
    summary: "Let the account's mail clients keep the account password, or move them to app passwords",
    access: 'write',
    body: 'MailPassword',
    success: { status: 200, schema: 'MailPasswordResponse', description: 'The mode now in force' },
    failures: [404],
  },
  {
    method: 'get',
    path: `${userPath}/signins`,
    operationId: 'listUserSignIns',
    summary: "The user's sign-in log, newest first",
    access: 'read',
    query: signInListQuery.omit({ user: true }),
    success: { status: 200, schema: 'SignInList', description: 'Sign-in attempts on every protocol' },
  },
  {
    method: 'get',
    path: '/api/v1/signins',
    operationId: 'listSignIns',
    summary: 'The sign-in log of the organization, newest first',
    access: 'read',
    query: signInListQuery,
    success: { status: 200, schema: 'SignInList', description: 'Sign-in attempts on every protocol' },
  },
];

// Second factors (MFA).
const mfaRouteDocs: RouteDoc[] = [
  {
    method: 'get',
    path: `${userPath}/mfa`,
    operationId: 'showUserMfa',
    summary: "The user's second factors, MFA state and whether (and by when) MFA is required of them",
    access: 'read',
    success: { status: 200, schema: 'MfaResponse', description: 'MFA summary' },
    failures: [404],
  },
  {
    method: 'post',
    path: `${userPath}/mfa/reset`,
    operationId: 'resetUserMfa',
    summary: 'Remove every second factor, end every web session, restart the registration grace period',
    access: 'write',
    success: { status: 200, schema: 'MfaResponse', description: 'MFA summary after the reset' },
    failures: [404],
  },
  {
    method: 'post',
    path: `${userPath}/mfa/enforce`,
    operationId: 'enforceUserMfa',
    summary: 'Require a second factor at the next web sign-in (no grace period)',
    access: 'write',
    success: { status: 200, schema: 'MfaResponse', description: 'MFA summary after enforcing' },
    failures: [404],
  },
];

const importRouteDocs: RouteDoc[] = [
  {
    method: 'post',
    path: '/api/v1/import',
    operationId: 'importAccounts',
    summary:
      "Import domains, users (with their password hashes) and aliases from a Dovecot passwd-file's or a CSV's text, or from mailcow, Modoboa, Mail-in-a-Box or Postfix Admin's database; dryRun changes nothing, sync also disables accounts gone from the source",
    access: 'write',
    body: 'ImportRequest',
    success: {
      status: 200,
      schema: 'ImportReportResponse',
      description: 'What was created, updated, unchanged and skipped',
    },
    failures: [502],
  },
];

const respondRouteDocs: RouteDoc[] = [
  {
    method: 'get',
    path: `${userPath}/inbox-rules`,
    operationId: 'listInboxRules',
    summary: "The mailbox's Sieve scripts in Dovecot, and which forward mail out or hide it from the owner",
    access: 'read',
    success: { status: 200, schema: 'InboxRulesResponse', description: 'Every script, judged' },
    failures: [404, 409, 502],
  },
  {
    method: 'post',
    path: `${userPath}/inbox-rules/disable`,
    operationId: 'disableInboxRules',
    summary: 'Deactivate the active Sieve script when it forwards or hides mail (kept, not deleted)',
    access: 'write',
    body: 'DisableInboxRulesRequest',
    success: { status: 200, schema: 'DisableInboxRulesResponse', description: 'What was deactivated' },
    failures: [404, 409, 502],
  },
  {
    method: 'post',
    path: `${userPath}/secure`,
    operationId: 'secureAccount',
    summary:
      'Secure a compromised account: reset the password, revoke app passwords and tokens, require MFA, disable forwarding rules, end mail sessions, optionally release',
    access: 'write',
    body: 'SecureAccountRequest',
    success: {
      status: 200,
      schema: 'SecureAccountResponse',
      description: 'The temporary password (once) and every step; 200 even when a step failed',
    },
    failures: [404],
  },
];

const routes: RouteDoc[] = [
  {
    method: 'get',
    path: '/healthz',
    operationId: 'getHealth',
    summary: 'Whether the database and the mail relay answer (503 with status "down" without the database)',
    access: 'public',
    success: { status: 200, schema: 'Health', description: 'ok, or degraded when mail cannot leave' },
    otherAnswers: { 503: { schema: 'Health', description: 'down: the database is unavailable' } },
  },
  {
    method: 'get',
    path: '/api/v1/openapi.json',
    operationId: 'getOpenApi',
    summary: 'This document',
    access: 'public',
    success: { status: 200, description: 'The OpenAPI 3.1 document' },
  },
  {
    method: 'get',
    path: '/api/v1/domains',
    operationId: 'listDomains',
    summary: 'The domains the organization owns',
    access: 'read',
    success: { status: 200, schema: 'DomainList', description: 'Every domain, by name' },
  },
  {
    method: 'post',
    path: '/api/v1/domains',
    operationId: 'addDomain',
    summary: 'Add a domain the organization owns',
    access: 'write',
    body: 'NewDomain',
    success: { status: 201, schema: 'DomainResponse', description: 'The domain was added' },
    failures: [409, 422],
  },
  {
    method: 'delete',
    path: '/api/v1/domains/{name}',
    operationId: 'removeDomain',
    summary:
      'Remove a domain; refused (409, naming them) while users or aliases are in it, unless withUsers=true deletes them too',
    access: 'write',
    query: domainRemovalQuery,
    success: {
      status: 200,
      schema: 'RemovedDomainResponse',
      description: 'The domain and what went with it',
    },
    failures: [404, 409],
  },
  {
    method: 'get',
    path: '/api/v1/users',
    operationId: 'listUsers',
    summary: 'Users by address, one page at a time',
    access: 'read',
    query: userListQuery,
    success: { status: 200, schema: 'UserPage', description: 'One page of users' },
  },
  {
    method: 'post',
    path: '/api/v1/users',
    operationId: 'createUser',
    summary: 'Create a mailbox user',
    access: 'write',
    body: 'NewUser',
    success: { status: 201, schema: 'UserResponse', description: 'The user was created' },
    failures: [409, 422],
  },
  {
    method: 'get',
    path: userPath,
    operationId: 'getUser',
    summary: 'A user by primary address, alias or id',
    access: 'read',
    success: { status: 200, schema: 'UserResponse', description: 'The user' },
    failures: [404],
  },
  {
    method: 'patch',
    path: userPath,
    operationId: 'updateUser',
    summary: 'Change the display name or role, or disable or enable the user',
    access: 'write',
    body: 'UserUpdate',
    success: { status: 200, schema: 'UserResponse', description: 'The user after the change' },
    failures: [404, 422],
  },
  {
    method: 'delete',
    path: userPath,
    operationId: 'deleteUser',
    summary:
      'Delete the user: web sessions, app passwords, second factors and owned API tokens end at once; audit records, sign-ins and restrictions stay. The last admin is refused (409)',
    access: 'write',
    success: {
      status: 200,
      schema: 'RemovedUserResponse',
      description: 'The deleted user and what went with it',
    },
    failures: [404, 409],
  },
  {
    method: 'put',
    path: `${userPath}/password`,
    operationId: 'setPassword',
    summary: "Set the user's password",
    access: 'write',
    body: 'NewPassword',
    success: { status: 200, schema: 'UserResponse', description: 'The password was set' },
    failures: [404, 422],
  },
  {
    method: 'post',
    path: `${userPath}/aliases`,
    operationId: 'addAlias',
    summary: 'Add an alias address to the user',
    access: 'write',
    body: 'NewAlias',
    success: { status: 201, schema: 'UserResponse', description: 'The user with the new alias' },
    failures: [404, 409, 422],
  },
  {
    method: 'delete',
    path: `${userPath}/aliases/{alias}`,
    operationId: 'removeAlias',
    summary: 'Remove an alias address from the user (the primary address is not an alias)',
    access: 'write',
    success: { status: 200, schema: 'UserResponse', description: 'The user without the alias' },
    failures: [404],
  },
  {
    method: 'get',
    path: `${userPath}/policy`,
    operationId: 'getEffectivePolicy',
    summary: 'The sending policy that applies to the user now (the first that names them, or the default)',
    access: 'read',
    success: { status: 200, schema: 'PolicyResponse', description: 'The policy in force for the user' },
    failures: [404],
  },
  {
    method: 'get',
    path: '/api/v1/groups',
    operationId: 'listGroups',
    summary: 'Groups and their members',
    access: 'read',
    success: { status: 200, schema: 'GroupList', description: 'Every group, by name' },
  },
  {
    method: 'post',
    path: '/api/v1/groups',
    operationId: 'addGroup',
    summary: 'Create a group (sending policies can be scoped to groups)',
    access: 'write',
    body: 'NewGroup',
    success: { status: 201, schema: 'GroupResponse', description: 'The group was created' },
    failures: [409, 422],
  },
  {
    method: 'post',
    path: `${groupPath}/members`,
    operationId: 'addGroupMember',
    summary: 'Add a user to the group (adding a member again changes nothing)',
    access: 'write',
    body: 'NewGroupMember',
    success: { status: 201, schema: 'GroupResponse', description: 'The group with its members' },
    failures: [404],
  },
  {
    method: 'delete',
    path: groupPath,
    operationId: 'deleteGroup',
    summary: 'Delete the group; refused (409) while a sending policy is scoped to it',
    access: 'write',
    success: {
      status: 200,
      schema: 'GroupResponse',
      description: 'The deleted group with the members it had',
    },
    failures: [404, 409],
  },
  {
    method: 'delete',
    path: `${groupPath}/members/{address}`,
    operationId: 'removeGroupMember',
    summary: 'Remove a user from the group (a user who is not a member: 404 not-a-member)',
    access: 'write',
    success: { status: 200, schema: 'GroupResponse', description: 'The group with its remaining members' },
    failures: [404],
  },
  {
    method: 'get',
    path: '/api/v1/policies',
    operationId: 'listPolicies',
    summary: 'Sending policies in matching order, the default policy last',
    access: 'read',
    success: { status: 200, schema: 'PolicyList', description: 'Every policy, the default included' },
  },
  {
    method: 'get',
    path: policyPath,
    operationId: 'getPolicy',
    summary: 'A sending policy by name',
    access: 'read',
    success: { status: 200, schema: 'PolicyResponse', description: 'The policy' },
    failures: [404],
  },
  {
    method: 'put',
    path: policyPath,
    operationId: 'setPolicy',
    summary:
      'Create a sending policy or change it: fields left out keep their current value (new policies start from the defaults)',
    access: 'write',
    body: 'PolicyUpdate',
    success: { status: 200, schema: 'PolicyResponse', description: 'The policy after the change' },
    failures: [422],
  },
  {
    method: 'delete',
    path: policyPath,
    operationId: 'deletePolicy',
    summary: 'Delete a sending policy (the default policy cannot be deleted: 422)',
    access: 'write',
    success: { status: 204, description: 'The policy was deleted' },
    failures: [404, 422],
  },
  {
    method: 'get',
    path: '/api/v1/restricted',
    operationId: 'listRestricted',
    summary: 'Senders restricted now, with the evidence of each restriction, newest first',
    access: 'read',
    success: { status: 200, schema: 'RestrictedList', description: 'The restrictions in force' },
  },
  {
    method: 'get',
    path: restrictedPath,
    operationId: 'getRestrictions',
    summary: "A user's restrictions, past and present, newest first",
    access: 'read',
    success: { status: 200, schema: 'RestrictionList', description: "The user's restrictions" },
    failures: [404],
  },
  {
    method: 'post',
    path: `${restrictedPath}/release`,
    operationId: 'releaseSender',
    summary:
      'Let a restricted sender send again: refused until the password was changed after the restriction, unless forced',
    access: 'write',
    body: 'Release',
    success: { status: 200, schema: 'RestrictionResponse', description: 'The released restriction' },
    failures: [404, 409, 422],
  },
  {
    method: 'get',
    path: '/api/v1/org/settings',
    operationId: 'getOrgSettings',
    summary:
      'The org-wide settings (MFA, mail sign-in, passwords, lockout, risk, locale, timeZone) with defaults and last change',
    access: 'read',
    success: { status: 200, schema: 'OrgSettings', description: 'Every setting' },
  },
  {
    method: 'patch',
    path: '/api/v1/org/settings',
    operationId: 'changeOrgSettings',
    summary:
      'Change org-wide settings, e.g. {"locale": "nl", "timeZone": "Europe/Amsterdam"}: every key is checked first (400 lists all problems), each change is audited',
    access: 'write',
    body: 'OrgSettingsUpdate',
    success: { status: 200, schema: 'OrgSettingsChanged', description: 'The settings after the change' },
    failures: [400],
  },
  {
    method: 'get',
    path: '/api/v1/quarantine',
    operationId: 'listQuarantine',
    summary: 'Outgoing messages held as spam (by default the ones still held), newest first',
    access: 'read',
    query: quarantineListQuery,
    success: { status: 200, schema: 'QuarantineList', description: 'The messages that match' },
  },
  {
    method: 'get',
    path: quarantinePath,
    operationId: 'getQuarantinedMessage',
    summary:
      'A quarantined message: its findings with their weights, the policy that judged it, and its header section (never its body)',
    access: 'read',
    success: { status: 200, schema: 'QuarantinedMessageDetailResponse', description: 'The message' },
    failures: [404],
  },
  {
    method: 'post',
    path: `${quarantinePath}/release`,
    operationId: 'releaseQuarantinedMessage',
    summary:
      'Deliver a held message as it was submitted (a false positive), then mark it released; audited as ReleaseQuarantinedMessage',
    access: 'write',
    success: { status: 200, schema: 'QuarantinedMessageResponse', description: 'The released message' },
    failures: [404, 409, 502],
  },
  {
    method: 'post',
    path: `${quarantinePath}/delete`,
    operationId: 'deleteQuarantinedMessage',
    summary:
      'Discard a held message, which is then never delivered; audited as DeleteQuarantinedMessage. A POST rather than DELETE, so that the answer carries the decided record',
    access: 'write',
    success: { status: 200, schema: 'QuarantinedMessageResponse', description: 'The deleted message' },
    failures: [404, 409],
  },
  {
    method: 'get',
    path: '/api/v1/alerts',
    operationId: 'listAlerts',
    summary: 'Alerts, the most recently raised first',
    access: 'read',
    query: alertListQuery,
    success: { status: 200, schema: 'AlertList', description: 'The alerts that match' },
  },
  {
    method: 'get',
    path: alertPath,
    operationId: 'getAlert',
    summary: 'An alert by id',
    access: 'read',
    success: { status: 200, schema: 'AlertResponse', description: 'The alert' },
    failures: [404],
  },
  {
    method: 'post',
    path: `${alertPath}/acknowledge`,
    operationId: 'acknowledgeAlert',
    summary: 'Mark the alert acknowledged',
    access: 'write',
    success: { status: 200, schema: 'AlertResponse', description: 'The alert after the change' },
    failures: [404],
  },
  {
    method: 'post',
    path: `${alertPath}/resolve`,
    operationId: 'resolveAlert',
    summary: 'Mark the alert resolved (a later occurrence raises a new alert)',
    access: 'write',
    success: { status: 200, schema: 'AlertResponse', description: 'The alert after the change' },
    failures: [404],
  },
  {
    method: 'get',
    path: '/api/v1/webhooks',
    operationId: 'listWebhooks',
    summary: 'Alert webhooks, by name (never their signing secrets)',
    access: 'read',
    success: { status: 200, schema: 'WebhookList', description: 'Every webhook' },
  },
  {
    method: 'post',
    path: '/api/v1/webhooks',
    operationId: 'addWebhook',
    summary:
      'Add an alert webhook; the answer carries its signing secret, shown this once. Audited as AddWebhook',
    access: 'write',
    body: 'NewWebhook',
    success: { status: 201, schema: 'NewWebhookResponse', description: 'The webhook and its secret' },
    failures: [409, 422],
  },
  {
    method: 'delete',
    path: webhookPath,
    operationId: 'removeWebhook',
    summary: 'Remove a webhook; its pending deliveries are given up. Audited as RemoveWebhook',
    access: 'write',
    success: { status: 204, description: 'The webhook was removed' },
    failures: [404],
  },
  {
    method: 'get',
    path: '/api/v1/webhooks/deliveries',
    operationId: 'listDeliveries',
    summary: 'The notification delivery log (emails and webhook calls), newest first',
    access: 'read',
    query: deliveryListQuery,
    success: { status: 200, schema: 'DeliveryList', description: 'The most recent deliveries' },
  },
  {
    method: 'get',
    path: '/api/v1/audit',
    operationId: 'searchAudit',
    summary: 'Search the audit log, newest first',
    access: 'read',
    query: auditSearchQuery,
    success: { status: 200, schema: 'AuditPage', description: 'One page of records' },
  },
  {
    method: 'get',
    path: '/api/v1/audit/counts',
    operationId: 'countAudit',
    summary: 'How many records match the filters, per operation',
    access: 'read',
    query: auditFilterQuery,
    success: { status: 200, schema: 'AuditCounts', description: 'Counts per operation' },
  },
  {
    method: 'get',
    path: '/api/v1/audit/export',
    operationId: 'exportAudit',
    summary:
      'Every matching record, newest first, streamed as JSON Lines (application/x-ndjson) or CSV (text/csv), in constant memory',
    access: 'read',
    query: auditExportQuery,
    success: { status: 200, description: 'The records, one per line (CSV: a header line first)' },
  },
  {
    method: 'post',
    path: '/api/v1/audit/prune',
    operationId: 'pruneAudit',
    summary:
      'Remove records older than the retention period behind a signed checkpoint (the chain stays verifiable); audited as PruneAuditLog',
    access: 'write',
    body: 'AuditPrune',
    success: { status: 200, schema: 'PruneOutcome', description: 'What was removed' },
  },
  {
    method: 'get',
    path: '/api/v1/audit/mailboxes',
    operationId: 'getMailboxAuditOverview',
    summary: 'Mailbox auditing coverage, and the mailboxes with auditing turned off',
    access: 'read',
    success: { status: 200, schema: 'MailboxAuditOverview', description: 'Coverage and exceptions' },
  },
  {
    method: 'get',
    path: mailboxAuditPath,
    operationId: 'getMailboxAudit',
    summary: 'Whether a mailbox is audited (on by default)',
    access: 'read',
    success: { status: 200, schema: 'MailboxAuditSettingResponse', description: 'The setting' },
  },
  {
    method: 'put',
    path: mailboxAuditPath,
    operationId: 'setMailboxAudit',
    summary:
      'Turn auditing of a mailbox’s items and folders off or on; audited as DisableMailboxAudit / EnableMailboxAudit',
    access: 'write',
    body: 'MailboxAuditUpdate',
    success: { status: 200, schema: 'MailboxAuditChanged', description: 'The setting now' },
    failures: [404],
  },
  {
    method: 'get',
    path: '/metrics',
    operationId: 'getMetrics',
    summary:
      'Prometheus metrics (text format 0.0.4): SMTP, sign-ins, restrictions, alerts, policy, audit ingest, process (docs/OPERATIONS.md)',
    access: 'public',
    success: { status: 200, description: 'text/plain metrics' },
  },
  {
    method: 'get',
    path: '/api/v1/audit/verify',
    operationId: 'verifyAudit',
    summary: 'Walk the hash chain of the audit log (ok:false names the first record that does not fit)',
    access: 'read',
    success: { status: 200, schema: 'VerifyChainOutcome', description: 'The outcome of the walk' },
  },
  {
    method: 'get',
    path: '/api/v1/score',
    operationId: 'getScore',
    summary:
      'Secure Score: total, maximum, achievable, per category, and every control with its recommendation, most points to gain first (runs the DNS checks)',
    access: 'read',
    success: { status: 200, schema: 'ScoreReport', description: 'The score now' },
  },
  {
    method: 'get',
    path: scoreControlPath,
    operationId: 'getScoreControl',
    summary: 'One Secure Score control, measured now',
    access: 'read',
    success: { status: 200, schema: 'ScoredControlResponse', description: 'The control' },
    failures: [404],
  },
  {
    method: 'put',
    path: `${scoreControlPath}/status`,
    operationId: 'setScoreControlStatus',
    summary:
      'Set a control to risk-accepted (0 points), third-party or alternate-mitigation (full points), or back to measured, with a reason. Audited as SetScoreControlStatus',
    access: 'write',
    body: 'ScoreStatus',
    success: { status: 200, schema: 'ScoredControlResponse', description: 'The control with its status' },
    failures: [404, 422],
  },
  {
    method: 'get',
    path: '/api/v1/score/history',
    operationId: 'getScoreHistory',
    summary: 'Secure Score snapshots (daily, taken by the server, and on demand), oldest first',
    access: 'read',
    query: scoreHistoryQuery,
    success: { status: 200, schema: 'ScoreHistory', description: 'The snapshots of the period' },
  },
  {
    method: 'post',
    path: '/api/v1/score/snapshots',
    operationId: 'takeScoreSnapshot',
    summary: 'Take a Secure Score snapshot now; it joins the history',
    access: 'write',
    success: {
      status: 201,
      schema: 'ScoreSnapshotResponse',
      description: 'The snapshot, with every control',
    },
  },
];

/**
 * serverUrl: the origin clients reach this server at (the configured public URL, or the listener the
 * request came in on); unset, the document's own location ('/'), which OpenAPI resolves relatively.
 */
export function createOpenApiDocument(options: { serverUrl?: string } = {}): Record<string, unknown> {
  const operations = paths();
  const tags = [
    ...new Set(
      Object.values(operations).flatMap((methods) => Object.values(methods).map((op) => op.tags[0])),
    ),
  ].sort();
  return {
    openapi: '3.1.0',
    info: {
      title: 'Mailwarden API',
      version: '1',
      description: 'Errors are {error:{code, message}}; the codes are stable, the messages are for people.',
      license: { name: 'AGPL-3.0-or-later', url: 'https://www.gnu.org/licenses/agpl-3.0.html' },
    },
    servers: [{ url: options.serverUrl ?? '/' }],
    tags: tags.map((name) => ({ name })),
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An API token (mwt_…).' } },
      schemas: componentSchemas(),
      responses: Object.fromEntries(
        Object.values(failures).map(([name, description]) => [name, jsonContent(description, 'Error')]),
      ),
    },
    paths: operations,
  };
}

/** Operations are grouped by the resource after /api/v1 (users, audit, …); /healthz on its own. */
function tagOf(path: string): string {
  return (
    path
      .replace(/^\/api\/v1\//, '')
      .replace(/^\//, '')
      .split(/[/.]/)[0] ?? 'other'
  );
}

function paths(): Record<string, Record<string, { tags: [string] } & Record<string, unknown>>> {
  const result: Record<string, Record<string, { tags: [string] } & Record<string, unknown>>> = {};
  for (const route of [
    ...routes,
    ...signInRouteDocs,
    ...mfaRouteDocs,
    ...respondRouteDocs,
    ...importRouteDocs,
  ]) {
    const parameters = [...pathParameters(route.path), ...(route.query ? queryParameters(route.query) : [])];
    const statuses: FailureStatus[] = [
      ...(route.body || route.query ? [400 as const] : []),
      ...(route.access === 'public' ? [] : [401 as const]),
      ...(route.access === 'write' ? [403 as const] : []),
      ...(route.failures ?? []),
      ...(route.body ? [413 as const, 415 as const] : []),
      500,
    ];
    result[route.path] ??= {};
    result[route.path]![route.method] = {
      operationId: route.operationId,
      tags: [tagOf(route.path)],
      summary: route.summary,
      security: route.access === 'public' ? [] : [{ bearer: [] }],
      ...(route.access === 'write' ? { description: 'Needs an admin token.' } : {}),
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(route.body ? { requestBody: { required: true, ...jsonContent('', route.body) } } : {}),
      responses: {
        [route.success.status]:
          route.success.status === 204
            ? { description: route.success.description }
            : jsonContent(route.success.description, route.success.schema),
        ...Object.fromEntries(
          Object.entries(route.otherAnswers ?? {}).map(([status, { schema, description }]) => [
            status,
            jsonContent(description, schema),
          ]),
        ),
        ...Object.fromEntries(
          [...new Set(statuses)]
            .sort()
            .map((status) => [status, { $ref: `#/components/responses/${failures[status][0]}` }]),
        ),
      },
    };
  }
  return result;
}

const pathParameterDescriptions: Record<string, string> = {
  '/api/v1/users/{address}': 'Primary address, alias or id of the user',
  '/api/v1/restricted/{address}': 'Primary address, alias or id of the user',
  '/api/v1/groups/{name}': 'The name of the group',
  '/api/v1/groups/{name}/members/{address}': 'Primary address or alias of the member',
  '/api/v1/domains/{name}': 'The domain name',
  '/api/v1/users/{address}/aliases/{alias}': 'The alias address',
  '/api/v1/policies/{name}': 'The name of the policy ("default" for the default policy)',
  '/api/v1/alerts/{id}': 'The id of the alert',
  '/api/v1/quarantine/{id}': 'The id of the quarantined message',
  '/api/v1/webhooks/{name}': 'The name of the webhook',
  '/api/v1/audit/mailboxes/{mailbox}': 'The primary address of the mailbox',
  '/api/v1/score/controls/{id}': 'The id of the control (e.g. identity.mfa-admins)',
  '/api/v1/users/{address}/app-passwords/{name}': 'The name of the app password',
};

/** One parameter per {placeholder}; a placeholder without a description fails at start-up. */
function pathParameters(path: string): unknown[] {
  return [...path.matchAll(/\{(\w+)\}/g)].map((match) => {
    const prefix = path.slice(0, (match.index ?? 0) + match[0].length);
    const description = pathParameterDescriptions[prefix];
    if (!description) throw new Error(`no description for the path parameter of ${prefix}`);
    return { name: match[1], in: 'path', required: true, description, schema: { type: 'string' } };
  });
}

function queryParameters(query: z.ZodObject): unknown[] {
  return Object.entries(query.shape).map(([name, field]) => {
    const { $schema: _, description, ...schema } = z.toJSONSchema(field as z.ZodType, { io: 'input' });
    return { name, in: 'query', required: false, ...(description ? { description } : {}), schema };
  });
}

function componentSchemas(): Record<string, unknown> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(schemas)) registry.add(schema, { id });
  const generated = z.toJSONSchema(registry, { io: 'input', uri: (id) => `#/components/schemas/${id}` });
  return Object.fromEntries(
    Object.entries(generated.schemas).map(([id, { $schema: _s, $id: _i, ...schema }]) => [id, schema]),
  );
}

function jsonContent(description: string, schema: SchemaName | undefined) {
  const media = schema ? { schema: { $ref: `#/components/schemas/${schema}` } } : {};
  return { description, content: { 'application/json': media } };
}
