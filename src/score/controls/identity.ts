import type { Message } from '../../i18n/index.js';
import {
  allOrNothing,
  type ControlDefinition,
  coverage,
  DAY_MS,
  findingOf,
  share,
  withReading,
} from '../control-definition.js';
import { finding } from '../finding.js';

/** Enforcement is a demand: until the user registers a factor, a stolen password is still enough. */
function enforcedButUnregistered(count: number): Message[] {
  if (count === 0) return [];
  return [
    count === 1 ? finding('score.finding.enforcedOne') : finding('score.finding.enforcedMany', { count }),
  ];
}

/**
 * Identity controls. The org settings they name (`mfa.requireForAdmins`, `mailSignIn.accountPassword`
 * …) and their `org set` command belong to the identity module; the score only reads them.
 */
export const identityControls: ControlDefinition[] = [
  {
    id: 'identity.mfa-admins',
    title: 'Require MFA for administrators',
    category: 'identity',
    maxPoints: 10,
    measuredBy:
      'The org setting mfa.requireForAdmins (or mfa.requireForAll) is on; otherwise the share of enabled admins with a second factor registered (MFA enforced on an admin who has not registered one yet does not count).',
    why: 'An admin account that falls to a phished password hands over every mailbox, the sending policies and the audit trail. MFA stops a stolen password from being enough.',
    fix: {
      cli: 'npx mailwarden org set mfa.requireForAdmins true',
      api: 'PATCH /api/v1/org/settings {"mfa.requireForAdmins": true}',
    },
    async measure(facts) {
      const settings = await facts.once('identity.mfaSettings', () => facts.inputs.identity.mfaSettings());
      if (settings.available && (settings.value.requireForAdmins || settings.value.requireForAll))
        return allOrNothing(true, finding('score.finding.mfaRequiredAdmins'));
      return withReading(
        facts.once('identity.mfaCoverage', () => facts.inputs.identity.mfaCoverage()),
        (mfa) =>
          coverage(
            mfa.adminsWithMfa,
            mfa.admins,
            findingOf([
              finding('score.finding.mfaNotRequired'),
              finding('score.finding.adminsMfa', {
                good: mfa.adminsWithMfa,
                total: mfa.admins,
                percent: share(mfa.adminsWithMfa, mfa.admins),
              }),
              ...enforcedButUnregistered(mfa.adminsEnforcedUnregistered),
            ]),
            {
              admins: mfa.admins,
              adminsWithMfa: mfa.adminsWithMfa,
              adminsEnforcedUnregistered: mfa.adminsEnforcedUnregistered,
            },
          ),
      );
    },
  },
  {
    id: 'identity.mfa-all-users',
    title: 'MFA registered for all users',
    category: 'identity',
    maxPoints: 9,
    measuredBy:
      'Share of enabled users with a second factor registered (a confirmed TOTP or a passkey): partial credit. Users on whom an admin enforced MFA count once they registered a factor; until then the finding names them separately.',
    why: 'Most account takeovers start with a password bought, guessed or phished; a second factor makes it useless on its own.',
    fix: {
      cli: 'npx mailwarden org set mfa.requireForAll true   # users register at their next sign-in',
      api: 'PATCH /api/v1/org/settings {"mfa.requireForAll": true}',
    },
    measure: (facts) =>
      withReading(
        facts.once('identity.mfaCoverage', () => facts.inputs.identity.mfaCoverage()),
        (mfa) =>
          coverage(
            mfa.usersWithMfa,
            mfa.users,
            findingOf([
              finding('score.finding.usersMfa', {
                good: mfa.usersWithMfa,
                total: mfa.users,
                percent: share(mfa.usersWithMfa, mfa.users),
              }),
              ...enforcedButUnregistered(mfa.usersEnforcedUnregistered),
            ]),
            {
              users: mfa.users,
              usersWithMfa: mfa.usersWithMfa,
              usersEnforcedUnregistered: mfa.usersEnforcedUnregistered,
            },
          ),
      ),
  },
  {
    id: 'identity.mail-signin-app-passwords',
    title: 'Mail clients sign in with app passwords only',
    category: 'identity',
    maxPoints: 8,
    measuredBy:
      'The org setting mailSignIn.accountPassword is app-passwords-only or blocked (IMAP/SMTP never take the account password).',
    why: 'IMAP and SMTP cannot ask for a second factor: while they take the account password, MFA does not protect mail at all, and password-spray attacks target exactly these protocols.',
    fix: {
      cli: 'npx mailwarden org set mailSignIn.accountPassword app-passwords-only',
      api: 'PATCH /api/v1/org/settings {"mailSignIn.accountPassword": "app-passwords-only"}',
    },
    measure: (facts) =>
      withReading(facts.inputs.identity.mailSignIn(), (mode) =>
        allOrNothing(mode !== 'allowed', finding('score.finding.mailSignInMode', { mode })),
      ),
  },
  {
    id: 'identity.no-password-expiry',
    title: 'Passwords do not expire periodically',
    category: 'identity',
    maxPoints: 8,
    measuredBy: 'No periodic password expiry is configured.',
    why: 'Forced periodic changes make people pick weaker, predictable passwords (NIST SP 800-63B §5.1.1.2); change a password when there is a reason to.',
    fix: {
      cli: 'nothing to do in Mailwarden (it never expires passwords); turn periodic expiry off in any directory that feeds it',
      api: null,
    },
    measure: (facts) =>
      withReading(facts.inputs.identity.passwordExpiryDays(), (days) =>
        allOrNothing(
          days === null || days === 0,
          days === null || days === 0
            ? finding('score.finding.noExpiry')
            : finding('score.finding.expiryDays', { days }),
        ),
      ),
  },
  {
    id: 'identity.banned-passwords',
    title: 'Banned-password list on',
    category: 'identity',
    maxPoints: 5,
    measuredBy: 'The org setting passwords.bannedList is on: common and org-specific passwords are refused.',
    why: 'Password sprays try the same few hundred passwords against every account; refusing them at the source removes the easy wins.',
    fix: {
      cli: 'npx mailwarden org set passwords.bannedList true',
      api: 'PATCH /api/v1/org/settings {"passwords.bannedList": true}',
    },
    measure: (facts) =>
      withReading(facts.inputs.identity.bannedPasswordList(), (on) =>
        allOrNothing(on, finding(on ? 'score.finding.bannedOn' : 'score.finding.bannedOff')),
      ),
  },
  {
    id: 'identity.smart-lockout',
    title: 'Smart lockout on',
    category: 'identity',
    maxPoints: 6,
    measuredBy: 'The org setting lockout.enabled is on.',
    why: 'Without lockout an attacker can guess passwords as fast as the server answers; smart lockout slows them down without locking the real user out.',
    fix: {
      cli: 'npx mailwarden org set lockout.enabled true',
      api: 'PATCH /api/v1/org/settings {"lockout.enabled": true}',
    },
    measure: (facts) =>
      withReading(facts.inputs.identity.smartLockout(), (on) =>
        allOrNothing(on, finding(on ? 'score.finding.lockoutOn' : 'score.finding.lockoutOff')),
      ),
  },
  {
    id: 'identity.sign-in-risk-policy',
    title: 'Sign-in risk policy on',
    category: 'identity',
    maxPoints: 7,
    measuredBy: 'The org setting risk.policyEnabled is on: risky sign-ins are blocked or need MFA.',
    why: 'A sign-in from a new country, an anonymous network or a spray source is how a stolen password is used; the risk policy stops it at the door.',
    fix: {
      cli: 'npx mailwarden org set risk.policyEnabled true',
      api: 'PATCH /api/v1/org/settings {"risk.policyEnabled": true}',
    },
    measure: (facts) =>
      withReading(facts.inputs.identity.riskPolicy(), (on) =>
        allOrNothing(on, finding(on ? 'score.finding.riskOn' : 'score.finding.riskOff')),
      ),
  },
  {
    id: 'identity.admin-count',
    title: 'More than one and at most four admins',
    category: 'identity',
    maxPoints: 1,
    measuredBy: 'The number of enabled users with the admin role is 2, 3 or 4.',
    why: 'One admin is a single point of failure (and of lock-out); many admins are many targets. Two to four keeps both risks small.',
    fix: {
      cli: 'npx mailwarden user add <address> --admin --password-stdin   # or, to remove one: npx mailwarden user disable <address>',
      api: 'PATCH /api/v1/users/{address} {"role": "admin"}',
    },
    measure: (facts) =>
      withReading(
        facts.once('directory.accounts', () => facts.inputs.directory.accounts()),
        (accounts) =>
          allOrNothing(
            accounts.enabledAdmins >= 2 && accounts.enabledAdmins <= 4,
            accounts.enabledAdmins === 1
              ? finding('score.finding.adminCountOne')
              : finding('score.finding.adminCount', { count: accounts.enabledAdmins }),
            { enabledAdmins: accounts.enabledAdmins },
          ),
      ),
  },
  {
    id: 'identity.unused-app-passwords',
    title: 'App passwords unused for 90 days removed',
    category: 'identity',
    maxPoints: 3,
    measuredBy:
      'Share of active app passwords (not revoked, not expired) used, or created, within the last 90 days: partial credit.',
    why: 'An app password nobody uses any more is a standing credential that bypasses MFA; forgotten ones on old phones and laptops are a common way in.',
    fix: {
      cli: 'npx mailwarden app-password list <user> (LAST USED); npx mailwarden app-password revoke <user> <name>',
      api: 'DELETE /api/v1/users/{address}/app-passwords/{name}',
    },
    measure: (facts) =>
      withReading(facts.inputs.identity.appPasswords(facts.nowMs - 90 * DAY_MS), (apps) =>
        coverage(
          apps.active - apps.unused,
          apps.active,
          apps.active === 0
            ? finding('score.finding.noAppPasswords')
            : finding('score.finding.appPasswordsUnused', { stale: apps.unused, total: apps.active }),
          { active: apps.active, unused: apps.unused },
        ),
      ),
  },
  {
    id: 'identity.inactive-accounts',
    title: 'Accounts inactive for 90 days disabled',
    category: 'identity',
    maxPoints: 3,
    measuredBy:
      'Share of enabled accounts older than 90 days that signed in successfully within the last 90 days: partial credit.',
    why: 'Nobody notices when an abandoned account is taken over: no owner reads its sent mail or its sign-in alerts.',
    fix: {
      cli: 'npx mailwarden user disable <address>',
      api: 'PATCH /api/v1/users/{address} {"disabled": true}',
    },
    measure: (facts) =>
      withReading(facts.inputs.identity.inactiveAccounts(facts.nowMs - 90 * DAY_MS), (accounts) =>
        coverage(
          accounts.eligible - accounts.inactive,
          accounts.eligible,
          finding('score.finding.inactiveAccounts', {
            stale: accounts.inactive,
            total: accounts.eligible,
          }),
          { eligible: accounts.eligible, inactive: accounts.inactive },
        ),
      ),
  },
  {
    id: 'identity.unused-api-tokens',
    title: 'API tokens unused for 90 days revoked',
    category: 'identity',
    maxPoints: 2,
    measuredBy: 'Share of active API tokens used, or created, within the last 90 days: partial credit.',
    why: 'An API token is an admin credential without MFA; one that no automation uses any more only waits to leak.',
    fix: { cli: 'npx mailwarden token list; npx mailwarden token revoke <name>', api: null },
    measure: (facts) =>
      withReading(facts.inputs.directory.apiTokens(facts.nowMs - 90 * DAY_MS), (tokens) =>
        coverage(
          tokens.active - tokens.unused,
          tokens.active,
          tokens.active === 0
            ? finding('score.finding.noApiTokens')
            : finding('score.finding.apiTokensUnused', { stale: tokens.unused, total: tokens.active }),
          { active: tokens.active, unused: tokens.unused },
        ),
      ),
  },
];
