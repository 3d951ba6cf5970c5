/**
 * The covering index of sessions by day: the overview's sessions query reads it without the
 * wide rows, and a database that still has the older column order (message_id before
 * message_created_at) loses that index, so the writer does not maintain both.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { bootKernel } from '@hypaware/core/boot';
import { MESSAGES_DATASET, messagesDataset } from '@hypaware/ai-gateway/internal/datasets.js';
import { OVERVIEW_QUERIES } from '@hypaware/ai-gateway/internal/history/overview.js';
import { dropSupersededIndexes } from '@hypaware/ai-gateway/internal/history/superseded-indexes.js';
import { fillSyntheticHistory } from '../../bench/synthetic-history.js';
import { tempDir } from '../../harness/repo.js';

const OLD_ORDER = [
  'date',
  'client_name',
  'cwd',
  'session_id',
  'conversation_id',
  'message_id',
  'message_created_at',
  'part_type',
  'tool_name',
];
const OLD_NAME = `ix_${MESSAGES_DATASET}_${OLD_ORDER.join('_')}`;

async function gatewayDatabase(): Promise<Database.Database> {
  const hypHome = tempDir('hyp-sessions-index-');
  const kernel = await bootKernel({ mode: 'cli', hypHome, env: { ...process.env, HYP_HOME: hypHome } });
  try {
    kernel.datasets.set(MESSAGES_DATASET, { spec: messagesDataset, plugin: '@hypaware/ai-gateway' });
    kernel.database();
  } finally {
    await kernel.shutdown();
  }
  return new Database(join(hypHome, 'hypaware', 'hypaware.db'));
}

function indexNames(db: Database.Database): string[] {
  return (
    db
      .prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ?`)
      .pluck()
      .all(MESSAGES_DATASET) as string[]
  ).sort();
}

test('the sessions index has message_created_at before message_id, and the older order is dropped', async () => {
  const db = await gatewayDatabase();
  try {
    fillSyntheticHistory(db, { rows: 600, days: 5, seed: 3 });
    const current = indexNames(db).filter((n) => n.startsWith(`ix_${MESSAGES_DATASET}_date_client_name_`));
    assert.deepEqual(current, [
      `ix_${MESSAGES_DATASET}_date_client_name_cwd_session_id_conversation_id_message_created_at_message_id_part_type_tool_name`,
    ]);
    db.exec(`CREATE INDEX "${OLD_NAME}" ON "${MESSAGES_DATASET}" (${OLD_ORDER.map((c) => `"${c}"`).join(', ')})`);
    const before = indexNames(db);
    assert.deepEqual(dropSupersededIndexes(db), [OLD_NAME]);
    assert.deepEqual(
      indexNames(db),
      before.filter((n) => n !== OLD_NAME),
    );
    assert.deepEqual(dropSupersededIndexes(db), [], 'a second run has nothing to drop');
    db.exec('ANALYZE');
    const plan = db
      .prepare(`EXPLAIN QUERY PLAN ${OVERVIEW_QUERIES.sessions}`)
      .all({ since: '2000-01-01', until: '2100-01-01' }) as Array<{ detail: string }>;
    assert.ok(
      plan.some((p) => p.detail.includes(`COVERING INDEX ${current[0]}`)),
      plan.map((p) => p.detail).join('; '),
    );
  } finally {
    db.close();
  }
});
