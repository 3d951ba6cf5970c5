/**
 * The price bands written to ai_model_prices against the library they come from: for usages
 * below, at and above the long-context threshold and around price-change dates, the SQL-style
 * band arithmetic must give what @pydantic/genai-prices' own calcPrice gives.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { calcPrice } from '@pydantic/genai-prices';
import { genaiPriceBands, type PriceBand } from '@hypaware/ai-gateway/internal/history/price-data.js';
import { priceBandsFor } from '@hypaware/ai-gateway/internal/history/model-prices-table.js';
import { claudeBilling } from '@hypaware/claude/wire/billing';

interface Usage {
  input: number;
  cacheRead: number;
  cacheWrite: number;
  output: number;
}

/** What the view computes: the band of the date and context size, each token kind at its rate. */
function bandCost(bands: PriceBand[], date: string, u: Usage): number | null {
  const context = u.input + u.cacheRead + u.cacheWrite;
  const band = bands.find(
    (b) =>
      date >= b.valid_from &&
      date < b.valid_until &&
      context >= b.min_context_tokens &&
      (b.max_context_tokens === null || context <= b.max_context_tokens),
  );
  if (!band || band.source === null) return null;
  const term = (n: number, rate: number | null) => (n === 0 ? 0 : rate === null ? NaN : n * rate);
  const usd =
    (term(u.input, band.input_mtok) +
      term(u.cacheRead, band.cache_read_mtok) +
      term(u.cacheWrite, band.cache_write_mtok) +
      term(u.output, band.output_mtok)) /
    1e6;
  return Number.isNaN(usd) ? null : usd;
}

const USAGES: Usage[] = [
  { input: 10, cacheRead: 0, cacheWrite: 0, output: 5 },
  { input: 1000, cacheRead: 20_000, cacheWrite: 3000, output: 500 },
  { input: 100_000, cacheRead: 99_000, cacheWrite: 1000, output: 800 }, // exactly 200,000
  { input: 100_000, cacheRead: 99_000, cacheWrite: 1001, output: 800 }, // 200,001
  { input: 150_000, cacheRead: 60_000, cacheWrite: 0, output: 1000 },
  { input: 300_000, cacheRead: 0, cacheWrite: 0, output: 0 },
];
const MODELS: Array<[string, string]> = [
  ['anthropic', 'claude-sonnet-4-5-20250929'],
  ['anthropic', 'claude-sonnet-4-6'],
  ['anthropic', 'claude-opus-4-5-20251101'],
  ['anthropic', 'claude-haiku-4-5-20251001'],
  ['openai', 'gpt-5-codex'],
  ['chatgpt', 'gpt-5.1-codex'],
  ['openai', 'gpt-5.4'],
  ['openai', 'o3'],
];
const DATES = ['2025-01-15', '2025-06-09', '2025-06-10', '2026-03-12', '2026-03-13', '2026-11-30'];

test('band costs equal genai-prices calcPrice for every date, context size and model', () => {
  for (const [provider, model] of MODELS) {
    const bands = genaiPriceBands(provider, model);
    assert.ok(bands.length > 0, `${provider}/${model} is priced`);
    for (const date of DATES) {
      for (const u of USAGES) {
        const lib = calcPrice(
          {
            input_tokens: u.input + u.cacheRead + u.cacheWrite,
            cache_read_tokens: u.cacheRead,
            cache_write_tokens: u.cacheWrite,
            output_tokens: u.output,
          },
          model,
          { providerId: provider === 'chatgpt' ? 'openai' : provider, timestamp: new Date(`${date}T12:00:00Z`) },
        );
        const got = bandCost(bands, date, u);
        assert.ok(lib && got !== null, `${model} ${date}`);
        assert.ok(
          Math.abs(got - lib.total_price) < 1e-12,
          `${model} ${date} ${JSON.stringify(u)}: ${got} vs ${lib.total_price}`,
        );
      }
    }
  }
});

test('unknown models get one band of NULL rates; a config entry (exact or without the date suffix) wins', () => {
  assert.deepEqual(genaiPriceBands('openai', 'local-experimental-model'), []);
  const unknown = priceBandsFor('openai', 'local-experimental-model', new Map());
  assert.equal(unknown.length, 1);
  assert.equal(unknown[0]!.source, null);
  assert.equal(bandCost(unknown, '2026-01-01', USAGES[0]!), null);
  const overrides = new Map([['claude-sonnet-4-5', { input: 1, output: 2 }]]);
  const own = priceBandsFor('anthropic', 'claude-sonnet-4-5-20250929', overrides);
  assert.deepEqual(
    own.map((b) => [b.source, b.price_model, b.input_mtok, b.cache_read_mtok]),
    [['config', 'claude-sonnet-4-5', 1, null]],
  );
  assert.equal(bandCost(own, '2026-01-01', USAGES[1]!), null, 'cache tokens without a cache price: unknown');
  assert.equal(bandCost(own, '2026-01-01', USAGES[0]!), (10 * 1 + 5 * 2) / 1e6);
});

test('Claude billing from the credential kind the projector sees', () => {
  assert.equal(claudeBilling({ authorization: 'Bearer sk-ant-oat01-…' }), 'subscription');
  assert.equal(
    claudeBilling({ 'x-api-key': 'sk-ant-api03-…', 'anthropic-beta': 'claude-code-20250219,oauth-2025-04-20' }),
    'subscription',
  );
  assert.equal(claudeBilling({ 'x-api-key': 'sk-ant-api03-…', 'anthropic-beta': 'claude-code-20250219' }), 'api');
  assert.equal(claudeBilling({ authorization: 'Bearer sk-ant-api03-…' }), 'api');
  assert.equal(claudeBilling({ authorization: 'Bearer …' }), undefined);
});
