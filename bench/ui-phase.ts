/**
 * The `hyp ui` side on the synthetic history: the full-text index built over it (time, rows
 * per second, file size), then the UI's JSON routes answered by a real `hyp ui` process
 * (median of several requests each: the sessions page first and deep, filtered, searched,
 * the overview, a replay page), and what an FTS trigger on the history table would cost per
 * inserted row (the design the index avoids). Numbers only.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { SqlDatabase } from '@hypaware/core';
import { SearchIndex } from '@hypaware/ui/internal/history/search-index.js';
import { startHypUi } from '../harness/hyp-ui.js';
import { historyHome } from '../test/query/messages-spec.js';
import { syntheticHome, type HistoryFigures } from './history-phase.js';
import { median, round } from './stats.js';
import { fillSyntheticHistory } from './synthetic-history.js';

export interface UiFigures {
  rows: number;
  fts: { rows_scanned: number; build_s: number; rows_per_s: number; size_mb: number };
  /** route -> median ms over `runs` requests */
  routes: Array<{ name: string; path: string; median_ms: number; runs: number; status: number }>;
  trigger: { rows: number; plain_us_per_row: number; with_trigger_us_per_row: number; extra_us_per_row: number };
}

const ROUTE_RUNS = 7;

async function timeRoute(base: string, path: string): Promise<{ ms: number; status: number }> {
  const start = performance.now();
  const res = await fetch(new URL(path, base));
  await res.arrayBuffer();
  return { ms: performance.now() - start, status: res.status };
}

/** µs per inserted row of the synthetic generator, with and without an FTS5 trigger, alternating. */
async function triggerCost(rows: number): Promise<UiFigures['trigger']> {
  const plain: number[] = [];
  const withTrigger: number[] = [];
  for (let i = 0; i < 4; i++) {
    const home = await historyHome();
    const trigger = i % 2 === 1;
    if (trigger)
      home.db.exec(`CREATE VIRTUAL TABLE msg_fts USING fts5(text, content='', contentless_delete=1);
CREATE TRIGGER msg_fts_ai AFTER INSERT ON ai_gateway_messages
WHEN new.role <> 'system' AND (new.content_text IS NOT NULL OR new.tool_args IS NOT NULL) BEGIN
  INSERT INTO msg_fts (rowid, text) VALUES (new.rowid, CASE WHEN new.part_type = 'tool_call' THEN new.tool_args ELSE new.content_text END);
END;`);
    const start = performance.now();
    fillSyntheticHistory(home.db, { rows, days: 7, seed: 4 });
    const us = ((performance.now() - start) * 1000) / rows;
    (trigger ? withTrigger : plain).push(us);
    home.db.close();
    rmSync(home.hypHome, { recursive: true, force: true });
  }
  const p = median(plain);
  const t = median(withTrigger);
  return { rows, plain_us_per_row: round(p), with_trigger_us_per_row: round(t), extra_us_per_row: round(t - p) };
}

export async function uiPhase(options: { rows: number; freshHistory: boolean; notes: string[] }): Promise<UiFigures> {
  const scratch = { history_cached: false, build_s: null } as unknown as HistoryFigures;
  const hypHome = await syntheticHome(
    fillSyntheticHistory as (db: unknown, o: { rows: number; days: number }) => { rows: number },
    options.rows,
    options.freshHistory,
    scratch,
  );
  const history = new Database(join(hypHome, 'hypaware', 'hypaware.db'), { readonly: true });

  // the index `hyp ui` keeps in its state folder, built from scratch
  const indexPath = join(hypHome, 'hypaware', 'plugins', '@hypaware', 'ui', 'search.db');
  for (const suffix of ['', '-wal', '-shm']) rmSync(indexPath + suffix, { force: true });
  mkdirSync(join(indexPath, '..'), { recursive: true });
  const index = new SearchIndex(indexPath, history as unknown as SqlDatabase);
  const pending = index.pending();
  const start = performance.now();
  while (index.indexBatch(5000));
  const buildS = (performance.now() - start) / 1000;
  const fts = {
    rows_scanned: pending,
    build_s: round(buildS),
    rows_per_s: Math.round(pending / buildS),
    size_mb: round(index.sizeBytes() / 1e6),
  };
  index.close();

  const newest = history
    .prepare(
      `SELECT COALESCE(session_id, conversation_id) AS s, client_name AS c, cwd FROM ai_gateway_messages
       WHERE date = (SELECT max(date) FROM ai_gateway_messages) AND cwd IS NOT NULL ORDER BY message_created_at DESC LIMIT 1`,
    )
    .get() as { s: string; c: string; cwd: string };
  const word = (
    history
      .prepare(`SELECT content_text AS t FROM ai_gateway_messages WHERE role = 'user' AND part_type = 'text' LIMIT 1`)
      .get() as { t: string }
  ).t
    .split(/\W+/)
    .find((w) => w.length > 4)!;
  history.close();

  const ui = await startHypUi(hypHome);
  const routes: UiFigures['routes'] = [];
  try {
    const paths: Array<[string, string]> = [
      ['sessions, first page (50)', '/api/sessions?limit=50'],
      ['sessions, page 11', '/api/sessions?limit=50&offset=500'],
      ['sessions, one client', `/api/sessions?limit=50&client=${encodeURIComponent(newest.c)}`],
      ['sessions, one repo', `/api/sessions?limit=50&repo=${encodeURIComponent(newest.cwd)}`],
      ['sessions, full-text search', `/api/sessions?limit=50&q=${encodeURIComponent(word)}`],
      ['overview, 7 days (+ latest sessions)', '/api/overview?days=7'],
      ['replay page (200 parts)', `/api/sessions/${encodeURIComponent(newest.s)}/parts?limit=200`],
      ['upstreams, 24 h', '/api/upstreams?hours=24'],
    ];
    for (const [name, path] of paths) {
      await timeRoute(ui.url, path); // warm the statement cache and the pages
      const times: number[] = [];
      let status = 0;
      for (let i = 0; i < ROUTE_RUNS; i++) {
        const r = await timeRoute(ui.url, path);
        times.push(r.ms);
        status = r.status;
      }
      if (status !== 200) options.notes.push(`hyp ui ${path} answered ${status}`);
      routes.push({ name, path, median_ms: round(median(times)), runs: ROUTE_RUNS, status });
    }
  } finally {
    await ui.stop();
  }
  const triggerRows = Math.min(50_000, options.rows);
  return { rows: options.rows, fts, routes, trigger: await triggerCost(triggerRows) };
}
