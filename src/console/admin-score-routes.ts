import { type Context, Hono } from 'hono';
import { type ScoredControl, settableStatuses } from '../score/index.js';
import { adminActor } from './actor.js';
import { type AdminNotice, adminCsrf, adminGate, adminPage } from './admin-page.js';
import { scoreHistoryBlock } from './chart-blocks.js';
import type { ConsoleDeps } from './console-deps.js';
import type { ConsoleEnv } from './console-env.js';
import { html } from './html.js';
import { csrfField } from './layout.js';

const STATUS_WORDS: Record<ScoredControl['status'], string> = {
  completed: 'completed',
  partial: 'partly done',
  'to-address': 'to address',
  'not-available': 'could not check',
  'risk-accepted': 'risk accepted',
  'third-party': 'resolved by a third party',
  'alternate-mitigation': 'alternate mitigation',
};

/** The statuses an admin sets, as the form offers them. */
const SETTABLE_WORDS: Record<(typeof settableStatuses)[number], string> = {
  measured: 'as measured (remove my status)',
  'risk-accepted': 'risk accepted (0 points)',
  'third-party': 'resolved by a third party (full points)',
  'alternate-mitigation': 'alternate mitigation (full points)',
};

type Notice = AdminNotice;

const points = (value: number) => (Number.isInteger(value) ? String(value) : value.toFixed(2));

/**
 * /admin/score: Secure Score as the admin reads it: the total against what is achievable, each
 * category, and every control with most points to gain first, its finding, why it matters and the fix;
 * and the admin's status of a control (risk accepted, third party…), with a written reason, audited.
 */
export function adminScoreRoutes(deps: ConsoleDeps): Hono<ConsoleEnv> {
  const routes = new Hono<ConsoleEnv>();

  const scorePage = async (c: Context<ConsoleEnv>, notice: Notice, status: 200 | 422 = 200) => {
    const report = await deps.score.report();
    const csrf = adminCsrf(c, deps);
    return adminPage(
      c,
      deps,
      'Secure Score',
      html`<section>
            <p><strong id="score-total">${points(report.score)} of ${points(report.maxScore)}</strong> points
              (${report.percentage} %); achievable ${points(report.achievableScore)} (${report.achievablePercentage} %).</p>
            <p>${report.categories.map((category) => `${category.category} ${points(category.score)}/${points(category.maxScore)}`).join(' · ')}</p>
            ${
              report.notChecked.controls > 0
                ? html`<p class="muted">${report.notChecked.controls} control(s) worth ${points(report.notChecked.maxPoints)} points could not be checked (0 points until they can be).</p>`
                : ''
            }
          </section>
          ${await scoreHistoryBlock(c, deps, report)}
          <section><h2>Controls, most points to gain first</h2>
            <table id="controls">
              <thead><tr><th>Control</th><th>Points</th><th>Status</th><th>Found, and the fix</th></tr></thead>
              <tbody>${report.controls.map(
                (control) => html`<tr class="control" data-id="${control.id}">
                  <td><strong>${control.title}</strong><br><span class="muted">${control.id}</span></td>
                  <td>${points(control.points)}/${control.maxPoints}${control.pointsToGain > 0 ? html`<br><span class="muted">+${points(control.pointsToGain)}</span>` : ''}</td>
                  <td class="control-status">${STATUS_WORDS[control.status]}</td>
                  <td>${control.measured.current}
                    ${
                      control.pointsToGain > 0
                        ? html`<br><span class="muted">${control.why}</span><br><code>${control.recommendation.cli}</code>
                          ${control.recommendation.consoleLink ? html`<br><a class="control-fix" href="${control.recommendation.consoleLink}">Do it here</a>` : ''}`
                        : ''
                    }
                    ${control.override ? html`<br><span class="override">${STATUS_WORDS[control.override.status]} by ${control.override.setBy}: ${control.override.reason}</span>` : ''}
                    <details><summary>Set a status</summary>
                      <form method="post" action="/admin/score/controls/${control.id}/status">${csrfField(csrf)}
                        <label for="status-${control.id}">Status</label>
                        <select id="status-${control.id}" name="status">${settableStatuses.map(
                          (value) => html`<option value="${value}">${SETTABLE_WORDS[value]}</option>`,
                        )}</select>
                        <label for="reason-${control.id}">Why (kept in the audit log)</label>
                        <input type="text" id="reason-${control.id}" name="reason" placeholder="why (kept in the audit log)">
                        <button type="submit" class="set-status">Set</button>
                      </form>
                    </details></td>
                </tr>`,
              )}</tbody>
            </table>
          </section>`,
      notice,
      status,
    );
  };

  routes.get('/admin/score', async (c) => {
    const session = adminGate(c);
    if (session instanceof Response) return session;
    const saved = c.req.query('saved');
    return scorePage(c, saved ? { kind: 'ok', text: `The status of ${saved} is saved.` } : null);
  });

  routes.post('/admin/score/controls/:id/status', async (c) => {
    const session = adminGate(c);
    if (session instanceof Response) return session;
    const body = await c.req.parseBody();
    const outcome = await deps.score.setStatus(
      c.req.param('id'),
      {
        status: typeof body['status'] === 'string' ? body['status'] : '',
        reason: typeof body['reason'] === 'string' ? body['reason'] : '',
      },
      adminActor(c, session),
    );
    // Saved: back to the page (a reload does not post again); refused: the page with the reason.
    return outcome.ok
      ? c.redirect(`/admin/score?saved=${encodeURIComponent(outcome.controlId)}`, 303)
      : scorePage(c, { kind: 'error', text: outcome.message }, 422);
  });

  return routes;
}
