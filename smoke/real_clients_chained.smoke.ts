// The real clients, attached to a real daemon while they already point at a user's own upstream
// (a second fake playing the company gateway): their requests and keys must reach the company
// gateway, never the preset's upstream, and be captured. For Codex, attach must not change the
// provider id a thread remembers: a thread made before attach resumes while attached, and a
// thread made while attached resumes after detach.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runHyp, startDaemon } from '../harness/daemon.js';
import { startFakeAnthropic } from '../harness/fake-anthropic.js';
import { startFakeOpenAi } from '../harness/fake-openai.js';
import { realClient, runClient } from '../harness/real-clients.js';
import { tempDir } from '../harness/repo.js';
import { waitFor } from '../harness/wait.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

test(
  'real Claude Code with its own ANTHROPIC_BASE_URL, attached: traffic and key go to that upstream through the gateway',
  { timeout: 600_000 },
  async (t) => {
    const client = await realClient('claude');
    if ('why' in client) {
      t.skip(client.why);
      return;
    }
    const preset = await startFakeAnthropic();
    t.after(() => preset.close());
    const corp = await startFakeAnthropic(() => ({
      blocks: [{ type: 'text', text: 'Hello from the company gateway.' }],
    }));
    t.after(() => corp.close());
    const home = realpathSync(tempDir('hyp-smoke-claude-chain-'));
    mkdirSync(join(home, '.claude'), { recursive: true });
    const settingsPath = join(home, '.claude', 'settings.json');
    const original = JSON.stringify({ env: { ANTHROPIC_BASE_URL: corp.url } }, null, 2) + '\n';
    writeFileSync(settingsPath, original);
    const daemon = await startDaemon({
      config: {
        plugins: {
          '@hypaware/ai-gateway': { listen: '127.0.0.1:0', upstreams: [{ name: 'anthropic', base_url: preset.url }] },
        },
      },
      env: { HOME: home },
    });
    t.after(() => daemon.stop());
    const attach = await runHyp(['claude', 'attach'], { hypHome: daemon.hypHome, env: { HOME: home } });
    assert.equal(attach.code, 0, attach.stderr);
    assert.match(attach.stdout, /your own upstream/);

    const key = 'sk-ant-api03-HYPCHAIN0000notARealKey';
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      HOME: home,
      ANTHROPIC_API_KEY: key,
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      NO_COLOR: '1',
    };
    for (const k of ['ANTHROPIC_BASE_URL', 'ANTHROPIC_AUTH_TOKEN', 'CLAUDE_CONFIG_DIR']) delete env[k];
    const work = join(home, 'work');
    mkdirSync(work);
    const r = await runClient(client.bin, ['-p', 'Say hello.', '--output-format', 'json'], {
      env,
      cwd: work,
      timeoutMs: 120_000,
    });
    assert.equal(r.code, 0, r.stderr.slice(-2000));
    const out = JSON.parse(r.stdout) as Json;
    assert.equal(out.is_error, false, r.stdout);
    assert.match(String(out.result), /company gateway/);
    t.diagnostic(`claude -p attached with a chained upstream: ${r.ms} ms`);

    assert.equal(preset.requests.length, 0, 'nothing reached the preset upstream');
    const messages = corp.requests.filter((q) => q.url.startsWith('/v1/messages'));
    assert.ok(
      messages.length >= 1,
      `the company gateway got the conversation: ${corp.requests.map((q) => q.url).join(', ')}`,
    );
    for (const q of corp.requests) assert.equal(q.headers['x-api-key'], key, `${q.url} carries the user's key`);

    const db = await daemon.waitForDb(15_000);
    t.after(() => db.close());
    const sessionId = String(out.session_id);
    const rows = await waitFor(
      () => {
        const got = db
          .prepare(
            'SELECT role, upstream FROM ai_gateway_messages m JOIN ai_gateway_exchanges e ON e.exchange_id = m.exchange_id WHERE m.session_id = ?',
          )
          .all(sessionId) as Array<{ role: string; upstream: string }>;
        return got.some((x) => x.role === 'assistant') ? got : undefined;
      },
      'rows of the chained session',
      20_000,
    );
    assert.ok(
      rows.every((x) => /^claude-[0-9a-f]{8}$/.test(x.upstream)),
      JSON.stringify(rows),
    );

    const detach = await runHyp(['claude', 'detach'], { hypHome: daemon.hypHome, env: { HOME: home } });
    assert.equal(detach.code, 0, detach.stderr);
    assert.equal(readFileSync(settingsPath, 'utf8'), original);
  },
);

function rollouts(codexHome: string): Map<string, Json[]> {
  const out = new Map<string, Json[]>();
  const walk = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(dir, e.name));
      else if (e.name.startsWith('rollout-') && e.name.endsWith('.jsonl')) {
        const lines = readFileSync(join(dir, e.name), 'utf8')
          .split('\n')
          .filter((l) => l.trim() !== '')
          .map((l) => JSON.parse(l) as Json);
        const meta = lines.find((l) => l.type === 'session_meta');
        if (meta) out.set(String(meta.payload.id), lines);
      }
    }
  };
  walk(join(codexHome, 'sessions'));
  return out;
}

test(
  'real Codex with its own provider, attached: the provider id stays, resume works across attach and detach, the key reaches that provider',
  { timeout: 600_000 },
  async (t) => {
    const client = await realClient('codex');
    if ('why' in client) {
      t.skip(client.why);
      return;
    }
    const corp = await startFakeOpenAi();
    t.after(() => corp.close());
    const preset = await startFakeOpenAi();
    t.after(() => preset.close());
    const root = realpathSync(tempDir('hyp-smoke-codex-chain-'));
    const codexHome = join(root, '.codex');
    const work = join(root, 'work');
    mkdirSync(codexHome, { recursive: true });
    mkdirSync(work);
    const configPath = join(codexHome, 'config.toml');
    const original = `# my setup\nmodel = "gpt-5-codex"\nmodel_provider = "corp"\n\n[model_providers.corp]\nname = "Corp gateway"\nbase_url = "${corp.url}/v1"\nwire_api = "responses"\nenv_key = "CORP_API_KEY"\n`;
    writeFileSync(configPath, original);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      HOME: root,
      CODEX_HOME: codexHome,
      CORP_API_KEY: 'corp-key-HYPCHAIN-0000',
      NO_COLOR: '1',
    };
    delete env.OPENAI_API_KEY;
    delete env.OPENAI_BASE_URL;
    const codex = async (args: string[]) => {
      const r = await runClient(client.bin, ['exec', ...args], { env, cwd: work, timeoutMs: 120_000 });
      assert.equal(r.code, 0, `codex exec ${args.join(' ')} failed: ${r.stderr.slice(-2000)}`);
      return r;
    };
    const newThread = (before: Set<string>): string => {
      const added = [...rollouts(codexHome).keys()].filter((id) => !before.has(id));
      assert.equal(added.length, 1, 'one new thread');
      return added[0]!;
    };

    // thread A, before HypAware: straight to the company gateway
    await codex(['--skip-git-repo-check', 'first turn before attach']);
    const threadA = newThread(new Set());
    const direct = corp.requests.length;
    assert.ok(direct >= 1);

    const daemon = await startDaemon({
      config: {
        plugins: {
          '@hypaware/ai-gateway': { listen: '127.0.0.1:0', upstreams: [{ name: 'openai', base_url: preset.url }] },
        },
      },
      env: { HOME: root, CODEX_HOME: codexHome },
    });
    t.after(() => daemon.stop());
    const attach = await runHyp(['codex', 'attach'], {
      hypHome: daemon.hypHome,
      env: { HOME: root, CODEX_HOME: codexHome },
    });
    assert.equal(attach.code, 0, attach.stderr);

    // thread A resumes while attached (same provider id), through the gateway
    await codex(['--skip-git-repo-check', 'resume', threadA, 'second turn, attached']);
    const db = await daemon.waitForDb(15_000);
    t.after(() => db.close());
    const exchangesOf = (session: string) =>
      (
        db
          .prepare('SELECT count(DISTINCT exchange_id) AS n FROM ai_gateway_messages WHERE session_id = ?')
          .get(session) as { n: number }
      ).n;
    await waitFor(() => exchangesOf(threadA) >= 1 || undefined, 'the resumed turn of thread A captured', 20_000);

    // thread B, made while attached
    const known = new Set(rollouts(codexHome).keys());
    await codex(['--skip-git-repo-check', 'third turn, a new thread while attached']);
    const threadB = newThread(known);
    await waitFor(() => exchangesOf(threadB) >= 1 || undefined, 'thread B captured', 20_000);
    assert.equal(preset.requests.length, 0, 'nothing reached the preset upstream');
    const viaGateway = corp.requests.slice(direct);
    assert.ok(viaGateway.length >= 2);
    for (const q of corp.requests) {
      assert.equal(
        q.headers.authorization,
        'Bearer corp-key-HYPCHAIN-0000',
        `${q.path}: the provider's key reaches it`,
      );
      assert.equal(q.path, '/v1/responses');
    }
    const upstreams = db.prepare('SELECT DISTINCT upstream FROM ai_gateway_exchanges').all() as Array<{
      upstream: string;
    }>;
    assert.deepEqual(
      upstreams.map((u) => u.upstream).filter((u) => !/^codex-[0-9a-f]{8}$/.test(u)),
      [],
      'every exchange went through the chain',
    );

    // detach: thread B resumes straight to the company gateway again
    const detach = await runHyp(['codex', 'detach'], {
      hypHome: daemon.hypHome,
      env: { HOME: root, CODEX_HOME: codexHome },
    });
    assert.equal(detach.code, 0, detach.stderr);
    assert.equal(readFileSync(configPath, 'utf8'), original);
    const exchangesBefore = (db.prepare('SELECT count(*) AS n FROM ai_gateway_exchanges').get() as { n: number }).n;
    await codex(['--skip-git-repo-check', 'resume', threadB, 'fourth turn, detached']);
    assert.equal(
      (db.prepare('SELECT count(*) AS n FROM ai_gateway_exchanges').get() as { n: number }).n,
      exchangesBefore,
      'after detach nothing goes through the gateway',
    );
    const all = rollouts(codexHome);
    assert.equal(all.size, 2, 'resume appended to the threads instead of starting new ones');
    const prompts = (id: string) => JSON.stringify(all.get(id));
    for (const text of ['first turn before attach', 'second turn, attached'])
      assert.ok(prompts(threadA).includes(text), `thread A holds "${text}"`);
    for (const text of ['third turn, a new thread while attached', 'fourth turn, detached'])
      assert.ok(prompts(threadB).includes(text), `thread B holds "${text}"`);
  },
);
