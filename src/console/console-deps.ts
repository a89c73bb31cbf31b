import type { Alerts } from '../alerts/index.js';
import type { AuditLog } from '../audit/index.js';
import type { Config } from '../config/index.js';
import type { Delivery } from '../delivery/index.js';
import type { Directory } from '../directory/index.js';
import type { Identity } from '../identity/index.js';
import type { Notifier } from '../notify/index.js';
import type { Outbound } from '../outbound/index.js';
import type { Respond } from '../respond/index.js';
import type { Clock } from '../runtime/clock.js';
import type { Score } from '../score/index.js';
import type { OrgSettingsService } from '../settings/index.js';
import type { CookieNames } from './cookies.js';

/**
 * The domain doors the pages use, and the few configuration values they read; the composition root
 * hands them over (the whole application object fits, as does anything narrower with these fields).
 */
export interface ConsoleServices {
  identity: Identity;
  directory: Directory;
  outbound: Outbound;
  audit: AuditLog;
  alerts: Alerts;
  settings: OrgSettingsService;
  score: Score;
  respond: Respond;
  notifier: Notifier;
  /** The relay that quarantine releases deliver through. */
  delivery: Delivery;
  clock: Clock;
  config: {
    web: Pick<Config['web'], 'publicUrl' | 'secureCookies'>;
    /** The listener's address and port: the origin when no public URL is set (loopback only). */
    listen: Config['listen'];
    http: Pick<Config['http'], 'port'>;
  };
}

/** What every console route builder takes: the services and the cookie names chosen for them. */
export interface ConsoleDeps extends ConsoleServices {
  names: CookieNames;
}
