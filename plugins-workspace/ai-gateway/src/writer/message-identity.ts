/**
 * Fallback identity for messages a projector gave no id:
 *   message_id = hash16(scope ":" role ":" canonicalJson(content without volatile fields) [":" previous id])
 * The previous message's id is part of the hash so that two identical prompts in one
 * conversation ("continue", "yes") stay two messages; since history is re-sent unchanged,
 * the chain, and so every id, is the same on every re-send.
 */
import { createHash } from 'node:crypto';
import type { JsonValue } from '@hypaware/core';
import type { ContentBlock } from '../api-types.js';

/** Block fields that change between re-sends of the same message (wire-only hints). */
const VOLATILE_BLOCK_KEYS: ReadonlySet<string> = new Set(['cache_control', 'caller']);

export function hash16(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 16);
}

/** JSON with object keys sorted recursively; array order kept. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k];
    return sorted;
  });
}

function isPlainObject(v: unknown): v is Record<string, JsonValue | undefined> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A string becomes one text block ('' none); arrays keep their object blocks; anything else is empty. */
export function normalizeContent(content: unknown): ContentBlock[] {
  if (typeof content === 'string') return content === '' ? [] : [{ type: 'text', text: content }];
  if (!Array.isArray(content)) return [];
  return content.flatMap((item): ContentBlock[] => {
    if (typeof item === 'string') return item === '' ? [] : [{ type: 'text', text: item }];
    return isPlainObject(item) ? [item as ContentBlock] : [];
  });
}

/** Blocks without volatile fields, also inside nested `content` arrays (tool results). */
function stableBlocks(blocks: readonly unknown[]): unknown[] {
  return blocks.map((block) => {
    if (!isPlainObject(block)) return block;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(block)) {
      if (VOLATILE_BLOCK_KEYS.has(k)) continue;
      out[k] = k === 'content' && Array.isArray(v) ? stableBlocks(v) : v;
    }
    return out;
  });
}

export function fallbackMessageId(scope: string, role: string, blocks: readonly ContentBlock[], previousId: string | undefined): string {
  const base = `${scope}:${role}:${canonicalJson(stableBlocks(blocks))}`;
  return hash16(previousId === undefined ? base : `${base}:${previousId}`);
}
