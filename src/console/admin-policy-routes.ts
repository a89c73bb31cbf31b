import { type Context, Hono } from 'hono';
import { type PolicyChange, policyFields, type SendingPolicy } from '../outbound/index.js';
import { adminActor } from './actor.js';
import { type AdminNotice, adminCsrf, adminGate, adminPage } from './admin-page.js';
import type { ConsoleDeps } from './console-deps.js';
import type { ConsoleEnv } from './console-env.js';
import { html } from './html.js';
import { csrfField } from './layout.js';
import { refusePage } from './refusals.js';

type Notice = AdminNotice;
type FieldName = keyof typeof policyFields;

const policyPath = (name: string) => `/admin/policies/${encodeURIComponent(name)}`;
const list = (value: unknown) =>
  typeof value === 'string'
    ? value
        .split(/[\s,]+/)
        .map((entry) => entry.trim())
        .filter((entry) => entry !== '')
    : [];

/**
 * The form as a policy change: whole numbers become numbers, anything else is passed on as typed, for
 * the outbound module to refuse with the field and its range (it judges every value, as for the API).
 */
function readChange(body: Record<string, unknown>, isDefault: boolean): PolicyChange {
  const settings: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(policyFields)) {
    const raw = body[name];
    if (typeof raw !== 'string' || raw.trim() === '') continue;
    settings[name] = field.kind === 'integer' && /^-?\d+$/.test(raw.trim()) ? Number(raw.trim()) : raw.trim();
  }
  const priority = typeof body['priority'] === 'string' ? body['priority'].trim() : '';
  return {
    settings,
    // The default policy applies to everyone, last: it has no scope and no priority to change.
    ...(isDefault
      ? {}
      : {
          scope: { users: list(body['users']), groups: list(body['groups']), domains: list(body['domains']) },
          ...(/^-?\d+$/.test(priority) ? { priority: Number(priority) } : {}),
        }),
  };
}

/**
 * /admin/policies: the sending policies in matching order, and one form per policy built from the
 * policy field table (policyFields), so a new field shows up here without a change to this file.
 */
export function adminPolicyRoutes(deps: ConsoleDeps): Hono<ConsoleEnv> {
  const routes = new Hono<ConsoleEnv>();

  routes.get('/admin/policies', async (c) => {
    const session = adminGate(c);
    if (session instanceof Response) return session;
    // The "new policy" form asks for a name, then opens that policy's (empty) form.
    const wanted = c.req.query('new')?.trim().toLowerCase();
    if (wanted) return c.redirect(policyPath(wanted), 303);
    const policies = await deps.outbound.listPolicies();
    return adminPage(
      c,
      deps,
      'Sending policies',
      html`<section><p class="muted">The first policy whose scope matches a sender applies; the default applies to everyone else.</p>
          <table id="policies">
            <thead><tr><th>Policy</th><th>Priority</th><th>Applies to</th><th>Limits</th></tr></thead>
            <tbody>${policies.map(
              (policy) => html`<tr class="policy">
                <td><a href="${policyPath(policy.name)}">${policy.name}</a></td>
                <td>${policy.name === 'default' ? 'last' : policy.priority}</td>
                <td>${scopeWords(policy)}</td>
                <td>${policy.settings.externalPerHour} external / ${policy.settings.internalPerHour} internal per hour, ${policy.settings.perDay} per day; ${policy.settings.action}</td>
              </tr>`,
            )}</tbody>
          </table></section>
        <section><h2>New policy</h2>
          <form method="get" action="/admin/policies">
            <label for="new-policy-name">Name (lowercase letters, digits, . _ -)</label>
            <input type="text" id="new-policy-name" name="new" required>
            <button type="submit" id="new-policy">Continue</button>
          </form></section>`,
      null,
    );
  });

  const policyPage = async (
    c: Context<ConsoleEnv>,
    name: string,
    notice: Notice,
    status: 200 | 422 = 200,
    /** What the admin typed, shown again after a refusal. */
    typed: Record<string, unknown> = {},
  ) => {
    const policy = await deps.outbound.getPolicy(name);
    const isDefault = name === 'default';
    const typedOr = (name: string, stored: string) =>
      typeof typed[name] === 'string' ? (typed[name] as string) : stored;
    const value = (field: FieldName) => typedOr(field, policy ? String(policy.settings[field]) : '');
    return adminPage(
      c,
      deps,
      policy ? `Policy ${name}` : `New policy ${name}`,
      html`<section>
          <form method="post" action="${policyPath(name)}" id="policy-form">${csrfField(adminCsrf(c, deps))}
            ${
              isDefault
                ? html`<p class="muted">The default policy applies to everyone no other policy matches.</p>`
                : html`<label for="policy-users">Users (addresses, comma-separated)</label>
                  <input type="text" id="policy-users" name="users" value="${typedOr('users', policy?.scope.users.join(', ') ?? '')}">
                  <label for="policy-groups">Groups</label>
                  <input type="text" id="policy-groups" name="groups" value="${typedOr('groups', policy?.scope.groups.join(', ') ?? '')}">
                  <label for="policy-domains">Domains</label>
                  <input type="text" id="policy-domains" name="domains" value="${typedOr('domains', policy?.scope.domains.join(', ') ?? '')}">
                  <label for="policy-priority">Priority (lower first)</label>
                  <input type="text" id="policy-priority" name="priority" value="${typedOr('priority', String(policy?.priority ?? ''))}">`
            }
            ${Object.entries(policyFields).map(([field, definition]) =>
              definition.kind === 'enum'
                ? html`<label for="policy-${field}">${field}: ${definition.description}</label>
                  <select id="policy-${field}" name="${field}">${policy ? '' : html`<option value="">(the default policy's)</option>`}${definition.values.map(
                    (option) =>
                      html`<option value="${option}" ${value(field as FieldName) === option ? html`selected` : ''}>${option}</option>`,
                  )}</select>`
                : html`<label for="policy-${field}">${field}: ${definition.description} (${definition.min}–${definition.max})</label>
                  <input type="text" inputmode="numeric" id="policy-${field}" name="${field}" value="${value(field as FieldName)}">`,
            )}
            <button type="submit" id="save-policy">Save</button>
          </form>
        </section>
        ${
          policy && !isDefault
            ? html`<section><form method="post" action="${policyPath(name)}/delete">${csrfField(adminCsrf(c, deps))}
                <button type="submit" class="danger" id="delete-policy">Delete this policy</button></form></section>`
            : ''
        }`,
      notice,
      status,
    );
  };

  routes.get('/admin/policies/:name', async (c) => {
    const session = adminGate(c);
    if (session instanceof Response) return session;
    const saved = c.req.query('saved') === '1';
    return policyPage(c, c.req.param('name'), saved ? { kind: 'ok', text: 'Saved.' } : null);
  });

  routes.post('/admin/policies/:name', async (c) => {
    const session = adminGate(c);
    if (session instanceof Response) return session;
    const name = c.req.param('name');
    const body = await c.req.parseBody();
    const change = readChange(body, name === 'default');
    const outcome = await deps.outbound.setPolicy(name, change, adminActor(c, session));
    return outcome.ok
      ? c.redirect(`${policyPath(outcome.policy.name)}?saved=1`, 303)
      : policyPage(c, name, { kind: 'error', text: outcome.message }, 422, body);
  });

  routes.post('/admin/policies/:name/delete', async (c) => {
    const session = adminGate(c);
    if (session instanceof Response) return session;
    const outcome = await deps.outbound.deletePolicy(c.req.param('name'), adminActor(c, session));
    if (!outcome.ok) return refusePage(c, 404, outcome.message);
    return c.redirect('/admin/policies', 303);
  });

  return routes;
}

function scopeWords(policy: SendingPolicy): string {
  if (policy.name === 'default') return 'everyone else';
  const parts = [
    ...policy.scope.users,
    ...policy.scope.groups.map((group) => `group ${group}`),
    ...policy.scope.domains.map((domain) => `@${domain}`),
  ];
  return parts.length > 0 ? parts.join(', ') : 'nobody yet';
}
