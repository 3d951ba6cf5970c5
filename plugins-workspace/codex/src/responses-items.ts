/**
 * OpenAI Responses items (request `input` and reply `output`) as projected messages, one
 * message per item: a message item keeps its role and content, a function / custom tool /
 * local shell call is an assistant `tool_call` part, its output a `tool` message with a
 * `tool_result` (the gateway names its tool from the call), a reasoning item a `reasoning`
 * part with its summary text, a web search a `tool_call` the provider runs itself.
 * Volatile item fields (`status`, `id`, encrypted reasoning) stay out of the content, so an
 * item re-sent as history projects exactly like the reply item it came from.
 */
import { createHash } from 'node:crypto';
import type { ProjectedMessage } from '@hypaware/ai-gateway';
import { isPlainObject, sameJson, type JsonObject } from '@hypaware/core';
import {
  contentParts,
  mappedMessage,
  otherPart,
  reasoningPart,
  textPart,
  toolCallPart,
  toolInput,
  toolResultPart,
  type MappedPart,
} from './content-parts.js';
import { arr, str } from './json-values.js';
import { itemFrame } from './model-reply.js';

const TOOL_OUTPUT_TYPES = new Set(['function_call_output', 'custom_tool_call_output', 'local_shell_call_output']);

function reasoningText(item: JsonObject): string {
  return [...arr(item.summary), ...arr(item.content)]
    .flatMap((part) => (isPlainObject(part) && typeof part.text === 'string' && part.text !== '' ? [part.text] : []))
    .join('\n\n');
}

function itemParts(type: string, item: JsonObject): { role: string; parts: MappedPart[] } | undefined {
  if (type === 'message') return { role: str(item.role) ?? 'user', parts: contentParts(item.content) };
  if (type === 'function_call' || type === 'custom_tool_call') {
    const input =
      type === 'function_call'
        ? toolInput(item.arguments)
        : typeof item.input === 'string'
          ? item.input
          : toolInput(item.input);
    return { role: 'assistant', parts: [toolCallPart(str(item.call_id) ?? str(item.id), str(item.name), input)] };
  }
  if (type === 'local_shell_call') {
    return {
      role: 'assistant',
      parts: [
        toolCallPart(str(item.call_id) ?? str(item.id), 'local_shell', isPlainObject(item.action) ? item.action : {}),
      ],
    };
  }
  if (TOOL_OUTPUT_TYPES.has(type)) {
    return { role: 'tool', parts: [toolResultPart(str(item.call_id) ?? str(item.id), item.output)] };
  }
  if (type === 'reasoning') return { role: 'assistant', parts: [reasoningPart(reasoningText(item))] };
  if (type === 'web_search_call') {
    return {
      role: 'assistant',
      parts: [toolCallPart(str(item.id), 'web_search', isPlainObject(item.action) ? item.action : {}, true)],
    };
  }
  if (type === 'item_reference') return undefined;
  // Any other item (compaction, image generation, MCP...): a part of its own type, never dropped silently.
  return { role: str(item.role) ?? 'assistant', parts: [otherPart(type, str(item.text))] };
}

/** One Responses item as a projected message (undefined for items that hold nothing). */
export function itemMessage(item: unknown, responseId?: string): ProjectedMessage | undefined {
  if (!isPlainObject(item)) return undefined;
  const type = str(item.type) ?? (item.role !== undefined ? 'message' : undefined);
  if (!type) return undefined;
  const mapped = itemParts(type, item);
  if (!mapped || mapped.parts.length === 0) return undefined;
  const frame = itemFrame({
    item_type: type,
    item_id: str(item.id),
    status: str(item.status),
    response_id: responseId,
  });
  const message = mappedMessage(mapped.role, mapped.parts);
  const key = itemMatchKey(item, message);
  return { ...message, ...(key ? { match_key: key } : {}), ...(frame ? { raw_frame: frame } : {}) };
}

/**
 * The key that says "this Responses item" on the wire (request history, replies) and in a
 * Codex rollout alike: the item's own `id` with its identity form (ids alone are not unique
 * across every upstream). An import settles it, so history re-sent after an import is
 * recognised although the two compute their fallback ids from different starts.
 */
function itemMatchKey(item: JsonObject, message: ProjectedMessage): string | undefined {
  const id = str(item.id);
  if (!id) return undefined;
  return `item:${createHash('sha256')
    .update(`${id}|${JSON.stringify(message.identity)}`)
    .digest('hex')
    .slice(0, 32)}`;
}

/** One request `input` item and its message, kept to recognise the item when it is sent again. */
export interface InputItem {
  item: unknown;
  message: ProjectedMessage | undefined;
}

/**
 * The request's `input` (a string or a list of items) as messages. An item structurally equal
 * to the one at the same place in `previous` (the conversation's previous request) keeps its
 * message (the same object): an item's message depends on the item alone, and the re-sent
 * history is most of every request.
 */
export function inputMessages(
  body: JsonObject,
  previous?: readonly InputItem[],
): { messages: ProjectedMessage[]; items: InputItem[] } {
  if (typeof body.input === 'string')
    return { messages: body.input === '' ? [] : [mappedMessage('user', [textPart(body.input)])], items: [] };
  const items = arr(body.input).map((item, i): InputItem => {
    const before = previous?.[i];
    return before && sameJson(before.item, item) ? before : { item, message: itemMessage(item) };
  });
  // the remembered message itself, not a copy: nothing downstream writes to a projected
  // history message (replies are built apart), and a copy per re-sent item per turn was most of
  // what a turn allocated here
  const messages: ProjectedMessage[] = [];
  for (const i of items) if (i.message) messages.push(i.message);
  return { messages, items };
}
