import type { AuditLog } from '../../audit/index.js';
import type { Directory } from '../../directory/index.js';
import type { MilterRecorder, SmtpRecorder } from '../../metrics/index.js';
import type { Outbound } from '../../outbound/index.js';
import type { Logger } from '../../runtime/logger.js';
import type { AwaitingContent } from './awaiting-content.js';

/** What the milter uses; the composition root builds it once (as gateway/gateway-deps.ts). */
export interface MilterDeps {
  directory: Pick<Directory, 'findLoginRow' | 'addressesOf'>;
  outbound: Pick<Outbound, 'beginMessage' | 'refusals'>;
  audit: Pick<AuditLog, 'append'>;
  logger: Logger;
  /** Messages the policy service counted, waiting for their content verdict. */
  awaitingContent: AwaitingContent;
  /** End-of-message decisions and message outcomes (GET /metrics); none in some tests. */
  metrics?: MilterRecorder & Pick<SmtpRecorder, 'message'>;
  limits: {
    /** The gateway's smtp.maxMessageBytes: one size limit whichever way mail comes in. */
    maxMessageBytes: number;
  };
}
