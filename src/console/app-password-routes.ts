import { Hono } from 'hono';
import type { ConsoleDeps } from './console-app.js';
import type { ConsoleEnv } from './console-env.js';
import { gate } from './gate.js';
import { html } from './html.js';
import { layout } from './layout.js';

/** App passwords for mail clients: create (shown once), list, revoke. */
export function appPasswordRoutes(deps: ConsoleDeps): Hono<ConsoleEnv> {
  const { app } = deps;
  const routes = new Hono<ConsoleEnv>();
  routes.get('/account/app-passwords', (c) => {
    const session = gate(c);
    if (session instanceof Response) return session;
    return c.html(
      layout(
        {
          title: 'App passwords',
          csrfToken: app.identity.webSessions.csrfTokenFor(c.var.sessionToken!),
          signedIn: true,
        },
        html`<section><p class="muted">App passwords are not available yet.</p></section>`,
      ),
    );
  });
  return routes;
}
