import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import type { App } from '../app.js';
import { createHttpApp, type HttpAppOptions } from './http-app.js';

export interface HttpServer {
  start(host: string, port: number): Promise<void>;
  /** The bound port (useful after start on port 0); null when not listening. */
  port(): number | null;
  stop(): Promise<void>;
}

/** The HTTP listener of `mailwarden serve`: the Hono app over node:http, on one host address only. */
export function createHttpServer(app: App, options: HttpAppOptions = {}): HttpServer {
  const honoApp = createHttpApp(app, options);
  let server: Server | null = null;
  return {
    async start(host, port) {
      if (server) throw new Error('the HTTP server is already started');
      // Without serverOptions or a createServer of its own, the adaptor builds a plain node:http Server.
      const created = createAdaptorServer({ fetch: honoApp.fetch, hostname: host }) as Server;
      await new Promise<void>((resolve, reject) => {
        created.once('error', reject);
        created.listen(port, host, () => {
          created.off('error', reject);
          resolve();
        });
      });
      created.on('error', (error) => app.logger.error('http server error', { error }));
      server = created;
    },
    port() {
      const address = server?.address();
      return address && typeof address === 'object' ? (address as AddressInfo).port : null;
    },
    async stop() {
      const closing = server;
      if (!closing) return;
      server = null;
      // close() stops accepting and ends idle keep-alive connections; requests still running get the
      // shutdown grace, then their connections are cut.
      const cut = setTimeout(() => closing.closeAllConnections(), app.config.shutdown.graceMs);
      await new Promise<void>((resolve) => closing.close(() => resolve()));
      clearTimeout(cut);
    },
  };
}
