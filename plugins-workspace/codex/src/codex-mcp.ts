/**
 * `hyp codex attach --mcp`: HypAware's MCP server as `[mcp_servers.hypaware]` in Codex's
 * config.toml, inside marked lines appended at the end, so removing them gives back the user's
 * bytes. Other `mcp_servers` tables are never touched; a `hypaware` one of the user's is refused.
 */
import { isDeepStrictEqual } from 'node:util';
import { HypError } from '@hypaware/core';
import type { McpServerLaunch } from '@hypaware/ai-gateway';
import { parse } from 'smol-toml';

const BEGIN = '# >>> hypaware mcp server (hyp codex attach --mcp; hyp codex detach removes it)';
const END = '# <<< hypaware mcp server';
const NOTE_FINAL_NEWLINE = '# note: added the final newline of the line above';

function tomlString(value: string): string {
  return JSON.stringify(value);
}

function tomlKey(key: string): string {
  return /^[A-Za-z0-9_-]+$/.test(key) ? key : tomlString(key);
}

/** The config without HypAware's MCP block (unchanged when it has none). */
export function removeMcpBlock(text: string, path: string): { text: string; changed: boolean } {
  const lines = text.split('\n');
  const bare = lines.map((l) => l.replace(/\r$/, ''));
  const start = bare.indexOf(BEGIN);
  if (start < 0) return { text, changed: false };
  const end = bare.indexOf(END, start);
  if (end < 0) {
    throw new HypError(`${path}: the HypAware MCP block has no end line (${END}); fix or remove it by hand`, {
      kind: 'codex_config_malformed',
    });
  }
  const removedNewline = bare.slice(start, end).includes(NOTE_FINAL_NEWLINE);
  const kept = [...lines.slice(0, start), ...lines.slice(end + 1)];
  let out = kept.join('\n');
  if (removedNewline) out = out.replace(/\r?\n$/, '');
  return { text: out, changed: true };
}

/** The config with HypAware's MCP server (any earlier HypAware block replaced). */
export function addMcpBlock(text: string, launch: McpServerLaunch, path: string): string {
  const base = removeMcpBlock(text, path).text;
  const servers = (parse(base) as { mcp_servers?: Record<string, unknown> }).mcp_servers;
  if (servers && launch.name in servers) {
    throw new HypError(
      `${path} already has [mcp_servers.${launch.name}] that is not HypAware's; rename or remove it, then run attach --mcp again`,
      { kind: 'mcp_name_taken' },
    );
  }
  const eol = base.includes('\r\n') ? '\r\n' : '\n';
  const block = [
    BEGIN,
    ...(base !== '' && !base.endsWith('\n') ? [NOTE_FINAL_NEWLINE] : []),
    `[mcp_servers.${tomlKey(launch.name)}]`,
    `command = ${tomlString(launch.command)}`,
    `args = [${launch.args.map(tomlString).join(', ')}]`,
    `env = { ${Object.entries(launch.env)
      .map(([k, v]) => `${tomlKey(k)} = ${tomlString(v)}`)
      .join(', ')} }`,
    END,
  ];
  const next = `${base}${base !== '' && !base.endsWith('\n') ? eol : ''}${block.join(eol)}${eol}`;
  // smol-toml's tables have no prototype: compare as JSON
  const written = JSON.parse(
    JSON.stringify((parse(next) as { mcp_servers?: Record<string, unknown> }).mcp_servers?.[launch.name] ?? null),
  ) as unknown;
  const expected = { command: launch.command, args: launch.args, env: launch.env };
  if (!isDeepStrictEqual(written, expected) || removeMcpBlock(next, path).text !== base) {
    throw new HypError(`${path}: cannot add the MCP server without changing other settings; nothing was changed`, {
      kind: 'codex_config_unsafe',
    });
  }
  return next;
}
