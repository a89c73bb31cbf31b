import type { Alerts } from '../alerts/index.js';
import type { AuditLog } from '../audit/index.js';
import type { Delivery } from '../delivery/index.js';
import type { Directory } from '../directory/index.js';
import type { Identity } from '../identity/index.js';
import type { Importing } from '../importing/index.js';
import type { MetricsSource } from '../metrics/index.js';
import type { Notifier } from '../notify/index.js';
import type { Outbound } from '../outbound/index.js';
import type { Respond } from '../respond/index.js';
import type { Logger } from '../runtime/logger.js';
import type { Score } from '../score/index.js';
import type { OrgSettingsService } from '../settings/index.js';
import type { Store } from '../store/index.js';

/** What the REST API, /healthz and /metrics use; the HTTP composition (src/http.ts) builds it once. */
export interface ApiDeps {
  directory: Directory;
  identity: Identity;
  outbound: Outbound;
  delivery: Delivery;
  alerts: Alerts;
  notifier: Notifier;
  audit: AuditLog;
  settings: OrgSettingsService;
  score: Score;
  respond: Respond;
  importing: Pick<Importing, 'run'>;
  /** /healthz pings it. */
  store: Pick<Store, 'ping'>;
  /** What /metrics serves: this process's registry (metrics/), or with several workers every worker's merged. */
  metrics: MetricsSource;
  logger: Logger;
  /** Which worker process of `serve` this is (/healthz names it); null in a single process. */
  worker?: number | null;
  /** config web.publicUrl: the origin the OpenAPI document names, else the Host the client reached. */
  publicUrl: string | null;
}
