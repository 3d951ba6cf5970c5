import type { MessageUsage } from '@hypaware/ai-gateway';

const USAGE_FIELDS = [
  'input_tokens',
  'cache_read_input_tokens',
  'cache_creation_input_tokens',
  'output_tokens',
] as const;

/**
 * Merge Anthropic usage counters into `into`: later values replace earlier ones (the
 * `message_delta` counts are cumulative). Anthropic's `input_tokens` is already net of cache.
 */
export function mergeUsage(into: MessageUsage | undefined, raw: unknown): MessageUsage | undefined {
  if (raw === null || typeof raw !== 'object') return into;
  const out: MessageUsage = { ...into };
  for (const field of USAGE_FIELDS) {
    const v = (raw as Record<string, unknown>)[field];
    if (typeof v === 'number' && Number.isFinite(v)) out[field] = v;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}
