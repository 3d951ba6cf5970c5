// `hyp claude import` with the cost and privacy features: the price table knows an imported
// model as soon as the import ends (no daemon runs here), and a session under a `hyp privacy
// ignore` folder is not imported.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { runHyp } from '../../harness/daemon.js';
import { tempDir } from '../../harness/repo.js';

type Json = Record<string, unknown>;

/** Anthropic's published prices of claude-sonnet-4-5, USD per 1M tokens (up to 200k context). */
const SONNET_45 = { input: 3, cache_read: 0.3, cache_write: 3.75, output: 15 };

function session(id: string, cwd: string, model: string, usage: Json): string[] {
  const base = { isSidechain: false, userType: 'external', cwd, sessionId: id, version: '2.1.80', gitBranch: 'main' };
  return [
    { ...base, type: 'user', uuid: `${id}-u`, parentUuid: null, timestamp: '2026-03-01T10:00:00.000Z' },
    {
      ...base,
      type: 'assistant',
      uuid: `${id}-a`,
      parentUuid: `${id}-u`,
      timestamp: '2026-03-01T10:00:01.000Z',
      requestId: `req_${id}`,
    },
  ].map((line, i) =>
    JSON.stringify({
      ...line,
      message:
        i === 0
          ? { role: 'user', content: 'hello' }
          : {
              id: `msg_${id}`,
              type: 'message',
              role: 'assistant',
              model,
              content: [{ type: 'text', text: 'hi' }],
              stop_reason: 'end_turn',
              usage,
            },
    }),
  );
}

function writeSessions(root: string, sessions: Record<string, string[]>): string {
  const projects = join(root, 'projects');
  for (const [id, lines] of Object.entries(sessions)) {
    mkdirSync(join(projects, '-w'), { recursive: true });
    writeFileSync(join(projects, '-w', `${id}.jsonl`), lines.join('\n') + '\n');
  }
  return projects;
}

async function hyp(hypHome: string, args: string[]): Promise<string> {
  const r = await runHyp(args, { hypHome });
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

function query<T>(hypHome: string, sql: string): T[] {
  const db = new Database(join(hypHome, 'hypaware', 'hypaware.db'), { readonly: true });
  try {
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
}

test('an imported response of a known model has its cost at once, from the published per-token prices', async () => {
  const root = tempDir('hyp-import-cost-');
  const hypHome = join(root, 'hyp');
  const usage = {
    input_tokens: 1200,
    cache_read_input_tokens: 40_000,
    cache_creation_input_tokens: 2_000,
    output_tokens: 700,
  };
  const id = '5f0c0000-0000-4000-8000-0000000000c1';
  const projects = writeSessions(root, { [id]: session(id, '/w/proj', 'claude-sonnet-4-5', usage) });
  await hyp(hypHome, ['claude', 'import', '--projects', projects, '--json']);

  const [response] = query<{ cost_usd: number | null; billing: string | null }>(
    hypHome,
    `SELECT cost_usd, billing FROM ai_responses WHERE session_id = '${id}'`,
  );
  assert.ok(response, 'the response is in ai_responses');
  const expected =
    (usage.input_tokens * SONNET_45.input +
      usage.cache_read_input_tokens * SONNET_45.cache_read +
      usage.cache_creation_input_tokens * SONNET_45.cache_write +
      usage.output_tokens * SONNET_45.output) /
    1_000_000;
  assert.notEqual(response.cost_usd, null, 'cost_usd is set without a daemon price refresh');
  assert.ok(Math.abs(response.cost_usd! - expected) < 1e-9, `cost_usd ${response.cost_usd} = ${expected}`);
  // a transcript does not say how the client paid
  assert.equal(response.billing, null);
  const prices = query<{ model: string; source: string }>(
    hypHome,
    `SELECT DISTINCT model, source FROM ai_model_prices`,
  );
  assert.deepEqual(prices, [{ model: 'claude-sonnet-4-5', source: 'genai-prices' }]);
});

test('a session whose cwd is under a `hyp privacy ignore` folder is not imported; it is counted as skipped (ignored)', async () => {
  const root = tempDir('hyp-import-ignore-');
  const hypHome = join(root, 'hyp');
  const usage = { input_tokens: 10, output_tokens: 5 };
  const kept = '5f0c0000-0000-4000-8000-0000000000a1';
  const secret = '5f0c0000-0000-4000-8000-0000000000b1';
  const nested = '5f0c0000-0000-4000-8000-0000000000b2';
  const projects = writeSessions(root, {
    [kept]: session(kept, '/w/secretive', 'claude-sonnet-4-5', usage),
    [secret]: session(secret, '/w/secret', 'claude-sonnet-4-5', usage),
    [nested]: session(nested, '/w/secret/deep/dir', 'claude-sonnet-4-5', usage),
  });
  await hyp(hypHome, ['privacy', 'ignore', '/w/secret']);
  const summary = JSON.parse(await hyp(hypHome, ['claude', 'import', '--projects', projects, '--json'])) as Json;

  assert.deepEqual(summary.skipped, { ignored: 4 });
  assert.equal(summary.messages, 2);
  assert.equal(summary.messages_added, 2);
  const sessions = query<{ session_id: string }>(hypHome, `SELECT DISTINCT session_id FROM ai_gateway_messages`);
  assert.deepEqual(sessions, [{ session_id: kept }]);

  // unignored, a second import brings the sessions in
  await hyp(hypHome, ['privacy', 'unignore', '/w/secret']);
  const again = JSON.parse(await hyp(hypHome, ['claude', 'import', '--projects', projects, '--json'])) as Json;
  assert.deepEqual(again.skipped, {});
  assert.equal(again.messages_added, 4);
});

test('a damaged ignore list stops the import with one line before anything is written', async () => {
  const root = tempDir('hyp-import-ignore-');
  const hypHome = join(root, 'hyp');
  const id = '5f0c0000-0000-4000-8000-0000000000d1';
  const projects = writeSessions(root, { [id]: session(id, '/w/proj', 'claude-sonnet-4-5', { output_tokens: 1 }) });
  await hyp(hypHome, ['privacy', 'ignore', '/w/secret']);
  const list = join(hypHome, 'hypaware', 'plugins', '@hypaware', 'ai-gateway', 'privacy.json');
  writeFileSync(list, '{"ignored_paths": [');
  const r = await runHyp(['claude', 'import', '--projects', projects], { hypHome });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr.trim(), /^hyp: .*privacy\.json: not valid JSON; fix or remove it$/);
  assert.equal(query(hypHome, 'SELECT 1 FROM ai_gateway_messages').length, 0);
});
