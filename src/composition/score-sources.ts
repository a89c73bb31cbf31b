import type { AuditLog } from '../audit/index.js';
import type { Config } from '../config/index.js';
import type { Directory } from '../directory/index.js';
import type { Identity } from '../identity/index.js';
import type { Notifier } from '../notify/index.js';
import type { Outbound } from '../outbound/index.js';
import type { Clock } from '../runtime/clock.js';
import type { OrgSettingsService } from '../settings/index.js';
import type { Store } from '../store/index.js';

/** The modules Secure Score's readings come from (score-readings.ts). */
export interface ScoreSources {
  config: Config;
  store: Store;
  directory: Directory;
  identity: Pick<Identity, 'lastSignInTrackedSince' | 'passwordStorage'>;
  outbound: Outbound;
  notifier: Notifier;
  audit: AuditLog;
  settings: OrgSettingsService;
  clock: Clock;
}
