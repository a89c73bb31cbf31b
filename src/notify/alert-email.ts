import { type Alert, type AlertType, alertTypes } from '../alerts/index.js';
import { type Formatter, formatter, type Translator, translator } from '../i18n/index.js';
import { type RiskReason, signInLogReasons } from '../identity/index.js';
import { type RespondPhrase, respondMessageKeys } from '../respond/index.js';

/** The admins' email about an alert: what happened, the evidence, and the exact commands to run next. */
export interface AlertEmail {
  subject: string;
  text: string;
}

/** Evidence keys written out by the lines above; any other key is listed as it is. */
const describedKeys = new Set([
  'limitKind',
  'used',
  'limit',
  'action',
  'policy',
  'policyVersion',
  'percent',
  'counts',
  'messagesLastHour',
  'sampleSubjects',
  'recipientDomains',
  'sourceIps',
]);

/** The language an email is written in: the organization's (`org set locale`, `org set timeZone`). */
export interface EmailLanguage {
  t: Translator;
  fmt: Formatter;
}

const ENGLISH: EmailLanguage = { t: translator('en'), fmt: formatter('en', 'UTC') };

export function composeAlertEmail(
  alert: Alert,
  isNew: boolean,
  language: EmailLanguage = ENGLISH,
): AlertEmail {
  const { t, fmt } = language;
  const severity = t(`alerts.severity.${alert.severity}`);
  const title = isAlertType(alert.type) ? t(`alerts.type.${alert.type}`) : alert.title;
  const subject = `[Mailwarden] ${severity}: ${title}${alert.mailbox ? ` — ${alert.mailbox}` : ''}`;
  const first = fmt.moment(alert.firstAt);
  // Labels padded to one column, whatever their length in this language.
  const rows: Array<[string, string]> = [
    [t('alerts.email.alert'), title],
    [t('alerts.email.severity'), severity],
    [t('alerts.email.mailbox'), alert.mailbox ?? '-'],
    [
      t('alerts.email.occurrences'),
      t('alerts.email.occurrencesValue', { count: alert.count, first, last: fmt.moment(alert.lastAt) }),
    ],
    [t('alerts.email.status'), t(`alerts.status.${alert.status}`)],
    [t('alerts.email.id'), alert.id],
  ];
  const width = Math.max(...rows.map(([label]) => label.length)) + 2;
  const text = [
    isNew ? t('alerts.email.raised') : t('alerts.email.repeated', { count: alert.count, first }),
    '',
    ...rows.map(([label, value]) => `  ${`${label}:`.padEnd(width)}${value}`),
    '',
    t('alerts.email.whatHappened'),
    ...wrap(whatHappened(alert, title, t), '  '),
    '',
    t('alerts.email.evidence'),
    ...evidenceLines(alert.evidence, language),
    '',
    t('alerts.email.next'),
    ...nextSteps(alert, t),
    '',
    '-- ',
    t('alerts.email.footer'),
  ].join('\n');
  return { subject, text };
}

function isAlertType(type: string): type is AlertType {
  return Object.hasOwn(alertTypes, type);
}

function whatHappened(alert: Alert, title: string, t: Translator): string {
  const evidence = alert.evidence;
  const who = alert.mailbox ?? t('alerts.who.unknown');
  const limit = limitName(evidence['limitKind'], t);
  const usage = t('alerts.usage', { used: text(evidence['used']), limit: text(evidence['limit']) });
  const policy = t('alerts.policy', { policy: text(evidence['policy']) });
  const action = actionName(evidence['action'], t);
  switch (alert.type) {
    case 'user-restricted':
    case 'sending-limit-exceeded':
      return t(`alerts.what.${alert.type}`, { who, limit, usage, policy, action });
    case 'suspicious-sending':
      return t('alerts.what.suspicious-sending', {
        who,
        usage,
        limit,
        policy,
        percent: text(evidence['percent']),
      });
    case 'suspicious-sign-in':
      return t('alerts.what.suspicious-sign-in', {
        who,
        risk: known(RISK_LEVELS, evidence['risk'], (level) => t(`account.risk.${level}`)),
        reasons: listOf(evidence['reasons'])
          .map((reason) => known(RISK_REASONS, reason, (named) => t(`account.risk.${named}`)))
          .join(', '),
        protocol: text(evidence['protocol']),
        ip: text(evidence['clientIp']),
        country: evidence['country'] ? ` (${text(evidence['country'])})` : '',
        result:
          evidence['result'] === 'success'
            ? t('account.signIns.success')
            : evidence['result'] === 'failure'
              ? t('account.signIns.failure')
              : text(evidence['result']),
        reason: known(signInLogReasons, evidence['reason'], (named) => t(`account.signInReason.${named}`)),
        resetCommand: `mailwarden user reset-password ${alert.mailbox ?? '<user>'} --revoke-app-passwords`,
        signInsCommand: `mailwarden signins list --user ${alert.mailbox ?? '<user>'}`,
      });
    case 'unknown-sender':
      return t('alerts.what.unknown-sender', { who, policy });
    case 'audit-record-unwritten':
      return t('alerts.what.audit-record-unwritten', { who, error: text(evidence['error']) });
    default:
      return `${title}.`;
  }
}

function evidenceLines(evidence: Record<string, unknown>, language: EmailLanguage): string[] {
  const lines = alertEvidence(evidence, language);
  if (lines.length === 0) return [`  ${language.t('alerts.email.none')}`];
  return lines.flatMap(([label, value]) => {
    const [first, ...rest] = value.split('\n');
    return [`  ${label}: ${first}`, ...rest];
  });
}

/**
 * An alert's evidence as labelled lines in the reader's language, for the email and the alert's page:
 * the keys the alerts share in words, any other key as it is, with the moments in it written the
 * reader's way in the organization's time zone.
 */
export function alertEvidence(
  evidence: Record<string, unknown>,
  { t, fmt }: EmailLanguage,
): Array<[string, string]> {
  const lines: Array<[string, string]> = [];
  if (evidence['limitKind'] !== undefined)
    lines.push([
      t('alerts.evidence.limit'),
      t('alerts.evidence.limitValue', {
        name: limitName(evidence['limitKind'], t),
        kind: text(evidence['limitKind']),
        used: text(evidence['used']),
        limit: text(evidence['limit']),
      }),
    ]);
  if (evidence['policy'] !== undefined)
    lines.push([
      t('alerts.evidence.policy'),
      `${text(evidence['policy'])}${evidence['policyVersion'] !== undefined ? ` ${t('alerts.evidence.version', { version: text(evidence['policyVersion']) })}` : ''}`,
    ]);
  if (evidence['action'] !== undefined)
    lines.push([t('alerts.evidence.action'), actionName(evidence['action'], t)]);
  if (evidence['percent'] !== undefined)
    lines.push([t('alerts.evidence.earlyWarning'), `${text(evidence['percent'])}%`]);
  const counts = evidence['counts'];
  if (isRecord(counts)) {
    const extra = Object.entries(counts).filter(([key]) => key !== 'used' && key !== 'limit');
    if (extra.length > 0)
      lines.push([
        t('alerts.evidence.counts'),
        extra.map(([key, value]) => `${key} ${text(value)}`).join(', '),
      ]);
  }
  if (evidence['messagesLastHour'] !== undefined)
    lines.push([t('alerts.evidence.lastHour'), text(evidence['messagesLastHour'])]);
  const subjects = listOf(evidence['sampleSubjects']);
  if (subjects.length > 0)
    lines.push([
      t('alerts.evidence.subjects'),
      subjects.map((subject) => `"${text(subject, 120)}"`).join('\n                   '),
    ]);
  const domains = listOf(evidence['recipientDomains']).map((entry) =>
    isRecord(entry) ? `${text(entry['domain'])} (${text(entry['recipients'])})` : text(entry),
  );
  if (domains.length > 0) lines.push([t('alerts.evidence.domains'), domains.join(', ')]);
  const findings = phrasesOf(evidence['findingPhrases']);
  if (findings.length > 0)
    lines.push([
      t('alerts.evidence.findings'),
      findings.map((words) => t(words.key, words.params)).join('; '),
    ]);
  const ips = listOf(evidence['sourceIps']);
  if (ips.length > 0) lines.push([t('alerts.evidence.ips'), ips.map((ip) => text(ip)).join(', ')]);
  // The English findings are the phrases above, when the alert has them.
  for (const [key, value] of Object.entries(evidence))
    if (!describedKeys.has(key) && !(findings.length > 0 && (key === 'findings' || key === 'findingPhrases')))
      lines.push([
        key,
        fmt.momentsIn(oneLine(typeof value === 'string' ? value : JSON.stringify(value), 300)),
      ]);
  return lines;
}

function nextSteps(alert: Alert, t: Translator): string[] {
  const acknowledge = [t('alerts.next.acknowledge'), `       mailwarden alerts ack ${alert.id}`];
  if (!alert.mailbox)
    return [
      `  ${t('alerts.next.seeAll')}`,
      `    mailwarden alerts show ${alert.id}`,
      `  ${acknowledge[0]}`,
      acknowledge[1]!,
    ];
  const mailbox = shellWord(alert.mailbox);
  const restricted = alert.type === 'user-restricted';
  return [
    `  1. ${restricted ? t('alerts.next.whyRestricted') : t('alerts.next.whetherRestricted')}`,
    `       mailwarden restricted show ${mailbox}`,
    ...(restricted
      ? []
      : [`       mailwarden audit search --mailbox ${mailbox} --operation Send,SendAs --since 1h`]),
    `  2. ${t('alerts.next.reset')}`,
    `     ${t('alerts.next.resetStdin')}`,
    `       mailwarden user set-password ${mailbox} --password-stdin`,
    `  3. ${restricted ? t('alerts.next.releaseRestricted') : t('alerts.next.releaseIfRestricted')}`,
    `       mailwarden restricted release ${mailbox} --reason "password reset after compromise"`,
    `  4. ${acknowledge[0]}`,
    acknowledge[1]!,
  ];
}

/** An address as one shell word: quoted when it holds anything beyond the usual characters. */
function shellWord(value: string): string {
  return /^[A-Za-z0-9@._+-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Plain-text paragraphs wrapped at 76 characters, for mail clients that show them as sent. */
function wrap(paragraph: string, indent: string, width = 76): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of paragraph.split(' ')) {
    if (line && indent.length + line.length + 1 + word.length > width) {
      lines.push(indent + line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(indent + line);
  return lines;
}

const RISK_LEVELS = ['low', 'medium', 'high'] as const;
const RISK_REASONS = [
  'unfamiliar-network',
  'new-country',
  'impossible-travel',
  'password-spray',
  'brute-force',
  'after-lockout',
] as const satisfies readonly RiskReason[];

/** A code of a known list in words; any other value as it is (evidence written by an older version). */
function known<const T extends string>(
  list: readonly T[],
  value: unknown,
  words: (code: T) => string,
): string {
  const named = list.find((code) => code === value);
  return named ? words(named) : text(value);
}

const LIMIT_KINDS = [
  'hourly-external-limit',
  'hourly-internal-limit',
  'daily-limit',
  'spam-verdicts',
] as const;
const ACTIONS = ['restrict', 'restrict-today', 'alert'] as const;

function limitName(kind: unknown, t: Translator): string {
  const named = LIMIT_KINDS.find((known) => known === text(kind));
  return named ? t(`alerts.limit.${named}`) : t('alerts.limit.other', { kind: text(kind) });
}

function actionName(action: unknown, t: Translator): string {
  const named = ACTIONS.find((known) => known === text(action));
  return named ? t(`alerts.action.${named}`) : text(action);
}

function text(value: unknown, maxLength = 200): string {
  if (value === undefined || value === null) return '?';
  return oneLine(typeof value === 'string' ? value : JSON.stringify(value), maxLength);
}

/** Evidence carries what senders wrote (subjects): no control characters into the email. */
function oneLine(value: string, maxLength: number): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
  const clean = value.replace(/[\u0000-\u001f\u007f]+/g, ' ');
  return clean.length > maxLength ? `${clean.slice(0, maxLength - 1)}…` : clean;
}

/** The respond module's phrases stored in evidence; anything else (older evidence) is left out. */
function phrasesOf(value: unknown): RespondPhrase[] {
  return listOf(value).flatMap((entry): RespondPhrase[] => {
    if (!isRecord(entry) || !isRecord(entry['params'])) return [];
    const key = respondMessageKeys.find((known) => known === entry['key']);
    const params = Object.entries(entry['params']).filter(
      (pair): pair is [string, string | number] => typeof pair[1] === 'string' || typeof pair[1] === 'number',
    );
    return key ? [{ key, params: Object.fromEntries(params) }] : [];
  });
}

function listOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value.slice(0, 20) : [];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
