/**
 * The daemon's check before a price refresh (history/new-model-pairs.ts): only rows after the
 * watermark are read, only pairs with usage that the price table lacks come back, a watermark
 * above the last rowid (newest rows deleted) moves down, a large range is left to the worker.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import {
  MAX_CHECKED_ROWS,
  lastMessageRowid,
  newModelPairs,
} from '@hypaware/ai-gateway/internal/history/new-model-pairs.js';

function history(): Database.Database {
  const db = new Database(':memory:');
  db.exec(`CREATE TABLE ai_gateway_messages (provider TEXT NOT NULL, model TEXT, input_tokens INTEGER,
    cache_read_input_tokens INTEGER, cache_creation_input_tokens INTEGER, output_tokens INTEGER, reasoning_tokens INTEGER);
    CREATE TABLE ai_model_prices (provider TEXT NOT NULL, model TEXT NOT NULL)`);
  return db;
}

const insert = (db: Database.Database, provider: string, model: string | null, output: number | null) =>
  db
    .prepare(`INSERT INTO ai_gateway_messages (provider, model, output_tokens) VALUES (?, ?, ?)`)
    .run(provider, model, output);

test('pairs of the rows after the watermark, with usage, missing from the price table', () => {
  const db = history();
  insert(db, 'anthropic', 'old-model', 5); // rowid 1: before the watermark
  db.prepare(`INSERT INTO ai_model_prices VALUES ('anthropic', 'listed')`).run();
  assert.deepEqual(newModelPairs(db, 1), { upTo: 1, pairs: [] });
  insert(db, 'anthropic', 'listed', 3);
  insert(db, 'anthropic', 'no-usage', null);
  insert(db, 'openai', 'gpt-new', 7);
  insert(db, 'openai', 'gpt-new', 9);
  insert(db, 'openai', null, 1);
  const check = newModelPairs(db, 1);
  assert.deepEqual(check, { upTo: 6, pairs: [{ provider: 'openai', model: 'gpt-new' }] });
  // idle: nothing after the new watermark
  assert.deepEqual(newModelPairs(db, 6), { upTo: 6, pairs: [] });
});

test('newest rows deleted: the watermark moves down to the last rowid; a large range is left to the worker', () => {
  const db = history();
  for (let i = 0; i < 5; i++) insert(db, 'anthropic', 'm', 1);
  db.prepare(`DELETE FROM ai_gateway_messages WHERE rowid > 2`).run();
  assert.deepEqual(newModelPairs(db, 5), { upTo: 2, pairs: [] });
  insert(db, 'anthropic', 'after-delete', 1); // rowid 3, below the old watermark
  assert.deepEqual(newModelPairs(db, 2), {
    upTo: lastMessageRowid(db),
    pairs: [{ provider: 'anthropic', model: 'after-delete' }],
  });
  const many = db.prepare(`INSERT INTO ai_gateway_messages (provider, model, output_tokens) VALUES ('a', 'b', 1)`);
  db.transaction(() => {
    for (let i = 0; i <= MAX_CHECKED_ROWS; i++) many.run();
  })();
  assert.deepEqual(newModelPairs(db, 3), { upTo: 3 + MAX_CHECKED_ROWS + 1, tooMany: true });
});
