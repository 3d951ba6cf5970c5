// Import after live capture that never settled: the gateway captured an exchange of a Claude
// Code session before its transcript existed (fallback ids, match keys recorded) and stopped
// before a re-check could replace them. `hyp claude import` of the transcript written later
// leaves each message once, under its native id: the fallback rows of the same units are
// settled (deleted), not duplicated.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { runHyp, startDaemon } from '../../harness/daemon.js';
import { startFakeAnthropic } from '../../harness/fake-anthropic.js';
import { tempDir } from '../../harness/repo.js';
import { waitFor } from '../../harness/wait.js';

const SESSION = '7a1e0000-0000-4000-8000-000000000002';

test('import settles the fallback rows live capture left for the same messages', async (t) => {
  const fake = await startFakeAnthropic(() => ({ blocks: [{ type: 'text', text: 'Hi from the fake.' }] }));
  t.after(() => fake.close());
  const home = tempDir('hyp-claude-after-live-');
  const hypHome = join(home, 'hyp');
  const daemon = await startDaemon({
    hypHome,
    config: {
      plugins: {
        '@hypaware/ai-gateway': {
          listen: '127.0.0.1:0',
          upstreams: [{ name: 'anthropic', base_url: fake.url, path_prefix: '/v1/messages', provider: 'anthropic' }],
        },
      },
    },
    env: { HOME: home },
  });
  const res = await fetch(`${daemon.endpoint!}/v1/messages`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'anthropic-version': '2023-06-01',
      'x-api-key': 'sk-ant-after-live-test',
      'x-claude-code-session-id': SESSION,
    },
    body: JSON.stringify({
      model: 'claude-test',
      max_tokens: 64,
      messages: [{ role: 'user', content: 'hello there' }],
    }),
  });
  assert.equal(res.status, 200);
  await res.text();
  const dbPath = join(hypHome, 'hypaware', 'hypaware.db');
  const live = await waitFor(() => {
    const db = new Database(dbPath, { readonly: true });
    try {
      const ids = db
        .prepare('SELECT message_id FROM ai_gateway_messages WHERE session_id = ? ORDER BY message_index')
        .pluck()
        .all(SESSION) as string[];
      return ids.length === 2 ? ids : undefined;
    } finally {
      db.close();
    }
  }, 'the live rows (fallback ids: no transcript yet)');
  await daemon.stop();
  assert.ok(!live.includes('u1') && !live.includes('a1'));

  // Claude Code's transcript of the same exchange, as it writes it
  const reply = fake.replies[0]!;
  const base = { sessionId: SESSION, cwd: '/w/p', version: '2.1.80', isSidechain: false, userType: 'external' };
  const dir = join(home, '.claude', 'projects', '-w-p');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, `${SESSION}.jsonl`),
    [
      {
        ...base,
        type: 'user',
        uuid: 'u1',
        parentUuid: null,
        timestamp: '2026-04-01T10:00:00.000Z',
        message: { role: 'user', content: 'hello there' },
      },
      {
        ...base,
        type: 'assistant',
        uuid: 'a1',
        parentUuid: 'u1',
        timestamp: '2026-04-01T10:00:01.000Z',
        requestId: reply.requestId,
        message: {
          id: reply.messageId,
          type: 'message',
          role: 'assistant',
          model: 'claude-test',
          content: [{ type: 'text', text: 'Hi from the fake.' }],
          stop_reason: 'end_turn',
          usage: { input_tokens: reply.usage.input, output_tokens: reply.usage.output },
        },
      },
    ]
      .map((l) => JSON.stringify(l))
      .join('\n') + '\n',
  );
  const imported = await runHyp(['claude', 'import', '--json'], { hypHome, env: { HOME: home } });
  assert.equal(imported.code, 0, imported.stderr);
  const db = new Database(dbPath, { readonly: true });
  t.after(() => db.close());
  const rows = db
    .prepare(
      'SELECT message_id, role, content_text FROM ai_gateway_messages WHERE session_id = ? ORDER BY message_created_at',
    )
    .all(SESSION) as Array<Record<string, unknown>>;
  assert.deepEqual(
    rows.map((r) => [r.message_id, r.role, r.content_text]),
    [
      ['u1', 'user', 'hello there'],
      ['a1', 'assistant', 'Hi from the fake.'],
    ],
    'each message once, under its native id',
  );
});
