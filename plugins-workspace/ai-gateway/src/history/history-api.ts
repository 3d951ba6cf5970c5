/**
 * The history part of the `hypaware.ai-gateway` capability: the numbers of `hyp query overview`
 * and the price of a model's tokens, so another plugin (the UI, the MCP server) shows the same
 * figures without computing cost itself. Prices: the bands `ai_model_prices` holds (genai-prices
 * data and the config's `prices`), with the same rule as the views' `cost_usd`.
 */
import type { ActivationContext } from '@hypaware/core';
import type { GatewayHistoryApi } from '../api-types.js';
import { buildOverview, type TokenCounts } from './overview.js';
import { priceBandsFor } from './model-prices-table.js';
import type { PriceBand } from './price-data.js';
import { PriceBook, parsePriceOverrides } from './prices.js';
import { RECIPES } from './recipes.js';
import { COST_USD, PRICE_MATCH } from './usage-sql.js';

const RATES: Array<[keyof TokenCounts, 'input_mtok' | 'cache_read_mtok' | 'cache_write_mtok' | 'output_mtok']> = [
  ['input_tokens', 'input_mtok'],
  ['cache_read_input_tokens', 'cache_read_mtok'],
  ['cache_creation_input_tokens', 'cache_write_mtok'],
  ['output_tokens', 'output_mtok'],
];

/** USD of `tokens` in `band`: NULL when the band has no price or lacks the rate of a kind used. */
export function bandCostUsd(band: PriceBand | undefined, tokens: TokenCounts): number | null {
  if (!band || band.source === null) return null;
  let usd = 0;
  for (const [kind, rate] of RATES) {
    const n = tokens[kind] ?? 0;
    if (n === 0) continue;
    const perMillion = band[rate];
    if (perMillion === null) return null;
    usd += n * perMillion;
  }
  return usd / 1_000_000;
}

/** The band of a response: its UTC date's period and its context size's tier. */
export function bandFor(bands: readonly PriceBand[], tokens: TokenCounts, date: string): PriceBand | undefined {
  const context =
    (tokens.input_tokens ?? 0) + (tokens.cache_read_input_tokens ?? 0) + (tokens.cache_creation_input_tokens ?? 0);
  return bands.find(
    (b) =>
      date >= b.valid_from &&
      date < b.valid_until &&
      context >= b.min_context_tokens &&
      (b.max_context_tokens === null || context <= b.max_context_tokens),
  );
}

export function createHistoryApi(ctx: ActivationContext): GatewayHistoryApi {
  let book: PriceBook | undefined;
  const prices = () => (book ??= new PriceBook(parsePriceOverrides(ctx.configSection('prices'))));
  return {
    overview: (db, options) => buildOverview(db, prices(), options),
    estimateCost(model, tokens, at) {
      if (!model) return null;
      const bands = priceBandsFor(at?.provider ?? '', model, prices().overrides);
      return bandCostUsd(bandFor(bands, tokens, at?.date ?? new Date().toISOString().slice(0, 10)), tokens);
    },
    recipes: () => RECIPES.map((r) => ({ ...r })),
    costSql: { priceMatch: PRICE_MATCH, costUsd: COST_USD },
  };
}
