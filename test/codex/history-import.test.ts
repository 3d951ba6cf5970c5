// `hyp codex import` over hand-written rollouts: usage from token_count events (repeats
// ignored, on the response's last assistant item even when the tool output is written before
// the count), corrupt and truncated lines, --since keeping the id chain, re-import.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { runHyp } from '../../harness/daemon.js';
import { tempDir } from '../../harness/repo.js';

type Row = Record<string, unknown>;
type Json = Record<string, unknown>;

const THREAD = '0199aaaa-0000-7000-8000-000000000001';

function rolloutLine(time: string, type: string, payload: Json): string {
  return JSON.stringify({ timestamp: time, type, payload });
}

function counts(total: Json, last: Json): Json {
  return { type: 'token_count', info: { total_token_usage: total, last_token_usage: last }, rate_limits: null };
}

function usage(input: number, cached: number, output: number, reasoning: number): Json {
  return {
    input_tokens: input,
    cached_input_tokens: cached,
    output_tokens: output,
    reasoning_output_tokens: reasoning,
    total_tokens: input + output,
  };
}

function rollout(): string[] {
  const r1 = usage(900, 768, 40, 16);
  const r2 = usage(950, 800, 10, 0);
  const both = usage(1850, 1568, 50, 16);
  return [
    rolloutLine('2026-01-02T03:04:05.000Z', 'session_meta', {
      id: THREAD,
      cwd: '/w/p',
      originator: 'codex_cli_rs',
      cli_version: '0.58.0',
      source: 'cli',
      model_provider: 'openai',
    }),
    rolloutLine('2026-01-02T03:04:05.100Z', 'turn_context', {
      turn_id: 't1',
      cwd: '/w/p',
      model: 'gpt-5-codex',
      sandbox_policy: { type: 'workspace-write' },
    }),
    rolloutLine('2026-01-02T03:04:06.000Z', 'response_item', {
      type: 'message',
      id: 'msg_u1',
      role: 'user',
      content: [{ type: 'input_text', text: 'list files' }],
    }),
    rolloutLine('2026-01-02T03:04:07.000Z', 'response_item', {
      type: 'reasoning',
      id: 'rs_1',
      summary: [{ type: 'summary_text', text: 'Use ls.' }],
      encrypted_content: 'enc',
    }),
    rolloutLine('2026-01-02T03:04:07.500Z', 'response_item', {
      type: 'function_call',
      id: 'fc_1',
      name: 'shell',
      arguments: '{"command":["ls"]}',
      call_id: 'call_1',
    }),
    '{"timestamp":"2026-01-02T03:04:07.600Z","type":"response_item","payload":{"type":"mess',
    rolloutLine('2026-01-02T03:04:08.000Z', 'response_item', {
      type: 'function_call_output',
      call_id: 'call_1',
      output: 'a.txt',
    }),
    rolloutLine('2026-01-02T03:04:08.100Z', 'event_msg', counts(r1, r1)),
    rolloutLine('2026-01-02T03:04:08.200Z', 'event_msg', counts(r1, r1)),
    rolloutLine('2026-01-03T00:00:01.000Z', 'response_item', {
      type: 'message',
      id: 'msg_a1',
      role: 'assistant',
      content: [{ type: 'output_text', text: 'One file: a.txt' }],
    }),
    rolloutLine('2026-01-03T00:00:02.000Z', 'event_msg', counts(both, r2)),
  ];
}

function writeSessions(root: string, lines: string[], truncated: boolean): string {
  const dir = join(root, 'sessions', '2026', '01', '02');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, `rollout-2026-01-02T03-04-05-${THREAD}.jsonl`),
    lines.join('\n') + (truncated ? '\n{"timestamp":"2026-01-03T00:00:03.000Z","type":"resp' : '\n'),
  );
  return join(root, 'sessions');
}

async function importSessions(hypHome: string, args: string[]): Promise<Json> {
  const r = await runHyp(['codex', 'import', '--json', ...args], { hypHome });
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Json;
}

function rows(hypHome: string): Row[] {
  const db = new Database(join(hypHome, 'hypaware', 'hypaware.db'), { readonly: true });
  try {
    return db.prepare('SELECT * FROM ai_gateway_messages ORDER BY message_created_at, part_index').all() as Row[];
  } finally {
    db.close();
  }
}

test('items become linked messages; usage once per response on its last assistant item; bad lines counted', async () => {
  const root = tempDir('hyp-codex-import-');
  const sessions = writeSessions(root, rollout(), true);
  const hypHome = join(root, 'hyp');
  const summary = await importSessions(hypHome, ['--sessions', sessions]);
  assert.equal(summary.files, 1);
  assert.equal(summary.sessions, 1);
  assert.equal(summary.messages, 5);
  assert.deepEqual(summary.skipped, { invalid_json: 1, truncated_last_line: 1 });
  const all = rows(hypHome);
  assert.deepEqual(
    all.map((r) => [r.role, r.part_type]),
    [
      ['user', 'text'],
      ['assistant', 'reasoning'],
      ['assistant', 'tool_call'],
      ['tool', 'tool_result'],
      ['assistant', 'text'],
    ],
  );
  // the fallback chain: each message's previous is the one before it
  all.forEach((r, i) =>
    assert.deepEqual(JSON.parse(String(r.previous_message_id)), i === 0 ? [] : [all[i - 1]!.message_id]),
  );
  const carriers = all.filter((r) => r.input_tokens !== null);
  assert.deepEqual(
    carriers.map((r) => [r.part_type, r.input_tokens, r.cache_read_input_tokens, r.output_tokens, r.reasoning_tokens]),
    [
      ['tool_call', 132, 768, 40, 16],
      ['text', 150, 800, 10, 0],
    ],
    'the repeated token_count adds nothing; the tool output written before the count does not carry it',
  );
  assert.equal(JSON.parse(String(carriers[0]!.status)).finish_reason, 'tool_use');
  const result = all.find((r) => r.part_type === 'tool_result')!;
  assert.equal(result.tool_name, 'shell');
  assert.equal(result.tool_result_for, 'call_1');
  for (const r of all) {
    assert.equal(r.conversation_id, THREAD);
    assert.equal(r.session_id, THREAD);
    assert.equal(r.cwd, '/w/p');
    assert.equal(r.model, 'gpt-5-codex');
    assert.equal(r.client_version, '0.58.0');
    assert.equal(r.entrypoint, 'codex_cli_rs');
    assert.equal(r.permission_mode, 'workspace-write');
    assert.equal(r.prompt_id, 't1');
    assert.equal(r.exchange_id, null);
    assert.equal(JSON.parse(String(r.attributes)).gateway.origin, 'file');
  }
  assert.equal((await importSessions(hypHome, ['--sessions', sessions])).rows_added, 0);
});

test('--since writes only the later items, with the ids a full import gives them', async () => {
  const root = tempDir('hyp-codex-import-');
  const sessions = writeSessions(root, rollout(), false);
  const full = join(root, 'full');
  await importSessions(full, ['--sessions', sessions]);
  const partial = join(root, 'partial');
  const summary = await importSessions(partial, ['--sessions', sessions, '--since', '2026-01-03']);
  assert.equal(summary.messages, 1);
  assert.equal((summary.skipped as Json).before_since, 4);
  const later = rows(partial);
  assert.equal(later.length, 1);
  const same = rows(full).find((r) => r.content_text === 'One file: a.txt')!;
  assert.equal(later[0]!.message_id, same.message_id);
  assert.equal(later[0]!.previous_message_id, same.previous_message_id);
  assert.equal(later[0]!.output_tokens, 10);
});

test('bad input: one line on stderr and a non-zero exit', async () => {
  const root = tempDir('hyp-codex-import-');
  const r = await runHyp(['codex', 'import', '--sessions', join(root, 'missing')], { hypHome: join(root, 'hyp') });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr.trim(), /^hyp: no Codex sessions folder at .*missing$/);
  const noDefault = await runHyp(['codex', 'import'], {
    hypHome: join(root, 'hyp'),
    env: { CODEX_HOME: join(root, 'c') },
  });
  assert.notEqual(noDefault.code, 0);
  assert.match(noDefault.stderr.trim(), /^hyp: no Codex sessions folder at .*c\/sessions \(nothing to import\)$/);
});

test('a rollout whose cwd is under a `hyp privacy ignore` folder is not imported; an imported model is priced at once', async () => {
  const root = tempDir('hyp-codex-import-');
  const sessions = writeSessions(root, rollout(), false);
  const hypHome = join(root, 'hyp');
  const ignore = await runHyp(['privacy', 'ignore', '/w'], { hypHome });
  assert.equal(ignore.code, 0, ignore.stderr);
  const skipped = await importSessions(hypHome, ['--sessions', sessions]);
  assert.deepEqual(skipped.skipped, { invalid_json: 1, ignored: 5 });
  assert.equal(skipped.messages, 0);
  assert.equal(rows(hypHome).length, 0);

  assert.equal((await runHyp(['privacy', 'unignore', '/w'], { hypHome })).code, 0);
  const imported = await importSessions(hypHome, ['--sessions', sessions]);
  assert.equal(imported.messages_added, 5);
  const db = new Database(join(hypHome, 'hypaware', 'hypaware.db'), { readonly: true });
  try {
    const costs = db.prepare('SELECT cost_usd FROM ai_responses ORDER BY message_created_at').pluck().all();
    assert.equal(costs.length, 2);
    for (const c of costs) assert.ok(typeof c === 'number' && c > 0, `cost_usd ${String(c)}`);
  } finally {
    db.close();
  }
});
