import type { Actor } from '../audit/index.js';
import type { UserTable } from '../store/index.js';
import { changeOwnPassword } from './change-password.js';
import { type MfaFailure, mfaFailure } from './mfa.outcomes.js';
import type { MfaDeps, MfaSubject } from './mfa-deps.js';
import * as policy from './mfa-policy.js';
import { confirmedMethods } from './mfa-state.js';
import * as passkeys from './passkeys.js';
import * as recovery from './recovery-codes.js';
import { secondFactorThrottled } from './second-factor-throttle.js';
import * as totp from './totp.js';
import * as sessions from './web-sessions.js';

/**
 * MFA (TOTP, passkeys, recovery codes), the org MFA policy and web sessions: what the web
 * self-service area (src/console) and the admin CLI use, as `identity.mfa` and `identity.webSessions`.
 */
export function createWebIdentity(deps: MfaDeps, sessionPolicy: sessions.WebSessionPolicy) {
  /** Removing the last second factor of someone who must have one would switch MFA off by the back door. */
  const guardLastMethod = async (
    user: MfaSubject,
    removing: 'totp' | 'passkey',
  ): Promise<MfaFailure | null> => {
    const row = await deps.store.db
      .selectFrom('users')
      .selectAll()
      .where('id', '=', user.id)
      .executeTakeFirst();
    if (!row) return mfaFailure('user-not-found', 'no such user');
    const requirement = await policy.mfaRequirement(deps, row);
    const left =
      requirement.methods.passkeys -
      (removing === 'passkey' ? 1 : 0) +
      (requirement.methods.totp && removing !== 'totp' ? 1 : 0);
    if (requirement.requiredBy !== null && left <= 0)
      return mfaFailure(
        'last-method-required',
        'a second factor is required for your account: add another before removing this one',
      );
    return null;
  };
  const findUserRow = (reference: string): Promise<UserTable | undefined> => {
    const value = reference.trim().toLowerCase();
    return deps.store.db
      .selectFrom('users')
      .selectAll()
      .where((eb) => eb.or([eb('id', '=', reference), eb('address', '=', value)]))
      .executeTakeFirst();
  };
  return {
    mfa: {
      startTotpEnrolment: (user: MfaSubject) => totp.startTotpEnrolment(deps, user),
      confirmTotp: (user: MfaSubject, code: string, actor: Actor) =>
        totp.confirmTotp(deps, user, code, actor),
      verifyTotp: (userId: string, code: string) => totp.verifyTotp(deps, userId, code),
      async removeTotp(user: MfaSubject, actor: Actor) {
        return (await guardLastMethod(user, 'totp')) ?? totp.removeTotp(deps, user, actor);
      },
      regenerateRecoveryCodes: (user: MfaSubject, actor: Actor) =>
        recovery.regenerateRecoveryCodes(deps, user, actor),
      useRecoveryCode: (user: MfaSubject, code: string, actor: Actor) =>
        recovery.useRecoveryCode(deps, user, code, actor),
      countUnusedRecoveryCodes: (userId: string) => recovery.countUnusedRecoveryCodes(deps, userId),
      passkeyRegistrationOptions: (sessionId: string, user: MfaSubject, rp: passkeys.RelyingParty) =>
        passkeys.passkeyRegistrationOptions(deps, sessionId, user, rp),
      verifyPasskeyRegistration: (
        input: {
          sessionId: string;
          user: MfaSubject;
          rp: passkeys.RelyingParty;
          response: unknown;
          name: string;
        },
        actor: Actor,
      ) => passkeys.verifyPasskeyRegistration(deps, input, actor),
      passkeyAuthenticationOptions: (sessionId: string, userId: string, rp: passkeys.RelyingParty) =>
        passkeys.passkeyAuthenticationOptions(deps, sessionId, userId, rp),
      verifyPasskeyAuthentication: (input: {
        sessionId: string;
        userId: string;
        rp: passkeys.RelyingParty;
        response: unknown;
      }) => passkeys.verifyPasskeyAuthentication(deps, input),
      listPasskeys: (userId: string) => passkeys.listPasskeys(deps, userId),
      renamePasskey: (user: MfaSubject, passkeyId: string, name: string, actor: Actor) =>
        passkeys.renamePasskey(deps, user, passkeyId, name, actor),
      async removePasskey(user: MfaSubject, passkeyId: string, actor: Actor) {
        return (
          (await guardLastMethod(user, 'passkey')) ?? passkeys.removePasskey(deps, user, passkeyId, actor)
        );
      },
      methods: (userId: string) => confirmedMethods(deps.store.db, userId),
      /** Too many wrong second factors for this user lately (sign-in log): refuse further tries for now. */
      secondFactorThrottled: (userId: string) => secondFactorThrottled(deps, userId),
      requirement: (user: UserTable) => policy.mfaRequirement(deps, user),
      /** After a right password on the web: second factor, enrolment, done, or refused (policy). */
      async webSecondStep(userId: string, risk: 'none' | 'low' | 'medium' | 'high') {
        const user = await findUserRow(userId);
        if (!user)
          return {
            next: 'refuse' as const,
            code: 'mfa-registration-overdue' as const,
            message: 'no such user',
          };
        return policy.webSecondStep(deps, user, risk);
      },
      checkApiTokenOwner: (ownerUserId: string | null) => policy.checkApiTokenOwner(deps, ownerUserId),
      /** Admin CLI: `mailwarden user mfa show|reset|enforce <user>`. */
      async show(reference: string) {
        const user = await findUserRow(reference);
        return user
          ? { ok: true as const, mfa: await policy.describeMfa(deps, user) }
          : mfaFailure('user-not-found', `no user ${reference}`);
      },
      async reset(reference: string, actor: Actor) {
        const user = await findUserRow(reference);
        if (!user) return mfaFailure('user-not-found', `no user ${reference}`);
        await policy.resetMfa(deps, user, actor);
        return { ok: true as const, mfa: await policy.describeMfa(deps, (await findUserRow(user.id))!) };
      },
      async enforce(reference: string, actor: Actor) {
        const user = await findUserRow(reference);
        if (!user) return mfaFailure('user-not-found', `no user ${reference}`);
        await policy.enforceMfa(deps, user, actor);
        return { ok: true as const, mfa: await policy.describeMfa(deps, (await findUserRow(user.id))!) };
      },
    },
    changeOwnPassword: (input: Parameters<typeof changeOwnPassword>[1], actor: Actor) =>
      changeOwnPassword(deps, input, actor),
    webSessions: {
      policy: sessionPolicy,
      create: (input: Parameters<typeof sessions.createWebSession>[2]) =>
        sessions.createWebSession(deps, sessionPolicy, input),
      check: (token: string) => sessions.checkWebSession(deps, sessionPolicy, token),
      advance: (sessionId: string, stage: sessions.WebSessionStage, secondFactor: string | null) =>
        sessions.advanceWebSession(deps, sessionId, stage, secondFactor),
      renew: (
        old: sessions.WebSession,
        stage: sessions.WebSessionStage,
        secondFactor: string | null,
        userAgent: string | null,
      ) => sessions.renewWebSession(deps, sessionPolicy, old, stage, secondFactor, userAgent),
      revoke: (sessionId: string) => sessions.revokeWebSession(deps, sessionId),
      prune: () => sessions.pruneWebSessions(deps),
      signOutEverywhere: (user: MfaSubject, actor: Actor) => sessions.signOutEverywhere(deps, user, actor),
      csrfTokenFor: sessions.csrfTokenFor,
      verifyCsrfToken: sessions.verifyCsrfToken,
    },
  };
}

export type WebIdentity = ReturnType<typeof createWebIdentity>;
