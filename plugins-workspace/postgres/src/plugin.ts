/**
 * activate(): nothing unless `url` is configured. Then: the tombstones dataset (tombstones.ts), the
 * `team_history` status section, the
 * remote query (`hyp query sql --remote`), a retention hold on each shipped dataset (rows not
 * yet committed in PostgreSQL are not pruned), and in the daemon the shipper source (with the
 * gateway's cost rule for the replica's views).
 */
import type { AiGatewayApi } from '@hypaware/ai-gateway';
import type { ActivationContext } from '@hypaware/core';
import { parseConfig, type PostgresConfig } from './config.js';
import { remoteQueryProvider } from './remote-query.js';
import { shipperSource } from './shipper-source.js';
import { SHIPPED_DATASET_NAMES } from './shipped-datasets.js';
import { readState } from './state-store.js';
import { teamHistoryStatusSection } from './status-section.js';
import { stateTarget } from './target.js';
import { tombstonesDataset } from './tombstones.js';

export function activate(ctx: ActivationContext): void {
  const initial = parseConfig(ctx.config, ctx.env);
  if (!initial) return;
  // ctx.config is updated in place on a reload
  const config = (): PostgresConfig => parseConfig(ctx.config, ctx.env) ?? initial;
  ctx.registerDataset(tombstonesDataset);
  ctx.registerStatusSection(teamHistoryStatusSection(ctx));
  ctx.registerRemoteQuery(remoteQueryProvider(config, ctx.env));
  for (const dataset of SHIPPED_DATASET_NAMES)
    ctx.registerRetentionHold({
      dataset,
      reason: 'not yet shipped to PostgreSQL',
      keepAfterRowid: () => readState(ctx.paths.stateDir, stateTarget(config())).cursors[dataset] ?? 0,
    });
  if (ctx.mode === 'daemon') {
    // the replica's views price responses with the gateway's own rule
    const gateway = ctx.requireCapability<AiGatewayApi>('hypaware.ai-gateway', '^2.0.0');
    ctx.registerSource(shipperSource(ctx, gateway.history.costSql));
  }
}
