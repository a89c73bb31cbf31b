import type { AuditLog } from '../audit/index.js';
import type { Clock } from '../runtime/clock.js';
import type { SecretBox } from '../runtime/secret-box.js';
import type { OrgSettingsService } from '../settings/index.js';
import type { Store } from '../store/index.js';
import type { PasswordHasher } from './passwords.js';

/** What the MFA, passkey, recovery-code and web-session functions share. */
export interface MfaDeps {
  store: Store;
  audit: AuditLog;
  clock: Clock;
  settings: OrgSettingsService;
  /** Seals TOTP seeds at rest (runtime/secret-box.ts: `secrets.key` or DATA_DIR/keys/secret.key). */
  secrets: SecretBox;
  passwords: PasswordHasher;
}

/** The account a self-service or admin action is about. */
export interface MfaSubject {
  id: string;
  address: string;
}
