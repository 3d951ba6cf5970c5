import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { firstString as str, parseJsonObject } from '../util/json.js';

/**
 * One line of `session-context.jsonl`: what a Claude Code hook told us about a session.
 * Written by `hyp claude-hook session-context`, read by the projector.
 */
export interface SessionContextRecord {
  session_id: string;
  cwd?: string;
  transcript_path?: string;
  git_branch?: string;
  hook_event?: string;
  /** set when the hook fired inside a sub-agent */
  agent_id?: string;
  ts: string;
}

export const STATE_FILE_NAME = 'session-context.jsonl';
const CLAUDE_PLUGIN_NAME = '@hypaware/claude';

/** The state file of a HypAware home: `<HYP_HOME or ~/.hyp>/hypaware/plugins/@hypaware/claude/session-context.jsonl`. */
export function defaultStateFile(env: NodeJS.ProcessEnv): string {
  const fromEnv = env.HYP_HOME?.trim();
  const hypHome = fromEnv ? (isAbsolute(fromEnv) ? fromEnv : resolve(fromEnv)) : join(env.HOME || homedir(), '.hyp');
  return join(hypHome, 'hypaware', 'plugins', CLAUDE_PLUGIN_NAME, STATE_FILE_NAME);
}

/** Parse one state-file line; undefined for anything without a session id. */
export function parseRecord(line: string): SessionContextRecord | undefined {
  const o = parseJsonObject(line);
  if (!o) return undefined;
  const sessionId = str(o.session_id);
  if (!sessionId) return undefined;
  const record: SessionContextRecord = { session_id: sessionId, ts: str(o.ts) ?? '' };
  for (const key of ['cwd', 'transcript_path', 'git_branch', 'hook_event', 'agent_id'] as const) {
    const value = str(o[key]);
    if (value) record[key] = value;
  }
  return record;
}
