/** `hyp reproject [--since DATE] [--dry-run] [--json]`: the CLI face of `api.reproject()`. */
import type { ActivationContext } from '@hypaware/core';
import { parseDateOption, progressLine } from '@hypaware/core';
import type { AiGatewayApi, ReprojectResult } from './api-types.js';

interface ReprojectFlags {
  since?: string;
  dryRun?: boolean;
  json?: boolean;
}

function summary(result: ReprojectResult, flags: ReprojectFlags): string {
  const n = (v: number) => v.toLocaleString('en-US');
  const skipped = Object.entries(result.skipped)
    .filter(([, c]) => c > 0)
    .map(([reason, c]) => `${n(c)} ${reason}`)
    .join(', ');
  return (
    `read ${n(result.exchanges_read)} stored exchanges${flags.since ? ` since ${flags.since}` : ''}: ` +
    `${flags.dryRun ? 'would add' : 'added'} ${n(result.rows_added)} rows from ${n(result.exchanges_with_new_rows)} exchanges` +
    `${skipped ? `; no projection for ${skipped}` : ''}\n`
  );
}

export function registerReprojectCommand(ctx: ActivationContext, api: AiGatewayApi): void {
  ctx.registerCommand({
    name: 'reproject',
    description:
      "re-run today's projectors over the stored raw exchanges; rows already there are kept, missing ones added",
    configure(command, io) {
      command
        .option('--since <date>', 'only exchanges from this UTC date on (YYYY-MM-DD)', (v: string) =>
          parseDateOption('--since', v),
        )
        .option('--dry-run', 'count the rows that would be added, write nothing')
        .option('--json', 'machine-readable output')
        .action(async (flags: ReprojectFlags) => {
          const progress = progressLine(io.stderr);
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
          io.stdout.write(
            flags.json
              ? JSON.stringify({ since: flags.since ?? null, dry_run: Boolean(flags.dryRun), ...result }, null, 2) +
                  '\n'
              : summary(result, flags),
          );
        });
    },
  });
}
