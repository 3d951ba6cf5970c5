/**
 * The transcripts under a Claude Code projects folder, grouped by session:
 * `<projects>/<encoded cwd>/<session>.jsonl` (the main thread), its sub-agents in
 * `<session>/subagents/agent-<id>.jsonl`, and sub-agents older builds wrote beside the session
 * file (`<encoded cwd>/agent-<id>.jsonl`, grouped by the session their lines name).
 */
import { basename, dirname } from 'node:path';
import { walkFiles } from '@hypaware/core';

export interface AgentFile {
  path: string;
  agentId: string;
}

export interface SessionFiles {
  /** the session id the file names (the main transcript's name); lines may say otherwise */
  sessionId: string | undefined;
  main?: string;
  agents: AgentFile[];
}

const AGENT_FILE = /^agent-([A-Za-z0-9_-]+)\.jsonl$/;

/** Every session under `projectsDir`, main transcript first; folder order, names sorted. */
export async function sessionFiles(projectsDir: string): Promise<SessionFiles[]> {
  const bySession = new Map<string, SessionFiles>();
  const loose: SessionFiles[] = [];
  const session = (id: string): SessionFiles => {
    let s = bySession.get(id);
    if (!s) bySession.set(id, (s = { sessionId: id, agents: [] }));
    return s;
  };
  for await (const path of walkFiles(projectsDir, { maxDepth: 3, accept: (name) => name.endsWith('.jsonl') })) {
    const name = basename(path);
    const agent = AGENT_FILE.exec(name);
    const parent = dirname(path);
    if (agent && basename(parent) === 'subagents')
      session(basename(dirname(parent))).agents.push({ path, agentId: agent[1]! });
    else if (agent) loose.push({ sessionId: undefined, agents: [{ path, agentId: agent[1]! }] });
    else session(name.slice(0, -'.jsonl'.length)).main = path;
  }
  return [...bySession.values(), ...loose];
}

export function fileCount(sessions: readonly SessionFiles[]): number {
  return sessions.reduce((n, s) => n + (s.main ? 1 : 0) + s.agents.length, 0);
}
