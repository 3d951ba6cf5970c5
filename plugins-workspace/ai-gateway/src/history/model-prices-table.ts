/**
 * `ai_model_prices`: the price bands of every model name the history has usage for, written by
 * the gateway from the shipped genai-prices data and the config's `prices` overrides. A plain
 * table, so every reader (`hyp query sql`, the read-only library, a sqlite3 shell, a PostgreSQL
 * copy) prices a response the same way through the same join (usage-sql.ts).
 */
import type { DatasetSpec, SqlDatabase } from '@hypaware/core';
import { MESSAGES_DATASET } from '../datasets.js';
import { carrierCondition } from './carrier-sql.js';
import { genaiPriceBands, unknownBand, type PriceBand } from './price-data.js';
import { overrideBand, overrideFor, type ModelPrice } from './price-overrides.js';

export const PRICES_DATASET = 'ai_model_prices';

export const pricesDataset: DatasetSpec = {
  name: PRICES_DATASET,
  description:
    'price bands (USD per 1M tokens) of each provider/model seen with usage: from @pydantic/genai-prices, config "prices" win; rates NULL when unknown',
  columns: [
    { name: 'provider', type: 'string', nullable: false, description: 'provider tag, as in ai_gateway_messages' },
    { name: 'model', type: 'string', nullable: false, description: 'model name, as in ai_gateway_messages' },
    {
      name: 'valid_from',
      type: 'string',
      nullable: false,
      description: 'first UTC date of the band (1970-01-01: always)',
    },
    {
      name: 'valid_until',
      type: 'string',
      nullable: false,
      description: 'first UTC date after the band (9999-12-31: open)',
    },
    {
      name: 'min_context_tokens',
      type: 'int',
      nullable: false,
      description: 'band applies from this many input + cache tokens in the response (long-context tiers)',
    },
    { name: 'max_context_tokens', type: 'int', description: '... up to this many (NULL: no limit)' },
    { name: 'input_mtok', type: 'float', description: 'USD per 1M input tokens (not cached)' },
    { name: 'cache_read_mtok', type: 'float', description: 'USD per 1M tokens read from the prompt cache' },
    { name: 'cache_write_mtok', type: 'float', description: 'USD per 1M tokens written to the prompt cache' },
    { name: 'output_mtok', type: 'float', description: 'USD per 1M output tokens (reasoning included)' },
    { name: 'source', type: 'string', description: 'genai-prices or config; NULL: no price known' },
    {
      name: 'price_model',
      type: 'string',
      description: "the price entry used: genai-prices' model id or the config key",
    },
    { name: 'updated_at', type: 'timestamp', nullable: false, description: 'when the gateway wrote the band' },
  ],
  primaryTime: 'updated_at',
  uniqueKey: ['provider', 'model', 'valid_from', 'min_context_tokens'],
  internal: true,
};

const BAND_FIELDS = [
  'provider',
  'model',
  'valid_from',
  'valid_until',
  'min_context_tokens',
  'max_context_tokens',
  'input_mtok',
  'cache_read_mtok',
  'cache_write_mtok',
  'output_mtok',
  'source',
  'price_model',
] as const;

/** The bands of one provider/model: a config entry, else genai-prices, else one band of NULL rates. */
export function priceBandsFor(
  provider: string,
  model: string,
  overrides: ReadonlyMap<string, ModelPrice>,
): PriceBand[] {
  const own = overrideFor(overrides, model);
  if (own) return [overrideBand(provider, model, own.key, own.price)];
  const shipped = genaiPriceBands(provider, model);
  return shipped.length > 0 ? shipped : [unknownBand(provider, model)];
}

export interface PriceRefresh {
  /** provider/model pairs priced (or marked unknown) */
  models: number;
  /** `provider/model` of the pairs without a price */
  unpriced: string[];
  /** the table was rewritten (the bands differed) */
  changed: boolean;
}

export interface ModelPair {
  provider: string;
  model: string;
}

export interface PriceRefreshOptions {
  /** look for new model names only in rows of this UTC date or later (the names already in the table are kept) */
  since?: string;
  /** the new model names are these (rows just written): no scan of the history */
  pairs?: Iterable<ModelPair>;
  now?: Date;
}

const bandKey = (b: object): string =>
  JSON.stringify(BAND_FIELDS.map((f) => (b as Record<string, unknown>)[f] ?? null));

/**
 * Bring `ai_model_prices` up to date: every provider/model with usage in the history (since
 * `options.since`, or `options.pairs`; plus those already listed) priced with today's data and overrides. Writes
 * only when a band changed, in one transaction.
 */
export function refreshModelPrices(
  db: SqlDatabase,
  overrides: ReadonlyMap<string, ModelPrice>,
  options: PriceRefreshOptions = {},
): PriceRefresh {
  const seen = options.pairs
    ? [...options.pairs]
    : (db
        .prepare(
          `SELECT DISTINCT provider, model FROM ${MESSAGES_DATASET}
WHERE ${options.since ? 'date >= @since AND ' : ''}model IS NOT NULL AND ${carrierCondition()}`,
        )
        .all(options.since ? { since: options.since } : {}) as ModelPair[]);
  const current = db.prepare(`SELECT * FROM ${PRICES_DATASET}`).all() as Array<Record<string, unknown>>;
  const pairs = new Map<string, ModelPair>();
  for (const r of [...current, ...seen] as ModelPair[])
    pairs.set(`${r.provider}\u0000${r.model}`, { provider: r.provider, model: r.model });
  const bands = [...pairs.values()].flatMap((p) => priceBandsFor(p.provider, p.model, overrides));
  const unpriced = bands.filter((b) => b.source === null).map((b) => `${b.provider}/${b.model}`);
  const want = new Set(bands.map(bandKey));
  const have = new Set(current.map(bandKey));
  const changed = want.size !== have.size || [...want].some((k) => !have.has(k));
  if (changed) {
    const now = (options.now ?? new Date()).toISOString();
    const insert = db.prepare(
      `INSERT INTO ${PRICES_DATASET} (${BAND_FIELDS.join(', ')}, updated_at) VALUES (${BAND_FIELDS.map((f) => `@${f}`).join(', ')}, @updated_at)`,
    );
    db.transaction(() => {
      db.prepare(`DELETE FROM ${PRICES_DATASET}`).run();
      for (const b of bands) insert.run({ ...b, updated_at: now });
    })();
  }
  return { models: pairs.size, unpriced: unpriced.sort(), changed };
}
