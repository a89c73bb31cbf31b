import type { Clock } from '../runtime/clock.js';
import type { Logger } from '../runtime/logger.js';
import type { Delivery } from './delivery.js';
import { createLocalSpool } from './local-spool.js';

export { removePartialSpoolFiles } from './local-spool.js';

import { createUpstreamRelay, type UpstreamRelayOptions } from './upstream-relay.js';

export type { Delivery, DeliveryOutcome, OutboundMessage, RefusedRecipient } from './delivery.js';

/** The upstream relay when a URL is configured, otherwise the local spool. */
export function createDelivery(
  options: { relay: Omit<UpstreamRelayOptions, 'hostname'> | null; spoolDir: string; hostname: string },
  deps: { clock: Clock; logger: Logger },
): Delivery {
  if (options.relay)
    return createUpstreamRelay({ ...options.relay, hostname: options.hostname }, deps.logger);
  return createLocalSpool({ spoolDir: options.spoolDir, clock: deps.clock });
}
