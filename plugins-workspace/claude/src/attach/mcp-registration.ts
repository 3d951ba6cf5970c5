/**
 * `hyp claude attach --mcp`: HypAware's MCP server in Claude Code's user-scope MCP settings,
 * `mcpServers.hypaware` of `~/.claude.json` (`$CLAUDE_CONFIG_DIR/.claude.json` when set).
 * Detach removes that entry when it is HypAware's (it runs `… mcp serve`), and nothing else.
 */
import { join } from 'node:path';
import { homedir } from 'node:os';
import { HypError, isPlainObject } from '@hypaware/core';
import { isHypMcpServer, type McpServerLaunch } from '@hypaware/ai-gateway';
import { readSettings, renderJson, writeSettings, type JsonObjectLike } from './settings-file.js';

/** Claude Code's own config file, where user-scope MCP servers live. */
export function claudeUserConfigPath(env: NodeJS.ProcessEnv): string {
  const dir = env.CLAUDE_CONFIG_DIR?.trim();
  return dir ? join(dir, '.claude.json') : join(env.HOME || homedir(), '.claude.json');
}

export interface McpEdit {
  path: string;
  changed: boolean;
}

function servers(data: JsonObjectLike): JsonObjectLike | undefined {
  const value = data.mcpServers;
  return isPlainObject(value) ? (value as JsonObjectLike) : undefined;
}

export function registerMcpServer(env: NodeJS.ProcessEnv, launch: McpServerLaunch, dryRun: boolean): McpEdit {
  const doc = readSettings(claudeUserConfigPath(env));
  const existing = servers(doc.data)?.[launch.name];
  if (existing !== undefined && !(isPlainObject(existing) && isHypMcpServer(existing.args))) {
    throw new HypError(
      `${doc.path} already has an MCP server named "${launch.name}" that is not HypAware's; rename or remove it, then run attach --mcp again`,
      { kind: 'mcp_name_taken' },
    );
  }
  const entry = { type: 'stdio', command: launch.command, args: launch.args, env: launch.env };
  const data = { ...doc.data, mcpServers: { ...(servers(doc.data) ?? {}), [launch.name]: entry } };
  const text = renderJson(data, doc.style);
  const changed = text !== doc.text;
  if (changed && !dryRun) writeSettings(doc, text);
  return { path: doc.path, changed };
}

export function removeMcpServer(env: NodeJS.ProcessEnv, name: string, dryRun: boolean): McpEdit {
  const doc = readSettings(claudeUserConfigPath(env));
  const all = servers(doc.data);
  const entry = all?.[name];
  if (!all || !isPlainObject(entry) || !isHypMcpServer(entry.args)) return { path: doc.path, changed: false };
  const rest = Object.fromEntries(Object.entries(all).filter(([k]) => k !== name));
  const data = { ...doc.data, mcpServers: rest };
  if (!dryRun) writeSettings(doc, renderJson(data, doc.style));
  return { path: doc.path, changed: true };
}
