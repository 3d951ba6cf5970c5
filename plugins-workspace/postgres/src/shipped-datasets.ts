/**
 * What is shipped: the gateway's history datasets, with every column their specs declare (so a
 * column another plugin version adds is shipped as soon as it is registered), minus raw bodies
 * (blob columns) unless `include_bodies` is set. A dataset needs a unique key: it is the
 * replica's key, with the machine id in front.
 */
import type { ColumnSpec, DatasetSpec } from '@hypaware/core';

/** The datasets shipped, in shipping order. */
export const SHIPPED_DATASET_NAMES = ['ai_gateway_messages', 'ai_gateway_exchanges'] as const;

/**
 * Rows the owner still updates for a while after inserting them: shipped only once this column
 * (a time) is older than the settle delay. The gateway adds to an exchange's `rows_written` when
 * its re-checks (seconds after the exchange ended) write rows.
 */
const SETTLE_COLUMNS: Record<string, string> = { ai_gateway_exchanges: 'ts_end' };

export interface ShippedDataset {
  name: string;
  /** the dataset's unique key (the replica's primary key after the machine id) */
  key: string[];
  primaryTime: string;
  /** the columns shipped, in the spec's order */
  columns: ColumnSpec[];
  /** columns of the spec left out (bodies) */
  omitted: string[];
  /** a row ships once this time column is older than the settle delay (absent: at once) */
  settleColumn?: string;
}

/**
 * The gateway's price bands: a small table the gateway rewrites whole when a price changes, so
 * it is mirrored (this machine's rows in the replica replaced whenever the local content
 * changed) rather than followed by rowid. Per machine, because each machine prices its own rows
 * (its config's `prices`, its genai-prices version): the replica's `cost_usd` is then the one
 * that machine's own views show.
 */
export const PRICES_TABLE = 'ai_model_prices';
export const MIRRORED_DATASET_NAMES = [PRICES_TABLE] as const;

function toShipped(names: readonly string[], specs: readonly DatasetSpec[], includeBodies: boolean): ShippedDataset[] {
  return names.flatMap((name) => {
    const spec = specs.find((s) => s.name === name);
    if (!spec || !spec.uniqueKey || spec.uniqueKey.length === 0) return [];
    const columns = spec.columns.filter((c) => includeBodies || c.type !== 'blob');
    const settle = SETTLE_COLUMNS[name];
    const settleColumn = settle && columns.some((c) => c.name === settle) ? settle : undefined;
    return [
      {
        name,
        key: [...spec.uniqueKey],
        primaryTime: spec.primaryTime,
        columns,
        omitted: spec.columns.filter((c) => !columns.includes(c)).map((c) => c.name),
        ...(settleColumn ? { settleColumn } : {}),
      },
    ];
  });
}

/** The shipped datasets among the registered specs (a dataset no plugin registered is not shipped). */
export function shippedDatasets(specs: readonly DatasetSpec[], includeBodies: boolean): ShippedDataset[] {
  return toShipped(SHIPPED_DATASET_NAMES, specs, includeBodies);
}

/** The mirrored datasets among the registered specs. */
export function mirroredDatasets(specs: readonly DatasetSpec[]): ShippedDataset[] {
  return toShipped(MIRRORED_DATASET_NAMES, specs, false);
}
