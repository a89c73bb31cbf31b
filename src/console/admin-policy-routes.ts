import { type Context, Hono } from 'hono';
import type { Translator } from '../i18n/index.js';
import { type PolicyChange, policyFields, type SendingPolicy } from '../outbound/index.js';
import { adminActor } from './actor.js';
import { type AdminNotice, adminCsrf, adminGate, adminPage, wordsOr } from './admin-page.js';
import type { ConsoleDeps } from './console-deps.js';
import type { ConsoleEnv } from './console-env.js';
import { html } from './html.js';
import { csrfField } from './layout.js';
import { refusalWithProblems, refusalWords } from './refusal-words.js';
import { refusePage } from './refusals.js';

type Notice = AdminNotice;
type FieldName = keyof typeof policyFields;

/** A policy field's description in the reader's words (the field table keeps the English one). */
const fieldWords = (t: Translator, field: string, english: string) =>
  wordsOr(t, `admin.policyField.${field}`, english);

/** A choice of an enum field in words (the option's value is what the CLI and the API take). */
const optionWords = (t: Translator, value: string) => wordsOr(t, `admin.value.${value}`, value);

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
    const t = c.var.t;
    const fmt = c.var.fmt;
    return adminPage(
      c,
      deps,
      t('nav.admin.policies'),
      html`<section><p class="muted">${t('admin.policies.explain')}</p>
          <table id="policies">
            <thead><tr><th>${t('admin.policies.policy')}</th><th>${t('admin.policies.priority')}</th><th>${t('admin.policies.appliesTo')}</th><th>${t('admin.policies.limits')}</th></tr></thead>
            <tbody>${policies.map(
              (policy) => html`<tr class="policy">
                <td><a href="${policyPath(policy.name)}">${policy.name}</a></td>
                <td>${policy.name === 'default' ? t('admin.policies.last') : fmt.number(policy.priority)}</td>
                <td>${scopeWords(policy, t)}</td>
                <td>${t('admin.policies.limitsLine', {
                  external: fmt.number(policy.settings.externalPerHour),
                  internal: fmt.number(policy.settings.internalPerHour),
                  day: fmt.number(policy.settings.perDay),
                  action: optionWords(t, policy.settings.action),
                })}</td>
              </tr>`,
            )}</tbody>
          </table></section>
        <section><h2>${t('admin.policies.newHeading')}</h2>
          <form method="get" action="/admin/policies">
            <label for="new-policy-name">${t('admin.policies.newName')}</label>
            <input type="text" id="new-policy-name" name="new" required>
            <button type="submit" id="new-policy">${t('admin.policies.continue')}</button>
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
    const t = c.var.t;
    return adminPage(
      c,
      deps,
      policy ? t('admin.policies.title', { name }) : t('admin.policies.newTitle', { name }),
      html`<section>
          <form method="post" action="${policyPath(name)}" id="policy-form">${csrfField(adminCsrf(c, deps))}
            ${
              isDefault
                ? html`<p class="muted">${t('admin.policies.defaultExplain')}</p>`
                : html`<label for="policy-users">${t('admin.policies.users')}</label>
                  <input type="text" id="policy-users" name="users" value="${typedOr('users', policy?.scope.users.join(', ') ?? '')}">
                  <label for="policy-groups">${t('admin.policies.groups')}</label>
                  <input type="text" id="policy-groups" name="groups" value="${typedOr('groups', policy?.scope.groups.join(', ') ?? '')}">
                  <label for="policy-domains">${t('admin.policies.domains')}</label>
                  <input type="text" id="policy-domains" name="domains" value="${typedOr('domains', policy?.scope.domains.join(', ') ?? '')}">
                  <label for="policy-priority">${t('admin.policies.priorityLabel')}</label>
                  <input type="text" id="policy-priority" name="priority" value="${typedOr('priority', String(policy?.priority ?? ''))}">`
            }
            ${Object.entries(policyFields).map(([field, definition]) =>
              definition.kind === 'enum'
                ? html`<label for="policy-${field}"><code>${field}</code>: ${fieldWords(t, field, definition.description)}</label>
                  <select id="policy-${field}" name="${field}">${policy ? '' : html`<option value="">${t('admin.policies.inherit')}</option>`}${definition.values.map(
                    (option) =>
                      html`<option value="${option}" ${value(field as FieldName) === option ? html`selected` : ''}>${optionWords(t, option)}</option>`,
                  )}</select>`
                : html`<label for="policy-${field}"><code>${field}</code>: ${fieldWords(t, field, definition.description)} (${c.var.fmt.number(definition.min)}–${c.var.fmt.number(definition.max)})</label>
                  <input type="text" inputmode="numeric" id="policy-${field}" name="${field}" value="${value(field as FieldName)}">`,
            )}
            <button type="submit" id="save-policy">${t('admin.save')}</button>
          </form>
        </section>
        ${
          policy && !isDefault
            ? html`<section><form method="post" action="${policyPath(name)}/delete">${csrfField(adminCsrf(c, deps))}
                <button type="submit" class="danger" id="delete-policy">${t('admin.policies.delete')}</button></form></section>`
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
    return policyPage(c, c.req.param('name'), saved ? { kind: 'ok', text: c.var.t('admin.saved') } : null);
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
      : policyPage(c, name, { kind: 'error', text: refusalWithProblems(c.var, outcome) }, 422, body);
  });

  routes.post('/admin/policies/:name/delete', async (c) => {
    const session = adminGate(c);
    if (session instanceof Response) return session;
    const outcome = await deps.outbound.deletePolicy(c.req.param('name'), adminActor(c, session));
    if (!outcome.ok) return refusePage(c, 404, refusalWords(c.var.t, outcome));
    return c.redirect('/admin/policies', 303);
  });

  return routes;
}

function scopeWords(policy: SendingPolicy, t: Translator): string {
  if (policy.name === 'default') return t('admin.policies.everyoneElse');
  const parts = [
    ...policy.scope.users,
    ...policy.scope.groups.map((group) => t('admin.policies.groupScope', { group })),
    ...policy.scope.domains.map((domain) => `@${domain}`),
  ];
  return parts.length > 0 ? parts.join(', ') : t('admin.policies.nobody');
}
