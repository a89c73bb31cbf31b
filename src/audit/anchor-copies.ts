import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import type { Logger } from '../runtime/logger.js';

/** Where else an anchor line goes, so that a copy stays out of reach of whoever rewrites the host's files. */
export interface AnchorCopyOptions {
  /** A line to the local syslog (auth facility), which may forward it off the host. */
  syslog: boolean;
  /** POSTed as JSON to this URL (null: none). */
  webhookUrl: string | null;
}

const SYSLOG_SOCKET = '/dev/log';
const WEBHOOK_TIMEOUT_MS = 5000;

/**
 * Best effort: a copy that cannot be sent is logged (once per failure streak) and the anchor file
 * still holds the line. Node cannot open a Unix datagram socket, so the syslog line goes through
 * `logger` (util-linux), which writes one datagram to /dev/log.
 */
export function createAnchorCopies(options: AnchorCopyOptions, logger: Logger) {
  const failing = new Set<string>();
  const report = (sink: string, error: unknown, level: 'warn' | 'info' = 'warn') => {
    if (failing.has(sink)) return;
    failing.add(sink);
    logger[level](`the audit anchor could not be copied to ${sink}; the anchor file still has it`, {
      error: error instanceof Error ? error.message : String(error),
    });
  };
  const sent = (sink: string) => failing.delete(sink);

  async function toSyslog(line: string): Promise<void> {
    try {
      await fs.access(SYSLOG_SOCKET);
    } catch {
      // A host without a syslog daemon (a container) is a setting, not a fault: said once, quietly.
      report('syslog', new Error(`${SYSLOG_SOCKET} is not there`), 'info');
      return;
    }
    await new Promise<void>((resolve) => {
      execFile(
        'logger',
        ['--socket-errors=on', '-u', SYSLOG_SOCKET, '-t', 'mailwarden', '-p', 'auth.notice', '--', line],
        { timeout: 5000 },
        (error) => {
          if (error) report('syslog', error);
          else sent('syslog');
          resolve();
        },
      );
    });
  }

  async function toWebhook(url: string, line: string): Promise<void> {
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: line,
        signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
      });
      if (!response.ok) throw new Error(`the webhook answered ${response.status}`);
      sent('webhook');
    } catch (error) {
      report('webhook', error);
    }
  }

  return {
    async send(line: string): Promise<void> {
      const text = line.trimEnd();
      await Promise.all([
        options.syslog ? toSyslog(text) : null,
        options.webhookUrl ? toWebhook(options.webhookUrl, text) : null,
      ]);
    },
  };
}
