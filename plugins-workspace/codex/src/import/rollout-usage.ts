/**
 * Usage of one model response from a rollout's `token_count` event: `last_token_usage` in
 * Codex's spelling, mapped like live capture maps the Responses `usage` (normalizeUsage), so
 * `input_tokens + output_tokens` summed over a session is the `tokens used` Codex prints.
 * A repeated event (the cumulative `total_token_usage` did not move) counts nothing.
 */
import type { MessageUsage } from '@hypaware/ai-gateway';
import { isPlainObject } from '@hypaware/core';
import { num } from '../json-values.js';
import { normalizeUsage } from '../usage.js';

export interface TokenCount {
  /** cumulative total of the thread after this response */
  total: number;
  usage: MessageUsage;
}

/** The `info` of a token_count event payload as usage; undefined without counts. */
export function tokenCount(payload: Record<string, unknown>): TokenCount | undefined {
  const info = isPlainObject(payload.info) ? payload.info : undefined;
  const last = info && isPlainObject(info.last_token_usage) ? info.last_token_usage : undefined;
  const totals = info && isPlainObject(info.total_token_usage) ? info.total_token_usage : undefined;
  const total = num(totals?.total_tokens);
  if (!last || total === undefined) return undefined;
  const usage = normalizeUsage({
    input_tokens: last.input_tokens,
    output_tokens: last.output_tokens,
    input_tokens_details: {
      cached_tokens: last.cached_input_tokens,
      ...(num(last.cache_write_input_tokens) ? { cache_write_tokens: last.cache_write_input_tokens } : {}),
    },
    output_tokens_details: { reasoning_tokens: last.reasoning_output_tokens },
  });
  return usage ? { total, usage } : undefined;
}
