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

/** Split the request history and the reply into row units, in conversation order. */
export function wireUnits(messages: readonly WireMessage[], reply: AssistantReply | undefined): WireUnit[] {
  const out: WireUnit[] = [];
  for (const message of messages) {
    const blocks = contentBlocks(message.content);
    if (blocks.length === 0) continue;
    if (message.role === 'assistant') out.push(...assistantUnits(blocks, false));
    else if (message.role === 'user') out.push(...userUnits(blocks));
    else {
      const content = typeof message.content === 'string' ? message.content : blocks;
      out.push({ ...unit(message.role, blocks), content, wireOnly: message.role === 'system' });
    }
  }
  if (reply && reply.content.length > 0) out.push(...assistantUnits(reply.content, true));
  return out;
}
