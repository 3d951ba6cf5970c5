import { Option, type Command } from 'commander';
import { UsageError } from '../errors.js';
import { openReadOnlyHistory, priceBookFor, type HistoryCommandContext } from './command-context.js';
import { buildOverview, overviewSqlText, DEFAULT_OVERVIEW_DAYS } from './overview.js';
import { renderOverview } from './overview-render.js';

function parseDays(value: string): number {
  if (!/^\d+$/.test(value)) throw new UsageError(`--days must be a whole number of days (got ${JSON.stringify(value)})`);
  return Number.parseInt(value, 10);
}

/** `hyp query overview [--days N] [--json] [--sql]` */
export function registerQueryOverview(query: Command, ctx: HistoryCommandContext): void {
  query.command('overview')
    .description('tokens, estimated cost, sessions, repos and tools over the last N days (UTC), from ai_gateway_messages')
    .addOption(new Option('--days <n>', 'number of UTC days ending today').default(DEFAULT_OVERVIEW_DAYS).argParser(parseDays))
    .option('--json', 'machine-readable output (stable keys)')
    .option('--sql', 'print the queries (with this window) instead of running them')
    .action((opts: { days: number; json?: boolean; sql?: boolean }) => {
      if (opts.sql) {
        ctx.io.stdout.write(overviewSqlText({ days: opts.days }));
        return;
      }
      const kernel = ctx.kernel();
      const prices = priceBookFor(kernel);
      const db = openReadOnlyHistory(kernel);
      try {
        const overview = buildOverview(db, prices, { days: opts.days });
        if (opts.json) ctx.io.stdout.write(JSON.stringify(overview, null, 2) + '\n');
        else renderOverview(overview, ctx.io.stdout);
      } finally {
        db.close();
      }
    });
}
