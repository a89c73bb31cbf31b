/**
 * Dovecot's doveadm HTTP API (admin_manual/doveadm_http_api.rst): `POST /doveadm/v1` with a JSON list
 * of [command, parameters, tag] and `Authorization: X-Dovecot-API <base64(doveadm_api_key)>`.
 */
export interface DoveadmClient {
  /** A Sieve script's text (Pigeonhole `sieve get`), or null when it cannot be read. */
  sieveScript(user: string, name: string): Promise<string | null>;
}

export function createDoveadmClient(options: {
  url: string;
  apiKey: string;
  timeoutMs?: number;
}): DoveadmClient {
  const authorization = `X-Dovecot-API ${Buffer.from(options.apiKey).toString('base64')}`;
  return {
    async sieveScript(user, name) {
      try {
        const response = await fetch(options.url, {
          method: 'POST',
          headers: { authorization, 'content-type': 'application/json' },
          body: JSON.stringify([['sieveGet', { user, scriptname: name }, 'mw']]),
          signal: AbortSignal.timeout(options.timeoutMs ?? 2000),
        });
        if (!response.ok) return null;
        const body = (await response.json()) as unknown;
        // [["doveadmResponse", [{"sieve script": "…"}], "mw"]] or [["error", {…}, "mw"]]
        const [answer] = Array.isArray(body) ? body : [];
        if (!Array.isArray(answer) || answer[0] !== 'doveadmResponse') return null;
        const [first] = Array.isArray(answer[1]) ? answer[1] : [];
        const script = (first as Record<string, unknown> | undefined)?.['sieve script'];
        return typeof script === 'string' ? script : null;
      } catch {
        return null;
      }
    },
  };
}
