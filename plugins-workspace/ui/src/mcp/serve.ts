/** What `hyp mcp serve` runs (loaded only when the command runs): the MCP server on stdio until stdin closes. */
import type { ActivationContext } from '@hypaware/core';
import type { AiGatewayApi } from '@hypaware/ai-gateway';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { HistoryReader } from '../history/history-reader.js';
import { openHistoryDatabase } from '../open-history.js';
import { openSearchIndex } from '../open-search.js';
import { registerHistoryTools } from './mcp-tools.js';

export async function serveMcp(ctx: ActivationContext, api: AiGatewayApi): Promise<void> {
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
}
