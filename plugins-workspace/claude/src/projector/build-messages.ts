import type { JsonObject, JsonValue } from '@hypaware/core';
import type { MessageFinish, MessageUsage, ProjectedMessage } from '@hypaware/ai-gateway';
import type { UnitMatch } from '../identity/align-units.js';
import type { TranscriptView } from '../transcript/transcript-view.js';
import type { AssistantReply } from '../wire/assistant-reply.js';
import { sha256Hex } from '../wire/content-keys.js';
import type { WireUnit } from '../wire/wire-units.js';
import { identityOf, messageParts } from './parts.js';

export interface BuildInput {
  units: readonly WireUnit[];
  matches: ReadonlyArray<UnitMatch | undefined>;
  view: TranscriptView | undefined;
  conversationId: string;
  /** match-key scope: the sub-agent id, or `main` */
  scope: string;
  reply: AssistantReply | undefined;
  /** time and request id of the reply (the exchange end, the `request-id` response header) */
  replyCreatedAt: string;
  replyRequestId: string | undefined;
  /** usage seen on the wire for an earlier reply, by Anthropic message id */
  wireUsage(messageId: string): MessageUsage | undefined;
  /** sha256 for the keys (the conversation's memo; default: hash every one) */
  sha256Hex?: (text: string) => string;
}

export interface BuiltMessages {
  messages: ProjectedMessage[];
  /** units at the end of the conversation that the transcript does not show yet */
  pending: number;
}

interface StableKey {
  /** transcript-bound unit: lets its fallback row be replaced by the native one */
  matchKey?: string;
  /** wire-only unit: the projector's own id for it */
  wireId?: string;
}

/**
 * Per unit, keys that are the same before and after its transcript line exists and on every
 * re-send of the history. A transcript-bound unit gets a match key (scope, role, content and
 * an ordinal that keeps repeated identical messages apart). A wire-only unit (harness context
 * no transcript ever shows) gets an id derived from the match key of the unit before it, so
 * it does not change when that unit turns from fallback to native identity.
 */
function stableKeys(
  units: readonly WireUnit[],
  conversation: string,
  scope: string,
  sha: (text: string) => string,
): StableKey[] {
  const seen = new Map<string, number>();
  const ordinal = (base: string): number => {
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    return n;
  };
  let anchor = 'start';
  return units.map((u) => {
    // the strings are the same as ever; a re-sent unit (the conversation's memo keeps its
    // units) only gets them back from its cache instead of building and hashing them again
    let cache = ((u.derived ??= {}).keys ??= {});
    if (cache.role !== u.role || cache.key !== u.key) cache = u.derived.keys = { role: u.role, key: u.key };
    if (u.wireOnly) {
      if (cache.wireConversation !== conversation || cache.wireScope !== scope || cache.wireAnchor !== anchor) {
        cache.wireConversation = conversation;
        cache.wireScope = scope;
        cache.wireAnchor = anchor;
        cache.wireBase = `${conversation}|${scope}|${anchor}|${u.role}|${u.key}`;
        cache.wireOrdinal = undefined;
      }
      const n = ordinal(cache.wireBase!);
      if (cache.wireOrdinal !== n) {
        cache.wireOrdinal = n;
        cache.wireId = `wire_${sha(`${cache.wireBase!}#${n}`).slice(0, 32)}`;
      }
      return { wireId: cache.wireId! };
    }
    if (cache.scope !== scope) {
      cache.scope = scope;
      cache.base = unitMatchBase(scope, u.role, u.key);
      cache.ordinal = undefined;
    }
    const n = ordinal(cache.base!);
    if (cache.ordinal !== n) {
      cache.ordinal = n;
      cache.matchKey = unitMatchKey(cache.base!, n, sha);
    }
    anchor = cache.matchKey!;
    return { matchKey: anchor };
  });
}

/** What a transcript-bound unit's match key hashes, before its ordinal (`#n`: equal units before it). */
export function unitMatchBase(scope: string, role: string, unitKey: string): string {
  return `${scope}|${role}|${unitKey}`;
}

/** The match key of the `ordinal`-th unit (from 0) with this base: the same on the wire and in an import. */
export function unitMatchKey(base: string, ordinal: number, sha: (text: string) => string = sha256Hex): string {
  return sha(`${base}#${ordinal}`).slice(0, 32);
}

function claudeAttributes(fields: JsonObject): JsonObject {
  return { claude: fields };
}

function usageOfCarrier(
  input: BuildInput,
  u: WireUnit,
  match: UnitMatch | undefined,
): { usage: MessageUsage; source: string } | undefined {
  if (!u.carrier) return undefined;
  if (u.fromReply) return input.reply?.usage ? { usage: input.reply.usage, source: 'wire' } : undefined;
  const messageId = match?.entry.messageId;
  if (!messageId) return undefined;
  const wire = input.wireUsage(messageId);
  if (wire) return { usage: wire, source: 'wire' };
  const last = input.view?.lastLineOf(messageId);
  return last === match.entry && last.usage ? { usage: last.usage, source: 'transcript' } : undefined;
}

function stopReasonOf(input: BuildInput, u: WireUnit, match: UnitMatch | undefined): string | undefined {
  if (!u.carrier) return undefined;
  return u.fromReply ? input.reply?.stop_reason : match?.entry.stopReason;
}

/** Anthropic stop reasons onto the gateway's finish reasons; `tool_use` keeps its name in the rows. */
const FINISH: Record<string, MessageFinish> = {
  end_turn: { reason: 'stop' },
  stop_sequence: { reason: 'stop' },
  max_tokens: { reason: 'length' },
  tool_use: { reason: 'tool_call', recorded_as: 'tool_use' },
  pause_turn: { reason: 'pause' },
  refusal: { reason: 'refusal' },
  error: { reason: 'error' },
};

/** Any other stop reason is recorded as Anthropic named it. */
export function finishOf(stopReason: string): MessageFinish {
  return FINISH[stopReason] ?? { reason: 'other', recorded_as: stopReason };
}

/** A unit's parts, made once per unit (a re-sent message's unit comes back from the conversation's memo). */
function unitParts(u: WireUnit): ProjectedMessage['content'] {
  const derived = (u.derived ??= {});
  return (derived.parts ??= messageParts(u.content));
}

/** A unit's identity form, made once per unit. */
function unitIdentity(u: WireUnit): JsonValue {
  const derived = (u.derived ??= {});
  return (derived.identity ??= identityOf(u.content));
}

function sameValues(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Turn aligned units into projected messages: native identity where matched, fallback otherwise. */
export function buildMessages(input: BuildInput): BuiltMessages {
  const { units, matches } = input;
  const keys = stableKeys(units, input.conversationId, input.scope, input.sha256Hex ?? sha256Hex);
  const messages: ProjectedMessage[] = [];
  let lastMatched = -1;
  for (let i = 0; i < units.length; i++) {
    const u = units[i]!;
    const match = matches[i];
    // older transcripts hold several blocks per line: the line is the row unit
    let end = i;
    while (match && matches[end + 1]?.entry === match.entry) end++;
    if (match) lastMatched = end;
    const { matchKey, wireId } = keys[i]!;
    const lastMatch = matches[end];
    const carried = usageOfCarrier(input, units[end]!, lastMatch);
    const stop = stopReasonOf(input, units[end]!, lastMatch);
    // a re-sent unit of its own (not the reply's, not one of a transcript line's several) whose
    // message would be built from the same values gets the message built last time
    const reusable = end === i && !u.fromReply;
    const from = reusable ? [matchKey, wireId, match?.entry, carried?.usage, carried?.source, stop] : undefined;
    const built = u.derived?.built;
    if (from && built && sameValues(built.from, from)) {
      messages.push(built.message);
      continue;
    }
    const group = units.slice(i, end + 1);
    const content = group.length === 1 ? u.content : group.flatMap((g) => g.blocks);
    const msg: ProjectedMessage = { role: u.role, content: group.length === 1 ? unitParts(u) : messageParts(content) };
    if (matchKey) msg.match_key = matchKey;
    if (match) {
      const e = match.entry;
      Object.assign(msg, e.native);
      if (e.frame) msg.raw_frame = JSON.parse(e.frame) as JsonObject;
      msg.message_id = e.uuid;
      msg.previous_message_id = e.parentUuid ? [e.parentUuid] : [];
      msg.attributes = claudeAttributes({ identity_source: 'transcript' });
    } else if (wireId) {
      // no previous id: the unit before it may still be a fallback whose id only the gateway knows
      msg.message_id = wireId;
      msg.attributes = claudeAttributes({ identity_source: 'wire', wire_only: true });
    } else {
      msg.attributes = claudeAttributes({ identity_source: 'gateway_fallback' });
      if (u.fromReply) {
        msg.message_created_at = input.replyCreatedAt;
        if (input.replyRequestId) msg.request_id = input.replyRequestId;
      }
    }
    if (carried) {
      msg.usage = carried.usage;
      (msg.attributes!.claude as JsonObject).usage_source = carried.source;
    }
    if (stop) msg.finish = finishOf(stop);
    // the gateway computes this message's id: from the blocks as sent, whatever the part mapping
    if (msg.message_id === undefined && typeof content !== 'string')
      msg.identity = group.length === 1 ? unitIdentity(u) : identityOf(content);
    if (from) (u.derived ??= {}).built = { message: msg, from };
    messages.push(msg);
    i = end;
  }
  const pending = units.slice(lastMatched + 1).filter((u) => !u.wireOnly).length;
  return { messages, pending };
}
