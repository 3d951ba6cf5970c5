import type { ActivationContext, CommandIO, Diagnostic } from '@hypaware/core';
import { HypError, errorMessage } from '@hypaware/core';
import { hypMcpServerLaunch, type AiGatewayApi } from '@hypaware/ai-gateway';
import type { ClaudeClient } from './attach/claude-client.js';
import { registerClaudeImport } from './import/import-command.js';

/** The endpoint attach writes: the running gateway's, never a port nothing listens on. */
async function runningEndpoint(api: AiGatewayApi): Promise<string> {
  try {
    return await api.localEndpoint();
  } catch (err) {
    const why = errorMessage(err);
    const hint = why.includes('hyp daemon') ? '' : '; start it with `hyp daemon start`';
    throw new HypError(`cannot attach Claude Code: ${why}${hint}`, { kind: 'gateway_not_running' });
  }
}

async function gatewayState(api: AiGatewayApi): Promise<{ endpoint?: string; error?: string }> {
  try {
    return { endpoint: await api.localEndpoint() };
  } catch (err) {
    return { error: errorMessage(err) };
  }
}

interface Flags {
  dryRun?: boolean;
  json?: boolean;
  mcp?: boolean;
}

/** `hyp claude attach|detach|status`. */
export function registerClaudeCommand(ctx: ActivationContext, api: AiGatewayApi, client: ClaudeClient): void {
  ctx.registerCommand({
    name: 'claude',
    description:
      'Claude Code: route it through the gateway (attach), undo it (detach), show the state, import its transcripts',
    configure(command, io: CommandIO) {
      command
        .command('attach')
        .description(
          'point Claude Code (settings.json in $CLAUDE_CONFIG_DIR or ~/.claude) at the running gateway and install the session hooks',
        )
        .option('--dry-run', 'show what would change, write nothing')
        .option('--json', 'machine-readable output')
        .option('--mcp', "also register HypAware's MCP server (hyp mcp serve) in ~/.claude.json mcpServers")
        .action(async (opts: Flags) => {
          const endpoint = await runningEndpoint(api);
          await client.attach({
            endpoint,
            ...(opts.mcp ? { mcp: hypMcpServerLaunch(ctx.paths.hypHome, ctx.env) } : {}),
            dryRun: Boolean(opts.dryRun),
            json: Boolean(opts.json),
            stdout: io.stdout,
            stderr: io.stderr,
          });
        });
      command
        .command('detach')
        .description(
          'undo attach: restore the previous settings.json values, remove the hooks, the marker and the MCP server entry',
        )
        .option('--dry-run', 'show what would change, write nothing')
        .option('--json', 'machine-readable output')
        .action(async (opts: Flags) => {
          await client.detach({
            dryRun: Boolean(opts.dryRun),
            json: Boolean(opts.json),
            stdout: io.stdout,
            stderr: io.stderr,
          });
        });
      command
        .command('status')
        .description('is Claude Code attached, to which endpoint, and is a gateway running there')
        .option('--json', 'machine-readable output')
        .action(async (opts: Flags) => {
          const state = await client.status();
          const gateway = await gatewayState(api);
          if (opts.json) {
            io.stdout.write(
              JSON.stringify({ client: 'claude', ...state, gateway_endpoint: gateway.endpoint ?? null }, null, 2) +
                '\n',
            );
            return;
          }
          const lines = [
            `Claude Code: ${state.attached ? `attached to ${state.endpoint}` : 'not attached'} (${state.settings_path})`,
          ];
          if (state.detail) lines.push(`  ${state.detail}`);
          lines.push(
            gateway.endpoint ? `  gateway running at ${gateway.endpoint}` : `  no gateway running (${gateway.error})`,
          );
          io.stdout.write(lines.join('\n') + '\n');
        });
      registerClaudeImport(command, io, api, ctx.env);
    },
  });
}

/** `hyp status` findings: an attach that points where no gateway (or another one) listens. */
export async function claudeDiagnostics(api: AiGatewayApi, client: ClaudeClient): Promise<Diagnostic[]> {
  const state = await client.status();
  if (!state.attached) return [];
  const out: Diagnostic[] = [];
  const gateway = await gatewayState(api);
  // nothing answering at the endpoint is the gateway's own finding (client_gateway_down)
  if (gateway.endpoint && gateway.endpoint !== state.endpoint) {
    out.push({
      kind: 'client_attach_stale',
      level: 'warn',
      message: `Claude Code is attached to ${state.endpoint} but the gateway listens on ${gateway.endpoint}`,
      repair: 'hyp claude attach',
    });
  }
  if (state.detail)
    out.push({
      kind: 'client_attach_overridden',
      level: 'warn',
      message: `Claude Code: ${state.detail}`,
      repair: 'hyp claude attach',
    });
  return out;
}
