/**
 * The `hypaware` package as a library, kernel part: run HypAware (every enabled plugin's sources)
 * inside another Node program, and read its database without the CLI. The root package
 * re-exports this module together with the bundled plugins' own library modules (the gateway's
 * `startGateway` and `openHistory` are built on these two functions).
 */
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import type { JsonObject, SqlDatabase } from './plugin-api.js';
import { HypError } from './errors.js';
import { configSection, loadConfig, parseConfig } from './config/config-file.js';
import { startDaemon } from './daemon/run-daemon.js';
import { openReadOnlyDatabase } from './storage/database.js';
import { prepareReadOnly } from './cli/query-sql.js';
import { writeFileAtomic } from './util/atomic-write.js';
import { hypLayout, resolveHypHome } from './util/hyp-home.js';

export { HypError, UsageError } from './errors.js';
export type { JsonObject, JsonValue } from './plugin-api.js';

export interface StartHypAwareOptions {
  /**
   * The config, as in `hypaware-config.json` (`{ plugins: {...}, retention: {...}, prices: {...} }`).
   * It is checked, then written to `<hypHome>/hypaware/library-config.json`; without it the
   * HYP_HOME's own config file (or the embedded defaults) applies.
   */
  config?: Record<string, unknown>;
  /** default: HYP_HOME, else ~/.hyp */
  hypHome?: string;
  env?: NodeJS.ProcessEnv;
  /** where to echo the daemon's log lines (default: nowhere; they are always in the log file) */
  log?: NodeJS.WritableStream;
}

export interface HypAwareHandle {
  hypHome: string;
  /** The URL a running source serves (its `SourceStatus.endpoint`), if it runs and serves one. */
  endpoint(source: string): string | undefined;
  /** Stop every source (draining what is in flight) and release the database. */
  stop(reason?: string): Promise<void>;
}

/**
 * Boot the kernel in daemon mode in this process and start every source, as `hyp daemon run`
 * does. `label` names the call in a config error (default `startHypAware({ config })`).
 */
export async function startHypAware(
  options: StartHypAwareOptions = {},
  label = 'startHypAware({ config })',
): Promise<HypAwareHandle> {
  const env = options.env ?? process.env;
  const hypHome = options.hypHome ?? resolveHypHome(env);
  let configPath: string | undefined;
  if (options.config !== undefined) {
    configPath = join(hypLayout(hypHome).stateRoot, 'library-config.json');
    const text = JSON.stringify(options.config, null, 2) + '\n';
    parseConfig(text, label);
    writeFileAtomic(configPath, text, { mode: 0o600 });
  }
  const daemon = await startDaemon({
    hypHome,
    env,
    ...(configPath ? { configPath } : {}),
    ...(options.log ? { echo: options.log } : {}),
  });
  return {
    hypHome,
    endpoint: (source) => daemon.status().sources.find((s) => s.name === source && s.state !== 'failed')?.endpoint,
    stop: (reason = 'library stop') => daemon.stop(reason),
  };
}

export interface OpenStoreOptions {
  /** default: HYP_HOME, else ~/.hyp */
  hypHome?: string;
  env?: NodeJS.ProcessEnv;
}

export interface ReadOnlyStore {
  /** Run one read-only statement (SQLite dialect) and return its rows. */
  query<Row = Record<string, unknown>>(sql: string, params?: unknown[] | Record<string, unknown>): Row[];
  /** The read-only connection itself, for library code that prepares its own statements. */
  database: SqlDatabase;
  /** A top-level object of the config file (e.g. `prices`), read now. */
  configSection(key: string): JsonObject | undefined;
  close(): void;
}

/** A read-only connection to HYP_HOME's database; works while the daemon writes. */
export function openReadOnlyStore(options: OpenStoreOptions = {}): ReadOnlyStore {
  const layout = hypLayout(options.hypHome ?? resolveHypHome(options.env ?? process.env));
  const db: Database.Database = openReadOnlyDatabase(layout.databasePath);
  return {
    query<Row>(sql: string, params?: unknown[] | Record<string, unknown>): Row[] {
      const stmt = prepareReadOnly(db, sql);
      try {
        return (params === undefined ? stmt.all() : stmt.all(params)) as Row[];
      } catch (err) {
        throw new HypError(`SQL error: ${(err as Error).message}`, { kind: 'sql_error' });
      }
    },
    database: db,
    configSection: (key) => configSection(loadConfig(layout.configPath), key),
    close() {
      db.close();
    },
  };
}
