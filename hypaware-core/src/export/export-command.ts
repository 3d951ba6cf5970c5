import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { findDatasetSpec, openReadOnlyKernelDatabase, type KernelCommandContext } from '../query/command-context.js';
import { checkDateRange, parseDateOption } from '../query/dates.js';
import { progressLine } from '../query/progress-line.js';

interface ExportFlags {
  dataset?: string;
  since?: string;
  until?: string;
  out: string;
  json?: boolean;
}

/** `hyp export parquet [--dataset NAME] [--since DATE] [--until DATE] --out DIR [--json]` */
export function registerExportCommand(
  program: Command,
  ctx: KernelCommandContext,
  defaultDataset: string | undefined,
): Command {
  const exportCmd = program.command('export').description('write the history to files other tools read');
  exportCmd
    .command('parquet')
    .description(
      'export a dataset to Hive-partitioned Parquet (date=YYYY-MM-DD/<dataset>.parquet, ZSTD); re-running a range replaces its files',
    )
    .requiredOption('--out <dir>', 'folder to write into (one dataset per folder)')
    .option('--dataset <name>', 'dataset to export', defaultDataset)
    .option('--since <date>', 'first UTC date to export (YYYY-MM-DD)', (v: string) => parseDateOption('--since', v))
    .option('--until <date>', 'last UTC date to export (YYYY-MM-DD)', (v: string) => parseDateOption('--until', v))
    .option('--json', 'machine-readable summary')
    .action(async (flags: ExportFlags) => {
      checkDateRange(flags.since, flags.until);
      const kernel = ctx.kernel();
      if (flags.dataset === undefined)
        throw new UsageError(
          `--dataset is required: no active plugin names a default dataset (hyp query schema lists them)`,
        );
      const db = openReadOnlyKernelDatabase(kernel);
      const progress = progressLine(ctx.io.stderr);
      try {
        const spec = findDatasetSpec(kernel, db, flags.dataset);
        // parquet-wasm and apache-arrow load only for an export, not on every `hyp` start.
        const { exportParquet } = await import('./parquet-export.js');
        const result = await exportParquet(db, spec, {
          outDir: flags.out,
          ...(flags.since ? { since: flags.since } : {}),
          ...(flags.until ? { until: flags.until } : {}),
          onProgress: (p) => progress.update(p.rowsDone, p.rowsTotal, `rows  date=${p.date}`),
        });
        if (flags.json) {
          ctx.io.stdout.write(JSON.stringify(result, null, 2) + '\n');
          return;
        }
        const bytes = result.partitions.reduce((n, p) => n + p.bytes, 0);
        const span =
          result.partitions.length > 0
            ? ` (${result.partitions[0]!.date} .. ${result.partitions[result.partitions.length - 1]!.date})`
            : '';
        ctx.io.stdout.write(
          `exported ${result.rows.toLocaleString('en-US')} rows of ${result.dataset} in ${result.partitions.length} daily partitions${span} to ${result.out_dir} (${(bytes / 1048576).toFixed(1)} MiB)\n`,
        );
        if (result.unparsed_timestamps > 0)
          ctx.io.stderr.write(
            `hyp: ${result.unparsed_timestamps} timestamps could not be parsed and were written as NULL\n`,
          );
      } finally {
        progress.done();
        db.close();
      }
    });
  return exportCmd;
}
