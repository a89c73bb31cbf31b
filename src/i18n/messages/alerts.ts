import { defineMessages } from './define.js';

/**
 * The alerts area's messages (keys start with `alerts.`): the alert emails to administrators, in the
 * organization's language (`org set locale nl`). Commands stay as they are typed: they are the CLI.
 */
export const alerts = defineMessages(
  {
    'alerts.severity.informational': 'Informational',
    'alerts.severity.low': 'Low',
    'alerts.severity.medium': 'Medium',
    'alerts.severity.high': 'High',
    'alerts.type.user-restricted': 'User restricted from sending email',
    'alerts.type.sending-limit-exceeded': 'Email sending limit exceeded',
    'alerts.type.suspicious-sending': 'Suspicious email sending patterns detected',
    'alerts.type.audit-record-unwritten': 'Audit record could not be written',
    'alerts.type.unknown-sender': 'Mail sent by a login Mailwarden does not know',
    'alerts.type.suspicious-sign-in': 'Suspicious sign-in',
    'alerts.type.external-forwarding-rule': 'Forwarding rule to an external domain created',
    'alerts.type.suspicious-inbox-rule':
      'Suspicious inbox rule created: it deletes, hides or marks mail as read',
    'alerts.type.audit-log-cut': 'Audit log cut: its newest records were removed',
    'alerts.email.raised': 'Mailwarden raised an alert.',
    'alerts.email.repeated': 'A Mailwarden alert happened again: {count} times since {first}.',
    'alerts.email.alert': 'Alert',
    'alerts.email.severity': 'Severity',
    'alerts.email.mailbox': 'Mailbox',
    'alerts.email.occurrences': 'Occurrences',
    'alerts.email.occurrencesValue': '{count} (first {first}, last {last})',
    'alerts.email.status': 'Status',
    'alerts.email.id': 'Alert ID',
    'alerts.status.new': 'new',
    'alerts.status.acknowledged': 'acknowledged',
    'alerts.status.resolved': 'resolved',
    'alerts.email.whatHappened': 'What happened',
    'alerts.email.evidence': 'Evidence',
    'alerts.evidence.findings': 'What the rule does',
    'alerts.email.next': 'What to do next',
    'alerts.email.footer': 'Sent by Mailwarden to every administrator. All alerts: mailwarden alerts list',
    'alerts.email.none': '(none recorded)',
    'alerts.who.unknown': 'An account',
    'alerts.limit.hourly-external-limit': 'the hourly limit of external recipients',
    'alerts.limit.hourly-internal-limit': 'the hourly limit of internal recipients',
    'alerts.limit.daily-limit': 'the daily limit of recipients',
    'alerts.limit.spam-verdicts': 'the limit of messages judged as spam',
    'alerts.limit.other': 'the {kind} limit',
    'alerts.action.restrict': 'restricted from sending until an administrator releases it',
    'alerts.action.restrict-today': 'restricted from sending until 00:00 UTC',
    'alerts.action.alert': 'alert only: the account can still send',
    'alerts.usage': '{used} of {limit}',
    'alerts.policy': 'sending policy "{policy}"',
    'alerts.what.user-restricted':
      '{who} reached {limit} ({usage}) under {policy} and was {action}. A sudden burst of sending like this is the typical sign of a compromised account sending spam.',
    'alerts.what.sending-limit-exceeded':
      '{who} reached {limit} ({usage}) under {policy}; the policy’s action: {action}.',
    'alerts.what.suspicious-sending':
      '{who} has used {usage} of {limit} under {policy}, past the early-warning share of {percent}%. The account can still send; this is an early warning.',
    'alerts.what.suspicious-sign-in':
      '{who}: a {risk}-risk sign-in ({reasons}) over {protocol} from {ip}{country}: {result}, {reason}. If it was not the user: {resetCommand}, and see {signInsCommand}.',
    'alerts.what.unknown-sender':
      '{who} signed in to Postfix and sent mail, but is no Mailwarden user. Its mail is counted under {policy} (org setting policy.unknownSender); find where Postfix authenticates it (another passdb?), add the account to Mailwarden, or set policy.unknownSender to refuse.',
    'alerts.what.audit-record-unwritten':
      'A message from {who} was delivered, but its Send audit record could not be written ({error}). The client got 250, so the audit log has a gap for this message; check the database and Mailwarden’s log (Send audit record not written).',
    'alerts.evidence.limit': 'Limit',
    'alerts.evidence.limitValue': '{name} ({kind}): {used} of {limit} used',
    'alerts.evidence.policy': 'Sending policy',
    'alerts.evidence.version': '(version {version})',
    'alerts.evidence.action': 'Action',
    'alerts.evidence.earlyWarning': 'Early warning at',
    'alerts.evidence.counts': 'Counts',
    'alerts.evidence.lastHour': 'Messages in the hour before',
    'alerts.evidence.subjects': 'Sample subjects',
    'alerts.evidence.domains': 'Recipient domains',
    'alerts.evidence.ips': 'Source IPs',
    'alerts.next.seeAll': 'See the whole alert:',
    'alerts.next.acknowledge':
      'Acknowledge the alert, so that the other administrators know someone is on it:',
    'alerts.next.whyRestricted':
      'See why the account was restricted: counts, sample subjects, recipient domains, source IPs:',
    'alerts.next.whetherRestricted':
      'See whether the account is restricted, and what it sent in the last hour:',
    'alerts.next.reset':
      'If the user did not send this, treat the account as compromised and reset its password',
    'alerts.next.resetStdin': '(the new password is read from standard input):',
    'alerts.next.releaseRestricted': 'Once the account is secured, let it send again:',
    'alerts.next.releaseIfRestricted':
      'If the account is restricted and has been secured, let it send again:',
  },
  {
    'alerts.severity.informational': 'Informatief',
    'alerts.severity.low': 'Laag',
    'alerts.severity.medium': 'Gemiddeld',
    'alerts.severity.high': 'Hoog',
    'alerts.type.user-restricted': 'Gebruiker beperkt in het verzenden van e-mail',
    'alerts.type.sending-limit-exceeded': 'Verzendlimiet voor e-mail overschreden',
    'alerts.type.suspicious-sending': 'Verdachte verzendpatronen voor e-mail gedetecteerd',
    'alerts.type.audit-record-unwritten': 'Auditrecord kon niet worden geschreven',
    'alerts.type.unknown-sender': 'E-mail verzonden door een aanmelding die Mailwarden niet kent',
    'alerts.type.suspicious-sign-in': 'Verdachte aanmelding',
    'alerts.type.external-forwarding-rule': 'Doorstuurregel naar een extern domein gemaakt',
    'alerts.type.suspicious-inbox-rule':
      'Verdachte inboxregel gemaakt: deze verwijdert of verbergt e-mail, of markeert die als gelezen',
    'alerts.type.audit-log-cut': 'Auditlogboek ingekort: de nieuwste records zijn verwijderd',
    'alerts.email.raised': 'Mailwarden heeft een waarschuwing gegeven.',
    'alerts.email.repeated':
      'Een waarschuwing van Mailwarden deed zich opnieuw voor: {count} keer sinds {first}.',
    'alerts.email.alert': 'Waarschuwing',
    'alerts.email.severity': 'Ernst',
    'alerts.email.mailbox': 'Postvak',
    'alerts.email.occurrences': 'Aantal keer',
    'alerts.email.occurrencesValue': '{count} (eerste {first}, laatste {last})',
    'alerts.email.status': 'Status',
    'alerts.email.id': 'Waarschuwings-ID',
    'alerts.status.new': 'nieuw',
    'alerts.status.acknowledged': 'bevestigd',
    'alerts.status.resolved': 'opgelost',
    'alerts.email.whatHappened': 'Wat er is gebeurd',
    'alerts.email.evidence': 'Bewijs',
    'alerts.evidence.findings': 'Wat de regel doet',
    'alerts.email.next': 'Wat u nu kunt doen',
    'alerts.email.footer':
      'Door Mailwarden verzonden aan elke beheerder. Alle waarschuwingen: mailwarden alerts list',
    'alerts.email.none': '(niets vastgelegd)',
    'alerts.who.unknown': 'Een account',
    'alerts.limit.hourly-external-limit': 'de limiet voor externe ontvangers per uur',
    'alerts.limit.hourly-internal-limit': 'de limiet voor interne ontvangers per uur',
    'alerts.limit.daily-limit': 'de daglimiet voor ontvangers',
    'alerts.limit.spam-verdicts': 'de limiet voor berichten die als spam zijn beoordeeld',
    'alerts.limit.other': 'de limiet {kind}',
    'alerts.action.restrict': 'beperkt in het verzenden totdat een beheerder het account vrijgeeft',
    'alerts.action.restrict-today': 'beperkt in het verzenden tot 00:00 UTC',
    'alerts.action.alert': 'alleen een waarschuwing: het account kan nog verzenden',
    'alerts.usage': '{used} van {limit}',
    'alerts.policy': 'verzendbeleid "{policy}"',
    'alerts.what.user-restricted':
      '{who} heeft {limit} bereikt ({usage}) onder {policy} en is {action}. Zo’n plotselinge golf verzonden e-mail is het typische teken van een gehackt account dat spam verstuurt.',
    'alerts.what.sending-limit-exceeded':
      '{who} heeft {limit} bereikt ({usage}) onder {policy}; de actie van het beleid: {action}.',
    'alerts.what.suspicious-sending':
      '{who} heeft {usage} van {limit} gebruikt onder {policy}, boven de vroege-waarschuwingsgrens van {percent}%. Het account kan nog verzenden; dit is een vroege waarschuwing.',
    'alerts.what.suspicious-sign-in':
      '{who}: een aanmelding met risico {risk} ({reasons}) via {protocol} vanaf {ip}{country}: {result}, {reason}. Was het niet de gebruiker: {resetCommand}, en zie {signInsCommand}.',
    'alerts.what.unknown-sender':
      '{who} heeft zich aangemeld bij Postfix en e-mail verzonden, maar is geen gebruiker van Mailwarden. De e-mail telt onder {policy} (organisatie-instelling policy.unknownSender); zoek uit waar Postfix deze aanmelding controleert (een andere passdb?), voeg het account toe aan Mailwarden, of zet policy.unknownSender op refuse.',
    'alerts.what.audit-record-unwritten':
      'Een bericht van {who} is afgeleverd, maar het auditrecord Send kon niet worden geschreven ({error}). De client kreeg 250, dus het auditlogboek mist dit bericht; controleer de database en het logboek van Mailwarden (Send audit record not written).',
    'alerts.evidence.limit': 'Limiet',
    'alerts.evidence.limitValue': '{name} ({kind}): {used} van {limit} gebruikt',
    'alerts.evidence.policy': 'Verzendbeleid',
    'alerts.evidence.version': '(versie {version})',
    'alerts.evidence.action': 'Actie',
    'alerts.evidence.earlyWarning': 'Vroege waarschuwing bij',
    'alerts.evidence.counts': 'Aantallen',
    'alerts.evidence.lastHour': 'Berichten in het uur ervoor',
    'alerts.evidence.subjects': 'Voorbeelden van onderwerpen',
    'alerts.evidence.domains': 'Domeinen van ontvangers',
    'alerts.evidence.ips': 'Bron-IP-adressen',
    'alerts.next.seeAll': 'Bekijk de hele waarschuwing:',
    'alerts.next.acknowledge':
      'Bevestig de waarschuwing, zodat de andere beheerders weten dat iemand ermee bezig is:',
    'alerts.next.whyRestricted':
      'Bekijk waarom het account is beperkt: aantallen, voorbeelden van onderwerpen, domeinen van ontvangers, bron-IP-adressen:',
    'alerts.next.whetherRestricted':
      'Bekijk of het account is beperkt, en wat het in het afgelopen uur heeft verzonden:',
    'alerts.next.reset':
      'Heeft de gebruiker dit niet verzonden, behandel het account dan als gehackt en stel een nieuw wachtwoord in',
    'alerts.next.resetStdin': '(het nieuwe wachtwoord wordt gelezen van standaardinvoer):',
    'alerts.next.releaseRestricted': 'Geef het account weer vrij om te verzenden zodra het is beveiligd:',
    'alerts.next.releaseIfRestricted':
      'Is het account beperkt en inmiddels beveiligd, geef het dan weer vrij om te verzenden:',
  },
);
