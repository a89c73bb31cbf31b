/**
 * The org-wide settings an administrator changes at run time, in one table that validation, the
 * CLI (`mailwarden org show|set`), the API and the docs read. Start-up configuration (ports, paths,
 * the database) is in src/config; what is here is policy, changed while Mailwarden runs, audited.
 */
import { inEnglish, isTimeZone, LOCALES, type Locale, type Message, message } from '../i18n/index.js';

export type MailAccountPasswordPolicy = 'allowed' | 'app-passwords-only' | 'blocked';
export type UnknownSenderPolicy = 'count-and-alert' | 'refuse';

export interface OrgSettings {
  /** Administrators must use a second factor on the web and for their API tokens. */
  'mfa.requireForAdmins': boolean;
  /** Everyone must register a second factor (after the grace period). */
  'mfa.requireForAll': boolean;
  /** Days a user may still sign in without a second factor once it is required of them. */
  'mfa.registrationGraceDays': number;
  /** Whether mail clients (SMTP, IMAP, POP3, ManageSieve) may sign in with the account password. */
  'mailSignIn.accountPassword': MailAccountPasswordPolicy;
  /** Refuse passwords on the shipped list of common and breached passwords. */
  'passwords.bannedList': boolean;
  /** Lock a source out of an account after repeated failures. */
  'lockout.enabled': boolean;
  /** Failures (distinct wrong passwords) from one source that lock it out. */
  'lockout.threshold': number;
  /** The first lockout's length; each repeat doubles it. */
  'lockout.durationSeconds': number;
  /** High-risk sign-ins are refused; medium-risk ones need MFA (web) or an app password (mail). */
  'risk.policyEnabled': boolean;
  /** Days the sign-in log keeps its entries. */
  'signIns.retentionDays': number;
  /**
   * Days the mailbox audit log keeps its records. Its default is the installation's start-up setting
   * audit.retentionDays (MAILWARDEN_AUDIT_RETENTION_DAYS), so that scripts setting that keep working.
   */
  'audit.retentionDays': number;
  /**
   * What the Postfix policy service does with a SASL login that is no Mailwarden user: count it under
   * the default sending policy and raise an alert, or refuse its mail.
   */
  'policy.unknownSender': UnknownSenderPolicy;
  /**
   * The organization's language: pages for readers whose browser names no language we have, and the
   * alert emails (`mailwarden org set locale nl`). A user's own choice on /account comes first.
   */
  locale: Locale;
  /** The time zone pages and alert emails write moments in (`mailwarden org set timeZone Europe/Amsterdam`). */
  timeZone: string;
}

export type OrgSettingKey = keyof OrgSettings;

interface BooleanField {
  kind: 'boolean';
  default: boolean;
  description: string;
}
interface IntegerField {
  kind: 'integer';
  default: number;
  min: number;
  max: number;
  description: string;
}
interface EnumField<V extends string> {
  kind: 'enum';
  default: V;
  values: readonly V[];
  description: string;
}
/** Free text that one check accepts (a time zone name): the check's words say what is expected. */
interface StringField {
  kind: 'string';
  default: string;
  /** Null when the value is fine, else why not ("… is an IANA time zone name, e.g. Europe/Amsterdam"). */
  validate(value: string): Message | null;
  /** The value as stored once valid (a time zone's canonical spelling). */
  normalize?(value: string): string;
  description: string;
}
type FieldFor<T> = [T] extends [boolean]
  ? BooleanField
  : [T] extends [number]
    ? IntegerField
    : string extends T
      ? StringField
      : EnumField<T & string>;

export type OrgSettingField = BooleanField | IntegerField | EnumField<string> | StringField;

/** Defaults follow NIST SP 800-63B and PRODUCT.md ("Sign-in and lockout"): secure unless changed. */
export const orgSettingFields: { [K in OrgSettingKey]: FieldFor<OrgSettings[K]> } = {
  'mfa.requireForAdmins': {
    kind: 'boolean',
    default: true,
    description: 'administrators must use a second factor (web console, API tokens they own)',
  },
  'mfa.requireForAll': {
    kind: 'boolean',
    default: false,
    description: 'every user must register a second factor, after the grace period',
  },
  'mfa.registrationGraceDays': {
    kind: 'integer',
    default: 14,
    min: 0,
    max: 90,
    description: 'days to register a second factor once it is required',
  },
  'mailSignIn.accountPassword': {
    kind: 'enum',
    default: 'app-passwords-only',
    values: ['allowed', 'app-passwords-only', 'blocked'],
    description:
      'mail clients and the account password: allowed (not for MFA users), app-passwords-only, or blocked (no mail-client sign-in at all)',
  },
  'passwords.bannedList': {
    kind: 'boolean',
    default: true,
    description: 'refuse passwords on the shipped list of common and breached passwords',
  },
  'lockout.enabled': { kind: 'boolean', default: true, description: 'smart lockout per account and source' },
  'lockout.threshold': {
    kind: 'integer',
    default: 10,
    min: 3,
    max: 100,
    description: 'distinct wrong passwords from one source that lock it out',
  },
  'lockout.durationSeconds': {
    kind: 'integer',
    default: 60,
    min: 10,
    max: 86_400,
    description: 'first lockout length; doubles on each repeat',
  },
  'risk.policyEnabled': {
    kind: 'boolean',
    default: true,
    description: 'refuse high-risk sign-ins; medium risk needs MFA (web) or an app password (mail)',
  },
  'signIns.retentionDays': {
    kind: 'integer',
    default: 30,
    min: 1,
    max: 3650,
    description: 'days the sign-in log keeps its entries',
  },
  'audit.retentionDays': {
    kind: 'integer',
    default: 90,
    min: 1,
    max: 36_500,
    description: 'days the audit log keeps its records (default: the start-up setting audit.retentionDays)',
  },
  'policy.unknownSender': {
    kind: 'enum',
    default: 'count-and-alert',
    values: ['count-and-alert', 'refuse'],
    description:
      'Postfix SASL logins that are no Mailwarden user: count-and-alert (the default sending policy applies, and an alert is raised) or refuse (550 5.7.1)',
  },
  locale: {
    kind: 'enum',
    default: 'en',
    values: LOCALES,
    description:
      'the language of alert emails, and of pages when neither the user nor the browser names one: en or nl',
  },
  timeZone: {
    kind: 'string',
    default: 'UTC',
    validate: (value) =>
      isTimeZone(value) && value.trim() !== ''
        ? null
        : message('settings.problem.timeZone', {
            key: 'timeZone',
            example: 'Europe/Amsterdam',
            utc: 'UTC',
            value,
          }),
    normalize: (value) => new Intl.DateTimeFormat('en', { timeZone: value }).resolvedOptions().timeZone,
    description: 'the time zone pages and alert emails show times in (IANA name, e.g. Europe/Amsterdam)',
  },
};

export function isOrgSettingKey(key: string): key is OrgSettingKey {
  return Object.hasOwn(orgSettingFields, key);
}

export function defaultOrgSettings(): OrgSettings {
  return Object.fromEntries(
    Object.entries(orgSettingFields).map(([key, field]) => [key, field.default]),
  ) as unknown as OrgSettings;
}

/** A refused value says why as a message (src/i18n/messages/problems.ts), and in English for the CLI and API. */
export type ParsedValue =
  | { ok: true; value: boolean | number | string }
  | { ok: false; problem: Message; message: string };

const refused = (problem: Message): ParsedValue => ({ ok: false, problem, message: inEnglish(problem) });

/**
 * Checks a value for a setting. Text is accepted too (the CLI passes words): "true"/"false", digits.
 * The setting's name, its bounds and its values are data in the message: they are typed as they are.
 */
export function parseOrgSettingValue(key: OrgSettingKey, raw: unknown): ParsedValue {
  const field: OrgSettingField = orgSettingFields[key];
  switch (field.kind) {
    case 'boolean': {
      if (typeof raw === 'boolean') return { ok: true, value: raw };
      if (raw === 'true' || raw === 'on' || raw === 'yes') return { ok: true, value: true };
      if (raw === 'false' || raw === 'off' || raw === 'no') return { ok: true, value: false };
      return refused(message('settings.problem.boolean', { key, true: 'true', false: 'false' }));
    }
    case 'integer': {
      const value = typeof raw === 'string' && /^-?\d+$/.test(raw.trim()) ? Number(raw) : raw;
      if (typeof value !== 'number' || !Number.isInteger(value) || value < field.min || value > field.max)
        return refused(
          message('settings.problem.wholeNumber', { key, min: String(field.min), max: String(field.max) }),
        );
      return { ok: true, value };
    }
    case 'enum': {
      if (typeof raw !== 'string' || !field.values.includes(raw))
        return refused(message('settings.problem.oneOf', { key, values: field.values.join(', ') }));
      return { ok: true, value: raw };
    }
    case 'string': {
      const value = typeof raw === 'string' ? raw.trim() : '';
      const problem = typeof raw === 'string' ? field.validate(value) : field.validate(String(raw));
      if (problem !== null) return refused(problem);
      return { ok: true, value: field.normalize ? field.normalize(value) : value };
    }
  }
}
