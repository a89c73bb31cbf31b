import { type Context, Hono } from 'hono';
import type { WebSession } from '../identity/index.js';
import type { ScoredControl } from '../score/index.js';
import type { ConsoleDeps } from './console-app.js';
import type { ConsoleEnv } from './console-env.js';
import { html } from './html.js';
import { layout } from './layout.js';

const STATUS_WORDS: Record<ScoredControl['status'], string> = {
  completed: 'completed',
  partial: 'partly done',
  'to-address': 'to address',
  'not-available': 'could not check',
  'risk-accepted': 'risk accepted',
  'third-party': 'resolved by a third party',
  'alternate-mitigation': 'alternate mitigation',
};

const points = (value: number) => (Number.isInteger(value) ? String(value) : value.toFixed(2));

/**
 * /admin/score: Secure Score as the admin reads it: the total against what is achievable, each
 * category, and every control with most points to gain first, its finding, why it matters and the fix.
 * Statuses are set from the CLI or the API (`score status`), which ask for a written reason.
 */
export function adminScoreRoutes(
  deps: ConsoleDeps,
  adminGate: (c: Context<ConsoleEnv>) => WebSession | Response,
): Hono<ConsoleEnv> {
  const { app } = deps;
  const routes = new Hono<ConsoleEnv>();

  routes.get('/admin/score', async (c) => {
    const session = adminGate(c);
    if (session instanceof Response) return session;
    const report = await app.score.report();
    return c.html(
      layout(
        {
          title: 'Secure Score',
          csrfToken: app.identity.webSessions.csrfTokenFor(c.var.sessionToken!),
          signedIn: true,
          area: 'admin',
        },
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
                    }</td>
                </tr>`,
              )}</tbody>
            </table>
          </section>`,
      ),
    );
  });

  return routes;
}
