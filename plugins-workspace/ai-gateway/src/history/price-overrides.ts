/**
 * The config's top-level `prices` object: `{ "<model>": { input, output, cache_read?, cache_write? } }`
 * in USD per 1,000,000 tokens. An entry wins over the shipped price data for that model name.
 */
import { HypError, isPlainObject } from '@hypaware/core';
import { flatBand, type PriceBand } from './price-data.js';

/** USD per 1,000,000 tokens. A kind without a price makes a cost with tokens of that kind unknown. */
export interface ModelPrice {
  input: number;
  output: number;
  cache_read?: number;
  cache_write?: number;
}

const PRICE_FIELDS = ['input', 'output', 'cache_read', 'cache_write'] as const;
/** `-20250929` or `-2024-08-06`: a dated snapshot of the same model. */
const SNAPSHOT_SUFFIX = /-(\d{8}|\d{4}-\d{2}-\d{2})$/;

function invalid(message: string): HypError {
  return new HypError(message, { kind: 'config_invalid' });
}

/** Check the config's `prices` object (absent: no overrides). */
export function parsePriceOverrides(raw: unknown): Map<string, ModelPrice> {
  const out = new Map<string, ModelPrice>();
  if (raw === undefined) return out;
  if (!isPlainObject(raw)) throw invalid('config prices: must be an object mapping model names to prices');
  for (const [model, entry] of Object.entries(raw)) {
    if (!isPlainObject(entry))
      throw invalid(`config prices.${model}: must be an object like {"input": 3, "output": 15} (USD per 1M tokens)`);
    for (const key of Object.keys(entry)) {
      if (!(PRICE_FIELDS as readonly string[]).includes(key))
        throw invalid(`config prices.${model}.${key}: unknown key (expected ${PRICE_FIELDS.join(', ')})`);
    }
    const price: Partial<ModelPrice> = {};
    for (const field of PRICE_FIELDS) {
      const value = entry[field];
      if (value === undefined) continue;
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
        throw invalid(`config prices.${model}.${field}: must be a non-negative number (USD per 1M tokens)`);
      price[field] = value;
    }
    if (price.input === undefined || price.output === undefined)
      throw invalid(`config prices.${model}: needs at least "input" and "output" (USD per 1M tokens)`);
    out.set(model, price as ModelPrice);
  }
  return out;
}

/** The config entry for `model`: its exact name first, then the name without a dated snapshot suffix. */
export function overrideFor(
  overrides: ReadonlyMap<string, ModelPrice>,
  model: string,
): { key: string; price: ModelPrice } | undefined {
  const candidates = SNAPSHOT_SUFFIX.test(model) ? [model, model.replace(SNAPSHOT_SUFFIX, '')] : [model];
  for (const key of candidates) {
    const price = overrides.get(key);
    if (price) return { key, price };
  }
  return undefined;
}

/** The single band of a config price: every date, every context size. */
export function overrideBand(provider: string, model: string, key: string, price: ModelPrice): PriceBand {
  const rates = {
    input_mtok: price.input,
    cache_read_mtok: price.cache_read ?? null,
    cache_write_mtok: price.cache_write ?? null,
    output_mtok: price.output,
  };
  return flatBand(provider, model, rates, 'config', key);
}
