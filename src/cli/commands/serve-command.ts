import { buildApp } from '../../app.js';
import { createLogger } from '../../runtime/logger.js';
import { startServer } from '../../server.js';
import type { CliCommand } from '../cli-context.js';
import { loadCliConfig } from '../open-app.js';

export const serveCommand: CliCommand = {
  path: ['serve'],
  args: [],
  summary: 'Run Mailwarden: SMTP submission, HTTP API and health, until SIGTERM or SIGINT.',
  flags: {},
  async run(context) {
    const config = loadCliConfig(context.io, context.configFile);
    const logger = createLogger({ level: config.log.level, sink: context.io.stderr });
    const app = await buildApp(config, { logger });
    let server: Awaited<ReturnType<typeof startServer>>;
    try {
      server = await startServer(app);
    } catch (error) {
      logger.error('could not start', { error });
      await app.close();
      return 1;
    }
    const signal = await new Promise<NodeJS.Signals>((resolve) => {
      process.once('SIGTERM', () => resolve('SIGTERM'));
      process.once('SIGINT', () => resolve('SIGINT'));
    });
    logger.info('stopping: no new connections; sessions in flight may finish', {
      signal,
      graceMs: config.shutdown.graceMs,
    });
    // A second signal while draining means "now".
    const forceExit = () => {
      logger.warn('second signal: exiting without waiting');
      process.exit(1);
    };
    process.once('SIGTERM', forceExit);
    process.once('SIGINT', forceExit);
    await server.stop();
    await app.close();
    logger.info('stopped');
    return 0;
  },
};
