/**
 * OpenAI Responses items (request `input` and reply `output`) as projected messages, one
 * message per item: a message item keeps its role and content, a function / custom tool /
 * local shell call is an assistant `tool_use`, its output a `tool` message with a
 * `tool_result` (the gateway names its tool from the call), a reasoning item a `thinking` block with its summary text.
 * Volatile item fields (`status`, `id`, encrypted reasoning) stay out of the content, so an
 * item re-sent as history projects exactly like the reply item it came from.
 */
import type { ContentBlock, ProjectedMessage } from '@hypaware/ai-gateway';
import type { JsonObject } from '@hypaware/core';
import { contentBlocks, textBlock } from './content-parts.js';
import { arr, isRecord, str } from './json-values.js';
import { itemFrame } from './model-reply.js';
import { toolInput, toolResultBlock, toolUseBlock } from './tool-blocks.js';

const TOOL_OUTPUT_TYPES = new Set(['function_call_output', 'custom_tool_call_output', 'local_shell_call_output']);

function reasoningText(item: JsonObject): string {
  return [...arr(item.summary), ...arr(item.content)]
    .flatMap((part) => (isRecord(part) && typeof part.text === 'string' && part.text !== '' ? [part.text] : []))
    .join('\n\n');
}

function itemContent(type: string, item: JsonObject): { role: string; content: ContentBlock[] } | undefined {
  if (type === 'message') return { role: str(item.role) ?? 'user', content: contentBlocks(item.content) };
  if (type === 'function_call' || type === 'custom_tool_call') {
    const input = type === 'function_call' ? toolInput(item.arguments) : (typeof item.input === 'string' ? item.input : toolInput(item.input));
    return { role: 'assistant', content: [toolUseBlock(str(item.call_id) ?? str(item.id), str(item.name), input)] };
  }
  if (type === 'local_shell_call') {
    return { role: 'assistant', content: [toolUseBlock(str(item.call_id) ?? str(item.id), 'local_shell', isRecord(item.action) ? item.action : {})] };
  }
  if (TOOL_OUTPUT_TYPES.has(type)) {
    return { role: 'tool', content: [toolResultBlock(str(item.call_id) ?? str(item.id), item.output)] };
  }
  if (type === 'reasoning') return { role: 'assistant', content: [{ type: 'thinking', thinking: reasoningText(item) }] };
  if (type === 'web_search_call') {
    return { role: 'assistant', content: [toolUseBlock(str(item.id), 'web_search', isRecord(item.action) ? item.action : {}, 'server_tool_use')] };
  }
  if (type === 'item_reference') return undefined;
  // Any other item (compaction, image generation, MCP...): a part of its own type, never dropped silently.
  const text = str(item.text);
  return { role: str(item.role) ?? 'assistant', content: [text ? { ...textBlock(text), type } : { type }] };
}

/** One Responses item as a projected message (undefined for items that hold nothing). */
export function itemMessage(item: unknown, responseId?: string): ProjectedMessage | undefined {
  if (!isRecord(item)) return undefined;
  const type = str(item.type) ?? (item.role !== undefined ? 'message' : undefined);
  if (!type) return undefined;
  const mapped = itemContent(type, item);
  if (!mapped || mapped.content.length === 0) return undefined;
  const frame = itemFrame({ item_type: type, item_id: str(item.id), status: str(item.status), response_id: responseId });
  return { ...mapped, ...(frame ? { raw_frame: frame } : {}) };
}

/** The request's `input` (a string or a list of items) as messages. */
export function inputMessages(body: JsonObject): ProjectedMessage[] {
  if (typeof body.input === 'string') return body.input === '' ? [] : [{ role: 'user', content: [textBlock(body.input)] }];
  return arr(body.input).flatMap((item) => {
    const message = itemMessage(item);
    return message ? [message] : [];
  });
}
