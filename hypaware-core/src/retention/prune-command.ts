import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import type { HistoryCommandContext } from '../query/command-context.js';
import { pruneDataset, type PruneResult } from './prune.js';
import { parseRetention, retentionTargets, type RetentionPolicy } from './retention-policy.js';

interface PruneFlags { dryRun?: boolean; maxRows: number; json?: boolean }

function parseMaxRows(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new UsageError(`--max-rows must be a positive whole number (got ${JSON.stringify(value)})`);
  return Number(value);
}

function describePolicy(p: RetentionPolicy): string {
  const days = (d: number | null) => (d === null ? 'kept' : `${d} days`);
  return `retention: messages ${days(p.messages_days)}, raw exchanges ${days(p.exchanges_days)} (config key "retention")`;
}

/** `hyp prune [--dry-run] [--max-rows N] [--json]` */
export function registerPruneCommand(program: Command, ctx: HistoryCommandContext): void {
  program.command('prune')
    .description('delete messages and raw exchanges older than the configured retention (in small batches, no VACUUM)')
    .option('--dry-run', 'count what would be deleted, delete nothing')
    .option('--max-rows <n>', 'delete at most this many rows per dataset in this run', parseMaxRows, 1_000_000)
    .option('--json', 'machine-readable output')
    .action((flags: PruneFlags) => {
      const kernel = ctx.kernel();
      const policy = parseRetention(kernel.config.retention);
      const targets = retentionTargets(policy, (name) => kernel.datasets.get(name)?.spec.primaryTime);
      const db = kernel.database();
      const results: PruneResult[] = targets.map((t) => pruneDataset(db, t, { dryRun: Boolean(flags.dryRun), maxRows: flags.maxRows }));
      if (flags.json) {
        ctx.io.stdout.write(JSON.stringify({ policy, dry_run: Boolean(flags.dryRun), results }, null, 2) + '\n');
        return;
      }
      const w = (s: string) => ctx.io.stdout.write(s + '\n');
      w(describePolicy(policy));
      if (results.length === 0) w('nothing to prune: no retention limit is configured for a registered dataset');
      for (const r of results) {
        const rest = r.remaining === 0 ? '' : flags.dryRun ? `; ${r.remaining.toLocaleString('en-US')} more beyond --max-rows` : `; ${r.remaining.toLocaleString('en-US')} expired rows remain (run hyp prune again)`;
        w(`${r.dataset}: ${flags.dryRun ? 'would delete' : 'deleted'} ${r.deleted.toLocaleString('en-US')} rows older than ${r.cutoff}${rest}`);
      }
    });
}
