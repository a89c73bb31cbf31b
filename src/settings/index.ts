export {
  type MailAccountPasswordPolicy,
  type OrgSettingField,
  type OrgSettingKey,
  type OrgSettings,
  orgSettingFields,
} from './org-setting-fields.js';
export {
  createOrgSettings,
  type OrgSettingEntry,
  type OrgSettingsChangeOutcome,
  type OrgSettingsService,
} from './org-settings.js';
