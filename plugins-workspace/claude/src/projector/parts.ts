/**
 * Anthropic content blocks onto the gateway's message parts (one row each), and the form the
 * gateway's fallback id hashes for a message without a native id: the blocks as sent, without
 * the fields Claude Code moves from turn to turn (`cache_control`, `caller`), also inside a
 * tool result's content. A string is one text block.
 *
 * Part mapping: `text`; `thinking` and `redacted_thinking` (its data as text) -> reasoning;
 * `tool_use` and `server_tool_use` -> tool_call; `tool_result` and `web_search_tool_result`
 * -> tool_result; `image`; `document` and `file` -> file; `error`; any other block -> other,
 * named by its type. The block type is the part's `native_type` (`provider_subtype`),
 * `caller.type` its `caller_type`.
 */
import type { MediaSource, MessagePart } from '@hypaware/ai-gateway';
import { isPlainObject, type JsonValue } from '@hypaware/core';
import type { Block } from '../wire/content-keys.js';

/** Block fields that change between re-sends of the same message (wire-only hints). */
const VOLATILE_KEYS: ReadonlySet<string> = new Set(['cache_control', 'caller']);

function text(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** Copy `fields` into `part`, leaving out undefined values. */
function withFields<T extends MessagePart>(part: T, fields: Record<string, unknown>): T {
  const out = part as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) out[key] = value;
  return part;
}

function sourceOf(block: Block): MediaSource | undefined {
  return isPlainObject(block.source) ? (block.source as unknown as MediaSource) : undefined;
}

function resultContent(content: unknown): string | MessagePart[] | undefined {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return undefined;
  return content.flatMap((item: unknown) => (isPlainObject(item) ? [partOf(item as Block)] : []));
}

function partOfType(type: string, block: Block): MessagePart {
  switch (type) {
    case 'text':
      // a text block without text keeps no text (content_text NULL), as the block said nothing
      return withFields({ type: 'text' } as MessagePart, { text: text(block.text) });
    case 'thinking':
      return withFields({ type: 'reasoning' }, { text: text(block.thinking), signature: text(block.signature) });
    case 'redacted_thinking':
      return withFields({ type: 'reasoning' }, { text: text(block.data), signature: text(block.signature) });
    case 'tool_use':
    case 'server_tool_use':
      return withFields({ type: 'tool_call' }, { call_id: text(block.id), name: text(block.name), input: block.input });
    case 'tool_result':
      return withFields({ type: 'tool_result' }, { call_id: text(block.tool_use_id), content: resultContent(block.content) });
    case 'web_search_tool_result':
      return withFields({ type: 'tool_result' }, { call_id: text(block.tool_use_id) });
    case 'image':
      return withFields({ type: 'image' }, { source: sourceOf(block) });
    case 'document':
    case 'file':
      return withFields({ type: 'file' }, { source: sourceOf(block) });
    case 'error':
      return withFields({ type: 'error' }, { code: text(block.error_code) ?? text(block.code), message: text(block.message) ?? text(block.text) });
    default:
      return withFields({ type: 'other', native_type: type }, { text: text(block.text) });
  }
}

/** One content block as a part. */
export function partOf(block: Block): MessagePart {
  const type = typeof block.type === 'string' && block.type !== '' ? block.type : 'text';
  const part = partOfType(type, block);
  const caller = isPlainObject(block.caller) ? text(block.caller.type) : undefined;
  return withFields(part, {
    native_type: type !== part.type ? type : undefined,
    caller_type: caller,
    is_error: block.is_error === true ? true : undefined,
  });
}

/** A message's content as parts: a string stays a string (one text part). */
export function messageParts(content: string | Block[]): string | MessagePart[] {
  return typeof content === 'string' ? content : content.map(partOf);
}

/** A block without its volatile keys; the block itself when it has none (no copy). */
function stableBlock(block: unknown): JsonValue {
  if (!isPlainObject(block)) return block as JsonValue;
  let out: Record<string, JsonValue> | undefined;
  for (const key of Object.keys(block)) {
    const value = block[key]!;
    const nested = key === 'content' && Array.isArray(value) ? stable(value) : value;
    if (out === undefined && !VOLATILE_KEYS.has(key) && nested === value) continue;
    // first change: copy what came before it, then go on key by key
    out ??= copyUntil(block, key);
    if (!VOLATILE_KEYS.has(key)) out[key] = nested;
  }
  return out ?? block;
}

function copyUntil(block: Record<string, JsonValue>, stop: string): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  for (const key of Object.keys(block)) {
    if (key === stop) break;
    out[key] = block[key]!;
  }
  return out;
}

function stable(blocks: readonly unknown[]): JsonValue[] {
  let out: JsonValue[] | undefined;
  blocks.forEach((block, i) => {
    const kept = stableBlock(block);
    if (out === undefined && kept === block) return;
    out ??= blocks.slice(0, i) as JsonValue[];
    out.push(kept);
  });
  return out ?? (blocks as JsonValue[]);
}

/** The identity form of a message's content (see the top of this file). */
export function identityOf(content: string | Block[]): JsonValue {
  if (typeof content === 'string') return content === '' ? [] : [{ type: 'text', text: content }];
  return stable(content);
}
