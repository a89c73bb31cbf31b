import { reading, type ScoreInputs } from '../score/index.js';
import { inactiveAccounts } from './score-inactive-accounts.js';
import { count, read, unusedSince } from './score-read-helpers.js';
import type { ScoreSources } from './score-sources.js';

/**
 * Identity facts: the org settings (src/settings), users.mfa_state, app_passwords and the sign-in
 * log.
 */
export function identityReadings(sources: ScoreSources): ScoreInputs['identity'] {
  const db = sources.store.db;
  return {
    mfaCoverage: () =>
      read(async () => {
        // `enforced` is an admin's demand, not a factor: such a user counts only once they
        // registered one (a confirmed TOTP or a passkey; recovery codes come with those).
        const rows = await db
          .selectFrom('users')
          .select(['role', 'mfa_state', (eb) => eb.fn.countAll().as('n')])
          .select((eb) =>
            eb
              .case()
              .when('mfa_state', '=', 'enabled')
              .then(1)
              .when(
                eb.and([
                  eb('mfa_state', '=', 'enforced'),
                  eb.or([
                    eb.exists(
                      eb
                        .selectFrom('totp_credentials')
                        .select('totp_credentials.user_id')
                        .whereRef('totp_credentials.user_id', '=', 'users.id')
                        .where('totp_credentials.confirmed_at', 'is not', null),
                    ),
                    eb.exists(
                      eb
                        .selectFrom('passkeys')
                        .select('passkeys.user_id')
                        .whereRef('passkeys.user_id', '=', 'users.id'),
                    ),
                  ]),
                ]),
              )
              .then(1)
              .else(0)
              .end()
              .as('registered'),
          )
          .where('disabled_at', 'is', null)
          .groupBy(['role', 'mfa_state', 'registered'])
          .execute();
        const sum = (filter: (row: (typeof rows)[number]) => boolean) =>
          rows.filter(filter).reduce((total, row) => total + Number(row.n), 0);
        const registered = (row: (typeof rows)[number]) => Number(row.registered) === 1;
        const enforcedOnly = (row: (typeof rows)[number]) => row.mfa_state === 'enforced' && !registered(row);
        return {
          users: sum(() => true),
          usersWithMfa: sum(registered),
          usersEnforcedUnregistered: sum(enforcedOnly),
          admins: sum((row) => row.role === 'admin'),
          adminsWithMfa: sum((row) => row.role === 'admin' && registered(row)),
          adminsEnforcedUnregistered: sum((row) => row.role === 'admin' && enforcedOnly(row)),
        };
      }),
    mfaSettings: () =>
      read(async () => {
        const current = await sources.settings.current();
        return {
          requireForAdmins: current['mfa.requireForAdmins'],
          requireForAll: current['mfa.requireForAll'],
        };
      }),
    mailSignIn: () => read(() => sources.settings.get('mailSignIn.accountPassword')),
    // Mailwarden has no periodic password expiry at all: this is the real state of this build.
    passwordExpiryDays: async () => reading(null),
    bannedPasswordList: () => read(() => sources.settings.get('passwords.bannedList')),
    smartLockout: () => read(() => sources.settings.get('lockout.enabled')),
    riskPolicy: () => read(() => sources.settings.get('risk.policyEnabled')),
    passwordStorage: () => read(() => sources.identity.passwordStorage()),
    appPasswords: (sinceMs) =>
      read(async () => {
        const now = sources.clock.nowMs();
        const row = await db
          .selectFrom('app_passwords')
          .select((eb) => eb.fn.countAll().as('n'))
          .select((eb) => unusedSince(eb, sinceMs))
          .where('revoked_at', 'is', null)
          .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
          .executeTakeFirst();
        return { active: count(row), unused: Number(row?.unused ?? 0) };
      }),
    inactiveAccounts: (sinceMs) => inactiveAccounts(sources, sinceMs),
  };
}
