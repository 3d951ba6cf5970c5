/**
 * Model prices from `@pydantic/genai-prices` (the data it ships: nothing is fetched) as flat
 * price bands: one row per (price period, context tier) with four USD-per-1M-token rates, so
 * plain SQL can price a response with a range join (history/cost-sql.ts).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { calcPrice, findProvider, type ModelInfo, type ModelPrice, type Provider } from '@pydantic/genai-prices';

/** One price band of a model. Rates are USD per 1,000,000 tokens; NULL: no price for that kind. */
export interface PriceBand {
  provider: string;
  model: string;
  /** first UTC date (YYYY-MM-DD) the band applies to; 1970-01-01 for always */
  valid_from: string;
  /** first UTC date it no longer applies to; 9999-12-31 for open-ended */
  valid_until: string;
  /** the band applies when input + cache read + cache write tokens are at least this */
  min_context_tokens: number;
  /** ... and at most this (NULL: no upper bound) */
  max_context_tokens: number | null;
  input_mtok: number | null;
  cache_read_mtok: number | null;
  cache_write_mtok: number | null;
  output_mtok: number | null;
  /** `genai-prices` or `config`; NULL: no price known (every rate NULL) */
  source: 'genai-prices' | 'config' | null;
  /** the price entry that matched: genai-prices' model id or the config key */
  price_model: string | null;
}

export const ALWAYS_FROM = '1970-01-01';
export const OPEN_UNTIL = '9999-12-31';

const RATE_KEYS = ['input_mtok', 'cache_read_mtok', 'cache_write_mtok', 'output_mtok'] as const;
type RateKey = (typeof RATE_KEYS)[number];
export type Rates = Record<RateKey, number | null>;

interface TieredValue {
  base: number;
  tiers: Array<{ start: number; price: number }>;
}

function packageVersion(): string {
  try {
    const entry = createRequire(import.meta.url).resolve('@pydantic/genai-prices');
    const manifest = JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8')) as {
      version?: string;
    };
    return manifest.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** `@pydantic/genai-prices <version>`: the price data in use (shipped with the package). */
export const PRICE_DATA_SOURCE = `@pydantic/genai-prices ${packageVersion()}`;

/**
 * The genai-prices provider for a row's `provider` tag: the provider of that id, else the one
 * whose model names match (a tag like `chatgpt` names a route, not a price list).
 */
function providerFor(provider: string, model: string): Provider | undefined {
  return findProvider({ providerId: provider }) ?? findProvider({ modelId: model.toLowerCase() });
}

/**
 * The model entry genai-prices itself would use (its matching rules, date-suffix handling and
 * fallback providers): asked through `calcPrice` with an empty usage.
 */
function modelFor(provider: Provider, model: string): ModelInfo | undefined {
  return calcPrice({}, model, { provider })?.model ?? undefined;
}

function isTiered(v: unknown): v is TieredValue {
  return typeof v === 'object' && v !== null && 'base' in v && Array.isArray((v as TieredValue).tiers);
}

/**
 * A key without its own price is billed at its parent's (genai-prices' unit hierarchy): cache
 * reads and writes are input tokens, so they fall back to the input rate.
 */
function effectiveKey(prices: ModelPrice, key: RateKey): string | undefined {
  if (prices[key] !== undefined) return key;
  if ((key === 'cache_read_mtok' || key === 'cache_write_mtok') && prices.input_mtok !== undefined) return 'input_mtok';
  return undefined;
}

/** The rate of `key` for a response whose context is `context` tokens (genai-prices: the last tier whose start it exceeds). */
function rateAt(prices: ModelPrice, key: RateKey, context: number): number | null {
  const k = effectiveKey(prices, key);
  if (k === undefined) return null;
  const v = prices[k];
  if (typeof v === 'number') return v;
  if (!isTiered(v)) return null;
  let rate = v.base;
  for (const tier of v.tiers) if (context > tier.start) rate = tier.price;
  return rate;
}

/** Context-size bands of one price set: [min, max] ranges with their rates. */
function contextBands(prices: ModelPrice): Array<{ min: number; max: number | null; rates: Rates }> {
  const starts = new Set<number>();
  for (const key of RATE_KEYS) {
    const k = effectiveKey(prices, key);
    const v = k === undefined ? undefined : prices[k];
    if (isTiered(v)) for (const tier of v.tiers) starts.add(tier.start);
  }
  // a tier starting at s applies above s: its band begins at s + 1
  const mins = [0, ...[...starts].sort((a, b) => a - b).map((s) => s + 1)];
  return mins.map((min, i) => {
    const rates = {} as Rates;
    for (const key of RATE_KEYS) rates[key] = rateAt(prices, key, min);
    return { min, max: i + 1 < mins.length ? mins[i + 1]! - 1 : null, rates };
  });
}

/** Price periods of a model: start-date constraints become [from, until) date ranges; null if a constraint is not a date. */
function pricePeriods(info: ModelInfo): Array<{ from: string; until: string; prices: ModelPrice }> | null {
  if (!Array.isArray(info.prices)) return [{ from: ALWAYS_FROM, until: OPEN_UNTIL, prices: info.prices }];
  const periods: Array<{ from: string; prices: ModelPrice }> = [];
  for (const entry of info.prices) {
    const c = entry.constraint;
    if (c === undefined) periods.push({ from: ALWAYS_FROM, prices: entry.prices });
    else if (c.type === 'start_date') periods.push({ from: c.start_date.slice(0, 10), prices: entry.prices });
    else return null; // time-of-day prices cannot be told from a daily date: no price rather than a guess
  }
  periods.sort((a, b) => a.from.localeCompare(b.from));
  if (periods[0]?.from !== ALWAYS_FROM && periods[0]) periods[0].from = ALWAYS_FROM; // genai-prices uses the first entry before any start date
  return periods.map((p, i) => ({ ...p, until: periods[i + 1]?.from ?? OPEN_UNTIL }));
}

/** One band for every date and context size (a config price, or no price at all). */
export function flatBand(
  provider: string,
  model: string,
  rates: Rates,
  source: PriceBand['source'],
  priceModel: string | null,
): PriceBand {
  return {
    provider,
    model,
    valid_from: ALWAYS_FROM,
    valid_until: OPEN_UNTIL,
    min_context_tokens: 0,
    max_context_tokens: null,
    ...rates,
    source,
    price_model: priceModel,
  };
}

/** A model no price list knows: one band with every rate NULL, so its cost is NULL. */
export function unknownBand(provider: string, model: string): PriceBand {
  const none = { input_mtok: null, cache_read_mtok: null, cache_write_mtok: null, output_mtok: null };
  return flatBand(provider, model, none, null, null);
}

/** The bands genai-prices gives `model` under the row tag `provider`; empty when it has no price. */
export function genaiPriceBands(provider: string, model: string): PriceBand[] {
  const p = providerFor(provider, model);
  const info = p ? modelFor(p, model) : undefined;
  if (!info) return [];
  const periods = pricePeriods(info);
  if (!periods) return [];
  const bands: PriceBand[] = [];
  for (const period of periods) {
    for (const band of contextBands(period.prices)) {
      if (band.rates.input_mtok === null || band.rates.output_mtok === null) return []; // not a token-priced model
      bands.push({
        provider,
        model,
        valid_from: period.from,
        valid_until: period.until,
        min_context_tokens: band.min,
        max_context_tokens: band.max,
        ...band.rates,
        source: 'genai-prices',
        price_model: info.id,
      });
    }
  }
  return bands;
}
