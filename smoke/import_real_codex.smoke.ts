// `hyp codex import` over what the REAL Codex CLI (pinned, harness/real-clients.ts) wrote while
// talking to a fake Responses upstream directly, with no gateway (a custom provider with
// `env_key`): (a) a plain prompt, (b) a turn where the upstream calls exec_command running `echo`.
// The rollouts are the ground truth: every item is one message, the function call and its output
// are linked, usage sits on one carrier per response and sums to the `tokens used` Codex printed.
// A second import adds nothing; then `codex exec resume` through a real gateway (the same provider
// id, its base_url pointed at the gateway) adds the new items and no duplicate of the imported ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { runHyp, startDaemon } from '../harness/daemon.js';
import { startFakeOpenAi } from '../harness/fake-openai.js';
import { realClient, runClient } from '../harness/real-clients.js';
import { tempDir } from '../harness/repo.js';
import { waitFor } from '../harness/wait.js';

type Row = Record<string, unknown>;
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const ITEM_TYPES = ['message', 'function_call', 'function_call_output', 'reasoning'];

function rolloutFiles(codexHome: string): string[] {
  const files: string[] = [];
  const walk = (dir: string, depth: number) => {
    if (depth > 5 || !existsSync(dir)) return;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(dir, e.name), depth + 1);
      else if (e.name.startsWith('rollout-') && e.name.endsWith('.jsonl')) files.push(join(dir, e.name));
    }
  };
  walk(join(codexHome, 'sessions'), 0);
  return files;
}

interface Rollout {
  meta: Json;
  items: Json[];
  total: Json;
  /** token_count events that moved the total: one per model response */
  responses: number;
}

function readRollout(file: string): Rollout {
  const lines = readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Json);
  const counts = lines.filter((l) => l.type === 'event_msg' && l.payload.type === 'token_count' && l.payload.info);
  const totals = new Set(counts.map((c) => c.payload.info.total_token_usage.total_tokens as number));
  return {
    meta: lines.find((l) => l.type === 'session_meta')!.payload as Json,
    items: lines
      .filter((l) => l.type === 'response_item' && ITEM_TYPES.includes(String(l.payload.type)))
      .map((l) => l.payload as Json),
    total: counts[counts.length - 1]!.payload.info.total_token_usage as Json,
    responses: totals.size,
  };
}

function sum(rows: Row[], key: string): number {
  return rows.reduce((s, r) => s + Number(r[key] ?? 0), 0);
}

function tokensUsed(output: string): number {
  const m = /tokens used\s*\n\s*([\d,]+)/.exec(output);
  assert.ok(m, `codex printed no "tokens used": ${output.slice(-500)}`);
  return Number(m[1]!.replace(/,/g, ''));
}

function byMessage(rows: Row[]): Map<string, Row[]> {
  const out = new Map<string, Row[]>();
  for (const r of rows) out.set(String(r.message_id), [...(out.get(String(r.message_id)) ?? []), r]);
  return out;
}

/** Every rollout item is exactly one message of the rows. */
function assertItemsOnce(items: Json[], rows: Row[]): void {
  const messages = [...byMessage(rows).values()];
  for (const item of items) {
    if (item.type === 'message') {
      const text = (item.content as Json[]).map((c) => String(c.text)).join('\n');
      assert.equal(
        messages.filter((m) => m[0]!.role === item.role && m.map((p) => p.content_text).join('\n') === text).length,
        1,
        `one ${String(item.role)} message: ${text.slice(0, 60)}`,
      );
    } else if (item.type === 'function_call') {
      assert.equal(rows.filter((r) => r.part_type === 'tool_call' && r.tool_call_id === item.call_id).length, 1);
    } else if (item.type === 'function_call_output') {
      assert.equal(rows.filter((r) => r.part_type === 'tool_result' && r.tool_result_for === item.call_id).length, 1);
    } else {
      assert.equal(rows.filter((r) => r.part_type === 'reasoning').length >= 1, true);
    }
  }
}

test('hyp codex import: real Codex rollouts, then a live resume', { timeout: 900_000 }, async (t) => {
  const client = await realClient('codex');
  if ('why' in client) {
    t.skip(client.why);
    return;
  }
  const fake = await startFakeOpenAi({
    script: (req) => {
      const body = JSON.stringify(req.body);
      if (body.includes('say hi again')) return { text: 'Hello again from the fake upstream.' };
      if (body.includes('function_call_output')) return { text: 'The command printed hello-from-hypaware.' };
      if (body.includes('run the echo command'))
        return {
          reasoning: 'The user wants a shell command.',
          toolCalls: [{ name: 'exec_command', arguments: { cmd: 'echo hello-from-hypaware' } }],
        };
      return { text: 'Hello from the fake upstream.' };
    },
  });
  t.after(() => fake.close());
  const root = realpathSync(tempDir('hyp-smoke-import-codex-'));
  const codexHome = join(root, '.codex');
  const work = join(root, 'work');
  mkdirSync(codexHome, { recursive: true });
  mkdirSync(work, { recursive: true });
  writeFileSync(
    join(codexHome, 'config.toml'),
    [
      'model = "gpt-5-codex"',
      'model_provider = "corp"',
      '[model_providers.corp]',
      'name = "corp"',
      `base_url = "${fake.url}/v1"`,
      'wire_api = "responses"',
      'env_key = "CORP_API_KEY"',
      '',
    ].join('\n'),
  );
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: root,
    CODEX_HOME: codexHome,
    CORP_API_KEY: 'sk-HYPSMOKE0000corp',
    NO_COLOR: '1',
  };
  delete env.OPENAI_API_KEY;
  delete env.OPENAI_BASE_URL;
  const exec = async (args: string[]) => {
    const r = await runClient(client.bin, ['exec', '--skip-git-repo-check', ...args], {
      env,
      cwd: work,
      timeoutMs: 120_000,
    });
    assert.equal(r.code, 0, `codex exec failed: ${r.stderr.slice(-2000)}`);
    return r;
  };
  const plain = await exec(['say hi']);
  const tool = await exec(['please run the echo command']);
  const files = rolloutFiles(codexHome);
  assert.equal(files.length, 2, 'one rollout per codex exec');
  const rollouts = files.map(readRollout);
  const toolRollout = rollouts.find((r) => r.items.some((i) => i.type === 'function_call'))!;
  const plainRollout = rollouts.find((r) => r !== toolRollout)!;

  const hypHome = tempDir('hyp-smoke-import-codex-home-');
  const first = await runHyp(['codex', 'import', '--json'], { hypHome, env: { CODEX_HOME: codexHome } });
  assert.equal(first.code, 0, first.stderr);
  const summary = JSON.parse(first.stdout) as Json;
  assert.equal(summary.files, 2);
  assert.equal(summary.sessions, 2);
  const db = new Database(join(hypHome, 'hypaware', 'hypaware.db'), { readonly: true });
  t.after(() => db.close());
  const rowsOf = (session: string): Row[] =>
    db
      .prepare('SELECT * FROM ai_gateway_messages WHERE session_id = ? ORDER BY message_created_at, part_index')
      .all(session) as Row[];

  for (const [name, rollout, printed] of [
    ['plain', plainRollout, plain],
    ['tool', toolRollout, tool],
  ] as const) {
    await t.test(`${name}: one message per item, context and tokens as in the rollout`, () => {
      const rows = rowsOf(String(rollout.meta.id));
      assert.equal(byMessage(rows).size, rollout.items.length, 'one message per item, nothing else');
      assertItemsOnce(rollout.items, rows);
      for (const r of rows) {
        assert.equal(r.conversation_id, rollout.meta.id);
        assert.equal(r.cwd, rollout.meta.cwd);
        assert.equal(r.client_version, rollout.meta.cli_version);
        assert.equal(r.entrypoint, rollout.meta.originator);
        assert.equal(r.client_name, 'codex');
        assert.equal(r.exchange_id, null);
        assert.equal(JSON.parse(String(r.attributes)).gateway.origin, 'file');
      }
      assert.equal(sum(rows, 'input_tokens'), rollout.total.input_tokens - rollout.total.cached_input_tokens);
      assert.equal(sum(rows, 'cache_read_input_tokens'), rollout.total.cached_input_tokens);
      assert.equal(sum(rows, 'output_tokens'), rollout.total.output_tokens);
      assert.equal(sum(rows, 'reasoning_tokens'), rollout.total.reasoning_output_tokens);
      assert.equal(sum(rows, 'input_tokens') + sum(rows, 'output_tokens'), tokensUsed(printed.stdout + printed.stderr));
      assert.equal(rows.filter((r) => r.output_tokens !== null).length, rollout.responses, 'one carrier per response');
    });
  }

  await t.test('tool: the call and its output are linked', () => {
    const rows = rowsOf(String(toolRollout.meta.id));
    const call = rows.find((r) => r.part_type === 'tool_call')!;
    const result = rows.find((r) => r.part_type === 'tool_result')!;
    const item = toolRollout.items.find((i) => i.type === 'function_call')!;
    assert.equal(call.tool_name, 'exec_command');
    assert.equal(call.tool_call_id, item.call_id);
    assert.deepEqual(JSON.parse(String(call.tool_args)), JSON.parse(String(item.arguments)));
    assert.equal(result.tool_name, 'exec_command');
    assert.equal(result.tool_result_for, call.tool_call_id);
    assert.match(String(result.content_text), /hello-from-hypaware/);
    assert.deepEqual(JSON.parse(String(result.previous_message_id)), [call.message_id]);
    assert.equal(JSON.parse(String(call.status)).finish_reason, 'tool_use');
  });

  const countRows = () => (db.prepare('SELECT count(*) AS n FROM ai_gateway_messages').get() as { n: number }).n;
  await t.test('a second import adds nothing', async () => {
    const before = countRows();
    const again = await runHyp(['codex', 'import', '--json'], { hypHome, env: { CODEX_HOME: codexHome } });
    assert.equal(again.code, 0, again.stderr);
    assert.equal((JSON.parse(again.stdout) as Json).rows_added, 0);
    assert.equal(countRows(), before);
  });

  let gateway = '';
  await t.test('live resume through the gateway adds the new items, no duplicate', async () => {
    const daemon = await startDaemon({
      hypHome,
      config: {
        plugins: {
          '@hypaware/ai-gateway': {
            listen: '127.0.0.1:0',
            upstreams: [{ name: 'openai', base_url: fake.url, path_prefix: '/v1', provider: 'openai' }],
          },
        },
      },
    });
    t.after(() => daemon.stop());
    gateway = `${daemon.endpoint!}/v1`;
    const sessionId = String(plainRollout.meta.id);
    const sent = fake.requests.length;
    const resumed = await exec([
      '-c',
      `model_providers.corp.base_url="${gateway}"`,
      'resume',
      sessionId,
      'say hi again',
    ]);
    assert.equal(fake.requests.length, sent + 1, 'one request, through the gateway');
    await waitFor(
      () => rowsOf(sessionId).some((r) => r.content_text === 'Hello again from the fake upstream.') || undefined,
      'the resumed reply captured',
      20_000,
    );
    const rollout = readRollout(files.find((f) => f.includes(sessionId))!);
    const rows = rowsOf(sessionId);
    const messages = byMessage(rows);
    // live capture adds the base instructions Codex sends but does not keep in its rollout
    assert.equal(
      messages.size,
      rollout.items.length + 1,
      `messages: ${[...messages.values()].map((m) => `${String(m[0]!.role)}:${String(m[0]!.content_text).slice(0, 30)}`).join(' | ')}`,
    );
    assertItemsOnce(rollout.items, rows);
    assert.equal(sum(rows, 'input_tokens') + sum(rows, 'output_tokens'), tokensUsed(resumed.stdout + resumed.stderr));
  });

  await t.test('import after live capture adds nothing the gateway stored', async () => {
    assert.ok(gateway, 'the gateway of the resume runs');
    const sent = fake.requests.length;
    await exec(['-c', `model_providers.corp.base_url="${gateway}"`, 'say hello live']);
    assert.equal(fake.requests.length, sent + 1);
    const liveFile = rolloutFiles(codexHome).find((f) => !files.includes(f))!;
    const liveRollout = readRollout(liveFile);
    const liveSession = String(liveRollout.meta.id);
    await waitFor(
      () => byMessage(rowsOf(liveSession)).size === liveRollout.items.length + 1 || undefined,
      'the live session captured',
      20_000,
    );
    const before = countRows();
    const again = await runHyp(['codex', 'import', '--json'], { hypHome, env: { CODEX_HOME: codexHome } });
    assert.equal(again.code, 0, again.stderr);
    const s = JSON.parse(again.stdout) as Json;
    assert.equal(s.files, 3);
    assert.equal(s.rows_added, 0, 'the live session, the resumed items and the imported ones are all there');
    assert.equal(countRows(), before);
    assertItemsOnce(liveRollout.items, rowsOf(liveSession));
  });
});
