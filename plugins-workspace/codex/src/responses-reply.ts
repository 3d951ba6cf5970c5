/**
 * The reply of a Responses request: a JSON `response` object, or a stream of
 * `response.*` events rebuilt into output items. `response.output_item.done` carries the
 * authoritative item (that is what Codex keeps and re-sends); items that never got their
 * `done` are rebuilt from `added` plus the text / argument / reasoning deltas; items only in
 * the terminal event's `response.output` fill the gaps.
 */
import type { ExchangeInput, MessageFinish } from '@hypaware/ai-gateway';
import { isPlainObject, type JsonObject, type JsonValue } from '@hypaware/core';
import { arr, num, parseJson, str } from './json-values.js';
import { httpFailure, type ModelReply, type UpstreamFailure } from './model-reply.js';
import { itemMessage } from './responses-items.js';
import { normalizeUsage } from './usage.js';

const CALL_TYPES = new Set(['function_call', 'custom_tool_call', 'local_shell_call']);
const TERMINAL_EVENTS = new Set(['response.completed', 'response.incomplete', 'response.failed', 'response.cancelled']);

interface Slot {
  item: JsonObject;
  done: boolean;
}

/** Output items by output_index while a stream is replayed. */
class OutputItems {
  private readonly slots = new Map<number, Slot>();

  put(index: number, item: JsonObject, done: boolean): void {
    if (this.slots.get(index)?.done && !done) return;
    this.slots.set(index, { item: done ? item : structuredClone(item), done });
  }

  /** The item a delta event refers to, created as `fallbackType` if the stream never announced it; undefined once done. */
  draft(event: JsonObject, fallbackType: string): JsonObject | undefined {
    const itemId = str(event.item_id);
    let index = num(event.output_index);
    if (index === undefined) {
      index = [...this.slots.entries()].find(([, s]) => str(s.item.id) === itemId)?.[0] ?? this.slots.size;
    }
    const slot = this.slots.get(index);
    if (slot?.done) return undefined;
    if (slot) return slot.item;
    const item: JsonObject =
      fallbackType === 'message' ? { type: 'message', role: 'assistant', content: [] } : { type: fallbackType };
    if (itemId) item.id = itemId;
    this.slots.set(index, { item, done: false });
    return item;
  }

  fillFrom(output: JsonValue[]): void {
    output.forEach((item, index) => {
      if (isPlainObject(item) && !this.slots.get(index)?.done) this.put(index, item, true);
    });
  }

  ordered(): JsonObject[] {
    return [...this.slots.entries()].sort(([a], [b]) => a - b).map(([, s]) => s.item);
  }
}

/** `list[index]` as an object with a `text` string, created when missing. */
function textPart(item: JsonObject, key: 'content' | 'summary', index: number, type: string): JsonObject {
  const list = Array.isArray(item[key]) ? (item[key] as JsonValue[]) : (item[key] = []);
  let part = list[index];
  if (!isPlainObject(part)) {
    part = { type, text: '' };
    while (list.length < index) list.push({ type, text: '' });
    list[index] = part;
  }
  if (typeof part.text !== 'string') part.text = '';
  return part;
}

function appendText(part: JsonObject, delta: unknown): void {
  if (typeof delta === 'string') part.text = String(part.text) + delta;
}

interface ResponseState {
  id?: string;
  model?: string;
  status?: string;
  incompleteReason?: string;
  usage?: unknown;
  failure?: UpstreamFailure;
  terminal: boolean;
}

function failureOf(error: unknown, fallbackCode: string): UpstreamFailure {
  const e = isPlainObject(error) ? error : {};
  return { code: str(e.code) ?? str(e.type) ?? fallbackCode, message: str(e.message) ?? 'the response failed' };
}

/** Read the fields of a `response` object into the state. */
function absorbResponse(state: ResponseState, response: JsonObject, items: OutputItems): void {
  state.id = str(response.id) ?? state.id;
  state.model = str(response.model) ?? state.model;
  state.status = str(response.status) ?? state.status;
  if (isPlainObject(response.usage)) state.usage = response.usage;
  if (isPlainObject(response.incomplete_details)) state.incompleteReason = str(response.incomplete_details.reason);
  if (isPlainObject(response.error)) state.failure = failureOf(response.error, 'response_failed');
  items.fillFrom(arr(response.output));
}

function applyEvent(type: string, event: JsonObject, state: ResponseState, items: OutputItems): void {
  const index = num(event.output_index) ?? 0;
  switch (type) {
    case 'response.created':
    case 'response.in_progress':
      if (isPlainObject(event.response)) absorbResponse(state, event.response, items);
      return;
    case 'response.output_item.added':
      if (isPlainObject(event.item)) items.put(index, event.item, false);
      return;
    case 'response.output_item.done':
      if (isPlainObject(event.item)) items.put(index, event.item, true);
      return;
    case 'response.content_part.added': {
      const item = items.draft(event, 'message');
      if (item && isPlainObject(event.part))
        textPart(item, 'content', num(event.content_index) ?? 0, str(event.part.type) ?? 'output_text');
      return;
    }
    case 'response.output_text.delta':
    case 'response.refusal.delta': {
      const item = items.draft(event, 'message');
      if (item) {
        const part = textPart(
          item,
          'content',
          num(event.content_index) ?? 0,
          type === 'response.refusal.delta' ? 'refusal' : 'output_text',
        );
        if (type === 'response.refusal.delta' && typeof event.delta === 'string')
          part.refusal = String(part.refusal ?? '') + event.delta;
        else appendText(part, event.delta);
      }
      return;
    }
    case 'response.output_text.done': {
      const item = items.draft(event, 'message');
      if (item && typeof event.text === 'string')
        textPart(item, 'content', num(event.content_index) ?? 0, 'output_text').text = event.text;
      return;
    }
    case 'response.function_call_arguments.delta':
    case 'response.custom_tool_call_input.delta': {
      const key = type === 'response.function_call_arguments.delta' ? 'arguments' : 'input';
      const item = items.draft(event, key === 'arguments' ? 'function_call' : 'custom_tool_call');
      if (item && typeof event.delta === 'string')
        item[key] = (typeof item[key] === 'string' ? item[key] : '') + event.delta;
      return;
    }
    case 'response.function_call_arguments.done':
    case 'response.custom_tool_call_input.done': {
      const key = type === 'response.function_call_arguments.done' ? 'arguments' : 'input';
      const item = items.draft(event, key === 'arguments' ? 'function_call' : 'custom_tool_call');
      const value = event[key];
      if (item && typeof value === 'string') item[key] = value;
      return;
    }
    case 'response.reasoning_summary_text.delta': {
      const item = items.draft(event, 'reasoning');
      if (item) appendText(textPart(item, 'summary', num(event.summary_index) ?? 0, 'summary_text'), event.delta);
      return;
    }
    case 'response.reasoning_text.delta': {
      const item = items.draft(event, 'reasoning');
      if (item) appendText(textPart(item, 'content', num(event.content_index) ?? 0, 'reasoning_text'), event.delta);
      return;
    }
    case 'error':
      state.failure = failureOf(isPlainObject(event.error) ? event.error : event, 'stream_error');
      state.terminal = true;
      return;
    default:
      if (TERMINAL_EVENTS.has(type)) {
        if (isPlainObject(event.response)) absorbResponse(state, event.response, items);
        if (type === 'response.failed' && !state.failure)
          state.failure = { code: 'response_failed', message: 'the response failed' };
        state.terminal = true;
      }
  }
}

/** Tool calls end a completed response in `tool_call`, recorded as `tool_use` (the value Codex rows have always had). */
const TOOL_CALL_FINISH: MessageFinish = { reason: 'tool_call', recorded_as: 'tool_use' };

function finishOf(state: ResponseState, items: JsonObject[]): MessageFinish | undefined {
  switch (state.status) {
    case 'completed': {
      const last = items[items.length - 1];
      return last && CALL_TYPES.has(str(last.type) ?? '') ? TOOL_CALL_FINISH : { reason: 'stop' };
    }
    case 'incomplete':
      return state.incompleteReason === 'max_output_tokens'
        ? { reason: 'length' }
        : state.incompleteReason === 'content_filter'
          ? { reason: 'refusal' }
          : { reason: 'other', recorded_as: state.incompleteReason ?? 'incomplete' };
    case 'failed':
      return { reason: 'error' };
    case 'cancelled':
      return { reason: 'other', recorded_as: 'cancelled' };
    default:
      return undefined;
  }
}

function toReply(state: ResponseState, items: OutputItems, complete: boolean): ModelReply {
  const ordered = items.ordered();
  return {
    messages: ordered.flatMap((item) => {
      const message = itemMessage(item, state.id);
      return message ? [message] : [];
    }),
    usage: normalizeUsage(state.usage),
    finish: finishOf(state, ordered),
    responseId: state.id,
    model: state.model,
    complete,
    ...(state.failure ? { failure: state.failure } : {}),
  };
}

export function responsesReply(exchange: ExchangeInput): ModelReply {
  const state: ResponseState = { terminal: false };
  const items = new OutputItems();
  if (exchange.is_sse) {
    for (const event of exchange.stream_events) {
      const payload = parseJson(event.data);
      if (!isPlainObject(payload)) continue;
      applyEvent(str(payload.type) ?? event.event, payload, state, items);
    }
    state.failure ??= httpFailure(exchange, undefined);
    return toReply(state, items, state.terminal);
  }
  const body = parseJson(exchange.response_body);
  const failure = httpFailure(exchange, body);
  if (failure) return { messages: [], complete: true, failure };
  if (!isPlainObject(body)) return { messages: [], complete: true };
  absorbResponse(state, body, items);
  return toReply(state, items, !exchange.response_truncated);
}
