/**
 * The history side: the Claude hook's wall time (bench/claude-hook.ts) and `hyp query` on a
 * synthetic database of message rows (bench/synthetic-history.ts). Both modules belong to
 * other areas; they are loaded when present, and their absence is a note in the report.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { bootKernel } from '@hypaware/core';
import { runHyp } from '../test/helpers/daemon.js';
import { tempDir } from '../test/helpers/repo.js';
import { median, round } from './stats.js';

export interface HistoryFigures {
  hook_median_ms: number | null;
  hook_runs: number | null;
  hook_detail?: unknown;
  rows: number | null;
  build_s: number | null;
  /** wall time of `hyp --version` (node start + CLI load): the floor under every command below */
  cli_start_ms: number | null;
  overview_ms: number | null;
  queries: Array<{ name: string; sql: string; ms: number; ok: boolean }>;
}

/** Typical questions people ask their history (see README): tokens per model, daily activity, top tools. */
export const TYPICAL_AGGREGATES: Array<{ name: string; sql: string }> = [
  { name: 'tokens per model', sql: 'SELECT model, sum(input_tokens) AS input, sum(output_tokens) AS output, count(*) AS parts FROM ai_gateway_messages GROUP BY model ORDER BY output DESC' },
  { name: 'daily activity', sql: 'SELECT date, count(DISTINCT conversation_id) AS conversations, count(*) AS parts FROM ai_gateway_messages GROUP BY date ORDER BY date DESC LIMIT 30' },
  { name: 'top tools', sql: "SELECT tool_name, count(*) AS calls FROM ai_gateway_messages WHERE tool_name IS NOT NULL GROUP BY tool_name ORDER BY calls DESC LIMIT 10" },
];

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

export async function historyPhase(options: { hookRuns: number; rows: number; notes: string[] }): Promise<HistoryFigures> {
  const figures: HistoryFigures = { hook_median_ms: null, hook_runs: null, rows: null, build_s: null, cli_start_ms: null, overview_ms: null, queries: [] };
  const hook = await loadOptional('./claude-hook.js');
  if (typeof hook?.benchClaudeHook === 'function') {
    const result = await (hook.benchClaudeHook as (o: { runs: number }) => Promise<{ median_ms?: number; runs?: number } & Record<string, unknown>>)({ runs: options.hookRuns });
    figures.hook_median_ms = typeof result.median_ms === 'number' ? round(result.median_ms) : null;
    figures.hook_runs = typeof result.runs === 'number' ? result.runs : options.hookRuns;
    figures.hook_detail = result;
  } else {
    options.notes.push('bench/claude-hook.ts (benchClaudeHook) is not there yet: hook wall time not measured');
  }

  const history = await loadOptional('./synthetic-history.js');
  if (typeof history?.fillSyntheticHistory !== 'function') {
    options.notes.push('bench/synthetic-history.ts (fillSyntheticHistory) is not there yet: overview and SQL aggregates on 1,000,000 rows not measured');
    return figures;
  }
  const hypHome = tempDir('hyp-bench-history-');
  const start = performance.now();
  const kernel = await bootKernel({ mode: 'cli', hypHome });
  try {
    const fill = history.fillSyntheticHistory as (db: unknown, o: { rows: number; days: number }) => { rows: number };
    figures.rows = fill(kernel.database(), { rows: options.rows, days: 90 }).rows;
  } finally {
    await kernel.shutdown();
  }
  figures.build_s = round((performance.now() - start) / 1000);
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
