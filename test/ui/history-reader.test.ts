// The UI's reads over a synthetic history: the sessions list pages by day yet lists exactly what
// one GROUP BY over the whole table gives, newest activity first, with its filters; the search
// index finds sessions by words of their messages, catches up on new rows, and takes no FTS
// syntax from the search box; a replay page holds a session's rows in order.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import type { ActivationContext } from '@hypaware/core';
import { createHistoryApi } from '@hypaware/ai-gateway/internal/history/history-api.js';
import { HistoryReader } from '@hypaware/ui/internal/history/history-reader.js';
import { SearchIndex, ftsQuery } from '@hypaware/ui/internal/history/search-index.js';
import { fillSyntheticHistory } from '../../bench/synthetic-history.js';
import { tempDir } from '../../harness/repo.js';
import { historyHome } from '../query/messages-spec.js';

const history = createHistoryApi({ configSection: () => undefined } as unknown as ActivationContext);

describe('HistoryReader', () => {
  let db: Database.Database;
  let reader: HistoryReader;
  let expected: Array<{ s: string; last: string; client: string; cwd: string | null }>;

  before(async () => {
    const home = await historyHome();
    db = home.db;
    fillSyntheticHistory(db, { rows: 3000, days: 6, seed: 3 });
    reader = new HistoryReader(db as unknown as ConstructorParameters<typeof HistoryReader>[0], history);
    expected = db
      .prepare(
        `SELECT COALESCE(session_id, conversation_id) AS s, max(message_created_at) AS last, max(client_name) AS client, max(cwd) AS cwd
         FROM ai_gateway_messages GROUP BY 1 ORDER BY 2 DESC`,
      )
      .all() as typeof expected;
  });

  test('pages of sessions, newest activity first, add up to the whole table', () => {
    const seen: string[] = [];
    for (let offset = 0; ; offset += 7) {
      const page = reader.sessions({ offset, limit: 7 });
      seen.push(...page.sessions.map((s) => s.session_id));
      if (!page.has_more) break;
    }
    assert.ok(expected.length > 14, `enough sessions to page (${expected.length})`);
    assert.deepEqual(
      seen,
      expected.map((e) => e.s),
    );
  });

  test('filters: client, repo prefix, date window', () => {
    const client = expected[0]!.client;
    const byClient = reader.sessions({ offset: 0, limit: 500, client }).sessions.map((s) => s.session_id);
    assert.deepEqual(
      byClient,
      expected.filter((e) => e.client === client).map((e) => e.s),
    );
    const repo = expected.find((e) => e.cwd)!.cwd!;
    const prefix = repo.slice(0, repo.length - 2);
    const byRepo = reader.sessions({ offset: 0, limit: 500, repo: prefix }).sessions;
    assert.ok(byRepo.length > 0);
    for (const s of byRepo) assert.ok(s.cwd?.startsWith(prefix), s.cwd ?? 'null');
    const day = expected[0]!.last.slice(0, 10);
    const oneDay = reader.sessions({ offset: 0, limit: 500, since: day, until: day }).sessions;
    assert.deepEqual(
      oneDay.map((s) => s.session_id),
      expected.filter((e) => e.last.slice(0, 10) === day).map((e) => e.s),
    );
  });

  test('a summary counts what the rows hold', () => {
    const first = expected[0]!.s;
    const summary = reader.session(first)!;
    const counts = db
      .prepare(
        `SELECT count(DISTINCT message_id) AS messages, count(CASE WHEN part_type = 'tool_call' THEN 1 END) AS calls,
           SUM(COALESCE(output_tokens, 0)) AS output FROM ai_gateway_messages WHERE COALESCE(session_id, conversation_id) = ?`,
      )
      .get(first) as { messages: number; calls: number; output: number };
    assert.equal(summary.messages, counts.messages);
    assert.equal(summary.tool_calls, counts.calls);
    assert.equal(summary.output_tokens, counts.output);
    assert.equal(reader.session('no-such-session'), undefined);
  });

  test('a replay page: the rows of the session in time order, total counted', () => {
    const first = expected[0]!.s;
    const total = (
      db
        .prepare(`SELECT count(*) AS n FROM ai_gateway_messages WHERE COALESCE(session_id, conversation_id) = ?`)
        .get(first) as { n: number }
    ).n;
    const a = reader.replay(first, 0, 5);
    const b = reader.replay(first, 5, 1000);
    assert.equal(a.total, total);
    const all = [...a.parts, ...b.parts];
    assert.equal(all.length, total);
    const times = all.map((p) => p.message_created_at);
    assert.deepEqual(times, [...times].sort());
  });
});

describe('a 2,000-message session', () => {
  test('replays page by page: every row once, in time order', async () => {
    const home = await historyHome();
    fillSyntheticHistory(home.db, { rows: 50, days: 1, seed: 2 });
    const base = home.db.prepare(`SELECT * FROM ai_gateway_messages LIMIT 1`).get() as Record<string, unknown>;
    const cols = Object.keys(base);
    const insert = home.db.prepare(
      `INSERT INTO ai_gateway_messages (${cols.map((c) => `"${c}"`).join(', ')}) VALUES (${cols.map((c) => `@${c}`).join(', ')})`,
    );
    const start = Date.parse('2026-01-05T10:00:00Z');
    home.db.transaction(() => {
      // inserted newest first, so rowid order is not time order
      for (let i = 1999; i >= 0; i--) {
        const at = new Date(start + i * 1000).toISOString();
        insert.run({
          ...base,
          session_id: 'long-session',
          conversation_id: 'long-session',
          message_id: `m${i}`,
          part_id: `m${i}#0`,
          role: i % 2 === 0 ? 'user' : 'assistant',
          content_text: `message ${i}`,
          message_created_at: at,
          date: at.slice(0, 10),
        });
      }
    })();
    const reader = new HistoryReader(home.db as unknown as ConstructorParameters<typeof HistoryReader>[0], history);
    const texts: string[] = [];
    for (let offset = 0; ; offset += 200) {
      const page = reader.replay('long-session', offset, 200);
      assert.equal(page.total, 2000);
      assert.ok(page.parts.length <= 200);
      texts.push(...page.parts.map((p) => p.content_text ?? ''));
      if (page.parts.length < 200 || texts.length === page.total) break;
    }
    assert.deepEqual(
      texts,
      Array.from({ length: 2000 }, (_, i) => `message ${i}`),
    );
    assert.equal(reader.session('long-session')!.messages, 2000);
  });
});

describe('SearchIndex', () => {
  test('finds sessions by their words, catches up on new rows, ignores FTS syntax', async () => {
    const home = await historyHome();
    fillSyntheticHistory(home.db, { rows: 800, days: 2, seed: 9 });
    const index = new SearchIndex(join(tempDir('hyp-search-'), 'search.db'), home.db as never);
    assert.ok(index.pending() > 0);
    while (index.indexBatch(300));
    assert.equal(index.pending(), 0);
    const target = home.db
      .prepare(`SELECT session_id, part_id FROM ai_gateway_messages WHERE role = 'user' AND part_type = 'text' LIMIT 1`)
      .get() as { session_id: string; part_id: string };
    assert.deepEqual(index.sessionsMatching('zanzibarquux', { offset: 0, limit: 10 }).sessions, []);
    // a new row with a rare word, in an existing session
    const base = home.db.prepare(`SELECT * FROM ai_gateway_messages WHERE part_id = ?`).get(target.part_id) as Record<
      string,
      unknown
    >;
    const row = { ...base, part_id: 'added#0', message_id: 'added', content_text: 'Deploy the Zanzibarquux build' };
    const cols = Object.keys(row);
    home.db
      .prepare(
        `INSERT INTO ai_gateway_messages (${cols.map((c) => `"${c}"`).join(', ')}) VALUES (${cols.map((c) => `@${c}`).join(', ')})`,
      )
      .run(row);
    assert.equal(index.pending(), 1);
    index.indexBatch();
    assert.deepEqual(
      index.sessionsMatching('zanzibarquux deploy', { offset: 0, limit: 10 }).sessions.map((s) => s.session_id),
      [target.session_id],
    );
    assert.deepEqual(index.sessionsMatching('zanzibarquux nowhere', { offset: 0, limit: 10 }).sessions, []);
    assert.equal(ftsQuery('a" OR b* NEAR(c'), '"a" "OR" "b" "NEAR" "c"');
    assert.equal(ftsQuery('"*"'), undefined);
    assert.ok(index.sizeBytes() > 0);
    index.close();
  });
});
