/**
 * @hypaware/ui: `hyp ui` (a local web app over the captured history) and `hyp mcp serve` (the
 * history as read-only MCP tools). Both read through the `hypaware.ai-gateway` capability's
 * history API, so their figures are those of `hyp query overview`.
 */
import type { AiGatewayApi } from '@hypaware/ai-gateway';
import type { ActivationContext } from '@hypaware/core';
import { mcpCommand } from './mcp-command.js';
import { uiCommand } from './ui-command.js';
import { registerUpstreamStatus } from './upstream-status.js';

export function activate(ctx: ActivationContext): void {
  const api = ctx.requireCapability<AiGatewayApi>('hypaware.ai-gateway', '^2.0.0');
  if (ctx.mode !== 'cli') return;
  ctx.registerCommand(uiCommand(ctx, api));
  ctx.registerCommand(mcpCommand(ctx, api));
  registerUpstreamStatus(ctx);
}
