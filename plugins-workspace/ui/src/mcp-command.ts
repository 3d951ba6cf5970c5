/** `hyp mcp serve`: the history as read-only MCP tools, over stdio (stdout carries the protocol only). */
import type { ActivationContext, CommandSpec } from '@hypaware/core';
import type { AiGatewayApi } from '@hypaware/ai-gateway';

export function mcpCommand(ctx: ActivationContext, api: AiGatewayApi): CommandSpec {
  return {
    name: 'mcp',
    description: 'the history for agents: a Model Context Protocol server',
    configure(command) {
      command
        .command('serve')
        .description('serve read-only tools (query_sql, overview, list_sessions, get_session) on stdio')
        .action(async () => {
          // the MCP SDK loads only for this command
          const { serveMcp } = await import('./mcp/serve.js');
          await serveMcp(ctx, api);
        });
    },
  };
}
