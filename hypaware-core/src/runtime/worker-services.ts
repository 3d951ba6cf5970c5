/**
 * What a plugin's own worker thread needs of the kernel without booting one: the kernel's
 * JSONL log, counters persisted like the kernel's, and the database opened the kernel's way.
 * The kernel in the thread that started the worker has created and migrated the datasets.
 */
import type { LogFields, Logger, Meter, MetricAttributes } from '../plugin-api.js';
import { busyTimeoutMs, openDatabase, restrictDatabaseFiles } from '../storage/database.js';
import { LogSink } from '../telemetry/log-sink.js';
import { createLogger, logLevelFromEnv } from '../telemetry/logger.js';
import { MeterRegistry } from '../telemetry/meter.js';
import { hypLayout } from '../util/hyp-home.js';

export interface WorkerServicesOptions {
  /** `ActivationContext.paths.hypHome` of the plugin that started the worker */
  hypHome: string;
  /** names the counters' snapshot (`<HYP_HOME>/hypaware/metrics/<role>.json`); not `daemon` or `cli` */
  role: string;
  /** the starting thread's environment (log level, SQLite busy timeout); default `process.env` */
  env?: NodeJS.ProcessEnv;
}

export interface WorkerServices {
  /** A logger into the kernel's log; every record carries `fields` (e.g. `{ plugin }`). */
  logger(fields: LogFields): Logger;
  /** Counters with these attributes, persisted every few seconds and at `close()`. */
  meter(attributes?: MetricAttributes): Meter;
  /**
   * A new read-write connection: WAL, the kernel's pragmas and busy timeout, owner-only files.
   * It is the driver's own object (better-sqlite3's `Database`), typed by the caller: only for
   * a plugin that depends on better-sqlite3 itself. Close it when done.
   */
  openDatabase<T>(): T;
  /** Write buffered log lines and persist the counters. */
  close(): void;
}

export function workerServices(options: WorkerServicesOptions): WorkerServices {
  if (options.role === 'daemon' || options.role === 'cli')
    throw new TypeError(`workerServices: role ${options.role} is the kernel's own`);
  const env = options.env ?? process.env;
  const layout = hypLayout(options.hypHome);
  const sink = new LogSink(layout.logsDir);
  const minLevel = logLevelFromEnv(env);
  const meters = new MeterRegistry(layout.metricsDir, options.role);
  return {
    logger: (fields) => createLogger(sink, fields, minLevel),
    meter: (attributes) => meters.meter(attributes),
    openDatabase<T>(): T {
      const db = openDatabase(layout.databasePath, busyTimeoutMs(env));
      restrictDatabaseFiles(layout.databasePath);
      return db as unknown as T;
    },
    close() {
      meters.persist();
      sink.close();
    },
  };
}
