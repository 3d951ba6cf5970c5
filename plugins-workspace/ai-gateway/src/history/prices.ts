/**
 * The price settings of one overview: the shipped genai-prices data plus the config's `prices`
 * overrides. The numbers themselves come from `ai_model_prices` through SQL (usage-sql.ts);
 * this names where they come from and carries the overrides a refresh writes.
 */
import { PRICE_DATA_SOURCE } from './price-data.js';
import type { ModelPrice } from './price-overrides.js';

export { parsePriceOverrides, type ModelPrice } from './price-overrides.js';

export class PriceBook {
  /** the price data in use: `@pydantic/genai-prices <version>` (shipped; never fetched) */
  readonly asOf: string;
  readonly sources: string[];
  readonly overrides: ReadonlyMap<string, ModelPrice>;

  constructor(overrides: ReadonlyMap<string, ModelPrice> = new Map()) {
    this.asOf = PRICE_DATA_SOURCE;
    this.sources = ['https://github.com/pydantic/genai-prices', 'config "prices"'];
    this.overrides = overrides;
  }

  get overriddenModels(): string[] {
    return [...this.overrides.keys()];
  }
}
