import { isPlainObject, type JsonValue } from '@hypaware/core';
import type { CapturedSseEvent, MessageUsage } from '@hypaware/ai-gateway';
import type { Block } from './content-keys.js';
import { mergeUsage } from './usage.js';
import { firstString as str, parseJsonObject, type Obj } from '../util/json.js';

/** The assistant message of one Messages API response, from JSON or rebuilt from SSE. */
export interface AssistantReply {
  id?: string;
  model?: string;
  content: Block[];
  stop_reason?: string;
  stop_sequence?: string;
  usage?: MessageUsage;
  /** false when a stream ended without `message_stop` (cut off, aborted) */
  complete: boolean;
  /** an `error` event or an error body */
  error?: { type?: string; message?: string };
}

function errorOf(raw: unknown): AssistantReply['error'] {
  const err = isPlainObject(raw) && isPlainObject(raw.error) ? raw.error : undefined;
  if (!err) return undefined;
  const out: NonNullable<AssistantReply['error']> = {};
  const type = str(err.type);
  const message = str(err.message);
  if (type) out.type = type;
  if (message) out.message = message;
  return out;
}

function applyMessageFields(reply: AssistantReply, msg: Obj): void {
  const id = str(msg.id);
  const model = str(msg.model);
  const stop = str(msg.stop_reason);
  const stopSeq = str(msg.stop_sequence);
  if (id) reply.id = id;
  if (model) reply.model = model;
  if (stop) reply.stop_reason = stop;
  if (stopSeq) reply.stop_sequence = stopSeq;
  const usage = mergeUsage(reply.usage, msg.usage);
  if (usage) reply.usage = usage;
}

/** A non-streamed response body: the message itself, or an error body. */
export function replyFromJson(body: string | null): AssistantReply | undefined {
  const parsed = parseJsonObject(body);
  if (!parsed) return undefined;
  const error = errorOf(parsed);
  if (error) return { content: [], complete: true, error };
  if (parsed.role !== 'assistant') return undefined;
  const reply: AssistantReply = {
    content: Array.isArray(parsed.content) ? parsed.content.filter((b): b is Block => isPlainObject(b)) : [],
    complete: true,
  };
  applyMessageFields(reply, parsed);
  return reply;
}

/** State of one content block while its deltas arrive. */
interface OpenBlock {
  block: Block;
  json?: string;
}

function emptyBlockFor(deltaType: string): Block {
  if (deltaType === 'input_json_delta') return { type: 'tool_use', input: {} };
  if (deltaType === 'thinking_delta' || deltaType === 'signature_delta') return { type: 'thinking', thinking: '' };
  return { type: 'text', text: '' };
}

function applyDelta(open: OpenBlock, delta: Obj): void {
  const b = open.block;
  switch (delta.type) {
    case 'text_delta':
      b.text = String(b.text ?? '') + String(delta.text ?? '');
      break;
    case 'thinking_delta':
      b.thinking = String(b.thinking ?? '') + String(delta.thinking ?? '');
      break;
    case 'signature_delta':
      b.signature = String(delta.signature ?? '');
      break;
    case 'input_json_delta':
      open.json = (open.json ?? '') + String(delta.partial_json ?? '');
      break;
    case 'citations_delta':
      b.citations = [...(Array.isArray(b.citations) ? b.citations : []), (delta.citation ?? null) as JsonValue];
      break;
    default:
      break;
  }
}

/** Tool input from the concatenated `input_json_delta` fragments (kept as text if it never became valid JSON). */
function closeBlock(open: OpenBlock): void {
  if (open.json === undefined) return;
  if (open.json.trim() !== '') {
    try {
      open.block.input = JSON.parse(open.json);
    } catch {
      open.block.input = open.json;
    }
  }
  delete open.json;
}

/**
 * Rebuild the assistant message from the events of a streamed response: every event and
 * delta type, pings and unknown events ignored, truncated streams kept with `complete:false`.
 */
export function replyFromSse(events: readonly CapturedSseEvent[]): AssistantReply | undefined {
  let reply: AssistantReply | undefined;
  let error: AssistantReply['error'];
  const blocks = new Map<number, OpenBlock>();
  for (const event of events) {
    const payload = parseJsonObject(event.data);
    if (!payload) continue;
    const type = str(payload.type) ?? event.event;
    if (type === 'message_start') {
      reply = { content: [], complete: false };
      if (isPlainObject(payload.message)) applyMessageFields(reply, payload.message);
      continue;
    }
    if (type === 'error') {
      error = errorOf(payload) ?? {};
      continue;
    }
    if (!reply) continue;
    const index = typeof payload.index === 'number' ? payload.index : -1;
    if (type === 'content_block_start' && isPlainObject(payload.content_block)) {
      const block = { ...payload.content_block } as Block;
      const isCall = block.type === 'tool_use' || block.type === 'server_tool_use' || block.type === 'mcp_tool_use';
      blocks.set(index, isCall ? { block, json: '' } : { block });
    } else if (type === 'content_block_delta' && isPlainObject(payload.delta)) {
      let open = blocks.get(index);
      if (!open) {
        open = { block: emptyBlockFor(String(payload.delta.type)) };
        blocks.set(index, open);
      }
      applyDelta(open, payload.delta);
    } else if (type === 'content_block_stop') {
      const open = blocks.get(index);
      if (open) closeBlock(open);
    } else if (type === 'message_delta') {
      if (isPlainObject(payload.delta)) applyMessageFields(reply, payload.delta);
      const usage = mergeUsage(reply.usage, payload.usage);
      if (usage) reply.usage = usage;
    } else if (type === 'message_stop') {
      reply.complete = true;
    }
  }
  if (!reply) return error ? { content: [], complete: false, error } : undefined;
  for (const open of blocks.values()) closeBlock(open);
  reply.content = [...blocks.entries()].sort((a, b) => a[0] - b[0]).map(([, open]) => open.block);
  if (error) reply.error = error;
  return reply;
}
