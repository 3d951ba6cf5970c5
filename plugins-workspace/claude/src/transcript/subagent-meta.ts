/**
 * The `.meta.json` Claude Code writes beside a sub-agent transcript
 * (`<session>/subagents/agent-<id>.jsonl` + `agent-<id>.meta.json`): the agent's type and the
 * parent's `tool_use` (Task / Agent call) that spawned it. Read by the live projector and by
 * `hyp claude import` to link a sub-agent's rows to that call.
 */
import { readFile } from 'node:fs/promises';
import { firstString as str, parseJsonObject } from '../util/json.js';

export interface SubagentMeta {
  agent_type?: string;
  description?: string;
  /** id of the parent's tool_use that spawned the sub-agent */
  tool_use_id?: string;
}

const TRANSCRIPT_SUFFIX = '.jsonl';

/** `agent-<id>.jsonl` -> `agent-<id>.meta.json`; undefined for any other path. */
export function metaPathOf(transcriptPath: string): string | undefined {
  if (!transcriptPath.endsWith(TRANSCRIPT_SUFFIX)) return undefined;
  return `${transcriptPath.slice(0, -TRANSCRIPT_SUFFIX.length)}.meta.json`;
}

export function parseSubagentMeta(text: string): SubagentMeta | undefined {
  const o = parseJsonObject(text);
  if (!o) return undefined;
  const meta: SubagentMeta = {};
  const agentType = str(o.agentType, o.agent_type);
  const description = str(o.description);
  const toolUseId = str(o.toolUseId, o.tool_use_id);
  if (agentType) meta.agent_type = agentType;
  if (description) meta.description = description;
  if (toolUseId) meta.tool_use_id = toolUseId;
  return Object.keys(meta).length > 0 ? meta : undefined;
}

/** The meta of a sub-agent transcript; undefined when there is none (yet) or it does not parse. */
export async function readSubagentMeta(transcriptPath: string): Promise<SubagentMeta | undefined> {
  const path = metaPathOf(transcriptPath);
  if (!path) return undefined;
  try {
    return parseSubagentMeta(await readFile(path, 'utf8'));
  } catch {
    return undefined;
  }
}
