import type { LogFields, LogLevel, Logger } from '../plugin-api.js';
import type { LogSink } from './log-sink.js';

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** A logger whose records carry fixed fields (for example `plugin`). */
export function createLogger(sink: LogSink, base: LogFields, minLevel: LogLevel = 'info'): Logger {
  const emit = (level: LogLevel, event: string, fields?: LogFields) => {
    if (LEVELS[level] < LEVELS[minLevel]) return;
    sink.write({ ts: new Date().toISOString(), level, event, ...base, ...fields });
  };
  return {
    debug: (event, fields) => emit('debug', event, fields),
    info: (event, fields) => emit('info', event, fields),
    warn: (event, fields) => emit('warn', event, fields),
    error: (event, fields) => emit('error', event, fields),
  };
}

export function logLevelFromEnv(env: NodeJS.ProcessEnv): LogLevel {
  const v = env.HYP_LOG_LEVEL;
  return v === 'debug' || v === 'info' || v === 'warn' || v === 'error' ? v : 'info';
}
