import { type Context, Hono } from 'hono';
import type { MessageKey, Translator } from '../i18n/index.js';
import { type ScoreCategory, type ScoredControl, settableStatuses } from '../score/index.js';
import { adminActor } from './actor.js';
import { type AdminNotice, adminCsrf, adminGate, adminPage, readerOf, wordsOr } from './admin-page.js';
import { scoreHistoryBlock } from './chart-blocks.js';
import type { ConsoleDeps } from './console-deps.js';
import type { ConsoleEnv } from './console-env.js';
import { html } from './html.js';
import { csrfField } from './layout.js';
import { messageHtml } from './message-html.js';
import { refusalWords } from './refusal-words.js';

const STATUS_WORDS: Record<ScoredControl['status'], MessageKey> = {
  completed: 'admin.score.status.completed',
  partial: 'admin.score.status.partial',
  'to-address': 'admin.score.status.to-address',
  'not-available': 'admin.score.status.not-available',
  'risk-accepted': 'admin.score.status.risk-accepted',
  'third-party': 'admin.score.status.third-party',
  'alternate-mitigation': 'admin.score.status.alternate-mitigation',
};

/** The statuses an admin sets, as the form offers them. */
const SETTABLE_WORDS: Record<(typeof settableStatuses)[number], MessageKey> = {
  measured: 'admin.score.set.measured',
  'risk-accepted': 'admin.score.set.risk-accepted',
  'third-party': 'admin.score.set.third-party',
  'alternate-mitigation': 'admin.score.set.alternate-mitigation',
};

/** A control's title and why in the reader's words, by its id (src/score keeps the English). */
const controlWords = (t: Translator, control: Pick<ScoredControl, 'id' | 'title' | 'why'>) => ({
  title: wordsOr(t, `admin.control.${control.id}.title`, control.title),
  why: wordsOr(t, `admin.control.${control.id}.why`, control.why),
});

type Notice = AdminNotice;

const CATEGORY_WORDS: Record<ScoreCategory, MessageKey> = {
  identity: 'admin.score.category.identity',
  'mail-flow': 'admin.score.category.mail-flow',
  audit: 'admin.score.category.audit',
  domains: 'admin.score.category.domains',
};

/** Points as the reader writes numbers: whole, or with two decimals ("12,50" in Dutch). */
const pointsIn = (locale: string) => {
  const whole = new Intl.NumberFormat(locale);
  const decimal = new Intl.NumberFormat(locale, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  return (value: number) => (Number.isInteger(value) ? whole.format(value) : decimal.format(value));
};

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
    const reader = readerOf(c, deps);
    const { t, fmt } = reader;
    const points = pointsIn(t.locale);
    return adminPage(
      c,
      deps,
      t('nav.admin.score'),
      html`<section>
            <p><strong id="score-total">${t('admin.score.total', { score: points(report.score), max: points(report.maxScore) })}</strong>
              ${t('admin.score.totalAfter', {
                percent: fmt.percent(report.percentage / 100),
                achievable: points(report.achievableScore),
                achievablePercent: fmt.percent(report.achievablePercentage / 100),
              })}</p>
            <p>${report.categories.map((category) => `${t(CATEGORY_WORDS[category.category])} ${points(category.score)}/${points(category.maxScore)}`).join(' · ')}</p>
            ${
              report.notChecked.controls > 0
                ? html`<p class="muted">${t.plural('admin.score.notChecked', report.notChecked.controls, { points: points(report.notChecked.maxPoints) })}</p>`
                : ''
            }
          </section>
          ${await scoreHistoryBlock(c, deps, report)}
          <section><h2>${t('admin.score.controlsHeading')}</h2>
            <table id="controls">
              <thead><tr><th>${t('admin.score.control')}</th><th>${t('admin.score.points')}</th><th>${t('admin.col.status')}</th><th>${t('admin.score.foundAndFix')}</th></tr></thead>
              <tbody>${report.controls.map((control) => {
                const words = controlWords(t, control);
                return html`<tr class="control" data-id="${control.id}">
                  <td><strong>${words.title}</strong><br><code class="muted">${control.id}</code></td>
                  <td>${points(control.points)}/${points(control.maxPoints)}${control.pointsToGain > 0 ? html`<br><span class="muted">+${points(control.pointsToGain)}</span>` : ''}</td>
                  <td class="control-status">${t(STATUS_WORDS[control.status])}</td>
                  <td>${messageHtml(reader, control.measured.finding)}
                    ${
                      control.pointsToGain > 0
                        ? html`<br><span class="muted">${words.why}</span><br><code>${control.recommendation.cli}</code>
                          ${control.recommendation.consoleLink ? html`<br><a class="control-fix" href="${control.recommendation.consoleLink}">${t('admin.score.doItHere')}</a>` : ''}`
                        : ''
                    }
                    ${control.override ? html`<br><span class="override">${t('admin.score.override', { status: t(STATUS_WORDS[control.override.status]), by: control.override.setBy, reason: control.override.reason })}</span>` : ''}
                    <details><summary>${t('admin.score.setStatus')}</summary>
                      <form method="post" action="/admin/score/controls/${control.id}/status">${csrfField(csrf)}
                        <label for="status-${control.id}">${t('admin.col.status')}</label>
                        <select id="status-${control.id}" name="status">${settableStatuses.map(
                          (value) => html`<option value="${value}">${t(SETTABLE_WORDS[value])}</option>`,
                        )}</select>
                        <label for="reason-${control.id}">${t('admin.reasonAudited')}</label>
                        <input type="text" id="reason-${control.id}" name="reason" placeholder="${t('admin.reasonAudited')}">
                        <button type="submit" class="set-status">${t('admin.score.set')}</button>
                      </form>
                    </details></td>
                </tr>`;
              })}</tbody>
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
    return scorePage(
      c,
      saved ? { kind: 'ok', text: c.var.t('admin.score.saved', { control: saved }) } : null,
    );
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
      : scorePage(c, { kind: 'error', text: refusalWords(c.var.t, outcome) }, 422);
  });

  return routes;
}
