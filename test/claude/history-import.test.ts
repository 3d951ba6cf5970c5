// `hyp claude import` over hand-written transcripts: the edge cases of the format (corrupt and
// truncated lines, usage repeated on every block line of a response, --since, sub-agent
// .meta.json lineage, nested sub-agents) and the command's errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { runHyp } from '../../harness/daemon.js';
import { tempDir } from '../../harness/repo.js';

type Row = Record<string, unknown>;
type Json = Record<string, unknown>;

const SESSION = '5f0c0000-0000-4000-8000-000000000001';

function line(uuid: string, parent: string | null, type: 'user' | 'assistant', extra: Json, time: string): string {
  return JSON.stringify({
    type,
    uuid,
    parentUuid: parent,
    isSidechain: false,
    userType: 'external',
    cwd: '/w/proj',
    sessionId: SESSION,
    version: '2.1.80',
    gitBranch: 'main',
    timestamp: time,
    ...extra,
  });
}

function assistant(id: string, content: Json[], usage: Json, stop: string | null): Json {
  return {
    requestId: `req_${id}`,
    message: { id, type: 'message', role: 'assistant', model: 'claude-test', content, stop_reason: stop, usage },
  };
}

/** A session: prompt, a response written as three block lines (usage repeated, growing), a tool result, a reply. */
function mainTranscript(): string[] {
  return [
    JSON.stringify({ type: 'queue-operation', operation: 'enqueue', sessionId: SESSION }),
    line('u1', null, 'user', { message: { role: 'user', content: 'list files' } }, '2026-03-01T10:00:00.000Z'),
    line(
      'a1',
      'u1',
      'assistant',
      assistant(
        'msg_A',
        [{ type: 'thinking', thinking: 'hm', signature: 'c2ln' }],
        { input_tokens: 3, output_tokens: 5, cache_read_input_tokens: 100 },
        null,
      ),
      '2026-03-01T10:00:01.000Z',
    ),
    line(
      'a2',
      'a1',
      'assistant',
      assistant(
        'msg_A',
        [{ type: 'text', text: 'Listing.' }],
        { input_tokens: 3, output_tokens: 5, cache_read_input_tokens: 100 },
        null,
      ),
      '2026-03-01T10:00:01.500Z',
    ),
    line(
      'a3',
      'a2',
      'assistant',
      assistant(
        'msg_A',
        [{ type: 'tool_use', id: 'toolu_1', name: 'Bash', input: { command: 'ls' } }],
        { input_tokens: 3, output_tokens: 9, cache_read_input_tokens: 100 },
        'tool_use',
      ),
      '2026-03-01T10:00:02.000Z',
    ),
    'this is not json',
    line(
      'u2',
      'a3',
      'user',
      {
        message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'a.txt' }] },
        sourceToolAssistantUUID: 'a3',
      },
      '2026-03-02T10:00:00.000Z',
    ),
    line(
      'a4',
      'u2',
      'assistant',
      assistant('msg_B', [{ type: 'text', text: 'One file.' }], { input_tokens: 4, output_tokens: 2 }, 'end_turn'),
      '2026-03-02T10:00:01.000Z',
    ),
  ];
}

function writeProjects(root: string, files: Record<string, string[]>, options: { truncate?: string } = {}): string {
  const projects = join(root, 'projects');
  for (const [rel, lines] of Object.entries(files)) {
    const path = join(projects, rel);
    mkdirSync(join(path, '..'), { recursive: true });
    const text = lines.join('\n') + (options.truncate === rel ? '\n{"type":"user","uuid":"half' : '\n');
    writeFileSync(path, text);
  }
  return projects;
}

async function importProjects(hypHome: string, args: string[]): Promise<Json> {
  const r = await runHyp(['claude', 'import', '--json', ...args], { hypHome });
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Json;
}

function rows(hypHome: string, where = '1 = 1'): Row[] {
  const db = new Database(join(hypHome, 'hypaware', 'hypaware.db'), { readonly: true });
  try {
    return db
      .prepare(`SELECT * FROM ai_gateway_messages WHERE ${where} ORDER BY message_created_at, part_index`)
      .all() as Row[];
  } finally {
    db.close();
  }
}

test('corrupt and truncated lines are counted and skipped; usage of a response is counted once, on its last line', async () => {
  const root = tempDir('hyp-claude-import-');
  const projects = writeProjects(
    root,
    { [`-w-proj/${SESSION}.jsonl`]: mainTranscript() },
    { truncate: `-w-proj/${SESSION}.jsonl` },
  );
  const hypHome = join(root, 'hyp');
  const summary = await importProjects(hypHome, ['--projects', projects]);
  assert.equal(summary.messages, 6);
  assert.equal(summary.rows_added, 6);
  assert.deepEqual(summary.skipped, { invalid_json: 1, truncated_last_line: 1, not_a_message: 1 });
  const all = rows(hypHome);
  assert.deepEqual(
    all.map((r) => [r.message_id, r.previous_message_id, r.part_type]),
    [
      ['u1', '[]', 'text'],
      ['a1', '["u1"]', 'reasoning'],
      ['a2', '["a1"]', 'text'],
      ['a3', '["a2"]', 'tool_call'],
      ['u2', '["a3"]', 'tool_result'],
      ['a4', '["u2"]', 'text'],
    ],
  );
  const carriers = all.filter((r) => r.output_tokens !== null);
  assert.deepEqual(
    carriers.map((r) => [r.message_id, r.input_tokens, r.output_tokens, r.cache_read_input_tokens]),
    [
      ['a3', 3, 9, 100],
      ['a4', 4, 2, null],
    ],
    'one carrier per response: its last line, with the final (largest) counts',
  );
  assert.equal(JSON.parse(String(carriers[0]!.status)).finish_reason, 'tool_use');
  const result = all.find((r) => r.message_id === 'u2')!;
  assert.equal(result.tool_name, 'Bash');
  assert.equal(result.tool_result_for, 'toolu_1');
  assert.equal(result.source_tool_assistant_uuid, 'a3');
  assert.equal(result.request_id, null);
  assert.equal(all.find((r) => r.message_id === 'a3')!.request_id, 'req_msg_A');
  for (const r of all) {
    assert.equal(r.session_id, SESSION);
    assert.equal(r.conversation_id, SESSION);
    assert.equal(r.cwd, '/w/proj');
    assert.equal(r.git_branch, 'main');
    assert.equal(r.client_version, '2.1.80');
    assert.equal(r.model, 'claude-test', 'prompts take the model of the response that follows them');
    assert.equal(r.exchange_id, null);
    const gateway = JSON.parse(String(r.attributes)).gateway as Json;
    assert.equal(gateway.origin, 'file');
    assert.equal(gateway.file, join(projects, `-w-proj/${SESSION}.jsonl`));
  }

  const again = await importProjects(hypHome, ['--projects', projects]);
  assert.equal(again.rows_added, 0);
  assert.equal(again.messages_present, 6);
});

test('--since imports only lines from that UTC day on', async () => {
  const root = tempDir('hyp-claude-import-');
  const projects = writeProjects(root, { [`-w-proj/${SESSION}.jsonl`]: mainTranscript() });
  const hypHome = join(root, 'hyp');
  const summary = await importProjects(hypHome, ['--projects', projects, '--since', '2026-03-02']);
  assert.equal(summary.messages, 2);
  assert.equal((summary.skipped as Json).before_since, 4);
  assert.deepEqual(
    rows(hypHome).map((r) => r.message_id),
    ['u2', 'a4'],
  );
  // the rest later: nothing twice
  const rest = await importProjects(hypHome, ['--projects', projects]);
  assert.equal(rest.messages_present, 2);
  assert.equal(rows(hypHome).length, 6);
});

test('sub-agents: rows link to the call that spawned them, nested ones to their parent agent', async () => {
  const root = tempDir('hyp-claude-import-');
  const sub = (agent: string, uuid: string, extra: Json, time: string, type: 'user' | 'assistant' = 'assistant') =>
    JSON.parse(line(uuid, null, type, { ...extra, isSidechain: true, agentId: agent }, time)) as Json;
  const spawnTool = (id: string) => ({
    type: 'tool_use',
    id,
    name: 'Agent',
    input: { prompt: 'go', subagent_type: 'Explore' },
  });
  const main = [
    line('u1', null, 'user', { message: { role: 'user', content: 'explore' } }, '2026-03-01T10:00:00.000Z'),
    line(
      'a1',
      'u1',
      'assistant',
      assistant('msg_A', [spawnTool('toolu_spawn1')], { input_tokens: 1, output_tokens: 1 }, 'tool_use'),
      '2026-03-01T10:00:01.000Z',
    ),
  ];
  const agentX = [
    JSON.stringify(sub('x1', 'x-u', { message: { role: 'user', content: 'go' } }, '2026-03-01T10:00:02.000Z', 'user')),
    JSON.stringify(
      sub(
        'x1',
        'x-a',
        assistant('msg_X', [spawnTool('toolu_spawn2')], { input_tokens: 2, output_tokens: 2 }, 'tool_use'),
        '2026-03-01T10:00:03.000Z',
      ),
    ),
  ];
  const agentY = [
    JSON.stringify(sub('y1', 'y-u', { message: { role: 'user', content: 'go' } }, '2026-03-01T10:00:04.000Z', 'user')),
    JSON.stringify(
      sub(
        'y1',
        'y-a',
        assistant('msg_Y', [{ type: 'text', text: 'found it' }], { input_tokens: 3, output_tokens: 3 }, 'end_turn'),
        '2026-03-01T10:00:05.000Z',
      ),
    ),
  ];
  const dir = `-w-proj/${SESSION}/subagents`;
  const projects = writeProjects(root, {
    [`-w-proj/${SESSION}.jsonl`]: main,
    [`${dir}/agent-x1.jsonl`]: agentX,
    [`${dir}/agent-y1.jsonl`]: agentY,
  });
  writeFileSync(
    join(projects, dir, 'agent-x1.meta.json'),
    JSON.stringify({ agentType: 'Explore', description: 'x', toolUseId: 'toolu_spawn1' }),
  );
  writeFileSync(
    join(projects, dir, 'agent-y1.meta.json'),
    JSON.stringify({ agentType: 'Plan', toolUseId: 'toolu_spawn2' }),
  );
  const hypHome = join(root, 'hyp');
  const summary = await importProjects(hypHome, ['--projects', projects]);
  assert.equal(summary.files, 3);
  assert.equal(summary.sessions, 1);
  const lineage = (agent: string) =>
    rows(hypHome, `agent_id = '${agent}'`).map((r) => [
      r.agent_type,
      r.parent_tool_call_id,
      r.parent_agent_id,
      r.is_sidechain,
    ]);
  assert.deepEqual(lineage('x1'), [
    ['Explore', 'toolu_spawn1', null, 1],
    ['Explore', 'toolu_spawn1', null, 1],
  ]);
  assert.deepEqual(lineage('y1'), [
    ['Plan', 'toolu_spawn2', 'x1', 1],
    ['Plan', 'toolu_spawn2', 'x1', 1],
  ]);
  const mainRows = rows(hypHome, 'agent_id IS NULL');
  assert.equal(mainRows.length, 2);
  assert.ok(mainRows.every((r) => r.parent_tool_call_id === null && r.agent_type === null));
});

test('bad input: one line on stderr and a non-zero exit', async () => {
  const root = tempDir('hyp-claude-import-');
  const hypHome = join(root, 'hyp');
  const file = join(root, 'a-file');
  writeFileSync(file, 'x');
  for (const [args, message] of [
    [['--projects', join(root, 'missing')], /^hyp: no Claude Code projects folder at .*missing$/],
    [['--projects', file], /^hyp: .*a-file is not a folder \(Claude Code projects\)$/],
    [['--since', '2026-02-30'], /^hyp: --since must be a date like 2026-01-31/],
  ] as const) {
    const r = await runHyp(['claude', 'import', ...args], { hypHome, env: { HOME: root } });
    assert.notEqual(r.code, 0, args.join(' '));
    assert.match(r.stderr.trim(), message);
    assert.equal(r.stderr.trim().split('\n').length, 1);
  }
});
