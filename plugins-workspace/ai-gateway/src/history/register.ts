/**
 * The gateway's history in the kernel: the price table and its views, the daemon's price
 * refresh, `hyp query overview` and the `capture` section of `hyp status`.
 */
import type { ActivationContext } from '@hypaware/core';
import type { AiGatewayApi } from '../api-types.js';
import { captureStatus, renderCaptureStatus } from './capture-status.js';
import { registerOverviewCommand } from './overview-command.js';
import { pricesDataset, type ModelPair } from './model-prices-table.js';
import { startPriceRefresh } from './price-refresh-schedule.js';
import { HISTORY_VIEWS } from './views.js';

/** Returns, in the daemon, what to tell the price refresh when the writer wrote usage of some models. */
export function registerHistory(
  ctx: ActivationContext,
  api: AiGatewayApi,
): ((models: ModelPair[]) => void) | undefined {
  ctx.registerDataset(pricesDataset);
  // every mode: whichever process opens the database first creates the views
  for (const view of HISTORY_VIEWS) ctx.registerView(view);
  if (ctx.mode === 'daemon') return startPriceRefresh(ctx).modelsWritten;
  if (ctx.mode !== 'cli') return undefined;
  registerOverviewCommand(ctx);
  ctx.registerStatusSection({
    key: 'capture',
    collect: (status) => captureStatus(ctx, api, status),
    render: renderCaptureStatus,
  });
  return undefined;
}
