/**
 * Composition beside app.ts: wiring between modules that neither module may own. Secure Score's
 * readings from every other module, and the audit-cut check that raises an alert from audit
 * anchoring (alerts depends on audit, so audit cannot raise it).
 */
export { anchorAuditHead } from './audit-cut-detection.js';
export { countSignIns, databaseReadings } from './metric-readings.js';
export { createScoreInputs } from './score-readings.js';
export type { ScoreSources } from './score-sources.js';
