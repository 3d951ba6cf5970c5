/**
 * OpenAI Chat Completions: request `messages` and the reply (JSON or streamed chunks) as
 * projected messages. A streamed reply is first rebuilt into the same message object a JSON
 * reply carries, so both (and the same message re-sent as history) project identically.
 */
import type { ContentBlock, ExchangeInput, ProjectedMessage } from '@hypaware/ai-gateway';
import type { JsonObject } from '@hypaware/core';
import { contentBlocks, textBlock } from './content-parts.js';
import { arr, isRecord, num, parseJson, str } from './json-values.js';
import { httpFailure, itemFrame, type ModelReply, type UpstreamFailure } from './model-reply.js';
import { toolInput, toolResultBlock, toolUseBlock } from './tool-blocks.js';
import { normalizeUsage } from './usage.js';

function chatMessage(message: JsonObject, defaultRole: string): ProjectedMessage | undefined {
  const role = str(message.role) ?? defaultRole;
  let content: ContentBlock[];
  if (role === 'tool') {
    content = [toolResultBlock(str(message.tool_call_id), message.content)];
  } else {
    content = contentBlocks(message.content);
    const refusal = str(message.refusal);
    if (refusal) content.push(textBlock(refusal));
    for (const call of arr(message.tool_calls)) {
      if (!isRecord(call)) continue;
      const fn = isRecord(call.function) ? call.function : {};
      content.push(toolUseBlock(str(call.id), str(fn.name), toolInput(fn.arguments)));
    }
  }
  return content.length > 0 ? { role, content } : undefined;
}

export function chatRequestMessages(body: JsonObject): ProjectedMessage[] {
  return arr(body.messages).flatMap((m) => {
    const message = isRecord(m) ? chatMessage(m, 'user') : undefined;
    return message ? [message] : [];
  });
}

const FINISH_REASONS: Record<string, string> = { tool_calls: 'tool_use', function_call: 'tool_use', content_filter: 'refusal' };

function stopReason(finish: string | undefined): string | undefined {
  return finish ? FINISH_REASONS[finish] ?? finish : undefined;
}

interface StreamedChoice {
  role?: string;
  content: string;
  refusal: string;
  toolCalls: Map<number, { id?: string; name: string; arguments: string }>;
}

/** Rebuild the first choice's message from `chat.completion.chunk` events. */
function rebuildStream(exchange: ExchangeInput): { message: JsonObject; finish?: string; usage?: unknown; id?: string; model?: string; done: boolean; failure?: UpstreamFailure } {
  const choice: StreamedChoice = { content: '', refusal: '', toolCalls: new Map() };
  let finish: string | undefined;
  let usage: unknown;
  let id: string | undefined;
  let model: string | undefined;
  let done = false;
  let failure: UpstreamFailure | undefined;
  for (const event of exchange.stream_events) {
    if (event.data.trim() === '[DONE]') { done = true; continue; }
    const chunk = parseJson(event.data);
    if (!isRecord(chunk)) continue;
    if (isRecord(chunk.error)) {
      failure = { code: str(chunk.error.code) ?? str(chunk.error.type) ?? 'stream_error', message: str(chunk.error.message) ?? 'error in stream' };
      continue;
    }
    id ??= str(chunk.id);
    model ??= str(chunk.model);
    if (isRecord(chunk.usage)) usage = chunk.usage;
    const first = arr(chunk.choices).find((c) => isRecord(c) && (num(c.index) ?? 0) === 0);
    if (!isRecord(first)) continue;
    finish = str(first.finish_reason) ?? finish;
    const delta = isRecord(first.delta) ? first.delta : {};
    choice.role ??= str(delta.role);
    if (typeof delta.content === 'string') choice.content += delta.content;
    if (typeof delta.refusal === 'string') choice.refusal += delta.refusal;
    for (const tc of arr(delta.tool_calls)) {
      if (!isRecord(tc)) continue;
      const index = num(tc.index) ?? 0;
      const call = choice.toolCalls.get(index) ?? { name: '', arguments: '' };
      const fn = isRecord(tc.function) ? tc.function : {};
      call.id ??= str(tc.id);
      if (typeof fn.name === 'string') call.name += fn.name;
      if (typeof fn.arguments === 'string') call.arguments += fn.arguments;
      choice.toolCalls.set(index, call);
    }
  }
  const toolCalls = [...choice.toolCalls.entries()].sort(([a], [b]) => a - b).map(([, c]) => ({
    ...(c.id ? { id: c.id } : {}), type: 'function', function: { name: c.name, arguments: c.arguments },
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
      stopReason: stopReason(s.finish),
      responseId: s.id,
      model: s.model,
      complete: s.done && !s.failure,
      failure: s.failure ?? httpFailure(exchange, undefined),
    };
  }
  const body = parseJson(exchange.response_body);
  const failure = httpFailure(exchange, body);
  if (failure || !isRecord(body)) return { messages: [], complete: true, ...(failure ? { failure } : {}) };
  const first = arr(body.choices).find((c) => isRecord(c) && (num(c.index) ?? 0) === 0);
  const finish = isRecord(first) ? str(first.finish_reason) : undefined;
  const message = isRecord(first) && isRecord(first.message) ? chatMessage(first.message, 'assistant') : undefined;
  if (message) message.raw_frame = itemFrame({ completion_id: str(body.id), finish_reason: finish });
  return {
    messages: message ? [message] : [],
    usage: normalizeUsage(body.usage),
    stopReason: stopReason(finish),
    responseId: str(body.id),
    model: str(body.model),
    complete: !exchange.response_truncated,
  };
}
