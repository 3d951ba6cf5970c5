/** `hyp codex attach | detach | status`, and the `client_attach_stale` diagnostic. */
import { hypMcpServerLaunch, type AiGatewayApi, type ClientRegistration } from '@hypaware/ai-gateway';
import type { CommandBuilder, CommandIO, CommandSpec, Diagnostic } from '@hypaware/core';
import { HypError, errorMessage } from '@hypaware/core';
import { codexFiles } from './codex-home.js';
import { attachmentOf } from './codex-attach.js';
import { registerCodexImport } from './import/import-command.js';

interface Flags {
  dryRun?: boolean;
  json?: boolean;
  mcp?: boolean;
}

/** The gateway's endpoint, or a one-line refusal when no daemon listens. */
export async function gatewayEndpoint(api: AiGatewayApi): Promise<string> {
  try {
    return await api.localEndpoint();
  } catch (err) {
    throw new HypError(`cannot attach Codex: ${errorMessage(err)}`, { kind: 'gateway_not_running' });
  }
}

export function codexCommand(
  api: AiGatewayApi,
  client: ClientRegistration,
  env: NodeJS.ProcessEnv,
  hypHome: string,
): CommandSpec {
  return {
    name: 'codex',
    description: 'point Codex at the gateway ($CODEX_HOME/config.toml), undo it, show the state, import its rollouts',
    configure(command: CommandBuilder, io: CommandIO) {
      command
        .command('attach')
        .description(
          'add the HypAware model provider to config.toml and select it (keeps your comments and formatting)',
        )
        .option('--dry-run', 'show what would change, write nothing')
        .option('--json', 'machine-readable output')
        .option('--mcp', "also register HypAware's MCP server (hyp mcp serve) as [mcp_servers.hypaware]")
        .action(async (opts: Flags) => {
          const endpoint = await gatewayEndpoint(api);
          const mcp = opts.mcp ? { mcp: hypMcpServerLaunch(hypHome, env) } : {};
          await client.attach({ endpoint, dryRun: Boolean(opts.dryRun), json: Boolean(opts.json), ...mcp, ...io });
        });
      command
        .command('detach')
        .description('remove the HypAware provider and MCP server, restore your previous model_provider')
        .option('--dry-run', 'show what would change, write nothing')
        .option('--json', 'machine-readable output')
        .action(async (opts: Flags) => {
          await client.detach({ dryRun: Boolean(opts.dryRun), json: Boolean(opts.json), ...io });
        });
      command
        .command('status')
        .description('is Codex attached, and to which endpoint?')
        .option('--json', 'machine-readable output')
        .action((opts: Flags) => {
          const state = attachmentOf(codexFiles(env), api);
          if (opts.json) io.stdout.write(JSON.stringify(state, null, 2) + '\n');
          else
            io.stdout.write(
              `Codex ${state.attached ? `attached to ${state.endpoint ?? '(unknown endpoint)'}${state.upstream ? `, traffic going on to ${state.upstream}` : ''}` : 'not attached'}: ${state.settings_path}${state.detail ? ` (${state.detail})` : ''}\n`,
            );
        });
      registerCodexImport(command, io, api, env);
    },
  };
}

/** Attached to an endpoint where the running gateway is not: Codex calls would fail. */
export async function codexDiagnostics(api: AiGatewayApi, env: NodeJS.ProcessEnv): Promise<Diagnostic[]> {
  const state = attachmentOf(codexFiles(env), api);
  if (!state.attached || !state.endpoint) return [];
  let running: string;
  try {
    running = await api.localEndpoint();
  } catch {
    return [];
  }
  if (running.replace(/\/+$/, '') === state.endpoint) return [];
  return [
    {
      kind: 'client_attach_stale',
      level: 'warn',
      message: `Codex is attached to ${state.endpoint} but the gateway listens on ${running} (${state.settings_path})`,
      repair: 'hyp codex attach',
    },
  ];
}
