/**
 * Model prices for the overview's cost estimate: the shipped, dated table (`prices.json` beside
 * this file) with the config's top-level `prices` overrides on top.
 */
import { HypError, isPlainObject, type JsonObject } from '@hypaware/core';
import shippedTable from './prices.json' with { type: 'json' };

/** USD per 1,000,000 tokens. A category without a price makes a cost with tokens in it unknown. */
export interface ModelPrice {
  input: number;
  output: number;
  cache_read?: number;
  cache_write?: number;
}

export interface PriceMatch {
  /** the key of the table entry that matched */
  key: string;
  price: ModelPrice;
  source: 'table' | 'config';
}

export interface TokenCounts {
  input_tokens: number;
  cache_read_input_tokens: number;
  cache_creation_input_tokens: number;
  output_tokens: number;
}

const PRICE_FIELDS = ['input', 'output', 'cache_read', 'cache_write'] as const;
/** `-20250929` or `-2024-08-06`: a dated snapshot of the same model. */
const SNAPSHOT_SUFFIX = /-(\d{8}|\d{4}-\d{2}-\d{2})$/;

/** Check the config's `prices` object: `{ "<model>": { input, output, cache_read?, cache_write? } }`. */
export function parsePriceOverrides(raw: unknown): Map<string, ModelPrice> {
  const out = new Map<string, ModelPrice>();
  if (raw === undefined) return out;
  if (!isPlainObject(raw))
    throw new HypError('config prices: must be an object mapping model names to prices', { kind: 'config_invalid' });
  for (const [model, entry] of Object.entries(raw)) {
    if (!isPlainObject(entry))
      throw new HypError(
        `config prices.${model}: must be an object like {"input": 3, "output": 15} (USD per 1M tokens)`,
        { kind: 'config_invalid' },
      );
    for (const key of Object.keys(entry)) {
      if (!(PRICE_FIELDS as readonly string[]).includes(key))
        throw new HypError(`config prices.${model}.${key}: unknown key (expected ${PRICE_FIELDS.join(', ')})`, {
          kind: 'config_invalid',
        });
    }
    const price: Partial<ModelPrice> = {};
    for (const field of PRICE_FIELDS) {
      const value = entry[field];
      if (value === undefined) continue;
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
        throw new HypError(`config prices.${model}.${field}: must be a non-negative number (USD per 1M tokens)`, {
          kind: 'config_invalid',
        });
      }
      price[field] = value;
    }
    if (price.input === undefined || price.output === undefined) {
      throw new HypError(`config prices.${model}: needs at least "input" and "output" (USD per 1M tokens)`, {
        kind: 'config_invalid',
      });
    }
    out.set(model, price as ModelPrice);
  }
  return out;
}

/** The shipped, dated price table plus the config's overrides (which win). */
export class PriceBook {
  readonly asOf: string;
  readonly sources: string[];
  readonly #table: Map<string, ModelPrice>;
  readonly #overrides: Map<string, ModelPrice>;

  constructor(overrides: Map<string, ModelPrice> = new Map()) {
    this.asOf = shippedTable.as_of;
    this.sources = shippedTable.sources;
    this.#table = new Map(Object.entries(shippedTable.models as Record<string, ModelPrice>));
    this.#overrides = overrides;
  }

  get overriddenModels(): string[] {
    return [...this.#overrides.keys()];
  }

  /**
   * The price of `model`: an exact name first (config, then table), then the name without a
   * dated snapshot suffix. Nothing else: a model that is not listed has no price.
   */
  lookup(model: string | null | undefined): PriceMatch | undefined {
    if (!model) return undefined;
    const candidates = SNAPSHOT_SUFFIX.test(model) ? [model, model.replace(SNAPSHOT_SUFFIX, '')] : [model];
    for (const key of candidates) {
      const fromConfig = this.#overrides.get(key);
      if (fromConfig) return { key, price: fromConfig, source: 'config' };
      const fromTable = this.#table.get(key);
      if (fromTable) return { key, price: fromTable, source: 'table' };
    }
    return undefined;
  }
}

/** USD for these tokens, or null when a category with tokens has no price (never a guess). */
export function estimateCostUsd(tokens: TokenCounts, price: ModelPrice): number | null {
  const terms: Array<[number, number | undefined]> = [
    [tokens.input_tokens, price.input],
    [tokens.cache_read_input_tokens, price.cache_read],
    [tokens.cache_creation_input_tokens, price.cache_write],
    [tokens.output_tokens, price.output],
  ];
  let usd = 0;
  for (const [count, perMillion] of terms) {
    if (count === 0) continue;
    if (perMillion === undefined) return null;
    usd += (count * perMillion) / 1_000_000;
  }
  return usd;
}
