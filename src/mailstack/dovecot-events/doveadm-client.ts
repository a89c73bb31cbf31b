import type { MailServer, MailServerResult } from '../../respond/index.js';

/**
 * Dovecot's doveadm HTTP API (admin_manual/doveadm_http_api.rst): `POST /doveadm/v1` with a JSON list
 * of [command, parameters, tag] and `Authorization: X-Dovecot-API <base64(doveadm_api_key)>`, one
 * command per request. It is the mail server that responding acts on (respond/mail-server.ts).
 */
export type DoveadmClient = MailServer;

/** doveadm's exit codes (sysexits.h) that mean something here; any other is a failure of the server. */
const EXIT_USER_UNKNOWN = 67;
const EXIT_NOT_FOUND = 68;

type Answer =
  | { ok: true; rows: Array<Record<string, unknown>> }
  | { ok: false; exitCode: number | null; message: string };

export function createDoveadmClient(options: {
  url: string;
  apiKey: string;
  timeoutMs?: number;
}): DoveadmClient {
  const authorization = `X-Dovecot-API ${Buffer.from(options.apiKey).toString('base64')}`;

  async function call(command: string, parameters: Record<string, unknown>): Promise<Answer> {
    let body: unknown;
    try {
      const response = await fetch(options.url, {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/json' },
        body: JSON.stringify([[command, parameters, 'mw']]),
        signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
      });
      if (!response.ok)
        return { ok: false, exitCode: null, message: `doveadm ${command}: HTTP ${response.status}` };
      body = await response.json();
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return { ok: false, exitCode: null, message: `doveadm ${command}: ${reason}` };
    }
    // [["doveadmResponse", [{…}, …], "mw"]] or [["error", {"type":"exitCode","exitCode":68}, "mw"]]
    const [answer] = Array.isArray(body) ? body : [];
    if (Array.isArray(answer) && answer[0] === 'doveadmResponse' && Array.isArray(answer[1]))
      return {
        ok: true,
        rows: answer[1].filter(
          (row): row is Record<string, unknown> => typeof row === 'object' && row !== null,
        ),
      };
    const exitCode = Array.isArray(answer)
      ? (answer[1] as { exitCode?: unknown } | undefined)?.exitCode
      : null;
    return typeof exitCode === 'number'
      ? { ok: false, exitCode, message: `doveadm ${command} ended with exit code ${exitCode}` }
      : { ok: false, exitCode: null, message: `doveadm ${command}: an answer doveadm does not give` };
  }

  function refusal<T>(answer: Extract<Answer, { ok: false }>): MailServerResult<T> {
    return answer.exitCode === EXIT_USER_UNKNOWN
      ? { ok: false, code: 'mailbox-unknown-to-mail-server', message: 'Dovecot does not know this user' }
      : { ok: false, code: 'mail-server-unavailable', message: answer.message };
  }

  const readSieveScript = async (user: string, name: string): Promise<MailServerResult<string>> => {
    const answer = await call('sieveGet', { user, scriptname: name });
    if (!answer.ok) return refusal(answer);
    const script = answer.rows[0]?.['sieve script'];
    return typeof script === 'string'
      ? { ok: true, value: script }
      : {
          ok: false,
          code: 'mail-server-unavailable',
          message: `doveadm sieveGet: no script text for ${name}`,
        };
  };

  return {
    async listSieveScripts(user) {
      const answer = await call('sieveList', { user });
      if (!answer.ok) return refusal(answer);
      // [{"script":"clean","active":""},{"script":"evil","active":"ACTIVE"}]
      return {
        ok: true,
        value: answer.rows.flatMap((row) =>
          typeof row['script'] === 'string'
            ? [{ name: row['script'], active: row['active'] === 'ACTIVE' }]
            : [],
        ),
      };
    },

    readSieveScript,

    async deactivateSieveScript(user) {
      const answer = await call('sieveDeactivate', { user });
      return answer.ok ? { ok: true, value: undefined } : refusal(answer);
    },

    async endMailSessions(user) {
      // Counted first: kick's own answer names users, not connections.
      const who = await call('who', { mask: user });
      const sessions = who.ok
        ? who.rows.reduce(
            (sum, row) => sum + (Number.parseInt(String(row['connections'] ?? '0'), 10) || 0),
            0,
          )
        : 0;
      if (!who.ok && who.exitCode !== EXIT_NOT_FOUND) return refusal(who);
      // The cache first: a kicked client reconnecting must meet the new password, not a cached old one.
      const flushed = await call('authCacheFlush', { user: [user] });
      if (!flushed.ok) return refusal(flushed);
      if (sessions === 0) return { ok: true, value: { sessionsEnded: 0 } };
      const kicked = await call('kick', { mask: user });
      // 68: the sessions ended on their own between the count and the kick.
      if (!kicked.ok && kicked.exitCode !== EXIT_NOT_FOUND) return refusal(kicked);
      return { ok: true, value: { sessionsEnded: kicked.ok ? sessions : 0 } };
    },
  };
}
