import { type ControlDefinition, coverage, withReading } from '../control-definition.js';
import { finding } from '../finding.js';

/** A weak legacy hash ({PLAIN}, {MD5-CRYPT}, {SSHA}) counts this many times against the share. */
export const WEAK_HASH_WEIGHT = 3;

function schemeList(legacy: Partial<Record<string, number>>): string {
  return Object.entries(legacy)
    .filter(([, count]) => (count ?? 0) > 0)
    .map(([scheme, count]) => `{${scheme}} ${count}`)
    .join(', ');
}

/**
 * Controls over accounts brought over from another mail server: their legacy password hashes, and
 * their mail clients' transition from the account password to app passwords. Both read
 * identity.passwordStorage.
 */
export const passwordStorageControls: ControlDefinition[] = [
  {
    id: 'identity.modern-password-hashes',
    title: 'Passwords stored with a modern hash',
    category: 'identity',
    maxPoints: 6,
    measuredBy: `Share of enabled accounts with a password whose hash is Mailwarden's argon2id; a hash imported from another mail server counts against it until the account's first sign-in rehashes it, a weak one ({PLAIN}, {MD5-CRYPT}, {SSHA}) ${WEAK_HASH_WEIGHT} times.`,
    why: 'A stolen copy of the user table gives up plain, MD5-crypt and salted-SHA1 passwords in minutes on one GPU; argon2id makes each guess cost memory and time.',
    fix: {
      cli: 'nothing to run for accounts that sign in (their first sign-in rehashes the password); for the others: npx mailwarden user reset-password <address>',
      api: 'POST /api/v1/users/{address}/reset-password',
    },
    measure: (facts) =>
      withReading(
        facts.once('identity.passwordStorage', () => facts.inputs.identity.passwordStorage()),
        (storage) => {
          const strongLegacy = storage.legacyTotal - storage.weak;
          const penalty = strongLegacy + storage.weak * WEAK_HASH_WEIGHT;
          const left =
            storage.legacyTotal === 0
              ? finding('score.finding.allArgon')
              : finding('score.finding.legacyHashes', {
                  legacy: storage.legacyTotal,
                  total: storage.withPassword,
                  schemes: schemeList(storage.legacy),
                  weak: storage.weak,
                });
          return coverage(storage.withPassword - penalty, storage.withPassword, left, {
            withPassword: storage.withPassword,
            legacy: storage.legacyTotal,
            weak: storage.weak,
            bySchemes: storage.legacy,
          });
        },
      ),
  },
  {
    id: 'identity.mail-account-password-accounts',
    title: 'Imported accounts moved to app passwords',
    category: 'identity',
    maxPoints: 5,
    measuredBy:
      'Share of enabled accounts whose mail clients no longer use the account password (users.mail_account_password is off): an imported account keeps it on IMAP, POP3 and SMTP, where the org setting is app-passwords-only, until an admin moves it.',
    why: 'Mail protocols cannot ask for a second factor: while an account signs in to them with its account password, that password alone opens the mailbox and sends as the user.',
    fix: {
      cli: 'npx mailwarden app-password create <address> --name <device> --scope imap,smtp   # set it in the mail client, then: npx mailwarden user mail-password <address> app-passwords-only',
      api: 'PUT /api/v1/users/{address}/mail-password {"mode": "app-passwords-only"}',
    },
    measure: (facts) =>
      withReading(
        facts.once('identity.passwordStorage', () => facts.inputs.identity.passwordStorage()),
        (storage) => {
          const count = storage.mailAccountPassword;
          // The addresses are data: written as they are, in any language.
          const sample = storage.mailAccountPasswordSample.join(', ');
          const more = count > storage.mailAccountPasswordSample.length ? ', …' : '';
          return coverage(
            storage.enabledAccounts - count,
            storage.enabledAccounts,
            count === 0
              ? finding('score.finding.noAccountPassword')
              : count === 1
                ? finding('score.finding.accountPasswordOne', { sample: sample + more })
                : finding('score.finding.accountPasswordMany', { count, sample: sample + more }),
            { accounts: count, sample: storage.mailAccountPasswordSample },
          );
        },
      ),
  },
];
