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
import type { MessagePart } from '@hypaware/ai-gateway';
import { isPlainObject, type JsonValue } from '@hypaware/core';
import type { Block } from '../wire/content-keys.js';

/** Block fields that change between re-sends of the same message (wire-only hints). */
const VOLATILE_KEYS: ReadonlySet<string> = new Set(['cache_control', 'caller']);

type Loose = Record<string, unknown>;

/** `part[key] = value` when the value is a string (absent otherwise). */
function putText(part: Loose, key: string, value: unknown): void {
  if (typeof value === 'string') part[key] = value;
}

function resultContent(content: unknown): string | MessagePart[] | undefined {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return undefined;
  return content.flatMap((item: unknown) => (isPlainObject(item) ? [partOf(item as Block)] : []));
}

/** The part for a block of this type, without the fields every part may carry. Runs for every block of every exchange: no intermediate objects. */
function partOfType(type: string, block: Block): Loose {
  let part: Loose;
  switch (type) {
    case 'text':
      // a text block without text keeps no text (content_text NULL): the block said nothing
      part = { type: 'text' };
      putText(part, 'text', block.text);
      return part;
    case 'thinking':
    case 'redacted_thinking':
      part = { type: 'reasoning' };
      putText(part, 'text', type === 'thinking' ? block.thinking : block.data);
      putText(part, 'signature', block.signature);
      return part;
    case 'tool_use':
    case 'server_tool_use':
      part = { type: 'tool_call' };
      putText(part, 'call_id', block.id);
      putText(part, 'name', block.name);
      if (block.input !== undefined) part.input = block.input;
      return part;
    case 'tool_result':
    case 'web_search_tool_result': {
      part = { type: 'tool_result' };
      putText(part, 'call_id', block.tool_use_id);
      const content = type === 'tool_result' ? resultContent(block.content) : undefined;
      if (content !== undefined) part.content = content;
      return part;
    }
    case 'image':
    case 'document':
    case 'file':
      part = { type: type === 'image' ? 'image' : 'file' };
      if (isPlainObject(block.source)) part.source = block.source;
      return part;
    case 'error': {
      part = { type: 'error' };
      putText(part, 'code', typeof block.error_code === 'string' ? block.error_code : block.code);
      putText(part, 'message', typeof block.message === 'string' ? block.message : block.text);
      return part;
    }
    default:
      part = { type: 'other', native_type: type };
      putText(part, 'text', block.text);
      return part;
  }
}

/** One content block as a part. */
export function partOf(block: Block): MessagePart {
  const type = typeof block.type === 'string' && block.type !== '' ? block.type : 'text';
  const part = partOfType(type, block);
  if (type !== part.type) part.native_type = type;
  const caller = block.caller;
  if (isPlainObject(caller) && typeof caller.type === 'string') part.caller_type = caller.type;
  if (block.is_error === true) part.is_error = true;
  return part as unknown as MessagePart;
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
