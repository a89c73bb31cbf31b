import type { Alert, AlertSeverity } from '../alerts/index.js';

/** The admins' email about an alert: what happened, the evidence, and the exact commands to run next. */
export interface AlertEmail {
  subject: string;
  text: string;
}

const severityNames: Record<AlertSeverity, string> = {
  informational: 'Informational',
  low: 'Low',
  medium: 'Medium',
  high: 'High',
};

const limitNames: Record<string, string> = {
  'hourly-external-limit': 'the hourly limit of external recipients',
  'hourly-internal-limit': 'the hourly limit of internal recipients',
  'daily-limit': 'the daily limit of recipients',
  'spam-verdicts': 'the limit of messages judged as spam',
};

const actionNames: Record<string, string> = {
  restrict: 'restricted from sending until an administrator releases it',
  'restrict-today': 'restricted from sending until 00:00 UTC',
  alert: 'alert only: the account can still send',
};

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

export function composeAlertEmail(alert: Alert, isNew: boolean): AlertEmail {
  const severity = severityNames[alert.severity];
  const subject = `[Mailwarden] ${severity}: ${alert.title}${alert.mailbox ? ` — ${alert.mailbox}` : ''}`;
  const text = [
    isNew
      ? 'Mailwarden raised an alert.'
      : `A Mailwarden alert happened again: ${alert.count} times since ${alert.firstAt}.`,
    '',
    `  Alert:        ${alert.title}`,
    `  Severity:     ${severity}`,
    `  Mailbox:      ${alert.mailbox ?? '-'}`,
    `  Occurrences:  ${alert.count} (first ${alert.firstAt}, last ${alert.lastAt})`,
    `  Status:       ${alert.status}`,
    `  Alert ID:     ${alert.id}`,
    '',
    'What happened',
    ...wrap(whatHappened(alert), '  '),
    '',
    'Evidence',
    ...evidenceLines(alert.evidence),
    '',
    'What to do next',
    ...nextSteps(alert),
    '',
    '-- ',
    'Sent by Mailwarden to every administrator. All alerts: mailwarden alerts list',
  ].join('\n');
  return { subject, text };
}

function whatHappened(alert: Alert): string {
  const evidence = alert.evidence;
  const who = alert.mailbox ?? 'An account';
  const limit = limitName(evidence['limitKind']);
  const usage = `${text(evidence['used'])} of ${text(evidence['limit'])}`;
  const policy = `sending policy "${text(evidence['policy'])}"`;
  switch (alert.type) {
    case 'user-restricted':
      return `${who} reached ${limit} (${usage}) under ${policy} and was ${actionName(evidence['action'])}. A sudden burst of sending like this is the typical sign of a compromised account sending spam.`;
    case 'sending-limit-exceeded':
      return `${who} reached ${limit} (${usage}) under ${policy}; the policy's action: ${actionName(evidence['action'])}.`;
    case 'suspicious-sending':
      return `${who} has used ${usage} of ${limit} under ${policy}, past the early-warning share of ${text(evidence['percent'])}%. The account can still send; this is an early warning.`;
    case 'suspicious-sign-in':
      return `${who}: a ${text(evidence['risk'])}-risk sign-in (${listOf(evidence['reasons'])
        .map((reason) => text(reason))
        .join(
          ', ',
        )}) over ${text(evidence['protocol'])} from ${text(evidence['clientIp'])}${evidence['country'] ? ` (${text(evidence['country'])})` : ''}: ${text(evidence['result'])}, ${text(evidence['reason'])}. If it was not the user: mailwarden user reset-password ${alert.mailbox ?? '<user>'} --revoke-app-passwords, and see mailwarden signins list --user ${alert.mailbox ?? '<user>'}.`;
    case 'unknown-sender':
      return `${who} signed in to Postfix and sent mail, but is no Mailwarden user. Its mail is counted under ${policy} (org setting policy.unknownSender); find where Postfix authenticates it (another passdb?), add the account to Mailwarden, or set policy.unknownSender to refuse.`;
    case 'audit-record-unwritten':
      return `A message from ${who} was delivered, but its Send audit record could not be written (${text(evidence['error'])}). The client got 250, so the audit log has a gap for this message; check the database and Mailwarden's log (Send audit record not written).`;
    default:
      return `${alert.title}.`;
  }
}

function evidenceLines(evidence: Record<string, unknown>): string[] {
  const lines: Array<[string, string]> = [];
  if (evidence['limitKind'] !== undefined)
    lines.push([
      'Limit',
      `${limitName(evidence['limitKind'])} (${text(evidence['limitKind'])}): ${text(evidence['used'])} of ${text(evidence['limit'])} used`,
    ]);
  if (evidence['policy'] !== undefined)
    lines.push([
      'Sending policy',
      `${text(evidence['policy'])}${evidence['policyVersion'] !== undefined ? ` (version ${text(evidence['policyVersion'])})` : ''}`,
    ]);
  if (evidence['action'] !== undefined) lines.push(['Action', actionName(evidence['action'])]);
  if (evidence['percent'] !== undefined) lines.push(['Early warning at', `${text(evidence['percent'])}%`]);
  const counts = evidence['counts'];
  if (isRecord(counts)) {
    const extra = Object.entries(counts).filter(([key]) => key !== 'used' && key !== 'limit');
    if (extra.length > 0)
      lines.push(['Counts', extra.map(([key, value]) => `${key} ${text(value)}`).join(', ')]);
  }
  if (evidence['messagesLastHour'] !== undefined)
    lines.push(['Messages in the hour before', text(evidence['messagesLastHour'])]);
  const subjects = listOf(evidence['sampleSubjects']);
  if (subjects.length > 0)
    lines.push([
      'Sample subjects',
      subjects.map((subject) => `"${text(subject, 120)}"`).join('\n                   '),
    ]);
  const domains = listOf(evidence['recipientDomains']).map((entry) =>
    isRecord(entry) ? `${text(entry['domain'])} (${text(entry['recipients'])})` : text(entry),
  );
  if (domains.length > 0) lines.push(['Recipient domains', domains.join(', ')]);
  const ips = listOf(evidence['sourceIps']);
  if (ips.length > 0) lines.push(['Source IPs', ips.map((ip) => text(ip)).join(', ')]);
  for (const [key, value] of Object.entries(evidence))
    if (!describedKeys.has(key))
      lines.push([key, oneLine(typeof value === 'string' ? value : JSON.stringify(value), 300)]);
  if (lines.length === 0) return ['  (none recorded)'];
  return lines.flatMap(([label, value]) => {
    const [first, ...rest] = value.split('\n');
    return [`  ${label}: ${first}`, ...rest];
  });
}

function nextSteps(alert: Alert): string[] {
  const acknowledge = [
    'Acknowledge the alert, so that the other administrators know someone is on it:',
    `       mailwarden alerts ack ${alert.id}`,
  ];
  if (!alert.mailbox)
    return [
      '  See the whole alert:',
      `    mailwarden alerts show ${alert.id}`,
      `  ${acknowledge[0]}`,
      acknowledge[1]!,
    ];
  const mailbox = shellWord(alert.mailbox);
  const restricted = alert.type === 'user-restricted';
  return [
    restricted
      ? '  1. See why the account was restricted: counts, sample subjects, recipient domains, source IPs:'
      : '  1. See whether the account is restricted, and what it sent in the last hour:',
    `       mailwarden restricted show ${mailbox}`,
    ...(restricted
      ? []
      : [`       mailwarden audit search --mailbox ${mailbox} --operation Send,SendAs --since 1h`]),
    '  2. If the user did not send this, treat the account as compromised and reset its password',
    '     (the new password is read from standard input):',
    `       mailwarden user set-password ${mailbox} --password-stdin`,
    restricted
      ? '  3. Once the account is secured, let it send again:'
      : '  3. If the account is restricted and has been secured, let it send again:',
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

function limitName(kind: unknown): string {
  return limitNames[text(kind)] ?? `the ${text(kind)} limit`;
}

function actionName(action: unknown): string {
  return actionNames[text(action)] ?? text(action);
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

function listOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value.slice(0, 20) : [];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
