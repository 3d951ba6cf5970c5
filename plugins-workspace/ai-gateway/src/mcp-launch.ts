/**
 * How a client starts HypAware's MCP server (`hyp mcp serve`, from @hypaware/ui): written by
 * `hyp <client> attach --mcp` into the client's MCP settings. The program is `HYPAWARE_BIN` /
 * `HYP_BIN` when set, else this Node running the `hyp` entry that runs now; HYP_HOME is pinned
 * so the server reads the history attach was run for.
 */
import { realpathSync } from 'node:fs';
import type { McpServerLaunch } from './api-types.js';

/** The name the server is registered under in a client's settings. */
export const MCP_SERVER_NAME = 'hypaware';

export function hypMcpServerLaunch(hypHome: string, env: NodeJS.ProcessEnv): McpServerLaunch {
  const fromEnv = env.HYPAWARE_BIN?.trim() || env.HYP_BIN?.trim();
  const entry = process.argv[1];
  const program = fromEnv
    ? { command: fromEnv, args: ['mcp', 'serve'] }
    : { command: process.execPath, args: [entry ? realpathSync(entry) : 'hyp', 'mcp', 'serve'] };
  return { name: MCP_SERVER_NAME, ...program, env: { HYP_HOME: hypHome } };
}

/** True when a client's server entry runs `… mcp serve` (HypAware's, as attach writes it). */
export function isHypMcpServer(args: unknown): boolean {
  return (
    Array.isArray(args) && args.length >= 2 && args[args.length - 2] === 'mcp' && args[args.length - 1] === 'serve'
  );
}
