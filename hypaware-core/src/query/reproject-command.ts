import type { Command } from 'commander';
import { HypError } from '../errors.js';
import type { HistoryCommandContext } from './command-context.js';
import { parseDateOption } from './dates.js';
import { progressLine } from './progress-line.js';

const GATEWAY_CAPABILITY = 'hypaware.ai-gateway';

/**
 * What `hyp reproject` needs from the gateway capability (proposed additive method of
 * AiGatewayApi, see .feature-flow/query-and-export.md): re-run the projectors registered in
 * this process over stored `ai_gateway_exchanges` rows, through the writer's own
 * decode -> dispatch -> identity -> insert path, keeping existing `part_id`s.
 */
export interface ReprojectOptions {
  /** first UTC date (YYYY-MM-DD) of `ts_start` to read; default every stored exchange */
  since?: string;
  /** project and count, write nothing */
  dryRun?: boolean;
  onProgress?(progress: { exchanges_read: number; exchanges_total: number }): void;
}

export interface ReprojectResult {
  exchanges_read: number;
  /** rows that were not in the table (would be, in a dry run) */
  rows_added: number;
  exchanges_with_new_rows: number;
  /** exchanges that gave no projection, by reason (no_projector_match, all_projectors_failed, body_unavailable, ...) */
  skipped: Record<string, number>;
}

interface Reprojector {
  reproject(options: ReprojectOptions): Promise<ReprojectResult>;
}

interface ReprojectFlags { since?: string; dryRun?: boolean; json?: boolean }

/** `hyp reproject [--since DATE] [--dry-run] [--json]` */
export function registerReprojectCommand(program: Command, ctx: HistoryCommandContext): void {
  program.command('reproject')
    .description("re-run today's projectors over the stored raw exchanges; rows already there are kept, missing ones added")
    .option('--since <date>', 'only exchanges from this UTC date on (YYYY-MM-DD)', (v: string) => parseDateOption('--since', v))
    .option('--dry-run', 'count the rows that would be added, write nothing')
    .option('--json', 'machine-readable output')
    .action(async (flags: ReprojectFlags) => {
      const kernel = ctx.kernel();
      const entry = kernel.capabilities.get(GATEWAY_CAPABILITY);
      const api = entry?.value as Partial<Reprojector> | undefined;
      if (typeof api?.reproject !== 'function') {
        throw new HypError(entry
          ? `hyp reproject needs reproject() from ${GATEWAY_CAPABILITY}, which ${entry.provider} ${entry.version} does not offer yet`
          : `hyp reproject needs the ${GATEWAY_CAPABILITY} capability: enable @hypaware/ai-gateway (hyp status)`, { kind: 'reproject_unavailable' });
      }
      const progress = progressLine(ctx.io.stderr);
      let result: ReprojectResult;
      try {
        result = await api.reproject({
          ...(flags.since ? { since: flags.since } : {}),
          dryRun: Boolean(flags.dryRun),
          onProgress: (p) => progress.update(p.exchanges_read, p.exchanges_total, 'exchanges'),
        });
      } finally {
        progress.done();
      }
      if (flags.json) {
        ctx.io.stdout.write(JSON.stringify({ since: flags.since ?? null, dry_run: Boolean(flags.dryRun), ...result }, null, 2) + '\n');
        return;
      }
      const skipped = Object.entries(result.skipped).filter(([, n]) => n > 0).map(([reason, n]) => `${n} ${reason}`).join(', ');
      ctx.io.stdout.write(`read ${result.exchanges_read.toLocaleString('en-US')} stored exchanges${flags.since ? ` since ${flags.since}` : ''}: `
        + `${flags.dryRun ? 'would add' : 'added'} ${result.rows_added.toLocaleString('en-US')} rows from ${result.exchanges_with_new_rows.toLocaleString('en-US')} exchanges`
        + `${skipped ? `; no projection for ${skipped}` : ''}\n`);
    });
}
