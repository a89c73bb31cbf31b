/** Structured JSON logs, one object per line on stderr; the only place log lines are formatted. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

const levelRank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface LogSink {
  write(line: string): unknown;
}

/**
 * `level` may be a function, read on every line: `serve` passes one so that SIGHUP can change the
 * level of every logger (children included) without rebuilding them.
 */
export function createLogger(options: {
  level: LogLevel | (() => LogLevel);
  sink: LogSink;
  base?: Record<string, unknown>;
  /**
   * Fields every line ends with, children's too (a worker's number): after the line's own fields, so
   * that fixed-format lines keep their order (sign-in-log.ts: clientIp right after msg).
   */
  trailer?: Record<string, unknown>;
}): Logger {
  const level = options.level;
  const threshold = typeof level === 'function' ? () => levelRank[level()] : () => levelRank[level];
  const base = options.base ?? {};
  const emit = (level: LogLevel, message: string, fields?: Record<string, unknown>) => {
    if (levelRank[level] < threshold()) return;
    const record = {
      time: new Date().toISOString(),
      level,
      msg: message,
      ...base,
      ...fields,
      ...options.trailer,
    };
    options.sink.write(`${JSON.stringify(record, errorReplacer)}\n`);
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (fields) => createLogger({ ...options, base: { ...base, ...fields } }),
  };
}

/** Errors serialise to their message and code; stacks stay out of logs that might be shipped to clients. */
function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) {
    const withCode = value as Error & { code?: unknown };
    return { name: value.name, message: value.message, code: withCode.code };
  }
  return value;
}

export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  child: () => silentLogger,
};
