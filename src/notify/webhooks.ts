import { randomBytes, randomUUID } from 'node:crypto';
import type { Actor, AuditLog } from '../audit/index.js';
import type { Clock } from '../runtime/clock.js';
import type { SecretBox } from '../runtime/secret-box.js';
import type { Executor, Store, WebhookTable } from '../store/index.js';
import { type NotifyFailure, notifyFailure } from './notify.outcomes.js';
import type { WebhookTargets } from './webhook-targets.js';

export interface Webhook {
  id: string;
  name: string;
  url: string;
  active: boolean;
  createdAt: string;
}

export interface WebhookDeps {
  store: Store;
  audit: AuditLog;
  clock: Clock;
  secrets: SecretBox;
  webhookTargets: WebhookTargets;
}

const SECRET_PREFIX = 'whsec_';
/** 256 bits from the CSPRNG: an HMAC key as long as the SHA-256 output (RFC 2104 §3). */
const SECRET_BYTES = 32;

/** Adds a webhook; its signing secret is returned once here and stored only encrypted. */
export async function addWebhook(
  deps: WebhookDeps,
  input: { name: string; url: string },
  actor: Actor,
): Promise<{ ok: true; webhook: Webhook; secret: string } | NotifyFailure> {
  const name = input.name.trim();
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(name)) return notifyFailure('invalid-name');
  const url = parseWebhookUrl(input.url);
  if (!url) return notifyFailure('invalid-url', `"${input.url}" is not an http:// or https:// URL`);
  // What the URL names is judged now; what a name resolves to is judged at every delivery.
  const target = deps.webhookTargets.judgeUrl(new URL(url));
  if (!target.ok) return notifyFailure('internal-url', `refused: ${target.reason}`);
  const secret = SECRET_PREFIX + randomBytes(SECRET_BYTES).toString('base64url');
  // Sealed before the transaction: the key may be read from disk on first use.
  const secretEncrypted = await deps.secrets.seal(secret);
  const row: WebhookTable = {
    id: randomUUID(),
    name,
    url,
    secret_encrypted: secretEncrypted,
    created_at: deps.clock.nowMs(),
    disabled_at: null,
  };
  return deps.store.writeTransaction(async (trx) => {
    const existing = await trx
      .selectFrom('webhooks')
      .select('id')
      .where('name', '=', name)
      .executeTakeFirst();
    if (existing) return notifyFailure('webhook-name-taken', `a webhook named ${name} exists`);
    await trx.insertInto('webhooks').values(row).execute();
    await deps.audit.appendWithin(trx, [
      {
        operation: 'AddWebhook',
        result: 'success',
        ...actor,
        // The origin only: some receivers carry their own token in the path or query.
        details: { name, id: row.id, origin: new URL(url).origin },
      },
    ]);
    return { ok: true as const, webhook: toWebhook(row), secret };
  });
}

/** Removes a webhook; deliveries still waiting for it are given up as failed. */
export async function removeWebhook(
  deps: WebhookDeps,
  name: string,
  actor: Actor,
): Promise<{ ok: true; webhook: Webhook } | NotifyFailure> {
  return deps.store.writeTransaction(async (trx) => {
    const row = await trx.selectFrom('webhooks').selectAll().where('name', '=', name).executeTakeFirst();
    if (!row) return notifyFailure('webhook-not-found', `no webhook named ${name}`);
    await trx.deleteFrom('webhooks').where('id', '=', row.id).execute();
    await trx
      .updateTable('notification_deliveries')
      .set({ status: 'failed', next_attempt_at: null, last_error: 'webhook removed' })
      .where('channel', '=', 'webhook')
      .where('target', '=', row.id)
      .where('status', '=', 'pending')
      .execute();
    await deps.audit.appendWithin(trx, [
      { operation: 'RemoveWebhook', result: 'success', ...actor, details: { name, id: row.id } },
    ]);
    return { ok: true as const, webhook: toWebhook(row) };
  });
}

export async function listWebhooks(db: Executor): Promise<Webhook[]> {
  const rows = await db.selectFrom('webhooks').selectAll().orderBy('name').execute();
  return rows.map(toWebhook);
}

export async function listActiveWebhookIds(db: Executor): Promise<string[]> {
  const rows = await db.selectFrom('webhooks').select('id').where('disabled_at', 'is', null).execute();
  return rows.map((row) => row.id);
}

function parseWebhookUrl(text: string): string | null {
  try {
    const url = new URL(text.trim());
    if ((url.protocol !== 'https:' && url.protocol !== 'http:') || !url.hostname) return null;
    return url.toString();
  } catch {
    return null;
  }
}

function toWebhook(row: WebhookTable): Webhook {
  return {
    id: row.id,
    name: row.name,
    url: row.url,
    active: row.disabled_at === null,
    createdAt: new Date(row.created_at).toISOString(),
  };
}
