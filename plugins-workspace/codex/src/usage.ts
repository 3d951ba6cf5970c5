/**
 * OpenAI usage (Responses `usage` or Chat `usage`) as the gateway's MessageUsage:
 * `input_tokens` is NET of cache (gross input minus cached reads and cache writes),
 * `cache_read_input_tokens` = cached_tokens, `output_tokens` as reported (it includes
 * reasoning), `reasoning_tokens` the reasoning share of the output.
 * So `input_tokens + output_tokens` summed over responses is what Codex prints as
 * "tokens used", and `input + cache_read + cache_creation` is the gross input.
 */
import type { MessageUsage } from '@hypaware/ai-gateway';
import { isPlainObject } from '@hypaware/core';
import { compact, num } from './json-values.js';

export function normalizeUsage(usage: unknown): MessageUsage | undefined {
  if (!isPlainObject(usage)) return undefined;
  const inputDetails = isPlainObject(usage.input_tokens_details)
    ? usage.input_tokens_details
    : isPlainObject(usage.prompt_tokens_details)
      ? usage.prompt_tokens_details
      : {};
  const outputDetails = isPlainObject(usage.output_tokens_details)
    ? usage.output_tokens_details
    : isPlainObject(usage.completion_tokens_details)
      ? usage.completion_tokens_details
      : {};
  const grossInput = num(usage.input_tokens) ?? num(usage.prompt_tokens);
  const output = num(usage.output_tokens) ?? num(usage.completion_tokens);
  const cacheRead = num(inputDetails.cached_tokens);
  const cacheWrite = num(inputDetails.cache_write_tokens) ?? num(inputDetails.cache_creation_tokens);
  const reasoning = num(outputDetails.reasoning_tokens);
  if (grossInput === undefined && output === undefined) return undefined;
  const net = grossInput === undefined ? undefined : Math.max(0, grossInput - (cacheRead ?? 0) - (cacheWrite ?? 0));
  return compact({
    input_tokens: net,
    cache_read_input_tokens: cacheRead ?? (grossInput === undefined ? undefined : 0),
    cache_creation_input_tokens: cacheWrite,
    output_tokens: output,
    reasoning_tokens: reasoning,
  });
}
