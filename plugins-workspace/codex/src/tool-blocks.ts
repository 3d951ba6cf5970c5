/** Tool calls and tool results as content blocks (`tool_use` / `tool_result`). */
import type { ContentBlock } from '@hypaware/ai-gateway';
import type { JsonValue } from '@hypaware/core';
import { compact } from './json-values.js';
import { toolResultContent } from './content-parts.js';

/** Function-call arguments: parsed JSON when they are JSON, else the raw text ({} when empty). */
export function toolInput(args: unknown): JsonValue {
  if (typeof args !== 'string') return (args ?? {}) as JsonValue;
  if (args.trim() === '') return {};
  try {
    return JSON.parse(args) as JsonValue;
  } catch {
    return args;
  }
}

export function toolUseBlock(id: string | undefined, name: string | undefined, input: JsonValue, type = 'tool_use'): ContentBlock {
  return compact({ type, id, name, input });
}

/** A tool result; the gateway names its tool from the call with the same id in the projection. */
export function toolResultBlock(callId: string | undefined, output: unknown): ContentBlock {
  return compact({ type: 'tool_result', tool_use_id: callId, content: toolResultContent(output) as JsonValue });
}
