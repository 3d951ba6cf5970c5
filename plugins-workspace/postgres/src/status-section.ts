/**
 * The `team_history` section of `hyp status`: where the history ships, how far behind it is
 * (rows waiting and the age of the oldest), and the last error with its repair. Read from the
 * shipper's state file and the local database, so it works while the daemon is down too.
 */
import type { ActivationContext, Diagnostic, StatusSectionSpec } from '@hypaware/core';
import { backlogOf } from './batch-reader.js';
import { describeTarget, parseConfig } from './config.js';
import { readIdentity } from './identity.js';
import { SOURCE_NAME } from './shipper-source.js';
import { shippedDatasets } from './shipped-datasets.js';
import { readState, type ShipError } from './state-store.js';
import { stateTarget } from './target.js';

export interface TeamHistoryStatus {
  target: string;
  schema: string;
  machine_id: string | null;
  user_name: string | null;
  /** the daemon runs the shipper */
  shipping: boolean;
  /** the daemon runs (with or without the shipper) */
  daemon_running: boolean;
  datasets: Array<{
    name: string;
    shipped_through_rowid: number;
    backlog_rows: number;
    oldest_unshipped_at: string | null;
    /** seconds between the oldest unshipped row and now */
    lag_seconds: number | null;
  }>;
  refused_rows: number;
  last_success_at: string | null;
  last_error: ShipError | null;
}

function ago(seconds: number): string {
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86_400)} days`;
}

export function teamHistoryStatusSection(ctx: ActivationContext): StatusSectionSpec<TeamHistoryStatus | null> {
  return {
    key: 'team_history',
    collect(status) {
      const config = parseConfig(ctx.config, ctx.env);
      if (!config) return { data: null };
      const state = readState(ctx.paths.stateDir, stateTarget(config));
      const identity = readIdentity(ctx.paths.stateDir);
      const db = status.database();
      const now = Date.now();
      const datasets = db
        ? shippedDatasets(ctx.storage.datasets(), config.includeBodies).map((d) => {
            const cursor = state.cursors[d.name] ?? 0;
            const lag = backlogOf(db, d, cursor);
            const oldest = lag.oldest ?? null;
            const lagSeconds = oldest && !Number.isNaN(Date.parse(oldest)) ? (now - Date.parse(oldest)) / 1000 : null;
            return {
              name: d.name,
              shipped_through_rowid: cursor,
              backlog_rows: lag.rows,
              oldest_unshipped_at: oldest,
              lag_seconds: lagSeconds === null ? null : Math.max(0, Math.round(lagSeconds)),
            };
          })
        : [];
      const shipping =
        status.daemon.alive &&
        status.daemon.sources.some((s) => s.name === SOURCE_NAME && s.plugin === ctx.plugin.name);
      const data: TeamHistoryStatus = {
        target: describeTarget(config),
        schema: config.schema,
        machine_id: identity?.machine_id ?? null,
        user_name: identity?.user_name ?? null,
        shipping,
        daemon_running: status.daemon.alive,
        datasets,
        refused_rows: state.refused_rows,
        last_success_at: state.last_success_at ?? null,
        last_error: state.last_error ?? null,
      };
      const diagnostics: Diagnostic[] = [];
      if (state.last_error)
        diagnostics.push({
          kind: 'team_history_failing',
          level: 'error',
          message: `shipping to ${data.target} fails: ${state.last_error.message}`,
          repair: state.last_error.repair,
        });
      const waiting = datasets.reduce((n, d) => n + d.backlog_rows, 0);
      if (!shipping && waiting > 0)
        diagnostics.push({
          kind: 'team_history_not_shipping',
          level: 'warn',
          message: status.daemon.alive
            ? `${waiting} rows wait to be shipped to ${data.target}, and the running daemon was started without the shipper`
            : `${waiting} rows wait to be shipped to ${data.target}, and the daemon is not running`,
          repair: status.daemon.alive ? 'hyp daemon restart' : 'hyp daemon start',
        });
      if (state.refused_rows > 0)
        diagnostics.push({
          kind: 'team_history_rows_refused',
          level: 'warn',
          message: `${state.refused_rows} rows were refused by PostgreSQL and skipped (see postgres.rows_refused in the log)`,
        });
      return { data, diagnostics };
    },
    render(data) {
      if (!data) return '';
      const lines = [`team history: ${data.target}, schema ${data.schema}`];
      lines.push(
        `  this machine: ${data.machine_id ?? '(no id yet: made when the daemon first ships)'}${data.user_name ? ` (user ${data.user_name})` : ''}`,
      );
      if (!data.shipping)
        lines.push(
          data.daemon_running
            ? '  not shipping: the daemon was started before this was configured (hyp daemon restart)'
            : '  not shipping: the daemon is not running (hyp daemon start)',
        );
      for (const d of data.datasets) {
        const behind =
          d.backlog_rows === 0
            ? 'up to date'
            : `${d.backlog_rows.toLocaleString('en-US')} rows waiting${d.lag_seconds === null ? '' : `, oldest ${ago(d.lag_seconds)} old`}`;
        lines.push(`  ${d.name}: ${behind}`);
      }
      if (data.last_success_at) lines.push(`  last shipped: ${data.last_success_at}`);
      if (data.last_error) {
        lines.push(`  last error (${data.last_error.at}): ${data.last_error.message}`);
        lines.push(`    repair: ${data.last_error.repair}`);
      }
      return lines.join('\n') + '\n';
    },
  };
}
