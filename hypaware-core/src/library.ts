/**
 * The `hypaware` package as a library: run the gateway inside another Node program and query
 * the captured history without the CLI.
 *
 *   import { startGateway, openHistory } from 'hypaware';
 */
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { HypError } from './errors.js';
import { loadConfig, parseConfig } from './config/config-file.js';
import { startDaemon } from './daemon/run-daemon.js';
import { openReadOnlyDatabase } from './storage/database.js';
import { prepareReadOnly } from './cli/query-sql.js';
import { writeFileAtomic } from './util/atomic-write.js';
import { hypLayout, resolveHypHome } from './util/hyp-home.js';
import { buildOverview, type Overview, type OverviewOptions } from './query/overview.js';
import { PriceBook, parsePriceOverrides } from './query/prices.js';

export { HypError, UsageError } from './errors.js';
export type { Overview, OverviewOptions, ModelUsage, DayUsage, MixedUsage, ClientActivity, RepoActivity, ToolUse, OverviewWindow } from './query/overview.js';
export type { JsonObject, JsonValue } from './plugin-api.js';
/** The documented queries (README "Querying") and the views the kernel keeps in the database. */
export { RECIPES, type Recipe } from './query/recipes.js';
export { HISTORY_VIEWS, type ViewSpec } from './query/views.js';

export interface StartGatewayOptions {
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

export interface GatewayHandle {
  /** `http://host:port` the clients talk to */
  endpoint: string;
  hypHome: string;
  /** stop accepting, finish streams in flight, write everything, release the database */
  stop(): Promise<void>;
}

/** Boot the kernel in daemon mode in this process and start every source (the gateway among them). */
export async function startGateway(options: StartGatewayOptions = {}): Promise<GatewayHandle> {
  const env = options.env ?? process.env;
  const hypHome = options.hypHome ?? resolveHypHome(env);
  let configPath: string | undefined;
  if (options.config !== undefined) {
    configPath = join(hypLayout(hypHome).stateRoot, 'library-config.json');
    const text = JSON.stringify(options.config, null, 2) + '\n';
    parseConfig(text, 'startGateway({ config })');
    writeFileAtomic(configPath, text, { mode: 0o600 });
  }
  const daemon = await startDaemon({ hypHome, env, ...(configPath ? { configPath } : {}), ...(options.log ? { echo: options.log } : {}) });
  const gateway = daemon.status().sources.find((s) => typeof s.details?.endpoint === 'string');
  if (!gateway) {
    await daemon.stop('no gateway');
    throw new HypError('the gateway did not start: is the @hypaware/ai-gateway plugin enabled in the config?', { kind: 'gateway_missing' });
  }
  return { endpoint: String(gateway.details!.endpoint), hypHome, stop: () => daemon.stop('library stop') };
}

export interface OpenHistoryOptions {
  /** default: HYP_HOME, else ~/.hyp */
  hypHome?: string;
  env?: NodeJS.ProcessEnv;
}

export interface History {
  /** Run one read-only statement (SQLite dialect) and return its rows. */
  query<Row = Record<string, unknown>>(sql: string, params?: unknown[] | Record<string, unknown>): Row[];
  /** The numbers of `hyp query overview`. */
  overview(options?: OverviewOptions): Overview;
  close(): void;
}

/** A read-only view of the captured history; works while the daemon writes. */
export function openHistory(options: OpenHistoryOptions = {}): History {
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
    overview(overviewOptions?: OverviewOptions): Overview {
      return buildOverview(db, new PriceBook(parsePriceOverrides(loadConfig(layout.configPath).prices)), overviewOptions);
    },
    close() {
      db.close();
    },
  };
}
