/**
 * OpenAI Chat Completions: request `messages` and the reply (JSON or streamed chunks) as
 * projected messages. A streamed reply is first rebuilt into the same message object a JSON
 * reply carries, so both (and the same message re-sent as history) project identically.
 */
import type { ExchangeInput, MessageFinish, ProjectedMessage } from '@hypaware/ai-gateway';
import { isPlainObject, type JsonObject } from '@hypaware/core';
import {
  contentParts,
  mappedMessage,
  textPart,
  toolCallPart,
  toolInput,
  toolResultPart,
  type MappedPart,
} from './content-parts.js';
import { arr, num, parseJson, str } from './json-values.js';
import { httpFailure, itemFrame, type ModelReply, type UpstreamFailure } from './model-reply.js';
import { normalizeUsage } from './usage.js';

function chatMessage(message: JsonObject, defaultRole: string): ProjectedMessage | undefined {
  const role = str(message.role) ?? defaultRole;
  let parts: MappedPart[];
  if (role === 'tool') {
    parts = [toolResultPart(str(message.tool_call_id), message.content)];
  } else {
    parts = contentParts(message.content);
    const refusal = str(message.refusal);
    if (refusal) parts.push(textPart(refusal));
    for (const call of arr(message.tool_calls)) {
      if (!isPlainObject(call)) continue;
      const fn = isPlainObject(call.function) ? call.function : {};
      parts.push(toolCallPart(str(call.id), str(fn.name), toolInput(fn.arguments)));
    }
  }
  return parts.length > 0 ? mappedMessage(role, parts) : undefined;
}

export function chatRequestMessages(body: JsonObject): ProjectedMessage[] {
  return arr(body.messages).flatMap((m) => {
    const message = isPlainObject(m) ? chatMessage(m, 'user') : undefined;
    return message ? [message] : [];
  });
}

/**
 * Chat finish reasons onto the gateway's. `recorded_as` keeps the value Codex rows have always
 * had in `status.finish_reason`; the second group comes from OpenAI-compatible servers in
 * front of other models.
 */
const FINISH: Record<string, MessageFinish> = {
  stop: { reason: 'stop' },
  length: { reason: 'length' },
  tool_calls: { reason: 'tool_call', recorded_as: 'tool_use' },
  function_call: { reason: 'tool_call', recorded_as: 'tool_use' },
  content_filter: { reason: 'refusal' },
  end_turn: { reason: 'stop' },
  stop_sequence: { reason: 'stop' },
  max_tokens: { reason: 'length' },
  tool_use: { reason: 'tool_call', recorded_as: 'tool_use' },
  pause_turn: { reason: 'pause' },
  refusal: { reason: 'refusal' },
  error: { reason: 'error' },
};

function finishOf(finish: string | undefined): MessageFinish | undefined {
  if (!finish) return undefined;
  return FINISH[finish] ?? { reason: 'other', recorded_as: finish };
}

interface StreamedChoice {
  role?: string;
  content: string;
  refusal: string;
  toolCalls: Map<number, { id?: string; name: string; arguments: string }>;
}

/** Rebuild the first choice's message from `chat.completion.chunk` events. */
function rebuildStream(exchange: ExchangeInput): {
  message: JsonObject;
  finish?: string;
  usage?: unknown;
  id?: string;
  model?: string;
  done: boolean;
  failure?: UpstreamFailure;
} {
  const choice: StreamedChoice = { content: '', refusal: '', toolCalls: new Map() };
  let finish: string | undefined;
  let usage: unknown;
  let id: string | undefined;
  let model: string | undefined;
  let done = false;
  let failure: UpstreamFailure | undefined;
  for (const event of exchange.stream_events) {
    if (event.data.trim() === '[DONE]') {
      done = true;
      continue;
    }
    const chunk = parseJson(event.data);
    if (!isPlainObject(chunk)) continue;
    if (isPlainObject(chunk.error)) {
      failure = {
        code: str(chunk.error.code) ?? str(chunk.error.type) ?? 'stream_error',
        message: str(chunk.error.message) ?? 'error in stream',
      };
      continue;
    }
    id ??= str(chunk.id);
    model ??= str(chunk.model);
    if (isPlainObject(chunk.usage)) usage = chunk.usage;
    const first = arr(chunk.choices).find((c) => isPlainObject(c) && (num(c.index) ?? 0) === 0);
    if (!isPlainObject(first)) continue;
    finish = str(first.finish_reason) ?? finish;
    const delta = isPlainObject(first.delta) ? first.delta : {};
    choice.role ??= str(delta.role);
    if (typeof delta.content === 'string') choice.content += delta.content;
    if (typeof delta.refusal === 'string') choice.refusal += delta.refusal;
    for (const tc of arr(delta.tool_calls)) {
      if (!isPlainObject(tc)) continue;
      const index = num(tc.index) ?? 0;
      const call = choice.toolCalls.get(index) ?? { name: '', arguments: '' };
      const fn = isPlainObject(tc.function) ? tc.function : {};
      call.id ??= str(tc.id);
      if (typeof fn.name === 'string') call.name += fn.name;
      if (typeof fn.arguments === 'string') call.arguments += fn.arguments;
      choice.toolCalls.set(index, call);
    }
  }
  const toolCalls = [...choice.toolCalls.entries()]
    .sort(([a], [b]) => a - b)
    .map(([, c]) => ({
      ...(c.id ? { id: c.id } : {}),
      type: 'function',
      function: { name: c.name, arguments: c.arguments },
    }));
  const message: JsonObject = { role: choice.role ?? 'assistant', content: choice.content };
  if (choice.refusal) message.refusal = choice.refusal;
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  return { message, finish, usage, id, model, done: done || finish !== undefined, ...(failure ? { failure } : {}) };
}

export function chatReply(exchange: ExchangeInput): ModelReply {
  if (exchange.is_sse) {
    const s = rebuildStream(exchange);
    const message = chatMessage(s.message, 'assistant');
    if (message) message.raw_frame = itemFrame({ completion_id: s.id, finish_reason: s.finish });
    return {
      messages: message ? [message] : [],
      usage: normalizeUsage(s.usage),
      finish: finishOf(s.finish),
      responseId: s.id,
      model: s.model,
      complete: s.done && !s.failure,
      failure: s.failure ?? httpFailure(exchange, undefined),
    };
  }
  const body = parseJson(exchange.response_body);
  const failure = httpFailure(exchange, body);
  if (failure || !isPlainObject(body)) return { messages: [], complete: true, ...(failure ? { failure } : {}) };
  const first = arr(body.choices).find((c) => isPlainObject(c) && (num(c.index) ?? 0) === 0);
  const finish = isPlainObject(first) ? str(first.finish_reason) : undefined;
  const message =
    isPlainObject(first) && isPlainObject(first.message) ? chatMessage(first.message, 'assistant') : undefined;
  if (message) message.raw_frame = itemFrame({ completion_id: str(body.id), finish_reason: finish });
  return {
    messages: message ? [message] : [],
    usage: normalizeUsage(body.usage),
    finish: finishOf(finish),
    responseId: str(body.id),
    model: str(body.model),
    complete: !exchange.response_truncated,
  };
}
