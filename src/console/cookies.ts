import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { ConsoleEnv } from './console-env.js';

/**
 * Cookie names and attributes. With web.secureCookies = always (the default) the session cookie is
 * `__Host-mw_session`: the prefix makes browsers insist on Secure, Path=/ and no Domain, so no
 * sibling host or plain-http page can plant or read it. Browsers accept Secure cookies on https and on
 * http://localhost (a secure context), which is how the loopback tour and the tests run. `never`
 * drops Secure and the prefix, for plain http on a non-loopback test network only.
 */
export interface CookieNames {
  session: string;
  /** Double-submit token of the sign-in form, before there is a session (login CSRF). */
  preSession: string;
  secure: boolean;
}

export function cookieNames(secureCookies: 'always' | 'never'): CookieNames {
  return secureCookies === 'always'
    ? { session: '__Host-mw_session', preSession: '__Host-mw_presession', secure: true }
    : { session: 'mw_session', preSession: 'mw_presession', secure: false };
}

export function readCookie(c: Context<ConsoleEnv>, name: string): string | null {
  return getCookie(c, name) ?? null;
}

/** HttpOnly (no script reads it), SameSite=Strict (no cross-site request carries it), session-only. */
export function writeCookie(c: Context<ConsoleEnv>, names: CookieNames, name: string, value: string): void {
  setCookie(c, name, value, { path: '/', httpOnly: true, secure: names.secure, sameSite: 'Strict' });
}

export function clearCookie(c: Context<ConsoleEnv>, names: CookieNames, name: string): void {
  deleteCookie(c, name, { path: '/', secure: names.secure, httpOnly: true, sameSite: 'Strict' });
}
