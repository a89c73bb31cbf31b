import type { IncomingMessage } from 'node:http';
import type { Formatter, Translator } from '../i18n/index.js';
import type { RelyingParty, WebSession } from '../identity/index.js';

/** What every /account handler may read from the context. */
export interface ConsoleEnv {
  Bindings: { incoming?: IncomingMessage };
  Variables: {
    requestId: string;
    /** The cookie's session token (null when none or it is over). */
    sessionToken: string | null;
    session: WebSession | null;
    /** The origin browsers use (web.publicUrl, or http://<Host>); forms must come from it. */
    origin: string;
    rp: RelyingParty;
    clientIp: string | null;
    /** The reader's language: their own setting, then Accept-Language, then the org's default. */
    t: Translator;
    /** Dates and numbers in that language and the organization's time zone. */
    fmt: Formatter;
  };
}
