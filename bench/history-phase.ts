/**
 * The history side: the Claude hook's wall time (bench/claude-hook.ts) and `hyp query` on a
 * synthetic database of message rows (bench/synthetic-history.ts). Both modules belong to
 * other areas; they are loaded when present, and their absence is a note in the report.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { bootKernel } from '@hypaware/core/boot';
import { runHyp } from '../harness/daemon.js';
import { median, round } from './stats.js';

export interface HistoryFigures {
  hook_median_ms: number | null;
  hook_runs: number | null;
  hook_detail?: unknown;
  rows: number | null;
  build_s: number | null;
  /** the synthetic database was reused from an earlier run */
  history_cached?: boolean;
  /** wall time of `hyp --version` (node start + CLI load): the floor under every command below */
  cli_start_ms: number | null;
  overview_ms: number | null;
  queries: Array<{ name: string; sql: string; ms: number; ok: boolean }>;
}

/** Typical questions people ask their history (see README): tokens per model, daily activity, top tools. */
export const TYPICAL_AGGREGATES: Array<{ name: string; sql: string }> = [
  {
    name: 'tokens per model',
    sql: 'SELECT model, sum(input_tokens) AS input, sum(output_tokens) AS output, count(*) AS parts FROM ai_gateway_messages GROUP BY model ORDER BY output DESC',
  },
  {
    name: 'daily activity',
    sql: 'SELECT date, count(DISTINCT conversation_id) AS conversations, count(*) AS parts FROM ai_gateway_messages GROUP BY date ORDER BY date DESC LIMIT 30',
  },
  {
    name: 'top tools',
    sql: 'SELECT tool_name, count(*) AS calls FROM ai_gateway_messages WHERE tool_name IS NOT NULL GROUP BY tool_name ORDER BY calls DESC LIMIT 10',
  },
];

export type FillHistory = (db: unknown, o: { rows: number; days: number }) => { rows: number };

/**
 * A HYP_HOME holding the synthetic history. Building 1,000,000 rows takes minutes, so the home
 * is kept in the temp folder, keyed by the row count and the generator's source, and reused by
 * later runs (`--fresh-history` rebuilds). Only the newest one is kept.
 */
export async function syntheticHome(
  fill: FillHistory,
  rows: number,
  fresh: boolean,
  figures: HistoryFigures,
): Promise<string> {
  const generator = fileURLToPath(new URL('./synthetic-history.js', import.meta.url));
  const key = createHash('sha256').update(readFileSync(generator)).update(String(rows)).digest('hex').slice(0, 12);
  const prefix = 'hyp-bench-history-';
  const home = join(tmpdir(), `${prefix}${rows}-${key}`);
  if (!fresh && existsSync(join(home, 'hypaware', 'hypaware.db'))) {
    figures.history_cached = true;
    return home;
  }
  for (const old of readdirSync(tmpdir()))
    if (old.startsWith(prefix)) rmSync(join(tmpdir(), old), { recursive: true, force: true });
  const partial = `${home}.partial`;
  const start = performance.now();
  const kernel = await bootKernel({ mode: 'cli', hypHome: partial });
  try {
    figures.rows = fill(kernel.database(), { rows, days: 90 }).rows;
  } finally {
    await kernel.shutdown();
  }
  renameSync(partial, home);
  figures.build_s = round((performance.now() - start) / 1000);
  return home;
}

async function loadOptional(file: string): Promise<Record<string, unknown> | undefined> {
  const path = fileURLToPath(new URL(file, import.meta.url));
  if (!existsSync(path)) return undefined;
  return (await import(pathToFileURL(path).href)) as Record<string, unknown>;
}

async function timeHyp(args: string[], hypHome: string): Promise<{ ms: number; ok: boolean; stderr: string }> {
  const start = performance.now();
  const r = await runHyp(args, { hypHome, timeoutMs: 120_000 });
  return { ms: round(performance.now() - start), ok: r.code === 0, stderr: r.stderr.trim() };
}

export async function historyPhase(options: {
  hookRuns: number;
  rows: number;
  freshHistory: boolean;
  notes: string[];
}): Promise<HistoryFigures> {
  const figures: HistoryFigures = {
    hook_median_ms: null,
    hook_runs: null,
    rows: options.rows,
    build_s: null,
    cli_start_ms: null,
    overview_ms: null,
    queries: [],
  };
  const hook = await loadOptional('./claude-hook.js');
  if (typeof hook?.benchClaudeHook === 'function') {
    const result = await (
      hook.benchClaudeHook as (o: {
        runs: number;
      }) => Promise<{ median_ms?: number; runs?: number } & Record<string, unknown>>
    )({ runs: options.hookRuns });
    figures.hook_median_ms = typeof result.median_ms === 'number' ? round(result.median_ms) : null;
    figures.hook_runs = typeof result.runs === 'number' ? result.runs : options.hookRuns;
    figures.hook_detail = result;
  } else {
    options.notes.push('bench/claude-hook.ts (benchClaudeHook) is not there yet: hook wall time not measured');
  }

  const history = await loadOptional('./synthetic-history.js');
  if (typeof history?.fillSyntheticHistory !== 'function') {
    options.notes.push(
      'bench/synthetic-history.ts (fillSyntheticHistory) is not there yet: overview and SQL aggregates on 1,000,000 rows not measured',
    );
    return figures;
  }
  const hypHome = await syntheticHome(
    history.fillSyntheticHistory as FillHistory,
    options.rows,
    options.freshHistory,
    figures,
  );
  const startTimes: number[] = [];
  for (let i = 0; i < 3; i++) startTimes.push((await timeHyp(['--version'], hypHome)).ms);
  figures.cli_start_ms = median(startTimes);
  const overview = await timeHyp(['query', 'overview'], hypHome);
  figures.overview_ms = overview.ok ? overview.ms : null;
  if (!overview.ok) options.notes.push(`hyp query overview failed: ${overview.stderr.split('\n')[0]}`);
  for (const q of TYPICAL_AGGREGATES) {
    const r = await timeHyp(['query', 'sql', q.sql, '--format', 'json'], hypHome);
    figures.queries.push({ ...q, ms: r.ms, ok: r.ok });
    if (!r.ok) options.notes.push(`hyp query sql (${q.name}) failed: ${r.stderr.split('\n')[0]}`);
  }
  return figures;
}
