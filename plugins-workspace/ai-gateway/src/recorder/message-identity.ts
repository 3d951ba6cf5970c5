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

interface RememberedMessage {
  /** role and raw JSON of the content, as projected */
  key: string;
  id: string;
}

/**
 * The fallback ids of the last projection of recent conversations. Clients re-send the whole
 * history with every request, so without this every exchange re-hashes every earlier message
 * (canonical JSON + sha256: the largest identity cost in the writer's profile). A message
 * whose role and content are byte-identical to the same position of the last projection, with
 * an identical prefix before it, has the same id (the chain of previous ids is the same).
 * Bounded by conversations and by the bytes of the remembered keys.
 */
export class HistoryIdentityMemo {
  readonly #maxConversations: number;
  readonly #maxBytes: number;
  readonly #byConversation = new Map<string, { messages: RememberedMessage[]; bytes: number }>();
  #bytes = 0;

  constructor(maxConversations = 256, maxBytes = 32 * 1024 * 1024) {
    this.#maxConversations = maxConversations;
    this.#maxBytes = maxBytes;
  }

  /**
   * Walk one projection's messages in order. `idFor(role, content, supplied, compute)` gives the
   * message's id: `supplied` when the projector gave one, else the remembered id while the
   * history matches, else `compute()`. `finish()` remembers the walk.
   */
  walk(conversation: string): { idFor(role: string, content: unknown, supplied: string | undefined, compute: () => string): string; finish(): void } {
    const previous = this.#byConversation.get(conversation)?.messages ?? [];
    const next: RememberedMessage[] = [];
    let matching = true;
    let bytes = 0;
    return {
      idFor: (role, content, supplied, compute) => {
        const key = `${role}\u0000${JSON.stringify(content)}`;
        const remembered = matching ? previous[next.length] : undefined;
        const same = remembered !== undefined && remembered.key === key && (supplied === undefined || remembered.id === supplied);
        const id = supplied ?? (same ? remembered.id : compute());
        matching = same;
        next.push({ key, id });
        bytes += key.length;
        return id;
      },
      finish: () => this.#remember(conversation, next, bytes),
    };
  }

  #remember(conversation: string, messages: RememberedMessage[], bytes: number): void {
    const old = this.#byConversation.get(conversation);
    if (old) {
      this.#bytes -= old.bytes;
      this.#byConversation.delete(conversation);
    }
    if (bytes > this.#maxBytes / 4) return; // one huge history would evict everything else
    this.#byConversation.set(conversation, { messages, bytes });
    this.#bytes += bytes;
    for (const [key, entry] of this.#byConversation) {
      if (this.#byConversation.size <= this.#maxConversations && this.#bytes <= this.#maxBytes) break;
      this.#byConversation.delete(key);
      this.#bytes -= entry.bytes;
    }
  }
}
