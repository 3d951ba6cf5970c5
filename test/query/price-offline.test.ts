/**
 * The price data is the copy shipped in node_modules: loading and using it must not touch the
 * network (the library can fetch newer data, but only when updatePrices is called, which
 * HypAware never does).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';

test('pricing a model loads and uses the shipped data without any fetch', async () => {
  const calls: string[] = [];
  const realFetch = globalThis.fetch;
  globalThis.fetch = ((input: unknown) => {
    calls.push(String(input));
    return Promise.reject(new Error('no network in this test'));
  }) as typeof fetch;
  try {
    const { priceBandsFor } = await import('@hypaware/ai-gateway/internal/history/model-prices-table.js');
    const bands = priceBandsFor('anthropic', 'claude-haiku-4-5-20251001', new Map());
    assert.equal(bands[0]!.source, 'genai-prices');
    assert.equal(bands[0]!.input_mtok, 1, 'Claude Haiku 4.5 input: $1 per 1M tokens');
    await new Promise((resolve) => setTimeout(resolve, 50)); // anything scheduled by the import has run
    assert.deepEqual(calls, []);
  } finally {
    globalThis.fetch = realFetch;
  }
});
