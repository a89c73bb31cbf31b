import { defineMessages } from './define.js';

/**
 * Why a settings or sending-policy change was refused, one message per field (keys start with
 * `settings.problem.` and `policy.problem.`). The settings and outbound modules write them as a key and
 * values; the console writes them in the reader's language beside the refusal's sentence, the CLI and
 * the API in English (their `message` is these, in English, joined by "; "). Names of settings, fields
 * and values that are typed as they are (true, count-and-alert, Europe/Amsterdam) are values: data,
 * never translated. test/i18n/problem-messages.test.ts finds every key the code names.
 */
export const problems = defineMessages(
  {
    'settings.problem.boolean': '{key} is {true} or {false}',
    'settings.problem.wholeNumber': '{key} is a whole number from {min} to {max}',
    'settings.problem.oneOf': '{key} is one of {values}',
    'settings.problem.timeZone': '{key} is an IANA time zone name, e.g. {example} or {utc} (not "{value}")',
    'settings.problem.notASetting': '{key} is not a setting (see {command})',
    'settings.problem.nothingToChange': 'no setting to change',
    'policy.problem.name': 'a policy name is 1–64 lower-case letters, digits, dots, dashes or underscores',
    'policy.problem.defaultScope':
      'the default policy applies to everyone and takes no users, groups or domains',
    'policy.problem.wholeNumber': '{field}: must be a whole number from {min} to {max}',
    'policy.problem.wholeNumberGot': '{field}: must be a whole number from {min} to {max} (got {value})',
    'policy.problem.oneOf': '{field}: must be one of {values} (got {value})',
    'policy.problem.unknownSetting': '{field}: unknown policy setting',
    'policy.problem.spamWeights': '{field}: must be an object of finding name → weight',
    'policy.problem.findingName': '{field}: finding names are SCREAMING_SNAKE',
    'policy.problem.weight': '{field}: must be a number from {min} to {max}',
    'policy.problem.nobody': 'policy {name} applies to nobody: give it users, groups or domains',
  },
  {
    'settings.problem.boolean': '{key} is {true} of {false}',
    'settings.problem.wholeNumber': '{key} is een geheel getal van {min} tot en met {max}',
    'settings.problem.oneOf': '{key} is een van {values}',
    'settings.problem.timeZone':
      '{key} is de naam van een IANA-tijdzone, bijvoorbeeld {example} of {utc} (niet "{value}")',
    'settings.problem.notASetting': '{key} is geen instelling (zie {command})',
    'settings.problem.nothingToChange': 'er is geen instelling om te wijzigen',
    'policy.problem.name':
      'de naam van een beleid bestaat uit 1–64 kleine letters, cijfers, punten, streepjes of liggende streepjes',
    'policy.problem.defaultScope':
      'het standaardbeleid geldt voor iedereen en krijgt geen gebruikers, groepen of domeinen',
    'policy.problem.wholeNumber': '{field}: moet een geheel getal van {min} tot en met {max} zijn',
    'policy.problem.wholeNumberGot':
      '{field}: moet een geheel getal van {min} tot en met {max} zijn (ontvangen: {value})',
    'policy.problem.oneOf': '{field}: moet een van {values} zijn (ontvangen: {value})',
    'policy.problem.unknownSetting': '{field}: onbekende beleidsinstelling',
    'policy.problem.spamWeights': '{field}: moet een object van bevindingsnaam → gewicht zijn',
    'policy.problem.findingName': '{field}: namen van bevindingen zijn in SCREAMING_SNAKE',
    'policy.problem.weight': '{field}: moet een getal van {min} tot en met {max} zijn',
    'policy.problem.nobody': 'beleid {name} geldt voor niemand: geef het gebruikers, groepen of domeinen',
  },
);
