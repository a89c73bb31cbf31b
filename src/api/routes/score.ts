import { Hono } from 'hono';
import { failureResponse } from '../../http-status/index.js';
import type { Score } from '../../score/index.js';
import type { ApiEnv } from '../api-env.js';
import { scoreHistoryQuery, scoreStatusBody } from '../request-schemas.js';
import { jsonBody, queryParams } from '../validate.js';

/** /api/v1/score: the report, one control, an admin's status for a control, the history, a snapshot. */
export function scoreRoutes(
  score: Pick<Score, 'report' | 'control' | 'setStatus' | 'history' | 'takeSnapshot'>,
): Hono<ApiEnv> {
  const routes = new Hono<ApiEnv>();

  routes.get('/', async (c) => c.json(await score.report()));

  routes.get('/controls/:id', async (c) => {
    const outcome = await score.control(c.req.param('id'));
    return outcome.ok ? c.json({ control: outcome.control }) : failureResponse(c, outcome);
  });

  routes.put('/controls/:id/status', jsonBody(scoreStatusBody), async (c) => {
    const outcome = await score.setStatus(c.req.param('id'), c.req.valid('json'), c.var.actor);
    if (!outcome.ok) return failureResponse(c, outcome);
    const control = await score.control(outcome.controlId);
    return control.ok ? c.json({ control: control.control }) : failureResponse(c, control);
  });

  routes.get('/history', queryParams(scoreHistoryQuery), async (c) =>
    c.json({ snapshots: await score.history(c.req.valid('query')) }),
  );

  routes.post('/snapshots', async (c) => c.json({ snapshot: await score.takeSnapshot() }, 201));

  return routes;
}
