/**
 * Every GET page a person reads, in one place: the untranslated-string test (untranslated-pages.test.ts)
 * opens each of them in Dutch. A new page goes here; a page whose words are not in the catalogues yet
 * goes in NOT_YET_TRANSLATED too, until it is translated (then it leaves that list).
 */

export const PASSWORD = 'correct horse battery staple';
/** The admin (with an authenticator app, as the admin pages require). */
export const ROOT = 'root@example.org';
/** A restricted sender with evidence and an alert. */
export const ALICE = 'alice@example.org';
/** The recipient of a held phishing message. */
export const BOB = 'bob@example.org';
/** A user without admin rights: the self-service pages. */
export const CAROL = 'carol@example.org';

export interface PageToRead {
  /** For the report: which page showed English. */
  name: string;
  url: string;
  /**
   * Who opens it: nobody signed in, the admin between password and second factor, a signed-in user
   * (CAROL) or the admin (ROOT, signed in with its authenticator app).
   */
  as: 'anonymous' | 'second-factor' | 'user' | 'admin';
  /** The HTTP status the page answers with (a not-found page is a page too). */
  status?: number;
}

const user = (login: string) => `/admin/users/${encodeURIComponent(login)}`;

export const ACCOUNT_PAGES: readonly PageToRead[] = [
  { name: 'sign-in', url: '/account/sign-in', as: 'anonymous' },
  { name: 'second-factor', url: '/account/second-factor', as: 'second-factor' },
  { name: 'account', url: '/account', as: 'user' },
  { name: 'security', url: '/account/security', as: 'user' },
  { name: 'app-passwords', url: '/account/app-passwords', as: 'user' },
  { name: 'password', url: '/account/password', as: 'user' },
  { name: 'sign-ins', url: '/account/sign-ins', as: 'user' },
  { name: 'not-found', url: '/account/no-such-page', as: 'user', status: 404 },
];

export const ADMIN_PAGES: readonly PageToRead[] = [
  { name: 'admin', url: '/admin', as: 'admin' },
  { name: 'admin-restricted', url: '/admin/restricted', as: 'admin' },
  { name: 'admin-users', url: '/admin/users', as: 'admin' },
  { name: 'admin-user', url: user(ALICE), as: 'admin' },
  { name: 'admin-user-delete', url: `${user(ALICE)}/delete`, as: 'admin' },
  { name: 'admin-directory', url: '/admin/directory', as: 'admin' },
  { name: 'admin-policies', url: '/admin/policies', as: 'admin' },
  { name: 'admin-policy', url: '/admin/policies/default', as: 'admin' },
  { name: 'admin-alerts', url: '/admin/alerts', as: 'admin' },
  // `{alert}`: the alert the test raises with a moment in its evidence (its id is made when raised).
  { name: 'admin-alert', url: '/admin/alerts/{alert}', as: 'admin' },
  { name: 'admin-quarantine', url: '/admin/quarantine', as: 'admin' },
  { name: 'admin-audit', url: '/admin/audit?hours=720', as: 'admin' },
  { name: 'admin-score', url: '/admin/score', as: 'admin' },
  { name: 'admin-settings', url: '/admin/settings', as: 'admin' },
  { name: 'admin-tokens', url: '/admin/tokens', as: 'admin' },
  { name: 'admin-notifications', url: '/admin/notifications', as: 'admin' },
];

/**
 * Pages whose words are not in the catalogues yet, by name: the test skips them (and says so).
 * Whoever translates a page removes it here; the list ends empty.
 */
export const NOT_YET_TRANSLATED: ReadonlySet<string> = new Set([]);

export const ALL_PAGES: readonly PageToRead[] = [...ACCOUNT_PAGES, ...ADMIN_PAGES];
