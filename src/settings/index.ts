export {
  type MailAccountPasswordPolicy,
  type OrgSettingField,
  type OrgSettingKey,
  type OrgSettings,
  orgSettingFields,
  type UnknownSenderPolicy,
} from './org-setting-fields.js';
export {
  createOrgSettings,
  ORG_SETTINGS_SNAPSHOT_MS,
  type OrgSettingEntry,
  type OrgSettingsChangeOutcome,
  type OrgSettingsService,
} from './org-settings.js';
