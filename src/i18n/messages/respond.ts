import { defineMessages } from './define.js';

/**
 * The respond module's words (keys start with `respond.`): what an inbox rule does and what each
 * step of the compromised-account playbook did. The module emits these keys with their values
 * (respond/respond-words.ts); the console tells them in the reader's language, the CLI and the API's
 * `description` / `detail` in English. Dutch as Microsoft 365 NL says it: doorsturen, Postvak IN-regels,
 * app-wachtwoorden, multifactorauthenticatie.
 */
export const respond = defineMessages(
  {
    'respond.finding.forwardsInternal': 'forwards mail to {target}',
    'respond.finding.forwardsInternalCopy': 'forwards mail to {target} (a copy; the owner still gets it)',
    'respond.finding.forwardsExternal': 'forwards mail outside the organization, to {target}',
    'respond.finding.forwardsExternalCopy':
      'forwards mail outside the organization, to {target} (a copy; the owner still gets it)',
    'respond.finding.discards': 'silently deletes mail (discard)',
    'respond.finding.rejects': 'bounces mail back to its sender',
    'respond.finding.movesToTrash': 'moves mail to the trash ({folder})',
    'respond.finding.hidesInFolder': 'hides mail in the rarely used folder "{folder}"',
    'respond.finding.filesInto': 'files mail into "{folder}"',
    'respond.finding.marksRead': 'marks mail as read',
    'respond.finding.flagsDeleted': 'flags mail as deleted',
    'respond.step.passwordReset':
      'temporary password set, to be changed at the next sign-in; web sessions ended',
    'respond.step.appPasswordsKept': 'app passwords kept',
    'respond.step.appPasswordsRevoked': 'app passwords revoked: {names}',
    'respond.step.noAppPasswords': 'no app passwords to revoke',
    'respond.step.factorsRemoved': 'second factors removed',
    'respond.step.mfaRequired': 'a second factor must be registered at the next sign-in',
    'respond.step.mfaAlreadyEnabled': 'multi-factor authentication is already enabled',
    'respond.step.mfaAlreadyEnforced': 'multi-factor authentication is already enforced',
    'respond.step.tokensRevoked': 'revoked: {names}',
    'respond.step.noTokens': 'the account owns no API tokens',
    'respond.step.noMailServer': 'no mail server is configured (dovecot.doveadmUrl)',
    'respond.step.notAsked': 'not asked',
    'respond.step.mailServerFailed': 'the mail server did not do it: {reason}',
    'respond.step.noRuleToDisable': 'no active rule forwards or hides mail',
    'respond.step.scriptDeactivated': 'deactivated the Sieve script "{script}" (kept, not deleted)',
    'respond.step.sessionsClosed': 'open mail sessions closed: {count}',
    'respond.step.noSessions': 'no open mail sessions',
    'respond.step.loginsForgotten': 'cached logins forgotten',
    'respond.step.released': 'released from the restricted senders list',
    'respond.step.notRestricted': 'the user is not restricted',
    'respond.step.releaseRefused':
      'the account is not secured yet: the password was not changed or multi-factor authentication is off',
    'respond.step.releaseFailed': 'the release was refused',
  },
  {
    'respond.finding.forwardsInternal': 'stuurt e-mail door naar {target}',
    'respond.finding.forwardsInternalCopy':
      'stuurt e-mail door naar {target} (een kopie; de eigenaar ontvangt het bericht ook)',
    'respond.finding.forwardsExternal': 'stuurt e-mail door buiten de organisatie, naar {target}',
    'respond.finding.forwardsExternalCopy':
      'stuurt e-mail door buiten de organisatie, naar {target} (een kopie; de eigenaar ontvangt het bericht ook)',
    'respond.finding.discards': 'verwijdert e-mail ongemerkt (discard)',
    'respond.finding.rejects': 'stuurt e-mail terug naar de afzender',
    'respond.finding.movesToTrash': 'verplaatst e-mail naar de prullenbak ({folder})',
    'respond.finding.hidesInFolder': 'verbergt e-mail in de weinig gebruikte map "{folder}"',
    'respond.finding.filesInto': 'verplaatst e-mail naar de map "{folder}"',
    'respond.finding.marksRead': 'markeert e-mail als gelezen',
    'respond.finding.flagsDeleted': 'markeert e-mail als verwijderd',
    'respond.step.passwordReset':
      'tijdelijk wachtwoord ingesteld, te wijzigen bij de volgende aanmelding; websessies beëindigd',
    'respond.step.appPasswordsKept': 'app-wachtwoorden behouden',
    'respond.step.appPasswordsRevoked': 'app-wachtwoorden ingetrokken: {names}',
    'respond.step.noAppPasswords': 'geen app-wachtwoorden om in te trekken',
    'respond.step.factorsRemoved': 'tweede factoren verwijderd',
    'respond.step.mfaRequired': 'bij de volgende aanmelding moet een tweede factor worden geregistreerd',
    'respond.step.mfaAlreadyEnabled': 'multifactorauthenticatie is al ingeschakeld',
    'respond.step.mfaAlreadyEnforced': 'multifactorauthenticatie wordt al afgedwongen',
    'respond.step.tokensRevoked': 'ingetrokken: {names}',
    'respond.step.noTokens': 'het account heeft geen API-tokens',
    'respond.step.noMailServer': 'er is geen mailserver geconfigureerd (dovecot.doveadmUrl)',
    'respond.step.notAsked': 'niet gevraagd',
    'respond.step.mailServerFailed': 'de mailserver heeft het niet uitgevoerd: {reason}',
    'respond.step.noRuleToDisable': 'geen actieve regel stuurt e-mail door of verbergt e-mail',
    'respond.step.scriptDeactivated': 'Sieve-script "{script}" uitgeschakeld (bewaard, niet verwijderd)',
    'respond.step.sessionsClosed': 'open e-mailsessies gesloten: {count}',
    'respond.step.noSessions': 'geen open e-mailsessies',
    'respond.step.loginsForgotten': 'opgeslagen aanmeldingen vergeten',
    'respond.step.released': 'verwijderd uit de lijst met beperkte gebruikers',
    'respond.step.notRestricted': 'de gebruiker is niet beperkt',
    'respond.step.releaseRefused':
      'het account is nog niet beveiligd: het wachtwoord is niet gewijzigd of multifactorauthenticatie staat uit',
    'respond.step.releaseFailed': 'het vrijgeven is geweigerd',
  },
);
