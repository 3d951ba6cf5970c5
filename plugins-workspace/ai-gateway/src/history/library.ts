/**
 * The gateway's part of the `hypaware` library (re-exported by the root package next to the
 * kernel's): run the gateway inside another Node program and read the captured history.
 *
 *   import { startGateway, openHistory } from 'hypaware';
 */
import {
  HypError,
  openReadOnlyStore,
  startHypAware,
  type OpenStoreOptions,
  type StartHypAwareOptions,
} from '@hypaware/core/library';
import { GATEWAY_SOURCE_NAME } from '../gateway-paths.js';
import { buildOverview, type Overview, type OverviewOptions } from './overview.js';
import { PriceBook, parsePriceOverrides } from './prices.js';

export type {
  Overview,
  OverviewOptions,
  ModelUsage,
  DayUsage,
  MixedUsage,
  ClientActivity,
  RepoActivity,
  ToolUse,
  OverviewWindow,
} from './overview.js';
export type { ViewSpec } from '@hypaware/core';
/** The documented queries (docs/querying.md) and the views the gateway keeps in the database. */
export { RECIPES, type Recipe } from './recipes.js';
export { HISTORY_VIEWS } from './views.js';

/** `hypaware-config.json` as an object, where to keep the data, and where to echo the log. */
export type StartGatewayOptions = StartHypAwareOptions;

export interface GatewayHandle {
  /** `http://host:port` the clients talk to */
  endpoint: string;
  hypHome: string;
  /** stop accepting, finish streams in flight, write everything, release the database */
  stop(): Promise<void>;
}

/** Boot HypAware in daemon mode in this process and start every source; resolves once the gateway listens. */
export async function startGateway(options: StartGatewayOptions = {}): Promise<GatewayHandle> {
  const running = await startHypAware(options, 'startGateway({ config })');
  const endpoint = running.endpoint(GATEWAY_SOURCE_NAME);
  if (!endpoint) {
    await running.stop('no gateway');
    throw new HypError('the gateway did not start: is the @hypaware/ai-gateway plugin enabled in the config?', {
      kind: 'gateway_missing',
    });
  }
  return { endpoint, hypHome: running.hypHome, stop: () => running.stop('library stop') };
}

export type OpenHistoryOptions = OpenStoreOptions;

export interface History {
  /** Run one read-only statement (SQLite dialect) and return its rows. */
  query<Row = Record<string, unknown>>(sql: string, params?: unknown[] | Record<string, unknown>): Row[];
  /** The numbers of `hyp query overview` (costs from `ai_model_prices` as the daemon keeps it; read-only, so no refresh here). */
  overview(options?: OverviewOptions): Overview;
  close(): void;
}

/** A read-only view of the captured history; works while the daemon writes. */
export function openHistory(options: OpenHistoryOptions = {}): History {
  const store = openReadOnlyStore(options);
  return {
    query: <Row>(sql: string, params?: unknown[] | Record<string, unknown>) => store.query<Row>(sql, params),
    overview: (overviewOptions) =>
      buildOverview(store.database, new PriceBook(parsePriceOverrides(store.configSection('prices'))), overviewOptions),
    close: () => store.close(),
  };
}
