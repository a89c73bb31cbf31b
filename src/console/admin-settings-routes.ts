import { type Context, Hono } from 'hono';
import { type OrgSettingKey, orgSettingFields } from '../settings/index.js';
import { adminActor } from './actor.js';
import { type AdminNotice, adminCsrf, adminGate, adminPage, wordsOr } from './admin-page.js';
import type { ConsoleDeps } from './console-deps.js';
import type { ConsoleEnv } from './console-env.js';
import { html } from './html.js';
import { csrfField } from './layout.js';
import { refusalWithProblems } from './refusal-words.js';

type Notice = AdminNotice;

/**
 * /admin/settings: the org-wide settings (MFA, mail sign-in, passwords, lockout, risk, retention) as
 * one form built from the settings field table, like `mailwarden org set`. Every value is judged by
 * the settings module, all problems at once; each change is audited (ChangeOrgSetting) as the admin.
 */
export function adminSettingsRoutes(deps: ConsoleDeps): Hono<ConsoleEnv> {
  const routes = new Hono<ConsoleEnv>();

  const settingsPage = async (
    c: Context<ConsoleEnv>,
    notice: Notice,
    status: 200 | 422 = 200,
    typed: Record<string, string> = {},
  ) => {
    const csrf = adminCsrf(c, deps);
    const entries = await deps.settings.describe();
    const t = c.var.t;
    // A value in words (true → "yes"); the option's value is what `mailwarden org set` takes.
    const valueWords = (value: string) => wordsOr(t, `admin.value.${value}`, value);
    return adminPage(
      c,
      deps,
      t('admin.settings.title'),
      html`<section><form method="post" action="/admin/settings" id="settings-form">${csrfField(csrf)}
          ${entries.map((entry) => {
            const field = orgSettingFields[entry.key];
            const id = `setting-${entry.key.replace('.', '-')}`;
            const shown = typed[entry.key] ?? String(entry.value);
            const description = wordsOr(t, `admin.setting.${entry.key}`, field.description);
            const label = html`<label for="${id}"><code>${entry.key}</code>: ${description}${
              entry.updatedBy
                ? html` <span class="muted">${t('admin.settings.setBy', { by: entry.updatedBy })}</span>`
                : ''
            }</label>`;
            if (field.kind === 'integer')
              return html`${label}<input type="text" inputmode="numeric" id="${id}" name="${entry.key}" value="${shown}">`;
            if (field.kind === 'string')
              return html`${label}<input type="text" id="${id}" name="${entry.key}" value="${shown}">`;
            const values = field.kind === 'boolean' ? ['true', 'false'] : field.values;
            return html`${label}<select id="${id}" name="${entry.key}">${values.map(
              (value) =>
                html`<option value="${value}" ${value === shown ? html`selected` : ''}>${valueWords(value)}</option>`,
            )}</select>`;
          })}
          <button type="submit" id="save-settings">${t('admin.save')}</button>
        </form></section>`,
      notice,
      status,
    );
  };

  routes.get('/admin/settings', async (c) => {
    const session = adminGate(c);
    if (session instanceof Response) return session;
    return settingsPage(
      c,
      c.req.query('saved') === '1' ? { kind: 'ok', text: c.var.t('admin.saved') } : null,
    );
  });

  routes.post('/admin/settings', async (c) => {
    const session = adminGate(c);
    if (session instanceof Response) return session;
    const body = await c.req.parseBody();
    // Only the table's keys, as typed; the settings module parses and judges them.
    const typed = Object.fromEntries(
      (Object.keys(orgSettingFields) as OrgSettingKey[]).flatMap((key) =>
        typeof body[key] === 'string' ? [[key, (body[key] as string).trim()]] : [],
      ),
    );
    const outcome = await deps.settings.change(typed, adminActor(c, session));
    return outcome.ok
      ? c.redirect('/admin/settings?saved=1', 303)
      : settingsPage(c, { kind: 'error', text: refusalWithProblems(c.var, outcome) }, 422, typed);
  });

  return routes;
}
