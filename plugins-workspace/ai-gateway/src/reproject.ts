/**
 * Re-projection of stored exchanges (`hyp reproject`): the writer's own path (stored-exchange
 * input, dispatch, identity, part_id dedupe, settlement) run in the calling process over
 * `ai_gateway_exchanges`, oldest first, one exchange row in memory at a time.
 */
import type Database from 'better-sqlite3';
import type { ReprojectOptions, ReprojectResult } from './api-types.js';
import { parseGatewayConfig } from './config.js';
import { secretHeaderExtras } from './preset-extras.js';
import { EXCHANGES_DATASET } from './datasets.js';
import { projectorsInOrder, type GatewayState } from './gateway-state.js';
import { ExchangeWriter } from './recorder/exchange-writer.js';
import type { Row } from './recorder/message-rows.js';

export async function reprojectStored(state: GatewayState, options: ReprojectOptions = {}): Promise<ReprojectResult> {
  const { ctx } = state;
  const config = parseGatewayConfig(ctx.config);
  // the writer's own code needs the driver's full API: the gateway depends on better-sqlite3
  const database = () => ctx.storage.driverDatabase<Database.Database>();
  const writer = new ExchangeWriter({
    database,
    log: ctx.log,
    meter: ctx.meter,
    projectors: () => projectorsInOrder(state),
    settings: { gatewayId: config.gatewayId, redactHeaders: secretHeaderExtras(state, config) },
  });
  const db = database();
  const since = options.since ? `${options.since}T00:00:00.000Z` : '';
  const ids = db
    .prepare(`SELECT exchange_id FROM "${EXCHANGES_DATASET}" WHERE ts_start >= ? ORDER BY ts_start, exchange_id`)
    .pluck()
    .all(since) as string[];
  const byId = db.prepare(`SELECT * FROM "${EXCHANGES_DATASET}" WHERE exchange_id = ?`);
  const result: ReprojectResult = { exchanges_read: 0, rows_added: 0, exchanges_with_new_rows: 0, skipped: {} };
  for (const id of ids) {
    const row = byId.get(id) as Row | undefined;
    if (!row) continue; // pruned meanwhile
    const outcome = await writer.reprojectStored(row, { dryRun: Boolean(options.dryRun) });
    result.exchanges_read++;
    result.rows_added += outcome.rowsAdded;
    if (outcome.rowsAdded > 0) result.exchanges_with_new_rows++;
    if (outcome.skipReason) result.skipped[outcome.skipReason] = (result.skipped[outcome.skipReason] ?? 0) + 1;
    options.onProgress?.({ exchanges_read: result.exchanges_read, exchanges_total: ids.length });
  }
  ctx.log.info('aigw.reprojected', {
    exchanges_read: result.exchanges_read,
    rows_added: result.rows_added,
    dry_run: Boolean(options.dryRun),
    since: options.since ?? null,
  });
  return result;
}
