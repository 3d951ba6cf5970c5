// The real Codex CLI (pinned, from the npm registry, installed once by harness/real-clients.ts) through the
// real daemon: `hyp codex attach` into a temporary CODEX_HOME, then `codex exec` against a fake
// Responses upstream for (a) a plain prompt and (b) a turn where the upstream calls
// exec_command running `echo`, so Codex runs it and sends the output back in a second request.
// Codex's own rollout files are the ground truth: rows, linkage, session ids, cwd, version and
// token totals (token_count events, and the "tokens used" Codex prints) must agree with them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { runHyp, startDaemon } from '../harness/daemon.js';
import { startFakeOpenAi } from '../harness/fake-openai.js';
import { realClient, runClient } from '../harness/real-clients.js';
import { tempDir } from '../harness/repo.js';
import { waitFor } from '../harness/wait.js';

type Row = Record<string, unknown>;
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function readRollouts(codexHome: string): Json[][] {
  const files: string[] = [];
  const walk = (dir: string, depth: number) => {
    if (depth > 5 || !existsSync(dir)) return;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(dir, e.name), depth + 1);
      else if (e.name.startsWith('rollout-') && e.name.endsWith('.jsonl')) files.push(join(dir, e.name));
    }
  };
  walk(join(codexHome, 'sessions'), 0);
  return files.map((f) =>
    readFileSync(f, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as Json),
  );
}

interface Rollout {
  meta: Json;
  turnIds: Set<string>;
  items: Json[];
  total: { input_tokens: number; cached_input_tokens: number; output_tokens: number; reasoning_output_tokens: number };
}

function summarize(lines: Json[]): Rollout {
  const meta = lines.find((l) => l.type === 'session_meta')!.payload as Json;
  const counts = lines.filter((l) => l.type === 'event_msg' && l.payload.type === 'token_count' && l.payload.info);
  return {
    meta,
    turnIds: new Set(lines.filter((l) => l.type === 'turn_context').map((l) => String(l.payload.turn_id))),
    items: lines.filter((l) => l.type === 'response_item').map((l) => l.payload as Json),
    total: counts[counts.length - 1]!.payload.info.total_token_usage,
  };
}

function sum(rows: Row[], key: string): number {
  return rows.reduce((s, r) => s + Number(r[key] ?? 0), 0);
}

/** `tokens used\n1,234` as printed by codex exec. */
function tokensUsed(output: string): number {
  const m = /tokens used\s*\n\s*([\d,]+)/.exec(output);
  assert.ok(m, `codex printed no "tokens used": ${output.slice(-500)}`);
  return Number(m[1]!.replace(/,/g, ''));
}

test('real Codex through the gateway', { timeout: 900_000 }, async (t) => {
  const client = await realClient('codex');
  if ('why' in client) {
    t.skip(client.why);
    return;
  }
  const { bin } = client;
  const fake = await startFakeOpenAi({
    script: (req) => {
      const body = JSON.stringify(req.body);
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
  const daemon = await startDaemon({
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

  const root = realpathSync(tempDir('hyp-smoke-real-codex-'));
  const codexHome = join(root, '.codex');
  // Codex runs in a sub-folder of a git repository: its turn metadata names the repository
  // root as the workspace, its environment context the real cwd.
  const repo = join(root, 'repo');
  const work = join(repo, 'sub');
  mkdirSync(codexHome, { recursive: true });
  mkdirSync(work, { recursive: true });
  for (const args of [
    ['init', '-q'],
    ['remote', 'add', 'origin', 'git@example.test:dev/smoke.git'],
  ]) {
    assert.equal((await runClient('git', args, { cwd: repo, timeoutMs: 30_000 })).code, 0, `git ${args.join(' ')}`);
  }
  writeFileSync(join(codexHome, 'config.toml'), '# smoke test\nmodel = "gpt-5-codex"\n');
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: root, CODEX_HOME: codexHome, NO_COLOR: '1' };
  delete env.OPENAI_API_KEY;
  delete env.OPENAI_BASE_URL;

  const attach = await runHyp(['codex', 'attach'], { hypHome: daemon.hypHome, env: { CODEX_HOME: codexHome } });
  assert.equal(attach.code, 0, attach.stderr);
  const login = await runClient(bin, ['login', '--with-api-key'], {
    env,
    input: 'sk-proj-HYPSMOKE0000codexLogin\n',
    timeoutMs: 60_000,
  });
  assert.equal(login.code, 0, login.stderr);

  const exec = async (prompt: string) => {
    const r = await runClient(bin, ['exec', '--skip-git-repo-check', prompt], { env, cwd: work, timeoutMs: 120_000 });
    assert.equal(r.code, 0, `codex exec failed: ${r.stderr.slice(-2000)}`);
    return r;
  };
  const plain = await exec('say hi');
  const tool = await exec('please run the echo command');
  assert.equal(fake.requests.length, 3, `Codex sent: ${fake.requests.map((r) => `${r.method} ${r.path}`).join(', ')}`);
  assert.ok(fake.requests.every((r) => r.path === '/v1/responses'));

  const db = await daemon.waitForDb(15_000);
  t.after(() => db.close());
  await waitFor(
    () =>
      (
        db.prepare("SELECT count(*) AS n FROM ai_gateway_exchanges WHERE projector = 'codex-exchange'").get() as {
          n: number;
        }
      ).n === 3,
    'three projected exchanges',
    20_000,
  );

  const rollouts = readRollouts(codexHome).map(summarize);
  assert.equal(rollouts.length, 2, 'one rollout per codex exec');
  const rowsOf = (session: string): Row[] =>
    db
      .prepare(
        'SELECT * FROM ai_gateway_messages WHERE session_id = ? ORDER BY message_created_at, message_index, part_index',
      )
      .all(session) as Row[];

  for (const [name, rollout, printed] of [
    ['plain', rollouts.find((r) => r.items.some((i) => JSON.stringify(i).includes('say hi')))!, plain],
    ['tool', rollouts.find((r) => r.items.some((i) => i.type === 'function_call'))!, tool],
  ] as const) {
    await t.test(`${name}: session, thread, cwd, version and token totals agree with the rollout`, () => {
      const rows = rowsOf(String(rollout.meta.id));
      assert.ok(rows.length > 0, 'rows for the session');
      for (const r of rows) {
        assert.equal(r.conversation_id, rollout.meta.id);
        assert.equal(r.cwd, rollout.meta.cwd);
        assert.equal(r.client_version, rollout.meta.cli_version);
        assert.equal(r.entrypoint, rollout.meta.originator);
        assert.equal(r.client_name, 'codex');
        assert.equal(r.provider, 'openai');
        assert.ok(
          rollout.turnIds.has(String(r.prompt_id)),
          `prompt_id ${String(r.prompt_id)} is a turn of the rollout`,
        );
        const codex = (JSON.parse(String(r.attributes)) as Json).codex as Json;
        assert.equal(codex.workspace, repo);
        assert.equal(codex.git_origin_url, 'git@example.test:dev/smoke.git');
      }
      assert.equal(sum(rows, 'input_tokens'), rollout.total.input_tokens - rollout.total.cached_input_tokens);
      assert.equal(sum(rows, 'cache_read_input_tokens'), rollout.total.cached_input_tokens);
      assert.equal(sum(rows, 'output_tokens'), rollout.total.output_tokens);
      assert.equal(sum(rows, 'reasoning_tokens'), rollout.total.reasoning_output_tokens);
      assert.equal(sum(rows, 'input_tokens') + sum(rows, 'output_tokens'), tokensUsed(printed.stdout + printed.stderr));
    });

    await t.test(`${name}: every rollout item is exactly one message, plus the base instructions`, () => {
      const rows = rowsOf(String(rollout.meta.id));
      const messages = new Map<string, Row[]>();
      for (const r of rows) messages.set(String(r.message_id), [...(messages.get(String(r.message_id)) ?? []), r]);
      const items = rollout.items.filter((i) =>
        ['message', 'function_call', 'function_call_output', 'reasoning'].includes(String(i.type)),
      );
      assert.equal(
        messages.size,
        items.length + 1,
        `messages: ${[...messages.values()].map((m) => `${String(m[0]!.role)}:${String(m[0]!.part_type)}`).join(' ')}`,
      );
      // Codex sends its base instructions as the first developer message; the rollout keeps a longer template of them.
      const opening = String(rollout.meta.base_instructions?.text ?? '').split('\n')[0]!;
      assert.ok(
        opening !== '' && rows[0]!.role === 'developer' && String(rows[0]!.content_text).startsWith(opening),
        'the base instructions are the first developer message',
      );
      for (const item of items) {
        if (item.type === 'message') {
          const text = (item.content as Json[]).map((c) => String(c.text)).join('\n');
          assert.equal(
            [...messages.values()].filter(
              (m) => m[0]!.role === item.role && m.map((p) => p.content_text).join('\n') === text,
            ).length,
            1,
            `one ${String(item.role)} message: ${text.slice(0, 60)}`,
          );
        } else if (item.type === 'function_call') {
          assert.equal(
            rows.filter(
              (r) => r.part_type === 'tool_call' && r.tool_call_id === item.call_id && r.tool_name === item.name,
            ).length,
            1,
          );
        } else if (item.type === 'function_call_output') {
          assert.equal(
            rows.filter((r) => r.part_type === 'tool_result' && r.tool_result_for === item.call_id).length,
            1,
          );
        }
      }
    });
  }

  await t.test('tool: the call and its output are linked rows; the output row follows the call', () => {
    const rollout = rollouts.find((r) => r.items.some((i) => i.type === 'function_call'))!;
    const rows = rowsOf(String(rollout.meta.id));
    const call = rows.find((r) => r.part_type === 'tool_call')!;
    const result = rows.find((r) => r.part_type === 'tool_result')!;
    const rolloutCall = rollout.items.find((i) => i.type === 'function_call')!;
    assert.equal(call.tool_name, 'exec_command');
    assert.equal(call.tool_call_id, rolloutCall.call_id);
    assert.deepEqual(JSON.parse(String(call.tool_args)), JSON.parse(String(rolloutCall.arguments)));
    assert.equal(result.role, 'tool');
    assert.equal(result.tool_name, 'exec_command');
    assert.equal(result.tool_result_for, call.tool_call_id);
    assert.match(String(result.content_text), /hello-from-hypaware/);
    assert.deepEqual(JSON.parse(String(result.previous_message_id)), [call.message_id]);
    assert.equal(JSON.parse(String(call.status)).finish_reason, 'tool_use');
    const reasoning = rows.find((r) => r.part_type === 'reasoning')!;
    assert.equal(reasoning.content_text, 'The user wants a shell command.');
    const last = rows[rows.length - 1]!;
    assert.equal(last.content_text, 'The command printed hello-from-hypaware.');
    assert.equal(rows.filter((r) => r.input_tokens !== null).length, 2, 'one usage carrier per response');
  });

  await t.test('no secret reached the database', () => {
    const dump = JSON.stringify(db.prepare('SELECT request_headers FROM ai_gateway_exchanges').all());
    assert.ok(!dump.includes('HYPSMOKE0000codexLogin'));
  });
});
