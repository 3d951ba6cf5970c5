import type { ProjectedMessage } from '@hypaware/ai-gateway';
import { sameJson, type JsonValue } from '@hypaware/core';
import type { AssistantReply } from './assistant-reply.js';
import { contentBlocks, isSystemReminder, unitKey, type Block } from './content-keys.js';
import type { WireMessage } from './messages-request.js';

/**
 * One row unit of a Messages exchange, shaped like the lines Claude Code writes to its
 * transcript: one per assistant content block, one per tool result, one per user prompt.
 * Harness context that Claude Code never writes as a message (`<system-reminder>` blocks,
 * mid-conversation `system` messages) becomes separate wire-only units.
 */
export interface WireUnit {
  role: string;
  content: string | Block[];
  blocks: Block[];
  key: string;
  wireOnly: boolean;
  /** part of the reply being captured (not of the request history) */
  fromReply: boolean;
  /** last block of an assistant message: the unit that carries usage and stop reason */
  carrier: boolean;
  /**
   * What the projector derives from `content` alone (its parts, its identity form), kept on the
   * unit when first needed: a re-sent message keeps its units, so its projected message shares
   * these with the previous request's (nothing downstream writes to them).
   */
  derived?: { parts?: ProjectedMessage['content']; identity?: JsonValue; keys?: UnitKeyCache; built?: BuiltMessage };
}

/**
 * The projected message last built for a unit and the values it was built from besides the
 * unit (its keys, transcript line, usage, stop reason: `projector/build-messages.ts`), compared
 * by identity: a re-sent unit whose values are the same gets the same message back.
 */
export interface BuiltMessage {
  message: ProjectedMessage;
  from: readonly unknown[];
}

/**
 * The strings a unit's stable key is made of, with what they were made for (see
 * `stableKeys` in projector/build-messages.ts): a re-sent unit at the same place gets the
 * same strings back instead of new ones (and their hashes, which V8 keeps on a string).
 */
export interface UnitKeyCache {
  /** the unit's role and key the strings below were made of */
  role?: string;
  key?: string;
  /** `scope|role|key`, made for `scope` */
  scope?: string;
  base?: string;
  /** the match key of `base` with `ordinal` */
  ordinal?: number;
  matchKey?: string;
  /** wire-only unit: `conversation|scope|anchor|role|key`, made for these three */
  wireConversation?: string;
  wireScope?: string;
  wireAnchor?: string;
  wireBase?: string;
  /** the id of `wireBase` with `wireOrdinal` */
  wireOrdinal?: number;
  wireId?: string;
}

function unit(role: string, blocks: Block[], extra: Partial<WireUnit> = {}): WireUnit {
  return {
    role,
    content: blocks,
    blocks,
    key: unitKey(blocks),
    wireOnly: false,
    fromReply: false,
    carrier: false,
    ...extra,
  };
}

function isToolResult(block: Block): boolean {
  return typeof block.type === 'string' && block.type.endsWith('tool_result') && typeof block.tool_use_id === 'string';
}

function assistantUnits(blocks: Block[], fromReply: boolean): WireUnit[] {
  return blocks.map((b, i) => unit('assistant', [b], { fromReply, carrier: i === blocks.length - 1 }));
}

function userUnits(blocks: Block[]): WireUnit[] {
  const out: WireUnit[] = [];
  let prompt: WireUnit | undefined;
  let reminder: WireUnit | undefined;
  for (const block of blocks) {
    if (isToolResult(block)) {
      out.push(unit('user', [block]));
      reminder = undefined;
    } else if (isSystemReminder(block)) {
      if (reminder) reminder.blocks.push(block);
      else out.push((reminder = unit('user', [block], { wireOnly: true })));
    } else {
      if (prompt) prompt.blocks.push(block);
      else out.push((prompt = unit('user', [block])));
      reminder = undefined;
    }
  }
  for (const u of out) u.key = unitKey(u.blocks);
  return out;
}

/** The units of one request message, kept with the message they came from. */
export interface MessageUnits {
  message: WireMessage;
  units: WireUnit[];
}

function messageUnits(message: WireMessage): WireUnit[] {
  const blocks = contentBlocks(message.content);
  if (blocks.length === 0) return [];
  if (message.role === 'assistant') return assistantUnits(blocks, false);
  if (message.role === 'user') return userUnits(blocks);
  const content = typeof message.content === 'string' ? message.content : blocks;
  return [{ ...unit(message.role, blocks), content, wireOnly: message.role === 'system' }];
}

/**
 * Split the request history and the reply into row units, in conversation order. A message
 * equal (structurally) to the one at the same place in `previous` (the conversation's previous
 * request) keeps its units: a unit depends on its message alone, and the re-sent history is
 * most of every request, so its content keys are not computed again.
 */
export function wireUnits(
  messages: readonly WireMessage[],
  reply: AssistantReply | undefined,
  previous?: readonly MessageUnits[],
): { units: WireUnit[]; history: MessageUnits[] } {
  const history = messages.map((message, i): MessageUnits => {
    const before = previous?.[i];
    return before && sameJson(before.message, message) ? before : { message, units: messageUnits(message) };
  });
  const units = history.flatMap((h) => h.units);
  if (reply && reply.content.length > 0) units.push(...assistantUnits(reply.content, true));
  return { units, history };
}
