import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { runHyp, startDaemon } from '../../harness/daemon.js';
import { startFakeAnthropic } from '../../harness/fake-anthropic.js';
import { tempDir } from '../../harness/repo.js';
import { waitFor } from '../../harness/wait.js';

async function post(endpoint: string, body: unknown): Promise<void> {
  const res = await fetch(`${endpoint}/v1/messages`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'anthropic-version': '2023-06-01',
      'x-api-key': 'sk-ant-reproject-test',
    },
    body: JSON.stringify(body),
  });
  await res.text();
  assert.equal(res.status, 200);
}

test('hyp reproject restores rows from stored raw exchanges, keeps existing part_ids, and is idempotent', async () => {
  const fake = await startFakeAnthropic();
  const home = tempDir('hyp-home-');
  const config = {
    plugins: {
      '@hypaware/ai-gateway': { listen: '127.0.0.1:0', upstreams: [{ name: 'anthropic', base_url: fake.url }] },
    },
  };
  const daemon = await startDaemon({ config, env: { HOME: home } });
  const dbPath = join(daemon.hypHome, 'hypaware', 'hypaware.db');
  let partIds: string[];
  try {
    await post(daemon.endpoint!, {
      model: 'claude-test',
      max_tokens: 64,
      messages: [{ role: 'user', content: 'first question' }],
    });
    await post(daemon.endpoint!, {
      model: 'claude-test',
      max_tokens: 64,
      stream: true,
      messages: [{ role: 'user', content: 'second question' }],
    });
    partIds = await waitFor(() => {
      const db = new Database(dbPath, { readonly: true });
      try {
        const exchanges = db.prepare('SELECT count(*) FROM ai_gateway_exchanges').pluck().get() as number;
        const ids = db.prepare('SELECT part_id FROM ai_gateway_messages ORDER BY part_id').pluck().all() as string[];
        return exchanges === 2 && ids.length >= 4 ? ids : undefined;
      } finally {
        db.close();
      }
    }, 'two exchanges and their rows');
  } finally {
    await daemon.stop();
    await fake.close();
  }

  // Lose the rows of one exchange (as if an older projector had not produced them).
  const rw = new Database(dbPath);
  const lost = rw
    .prepare(
      `DELETE FROM ai_gateway_messages WHERE content_text = 'second question' OR part_id IN (
      SELECT part_id FROM ai_gateway_messages WHERE role = 'assistant' ORDER BY message_created_at DESC, part_id LIMIT 1)`,
    )
    .run().changes;
  rw.close();
  assert.ok(lost >= 2, `expected to delete at least 2 rows, deleted ${lost}`);

  const env = { HOME: home };
  const dry = await runHyp(['reproject', '--dry-run', '--json'], { hypHome: daemon.hypHome, env });
  assert.equal(dry.code, 0, dry.stderr);
  const dryResult = JSON.parse(dry.stdout) as { exchanges_read: number; rows_added: number };
  assert.equal(dryResult.exchanges_read, 2);
  assert.equal(dryResult.rows_added, lost);
  const countRows = () => {
    const db = new Database(dbPath, { readonly: true });
    try {
      return db.prepare('SELECT part_id FROM ai_gateway_messages ORDER BY part_id').pluck().all() as string[];
    } finally {
      db.close();
    }
  };
  assert.equal(countRows().length, partIds.length - lost, 'a dry run writes nothing');

  const real = await runHyp(['reproject', '--json'], { hypHome: daemon.hypHome, env });
  assert.equal(real.code, 0, real.stderr);
  assert.equal((JSON.parse(real.stdout) as { rows_added: number }).rows_added, lost);
  assert.deepEqual(countRows(), partIds, 'the same part_ids as live capture wrote');

  const again = await runHyp(['reproject', '--since', new Date().toISOString().slice(0, 10)], {
    hypHome: daemon.hypHome,
    env,
  });
  assert.equal(again.code, 0, again.stderr);
  assert.equal(
    again.stdout,
    `read 2 stored exchanges since ${new Date().toISOString().slice(0, 10)}: added 0 rows from 0 exchanges\n`,
  );
  assert.deepEqual(countRows(), partIds);

  const future = await runHyp(['reproject', '--json', '--since', '2999-01-01'], { hypHome: daemon.hypHome, env });
  assert.equal((JSON.parse(future.stdout) as { exchanges_read: number }).exchanges_read, 0);
  const bad = await runHyp(['reproject', '--since', 'yesterday'], { hypHome: daemon.hypHome, env });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^hyp: --since must be a date like 2026-01-31 \(got "yesterday"\)\n$/);
});

test('hyp reproject is a gateway command: without the gateway it does not exist', async () => {
  const hypHome = tempDir();
  writeFileSync(
    join(hypHome, 'hypaware-config.json'),
    JSON.stringify({ plugins: { '@hypaware/ai-gateway': { enabled: false } } }),
  );
  const r = await runHyp(['reproject'], { hypHome });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown command 'reproject'/);
});
