/**
 * The gateway's history in the kernel: the price table and its views, the daemon's price
 * refresh, `hyp query overview` and the `capture` section of `hyp status`.
 */
import type { ActivationContext } from '@hypaware/core';
import type { AiGatewayApi } from '../api-types.js';
import { captureStatus, renderCaptureStatus } from './capture-status.js';
import { registerOverviewCommand } from './overview-command.js';
import { pricesDataset } from './model-prices-table.js';
import { startPriceRefresh } from './price-refresh-schedule.js';
import { HISTORY_VIEWS } from './views.js';

export function registerHistory(ctx: ActivationContext, api: AiGatewayApi): void {
  ctx.registerDataset(pricesDataset);
  // every mode: whichever process opens the database first creates the views
  for (const view of HISTORY_VIEWS) ctx.registerView(view);
  if (ctx.mode === 'daemon') startPriceRefresh(ctx);
  if (ctx.mode !== 'cli') return;
  registerOverviewCommand(ctx);
  ctx.registerStatusSection({
    key: 'capture',
    collect: (status) => captureStatus(ctx, api, status),
    render: renderCaptureStatus,
  });
}
