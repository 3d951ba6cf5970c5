/** `hyp query overview [--days N] [--json] [--sql]`, contributed to the kernel's `query` group. */
import { UsageError, type ActivationContext } from '@hypaware/core';
import { buildOverview, overviewSqlText, overviewWindow, DEFAULT_OVERVIEW_DAYS } from './overview.js';
import { renderOverview } from './overview-render.js';
import { refreshModelPrices } from './model-prices-table.js';
import { PriceBook, parsePriceOverrides } from './prices.js';
import { dropSupersededIndexes } from './superseded-indexes.js';

function parseDays(value: string): number {
  if (!/^\d+$/.test(value))
    throw new UsageError(`--days must be a whole number of days (got ${JSON.stringify(value)})`);
  return Number.parseInt(value, 10);
}

export function registerOverviewCommand(ctx: ActivationContext): void {
  ctx.registerCommand({
    group: 'query',
    name: 'overview',
    description:
      'tokens, cost per model, day, repo and session, tools over the last N days (UTC), from ai_gateway_messages',
    configure(command, io) {
      command
        .option('--days <n>', 'number of UTC days ending today', parseDays, DEFAULT_OVERVIEW_DAYS)
        .option('--json', 'machine-readable output (stable keys)')
        .option('--sql', 'print the queries (with this window) instead of running them')
        .action((opts: { days: number; json?: boolean; sql?: boolean }) => {
          if (opts.sql) {
            io.stdout.write(overviewSqlText({ days: opts.days }));
            return;
          }
          const prices = new PriceBook(parsePriceOverrides(ctx.configSection('prices')));
          // price the window's model names with today's data and overrides first (the daemon
          // does this each minute; an import or a stopped daemon may have left new names)
          const rw = ctx.storage.database();
          dropSupersededIndexes(rw);
          refreshModelPrices(rw, prices.overrides, { since: overviewWindow({ days: opts.days }).since });
          const db = ctx.storage.openReadOnly();
          try {
            const overview = buildOverview(db, prices, { days: opts.days });
            if (opts.json) io.stdout.write(JSON.stringify(overview, null, 2) + '\n');
            else renderOverview(overview, io.stdout);
          } finally {
            db.close();
          }
        });
    },
  });
}
