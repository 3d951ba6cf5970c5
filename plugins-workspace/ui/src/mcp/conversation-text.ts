/**
 * A session's conversation as plain text for an agent, within a character budget: one block
 * per part (prompts, answers, tool calls with arguments, results, errors), long texts cut.
 */
import type { ReplayPart } from '../history/session-replay.js';

const PART_CHARS = 4000;

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}… [${text.length - max} more chars]`;
}

export function partText(p: ReplayPart): string {
  const who = p.agent_id || p.is_sidechain === 1 ? `${p.role} (sub-agent ${p.agent_id ?? 'sidechain'})` : p.role;
  const head = `[${p.message_created_at}] ${who}`;
  const text = p.content_text ?? '';
  switch (p.part_type) {
    case 'tool_call':
      return `${head} tool_call ${p.tool_name ?? ''} (${p.tool_call_id ?? ''}): ${clip(p.tool_args ?? '', PART_CHARS)}`;
    case 'tool_result':
      return `${head} tool_result of ${p.tool_name ?? ''} (${p.tool_result_for ?? ''})${p.is_error === 1 ? ' ERROR' : ''}: ${clip(text, PART_CHARS)}`;
    case 'reasoning':
      return `${head} thinking: ${clip(text, 600)}`;
    case 'text':
      return `${head}: ${clip(text, p.role === 'system' ? 300 : PART_CHARS)}`;
    default:
      return `${head} ${p.part_type}: ${clip(text || (p.status ?? ''), PART_CHARS)}`;
  }
}

/** The parts' text until the budget is spent; how many parts it holds. */
export function conversationText(parts: ReplayPart[], budget: number): { text: string; parts: number } {
  const out: string[] = [];
  let used = 0;
  for (const p of parts) {
    const line = partText(p);
    if (used + line.length > budget && out.length > 0) break;
    out.push(line);
    used += line.length + 2;
  }
  return { text: out.join('\n\n'), parts: out.length };
}
