import type { ControlDefinition } from './control-definition.js';
import { auditControls } from './controls/audit.js';
import { domainControls } from './controls/domains.js';
import { identityControls } from './controls/identity.js';
import { mailFlowControls } from './controls/mail-flow.js';
import { passwordStorageControls } from './controls/password-storage.js';

/** Every control, once. Ids are stable: statuses and snapshots refer to them. */
export const controlDefinitions: readonly ControlDefinition[] = [
  ...identityControls,
  ...passwordStorageControls,
  ...mailFlowControls,
  ...auditControls,
  ...domainControls,
];

export const controlIds: ReadonlySet<string> = new Set(controlDefinitions.map((control) => control.id));
