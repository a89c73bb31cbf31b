export { type ImportSource, SQL_PRESETS, type SqlPreset } from './entries.js';
export { parseSourceSetting, redactUrl, sourceLabel } from './import-sources.js';
export { createImporting, type Importing, type ImportOutcome } from './importing.js';
export type { ImportReport, ReportLine, SectionReport } from './report.js';
export type { ImportDeps } from './run-import.js';
