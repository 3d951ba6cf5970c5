/** The gateway's history in the kernel: its views, `hyp query overview` and the `capture` section of `hyp status`. */
import type { ActivationContext } from '@hypaware/core';
import type { AiGatewayApi } from '../api-types.js';
import { captureStatus, renderCaptureStatus } from './capture-status.js';
import { registerOverviewCommand } from './overview-command.js';
import { HISTORY_VIEWS } from './views.js';

export function registerHistory(ctx: ActivationContext, api: AiGatewayApi): void {
  // every mode: whichever process opens the database first creates the views
  for (const view of HISTORY_VIEWS) ctx.registerView(view);
  if (ctx.mode !== 'cli') return;
  registerOverviewCommand(ctx);
  ctx.registerStatusSection({
    key: 'capture',
    collect: (status) => captureStatus(ctx, api, status),
    render: renderCaptureStatus,
  });
}
