import { defineMessages } from './define.js';

/**
 * Secure Score's findings (keys start with `score.`): what measuring a control found, the reason a
 * source could not be read, and remarks that do not change the points. The score module writes them
 * as a key and values (src/score/, src/composition/score-*.ts); the console writes them in the
 * reader's language, the CLI and the API in English. test/i18n/score-messages.test.ts finds every key
 * the code names and checks both languages have it.
 */
export const score = defineMessages(
  {
    'score.finding.parts': '{parts}',
    'score.finding.couldNotCheck': 'could not check: {reason}',
    // Domains: one sentence for the share, then one per domain that fails or could not be checked.
    'score.finding.domainsPass': '{good} of {total} domains pass',
    'score.finding.domainFails': '{domain}: {detail}',
    'score.finding.domainUnknown': '{domain}: could not check ({detail})',
    // Audit
    'score.finding.mailboxesAudited': '{good} of {total} mailboxes audited ({percent})',
    'score.finding.auditKeptForever': 'audit records kept without limit',
    'score.finding.auditKeptDays': 'audit records kept {days} days',
    'score.finding.chainEmpty': 'the chain verifies (the log was empty when walked {at})',
    'score.finding.chainVerifies': 'the chain verifies through record {id} ({count} records, walked {at})',
    'score.finding.chainNewerOne':
      '1 newer record is not walked yet (`mailwarden score snapshot` walks them now)',
    'score.finding.chainNewer':
      '{count} newer records are not walked yet (`mailwarden score snapshot` walks them now)',
    'score.finding.chainTampered': 'the audit log was tampered with: {detail} (walked {at})',
    'score.finding.chainTamperedUnknown': 'the audit log was tampered with: unknown problem (walked {at})',
    'score.finding.noChannel': 'no channel: no enabled admin and no active webhook',
    'score.finding.deliveries': '{delivered} delivered, {failed} failed in 30 days',
    'score.finding.allFailed': 'every notification of the last 30 days failed ({failed})',
    'score.finding.channelsIdle': 'channels are set up; no notification was due in 30 days',
    'score.finding.noRestricted': 'no restricted senders',
    'score.finding.restrictedWaiting': '{stale} of {total} restricted senders waiting more than 7 days',
    'score.finding.noHighAlerts': 'no untriaged high alerts',
    'score.finding.highAlertsOld': '{stale} of {total} new high alerts older than 7 days',
    // Identity
    'score.finding.mfaRequiredAdmins': 'MFA is required for every administrator by org setting',
    'score.finding.mfaNotRequired': 'not required by org setting',
    'score.finding.adminsMfa': '{good} of {total} admins have MFA registered ({percent})',
    'score.finding.usersMfa': '{good} of {total} users have MFA registered ({percent})',
    'score.finding.enforcedOne': '1 more has MFA enforced but no factor registered yet',
    'score.finding.enforcedMany': '{count} more have MFA enforced but no factor registered yet',
    'score.finding.mailSignInMode': 'mail-protocol sign-in with the account password: {mode}',
    'score.finding.noExpiry': 'passwords never expire',
    'score.finding.expiryDays': 'passwords expire every {days} days',
    'score.finding.bannedOn': 'the banned-password list is on',
    'score.finding.bannedOff': 'the banned-password list is off',
    'score.finding.lockoutOn': 'smart lockout is on',
    'score.finding.lockoutOff': 'smart lockout is off',
    'score.finding.riskOn': 'the sign-in risk policy is on',
    'score.finding.riskOff': 'the sign-in risk policy is off',
    'score.finding.adminCountOne': '1 enabled admin',
    'score.finding.adminCount': '{count} enabled admins',
    'score.finding.noAppPasswords': 'no active app passwords',
    'score.finding.appPasswordsUnused': '{stale} of {total} active app passwords unused for 90 days',
    'score.finding.inactiveAccounts': '{stale} of {total} enabled accounts without a sign-in for 90 days',
    'score.finding.noApiTokens': 'no active API tokens',
    'score.finding.apiTokensUnused': '{stale} of {total} active API tokens unused for 90 days',
    'score.finding.legacyHashes':
      '{legacy} of {total} passwords are still on an imported hash ({schemes}), {weak} of them weak',
    'score.finding.allArgon': 'every password is stored as argon2id',
    'score.finding.noAccountPassword': 'no account uses the account password on mail by exception',
    'score.finding.accountPasswordOne': '1 account still uses the account password on mail ({sample})',
    'score.finding.accountPasswordMany': '{count} accounts still use the account password on mail ({sample})',
    // Mail flow
    'score.finding.policyPasses': 'the sending policy passes',
    'score.finding.policiesPass': 'all {count} sending policies pass',
    'score.finding.policiesFail': '{bad} of {total} sending policies do not: {policies}',
    'score.finding.policyLimits': '{name} ({external} external/h, {internal} internal/h, {perDay}/day)',
    'score.finding.policyAction': '{name} ({action})',
    'score.finding.policyForwarding': '{name} (forwarding {value})',
    'score.finding.policySpam': '{name} ({action} at {score})',
    'score.finding.channels': '{emails} admin email recipient(s), {webhooks} active webhook(s)',
    'score.finding.authBeforeTls':
      'the STARTTLS listener accepts AUTH before STARTTLS (smtp.requireTls is false)',
    'score.finding.authNeedsTls': 'AUTH needs TLS on every listener',
    'score.finding.noHeld': 'no held messages',
    'score.finding.heldWaiting': '{stale} of {total} held messages waiting more than 7 days',
    // Why a source could not be read ("could not check: …")
    'score.reason.error': '{error}',
    'score.reason.noDomains': 'the organization has no domains yet',
    'score.reason.signInLogEmpty': 'the sign-in log has no entries yet',
    'score.reason.signInLogShort':
      '{count} accounts older than last-sign-in tracking have no sign-in since it began, and the sign-in log keeps {days} days (signIns.retentionDays), fewer than the {period} this control looks back',
    'score.reason.signInLogShortUntil':
      '{count} accounts older than last-sign-in tracking have no sign-in since it began, and the sign-in log keeps {days} days (signIns.retentionDays), fewer than the {period} this control looks back; exact from {day}, {period} days after last sign-ins began to be kept',
    // Remarks beside a finding
    'score.note.retentionUnlimited':
      'retention beyond {min} days (unlimited) lets investigations reach further back',
    'score.note.retentionDays':
      'retention beyond {min} days ({days} days) lets investigations reach further back',
    'score.note.nothingSent': 'nothing was sent in 30 days, so delivery itself is not proven',
  },
  {
    'score.finding.parts': '{parts}',
    'score.finding.couldNotCheck': 'niet te controleren: {reason}',
    'score.finding.domainsPass': '{good} van {total} domeinen voldoen',
    'score.finding.domainFails': '{domain}: {detail}',
    'score.finding.domainUnknown': '{domain}: niet te controleren ({detail})',
    'score.finding.mailboxesAudited': '{good} van {total} postvakken gecontroleerd ({percent})',
    'score.finding.auditKeptForever': 'auditrecords onbeperkt bewaard',
    'score.finding.auditKeptDays': 'auditrecords {days} dagen bewaard',
    'score.finding.chainEmpty': 'de keten klopt (het logboek bleek leeg bij de controle op {at})',
    'score.finding.chainVerifies':
      'de keten klopt tot en met record {id} ({count} records, gecontroleerd op {at})',
    'score.finding.chainNewerOne':
      '1 nieuwer record is nog niet gecontroleerd (`mailwarden score snapshot` controleert ze nu)',
    'score.finding.chainNewer':
      '{count} nieuwere records zijn nog niet gecontroleerd (`mailwarden score snapshot` controleert ze nu)',
    'score.finding.chainTampered': 'er is met het auditlogboek geknoeid: {detail} (gecontroleerd op {at})',
    'score.finding.chainTamperedUnknown':
      'er is met het auditlogboek geknoeid: onbekend probleem (gecontroleerd op {at})',
    'score.finding.noChannel': 'geen kanaal: geen ingeschakelde beheerder en geen actieve webhook',
    'score.finding.deliveries': '{delivered} bezorgd, {failed} mislukt in 30 dagen',
    'score.finding.allFailed': 'elke melding van de afgelopen 30 dagen is mislukt ({failed})',
    'score.finding.channelsIdle': 'kanalen zijn ingesteld; in 30 dagen hoefde er geen melding uit',
    'score.finding.noRestricted': 'geen beperkte gebruikers',
    'score.finding.restrictedWaiting': '{stale} van {total} beperkte gebruikers wachten langer dan 7 dagen',
    'score.finding.noHighAlerts': 'geen onbeoordeelde hoge waarschuwingen',
    'score.finding.highAlertsOld': '{stale} van {total} nieuwe hoge waarschuwingen ouder dan 7 dagen',
    'score.finding.mfaRequiredAdmins': 'MFA is via de organisatie-instelling vereist voor elke beheerder',
    'score.finding.mfaNotRequired': 'niet vereist via de organisatie-instelling',
    'score.finding.adminsMfa': '{good} van {total} beheerders hebben MFA geregistreerd ({percent})',
    'score.finding.usersMfa': '{good} van {total} gebruikers hebben MFA geregistreerd ({percent})',
    'score.finding.enforcedOne': 'bij nog 1 is MFA afgedwongen maar nog geen factor geregistreerd',
    'score.finding.enforcedMany': 'bij nog {count} is MFA afgedwongen maar nog geen factor geregistreerd',
    'score.finding.mailSignInMode': 'aanmelden via e-mailprotocollen met het accountwachtwoord: {mode}',
    'score.finding.noExpiry': 'wachtwoorden verlopen nooit',
    'score.finding.expiryDays': 'wachtwoorden verlopen elke {days} dagen',
    'score.finding.bannedOn': 'de lijst met verboden wachtwoorden is ingeschakeld',
    'score.finding.bannedOff': 'de lijst met verboden wachtwoorden is uitgeschakeld',
    'score.finding.lockoutOn': 'slimme vergrendeling is ingeschakeld',
    'score.finding.lockoutOff': 'slimme vergrendeling is uitgeschakeld',
    'score.finding.riskOn': 'het beleid voor aanmeldingsrisico is ingeschakeld',
    'score.finding.riskOff': 'het beleid voor aanmeldingsrisico is uitgeschakeld',
    'score.finding.adminCountOne': '1 ingeschakelde beheerder',
    'score.finding.adminCount': '{count} ingeschakelde beheerders',
    'score.finding.noAppPasswords': 'geen actieve app-wachtwoorden',
    'score.finding.appPasswordsUnused': '{stale} van {total} actieve app-wachtwoorden 90 dagen niet gebruikt',
    'score.finding.inactiveAccounts':
      '{stale} van {total} ingeschakelde accounts zonder aanmelding in 90 dagen',
    'score.finding.noApiTokens': 'geen actieve API-tokens',
    'score.finding.apiTokensUnused': '{stale} van {total} actieve API-tokens 90 dagen niet gebruikt',
    'score.finding.legacyHashes':
      '{legacy} van {total} wachtwoorden staan nog op een geïmporteerde hash ({schemes}), waarvan {weak} zwak',
    'score.finding.allArgon': 'elk wachtwoord is opgeslagen als argon2id',
    'score.finding.noAccountPassword':
      'geen enkel account gebruikt bij uitzondering het accountwachtwoord voor e-mail',
    'score.finding.accountPasswordOne': '1 account gebruikt nog het accountwachtwoord voor e-mail ({sample})',
    'score.finding.accountPasswordMany':
      '{count} accounts gebruiken nog het accountwachtwoord voor e-mail ({sample})',
    'score.finding.policyPasses': 'het verzendbeleid voldoet',
    'score.finding.policiesPass': 'alle {count} verzendbeleidsregels voldoen',
    'score.finding.policiesFail': '{bad} van {total} verzendbeleidsregels voldoen niet: {policies}',
    'score.finding.policyLimits': '{name} ({external} extern/uur, {internal} intern/uur, {perDay}/dag)',
    'score.finding.policyAction': '{name} ({action})',
    'score.finding.policyForwarding': '{name} (doorsturen {value})',
    'score.finding.policySpam': '{name} ({action} bij {score})',
    'score.finding.channels': 'e-mail aan {emails} beheerder(s), {webhooks} actieve webhook(s)',
    'score.finding.authBeforeTls':
      'de STARTTLS-listener accepteert AUTH vóór STARTTLS (smtp.requireTls is false)',
    'score.finding.authNeedsTls': 'AUTH vereist TLS op elke listener',
    'score.finding.noHeld': 'geen vastgehouden berichten',
    'score.finding.heldWaiting': '{stale} van {total} vastgehouden berichten wachten langer dan 7 dagen',
    'score.reason.error': '{error}',
    'score.reason.noDomains': 'de organisatie heeft nog geen domeinen',
    'score.reason.signInLogEmpty': 'het aanmeldlogboek bevat nog geen aanmeldingen',
    'score.reason.signInLogShort':
      '{count} accounts van vóór het bijhouden van de laatste aanmelding hebben sindsdien geen aanmelding, en het aanmeldlogboek bewaart {days} dagen (signIns.retentionDays), minder dan de {period} die deze controle terugkijkt',
    'score.reason.signInLogShortUntil':
      '{count} accounts van vóór het bijhouden van de laatste aanmelding hebben sindsdien geen aanmelding, en het aanmeldlogboek bewaart {days} dagen (signIns.retentionDays), minder dan de {period} die deze controle terugkijkt; exact vanaf {day}, {period} dagen nadat de laatste aanmeldingen werden bijgehouden',
    'score.note.retentionUnlimited':
      'bewaren langer dan {min} dagen (onbeperkt) laat onderzoek verder terugkijken',
    'score.note.retentionDays':
      'bewaren langer dan {min} dagen ({days} dagen) laat onderzoek verder terugkijken',
    'score.note.nothingSent': 'in 30 dagen is niets verstuurd, dus de bezorging zelf is niet bewezen',
  },
);
