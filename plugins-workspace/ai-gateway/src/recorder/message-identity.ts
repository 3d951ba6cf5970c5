/**
 * Fallback identity for messages a projector gave no id:
 *   message_id = hash16(scope ":" role ":" canonicalJson(identity, else the parts) [":" previous id])
 * `identity` is the adapter's stable form of the content (see ProjectedMessage.identity).
 * The previous message's id is part of the hash so that two identical prompts in one
 * conversation ("continue", "yes") stay two messages; since history is re-sent unchanged,
 * the chain, and so every id, is the same on every re-send.
 */
import { hash } from 'node:crypto';
import { isPlainObject, jsonSizeEstimate, sameJson, type JsonValue } from '@hypaware/core';
import type { MessagePart } from '../api-types.js';

export function hash16(text: string): string {
  return hash('sha256', text, 'hex').slice(0, 16);
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

/** A string becomes one text part ('' none); arrays keep their object parts; anything else is empty. */
export function normalizeContent(content: unknown): MessagePart[] {
  if (typeof content === 'string') return content === '' ? [] : [{ type: 'text', text: content }];
  if (!Array.isArray(content)) return [];
  return content.flatMap((item: JsonValue): MessagePart[] => {
    if (typeof item === 'string') return item === '' ? [] : [{ type: 'text', text: item }];
    return isPlainObject(item) ? [item as unknown as MessagePart] : [];
  });
}

/** How many parts `normalizeContent(content)` gives, without building them. */
export function partCount(content: unknown): number {
  if (typeof content === 'string') return content === '' ? 0 : 1;
  if (!Array.isArray(content)) return 0;
  let n = 0;
  for (const item of content as unknown[]) if (typeof item === 'string' ? item !== '' : isPlainObject(item)) n++;
  return n;
}

/** `basis`: the message's `identity`, else its normalized parts. */
export function fallbackMessageId(scope: string, role: string, basis: unknown, previousId: string | undefined): string {
  const base = `${scope}:${role}:${canonicalJson(basis)}`;
  return hash16(previousId === undefined ? base : `${base}:${previousId}`);
}

interface RememberedMessage {
  role: string;
  /** the identity form (else the content) as projected: compared structurally with the next re-send */
  value: unknown;
  id: string;
  /** the projector gave the id: a later message without one must not inherit it */
  supplied: boolean;
  /** estimated bytes `value` holds */
  bytes: number;
}

/**
 * One projection's walk over the memo. Per message, in order: `idFor` gives the supplied id,
 * else the remembered one while the history matches, else undefined, and then the caller
 * computes the id and hands it to `computed`. A re-sent message keeps its remembered entry
 * (its value is the same JSON): a turn allocates only for what is new in it.
 */
export class IdentityWalk {
  readonly #previous: readonly RememberedMessage[];
  readonly #onFinish: (messages: RememberedMessage[], bytes: number) => void;
  readonly #next: RememberedMessage[] = [];
  #matching = true;
  #bytes = 0;
  /** the entry `computed` completes */
  #open: RememberedMessage | undefined;

  constructor(
    previous: readonly RememberedMessage[],
    onFinish: (messages: RememberedMessage[], bytes: number) => void,
  ) {
    this.#previous = previous;
    this.#onFinish = onFinish;
  }

  idFor(role: string, content: unknown, supplied: string | undefined): string | undefined {
    if (this.#open) throw new Error('IdentityWalk: the previous message is waiting for its computed id');
    const remembered = this.#matching ? this.#previous[this.#next.length] : undefined;
    const sameContent = remembered !== undefined && remembered.role === role && sameJson(remembered.value, content);
    const same = sameContent && (supplied === undefined ? !remembered.supplied : remembered.id === supplied);
    this.#matching = same;
    if (same) {
      this.#next.push(remembered);
      this.#bytes += remembered.bytes;
      return remembered.id;
    }
    const bytes = sameContent ? remembered.bytes : jsonSizeEstimate(content) + role.length * 2;
    const entry: RememberedMessage = {
      role,
      value: content,
      id: supplied ?? '',
      supplied: supplied !== undefined,
      bytes,
    };
    this.#next.push(entry);
    this.#bytes += bytes;
    if (supplied === undefined) this.#open = entry;
    return supplied;
  }

  /** The id computed for the message `idFor` gave none for. */
  computed(id: string): void {
    if (!this.#open) throw new Error('IdentityWalk: no message is waiting for a computed id');
    this.#open.id = id;
    this.#open = undefined;
  }

  finish(): void {
    if (this.#open) throw new Error('IdentityWalk: finished with a message still waiting for its computed id');
    this.#onFinish(this.#next, this.#bytes);
  }
}

/**
 * The fallback ids of the last projection of recent conversations. Clients re-send the whole
 * history with every request, so without this every exchange re-hashes every earlier message
 * (canonical JSON + sha256: the largest identity cost in the writer's profile). A message
 * whose role and content are the same JSON as the same position of the last projection, with
 * an identical prefix before it, has the same id (the chain of previous ids is the same).
 * The comparison walks both values (no serialization); a remembered value is the projection's
 * own object from the first turn that sent the message (a later turn's equal value does not
 * replace it), which nothing changes after projection. Bounded by conversations and by the
 * estimated bytes of the remembered values.
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

  /** Walk one projection's messages in order (see IdentityWalk); `finish()` remembers the walk. */
  walk(conversation: string): IdentityWalk {
    return new IdentityWalk(this.#byConversation.get(conversation)?.messages ?? [], (messages, bytes) =>
      this.#remember(conversation, messages, bytes),
    );
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
