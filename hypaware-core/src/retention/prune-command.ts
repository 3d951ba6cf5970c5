import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import type { KernelCommandContext } from '../query/command-context.js';
import { pruneDataset, type PruneResult } from './prune.js';
import { retentionPlan, type RetentionLimit } from './retention-policy.js';

interface PruneFlags {
  dryRun?: boolean;
  maxRows: number;
  json?: boolean;
}

function parseMaxRows(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1)
    throw new UsageError(`--max-rows must be a positive whole number (got ${JSON.stringify(value)})`);
  return Number(value);
}

function describeLimits(limits: RetentionLimit[]): string {
  if (limits.length === 0) return 'retention: no registered dataset declares one (config key "retention")';
  const from = { retention: '', plugin: ' (plugin setting)', default: ' (default)' } as const;
  const parts = limits.map(
    (l) => `${l.dataset} ${l.keep_days === null ? 'kept' : `${l.keep_days} days`}${from[l.from]}`,
  );
  return `retention: ${parts.join(', ')} (config key "retention")`;
}

/** `hyp prune [--dry-run] [--max-rows N] [--json]` */
export function registerPruneCommand(program: Command, ctx: KernelCommandContext): void {
  program
    .command('prune')
    .description(
      'delete rows older than the retention of their dataset (config key "retention"; in small batches, no VACUUM)',
    )
    .option('--dry-run', 'count what would be deleted, delete nothing')
    .option('--max-rows <n>', 'delete at most this many rows per dataset in this run', parseMaxRows, 1_000_000)
    .option('--json', 'machine-readable output')
    .action((flags: PruneFlags) => {
      const kernel = ctx.kernel();
      const db = kernel.database();
      const { policy, limits, targets } = retentionPlan(kernel.datasets, db, kernel.config, kernel.retentionHolds);
      // only datasets where this run found expired rows: a limit with nothing to do is in `limits`
      const results: PruneResult[] = targets
        .map((t) => pruneDataset(db, t, { dryRun: Boolean(flags.dryRun), maxRows: flags.maxRows }))
        .filter((r) => r.deleted > 0 || r.remaining > 0 || r.held > 0);
      if (flags.json) {
        ctx.io.stdout.write(
          JSON.stringify({ policy, limits, dry_run: Boolean(flags.dryRun), results }, null, 2) + '\n',
        );
        return;
      }
      const w = (s: string) => ctx.io.stdout.write(s + '\n');
      w(describeLimits(limits));
      if (targets.length === 0) w('nothing to prune: no retention limit is configured for a registered dataset');
      else if (results.length === 0) w('nothing to prune: no rows are older than their retention');
      for (const r of results) {
        const rest =
          r.remaining === 0
            ? ''
            : flags.dryRun
              ? `; ${r.remaining.toLocaleString('en-US')} more beyond --max-rows`
              : `; ${r.remaining.toLocaleString('en-US')} expired rows remain (run hyp prune again)`;
        w(
          `${r.dataset}: ${flags.dryRun ? 'would delete' : 'deleted'} ${r.deleted.toLocaleString('en-US')} rows older than ${r.cutoff}${rest}`,
        );
        if (r.held > 0)
          w(
            `${r.dataset}: kept ${r.held.toLocaleString('en-US')} expired rows held by ${r.held_reason ?? 'a plugin'}; they go once released`,
          );
      }
    });
}
