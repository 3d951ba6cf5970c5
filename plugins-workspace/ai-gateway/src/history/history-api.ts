/**
 * The history part of the `hypaware.ai-gateway` capability: the numbers of `hyp query overview`
 * and the price of a model's tokens, so another plugin (the UI, the MCP server) shows the same
 * figures without computing cost itself. Prices: the shipped table and the config's `prices`.
 */
import type { ActivationContext } from '@hypaware/core';
import type { GatewayHistoryApi } from '../api-types.js';
import { buildOverview } from './overview.js';
import { PriceBook, estimateCostUsd, parsePriceOverrides } from './prices.js';
import { RECIPES } from './recipes.js';

export function createHistoryApi(ctx: ActivationContext): GatewayHistoryApi {
  let book: PriceBook | undefined;
  const prices = () => (book ??= new PriceBook(parsePriceOverrides(ctx.configSection('prices'))));
  return {
    overview: (db, options) => buildOverview(db, prices(), options),
    estimateCost(model, tokens) {
      const match = prices().lookup(model);
      return match ? estimateCostUsd(tokens, match.price) : null;
    },
    recipes: () => RECIPES.map((r) => ({ ...r })),
  };
}
