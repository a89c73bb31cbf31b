import os from 'node:os';
import { buildApp } from '../../app.js';
import { type Config, workerCount } from '../../config/index.js';
import { createLogger } from '../../runtime/logger.js';
import { unsupportedNodeReason } from '../../runtime/node-support.js';
import { startServer } from '../../server.js';
import { linkToSupervisor, workerSlot } from '../../worker-pool.js';
import type { CliCommand } from '../cli-context.js';
import { loadCliConfig } from '../open-app.js';
import { writeLine } from '../output.js';

export const serveCommand: CliCommand = {
  path: ['serve'],
  args: [],
  summary: 'Run Mailwarden: SMTP submission, HTTP API and health, until SIGTERM or SIGINT.',
  flags: {},
  data: 'creates',
  async run(context) {
    const config = loadCliConfig(context.io, context.configFile);
    let logLevel = config.log.level;
    // MAILWARDEN_WORKERS: bin/mailwarden.js runs the supervisor before it loads this
    // (serve-supervisor.ts), so here this process is one of its workers or the only process; a
    // `serve` run any other way (in-process) is one process whatever `workers` says.
    const count =
      workerCount(config.workers, os.availableParallelism(), config.database.url ? 'postgres' : 'sqlite') ??
      1;
    const role = workerSlot(context.io.env);
    const supervisor = role === null ? null : linkToSupervisor();
    // A worker's every line names it (last, so that fail2ban's line keeps its shape).
    const logger = createLogger({
      level: () => logLevel,
      sink: context.io.stderr,
      ...(role ? { trailer: { worker: role.slot } } : {}),
    });
    // Said, not refused: the server does run; the operator learns why it may abort (node-support.ts).
    const nodeProblem = unsupportedNodeReason();
    if (nodeProblem) logger.warn('unsupported Node.js', { problem: nodeProblem });
    // SIGHUP: re-read the configuration, then apply what can change without a restart (the log
    // level, the TLS certificate and key); the rest of a changed configuration waits for a restart.
    // Installed first: a SIGHUP during start-up must not end the process (Node's default).
    let server: Awaited<ReturnType<typeof startServer>> | null = null;
    let reloading: Promise<void> = Promise.resolve();
    /** The configuration in force: the start one, then the last that loaded without problems. */
    let current = config;
    const reload = async () => {
      if (!server) {
        logger.warn('SIGHUP before the server started: nothing reloaded');
        return;
      }
      let next = current;
      try {
        next = loadCliConfig(context.io, context.configFile);
        current = next;
      } catch (error) {
        logger.error('configuration not reloaded: keeping the one in use', {
          problems: (error as { problems?: unknown }).problems ?? String(error),
        });
      }
      logLevel = next.log.level;
      logger.info('reloading on SIGHUP', { logLevel });
      await server.reloadTls({ certFile: next.tls.certFile, keyFile: next.tls.keyFile });
    };
    const onHangup = () => {
      // One reload at a time, in the order the signals came.
      reloading = reloading.then(reload).catch((error: unknown) => logger.error('reload failed', { error }));
    };
    process.on('SIGHUP', onHangup);
    const app = await buildApp(config, {
      logger,
      processMetrics: true,
      ...(supervisor && role
        ? {
            worker: {
              ...role,
              count,
              siblings: supervisor.siblings,
              metrics: { collect: supervisor.collectFromSiblings, provide: supervisor.provideMetrics },
            },
          }
        : {}),
    });
    try {
      server = await startServer(app);
    } catch (error) {
      process.off('SIGHUP', onHangup);
      await app.close();
      supervisor?.close();
      const inUse = portInUse(config, error);
      if (inUse) {
        writeLine(context.io.stderr, `mailwarden: ${inUse}`);
        return 2;
      }
      logger.error('could not start', { error });
      return 1;
    }
    supervisor?.ready();
    supervisor?.onReload(onHangup);
    const signal = await new Promise<NodeJS.Signals | 'supervisor'>((resolve) => {
      process.once('SIGTERM', () => resolve('SIGTERM'));
      process.once('SIGINT', () => resolve('SIGINT'));
      // A worker stops when its supervisor asks (its SIGTERM passed on) or is gone. A signal sent to the
      // whole process group (Ctrl-C, systemd's control group) reaches it directly too: one stop.
      supervisor?.onStop(() => resolve('supervisor'));
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
    process.off('SIGHUP', onHangup);
    await reloading;
    await server.stop();
    await app.close();
    logger.info('stopped');
    supervisor?.close();
    return 0;
  },
};

/**
 * A port another program (or a second Mailwarden) holds is an admin's fix, not a crash: one line
 * naming the port, the listener and the variables that move it or turn it off.
 */
function portInUse(config: Config, error: unknown): string | null {
  const failure = error as NodeJS.ErrnoException & { port?: number; address?: string };
  if (failure.code !== 'EADDRINUSE') return null;
  const listeners = [
    { name: 'submission (STARTTLS)', port: config.smtp.port, key: 'SMTP' },
    { name: 'submission (implicit TLS)', port: config.smtps.port, key: 'SMTPS' },
    { name: 'HTTP', port: config.http.port, key: 'HTTP' },
    { name: 'Postfix policy', port: config.policy.port, key: 'POLICY' },
  ];
  const listener = listeners.find((candidate) => candidate.port === failure.port);
  const where = `${failure.address ?? config.listen}:${failure.port ?? '?'}`;
  if (!listener) return `could not start: ${where} is already in use by another program`;
  return `could not start: ${where} (${listener.name}) is already in use by another program; move it with MAILWARDEN_${listener.key}_PORT=<port> or turn it off with MAILWARDEN_${listener.key}_ENABLED=false`;
}
