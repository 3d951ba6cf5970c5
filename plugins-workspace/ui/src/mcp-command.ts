/** `hyp mcp serve`: the history as read-only MCP tools, over stdio (stdout carries the protocol only). */
import type { ActivationContext, CommandSpec } from '@hypaware/core';
import type { AiGatewayApi } from '@hypaware/ai-gateway';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { HistoryReader } from './history/history-reader.js';
import { registerHistoryTools } from './mcp/mcp-tools.js';
import { openHistoryDatabase } from './open-history.js';
import { openSearchIndex } from './open-search.js';

export function mcpCommand(ctx: ActivationContext, api: AiGatewayApi): CommandSpec {
  return {
    name: 'mcp',
    description: 'the history for agents: a Model Context Protocol server',
    configure(command) {
      command
        .command('serve')
        .description('serve read-only tools (query_sql, overview, list_sessions, get_session) on stdio')
        .action(async () => {
          const db = openHistoryDatabase(ctx);
          const search = openSearchIndex(ctx, db);
          const reader = new HistoryReader(db, api.history, search);
          const server = new McpServer({ name: 'hypaware', version: ctx.plugin.version });
          registerHistoryTools(server, reader);
          const transport = new StdioServerTransport();
          const closed = new Promise<void>((resolve) => {
            transport.onclose = () => resolve();
            process.stdin.once('end', () => resolve());
          });
          await server.connect(transport);
          ctx.log.info('ui.mcp_serving', {});
          await closed;
          await server.close();
          search?.close();
          db.close();
        });
    },
  };
}
