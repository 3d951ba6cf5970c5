// Attach keeps a user's own upstream: a real daemon, `hyp claude attach` / `hyp codex attach` on
// files that already point at a "company gateway" (a second fake upstream), then requests sent
// the way the clients would send them after attach. They (and their keys) must reach the company
// gateway, not the preset's upstream, and still be captured.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'smol-toml';
import { runHyp, startDaemon } from '../../harness/daemon.js';
import { startFakeAnthropic } from '../../harness/fake-anthropic.js';
import { startFakeOpenAi } from '../../harness/fake-openai.js';
import { tempDir } from '../../harness/repo.js';
import { waitFor } from '../../harness/wait.js';

const CORP_KEY = 'sk-ant-api03-CORPKEY0000notARealKey';

async function gatewayWithPresetAndCorp() {
  const preset = await startFakeAnthropic();
  const corp = await startFakeAnthropic(() => ({ blocks: [{ type: 'text', text: 'from the company gateway' }] }));
  const home = tempDir('hyp-chain-home-');
  const daemon = await startDaemon({
    config: {
      plugins: {
        '@hypaware/ai-gateway': { listen: '127.0.0.1:0', upstreams: [{ name: 'anthropic', base_url: preset.url }] },
      },
    },
    env: { HOME: home },
  });
  return {
    preset,
    corp,
    home,
    daemon,
    close: async () => {
      await daemon.stop();
      await preset.close();
      await corp.close();
    },
  };
}

test('Claude: a settings.json ANTHROPIC_BASE_URL stays the upstream; the key reaches it and the exchange is captured', async (t) => {
  const rig = await gatewayWithPresetAndCorp();
  t.after(() => rig.close());
  const settingsPath = join(rig.home, '.claude', 'settings.json');
  mkdirSync(join(rig.home, '.claude'), { recursive: true });
  const original = JSON.stringify({ env: { ANTHROPIC_BASE_URL: rig.corp.url } }, null, 2) + '\n';
  writeFileSync(settingsPath, original);
  const attach = await runHyp(['claude', 'attach'], { hypHome: rig.daemon.hypHome, env: { HOME: rig.home } });
  assert.equal(attach.code, 0, attach.stderr);
  const baseUrl = JSON.parse(readFileSync(settingsPath, 'utf8')).env.ANTHROPIC_BASE_URL as string;
  assert.ok(baseUrl.startsWith(`${rig.daemon.endpoint}/chain/claude-`), baseUrl);

  const res = await fetch(`${baseUrl}/v1/messages?beta=true`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-api-key': CORP_KEY,
      'anthropic-version': '2023-06-01',
      'x-claude-code-session-id': 'chain-session-1',
    },
    body: JSON.stringify({
      model: 'claude-sonnet-4-5',
      max_tokens: 64,
      messages: [{ role: 'user', content: 'hello corp' }],
    }),
  });
  assert.equal(res.status, 200);
  assert.match(await res.text(), /from the company gateway/);
  assert.equal(rig.preset.requests.length, 0, 'nothing went to the preset upstream');
  assert.equal(rig.corp.requests.length, 1);
  assert.equal(rig.corp.requests[0]!.url, '/v1/messages?beta=true', 'the chain prefix is not forwarded');
  assert.equal(
    rig.corp.requests[0]!.headers['x-api-key'],
    CORP_KEY,
    'the credential reaches the company gateway unchanged',
  );

  const db = rig.daemon.db();
  t.after(() => db.close());
  const exchange = await waitFor(
    () =>
      db.prepare(`SELECT upstream, path, status_code FROM ai_gateway_exchanges`).get() as
        Record<string, unknown> | undefined,
    'the exchange row',
    15_000,
  );
  assert.match(String(exchange.upstream), /^claude-[0-9a-f]{8}$/);
  assert.equal(exchange.path, '/v1/messages?beta=true');
  const rows = await waitFor(
    () => {
      const r = db
        .prepare(
          `SELECT role, content_text FROM ai_gateway_messages WHERE session_id = 'chain-session-1' ORDER BY role DESC`,
        )
        .all() as Array<Record<string, unknown>>;
      return r.length >= 2 ? r : undefined;
    },
    'message rows of the chained exchange',
    15_000,
  );
  assert.deepEqual(
    rows.map((r) => [r.role, r.content_text]),
    [
      ['user', 'hello corp'],
      ['assistant', 'from the company gateway'],
    ],
  );
  const dump = readFileSync(join(rig.daemon.hypHome, 'hypaware', 'hypaware.db'));
  assert.equal(dump.includes(Buffer.from('CORPKEY0000notARealKey')), false, 'the key never reaches disk');

  const status = JSON.parse(
    (await runHyp(['status', '--json'], { hypHome: rig.daemon.hypHome, env: { HOME: rig.home } })).stdout,
  ) as { capture?: { clients?: Array<Record<string, unknown>> } };
  const claude = JSON.stringify(status).includes(`${rig.corp.url} (your own upstream, chained)`);
  assert.ok(claude, 'hyp status says where Claude traffic goes');

  const detach = await runHyp(['claude', 'detach'], { hypHome: rig.daemon.hypHome, env: { HOME: rig.home } });
  assert.equal(detach.code, 0, detach.stderr);
  assert.equal(readFileSync(settingsPath, 'utf8'), original, 'detach restores every byte');
  // a Claude Code started before detach keeps working until it exits (the daemon keeps the route
  // it loaded); a name the registry never had is refused
  const unknown = await fetch(`${rig.daemon.endpoint}/chain/claude-00000000/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
    body: '{}',
  });
  assert.equal(unknown.status, 502);
  const gone = unknown;
  const body = (await gone.json()) as { type?: string; error?: { message?: string } };
  assert.equal(body.type, 'error', "the refusal speaks the client's protocol");
  assert.match(String(body.error?.message), /chained upstream this gateway does not know/);
});

test('Codex: a custom provider keeps its id; its base_url (with a path) stays the upstream; WebSocket upgrades get a local 426', async (t) => {
  const corp = await startFakeOpenAi();
  t.after(() => corp.close());
  const openaiPreset = await startFakeOpenAi();
  t.after(() => openaiPreset.close());
  const home = tempDir('hyp-chain-codex-');
  const codexHome = join(home, '.codex');
  mkdirSync(codexHome, { recursive: true });
  const original = `model = "gpt-5-codex"\nmodel_provider = "corp"\n\n[model_providers.corp]\nname = "Corp"\nbase_url = "${corp.url}/openai/v1"\nwire_api = "responses"\nenv_key = "CORP_API_KEY"\n`;
  writeFileSync(join(codexHome, 'config.toml'), original);
  const daemon = await startDaemon({
    config: {
      plugins: {
        '@hypaware/ai-gateway': { listen: '127.0.0.1:0', upstreams: [{ name: 'openai', base_url: openaiPreset.url }] },
      },
    },
    env: { HOME: home, CODEX_HOME: codexHome },
  });
  t.after(() => daemon.stop());
  const attach = await runHyp(['codex', 'attach'], {
    hypHome: daemon.hypHome,
    env: { HOME: home, CODEX_HOME: codexHome },
  });
  assert.equal(attach.code, 0, attach.stderr);
  const toml = parse(readFileSync(join(codexHome, 'config.toml'), 'utf8')) as {
    model_provider: string;
    model_providers: Record<string, Record<string, unknown>>;
  };
  assert.equal(toml.model_provider, 'corp');
  const baseUrl = String(toml.model_providers.corp!.base_url);
  assert.ok(baseUrl.startsWith(`${daemon.endpoint}/chain/codex-`), baseUrl);
  assert.equal(toml.model_providers.corp!.env_key, 'CORP_API_KEY');

  const res = await fetch(`${baseUrl}/responses`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer corp-secret-123' },
    body: JSON.stringify({
      model: 'gpt-5-codex',
      stream: false,
      input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hi corp' }] }],
    }),
  });
  assert.equal(res.status, 200);
  assert.equal(openaiPreset.requests.length, 0);
  assert.deepEqual(
    corp.requests.map((r) => [r.method, r.path, r.headers.authorization]),
    [['POST', '/openai/v1/responses', 'Bearer corp-secret-123']],
  );

  const upgrade = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(`${daemon.endpoint}/v1/responses`, {
      headers: {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
      },
    });
    req.on('response', (r) => {
      let body = '';
      r.setEncoding('utf8')
        .on('data', (d: string) => {
          body += d;
        })
        .on('end', () => resolve({ status: r.statusCode ?? 0, body }));
    });
    req.on('upgrade', () => reject(new Error('the gateway must not upgrade')));
    req.on('error', reject);
    req.end();
  });
  assert.equal(upgrade.status, 426);
  assert.match(upgrade.body, /WebSocket is not proxied/);
  assert.equal(openaiPreset.requests.length, 0, 'a declined upgrade never reaches an upstream');

  // attached while the gateway is gone: hyp status says so, with the repair
  await daemon.stop();
  const status = await runHyp(['status', '--json'], {
    hypHome: daemon.hypHome,
    env: { HOME: home, CODEX_HOME: codexHome },
  });
  const down = (
    JSON.parse(status.stdout) as { diagnostics: Array<{ kind: string; message: string; repair?: string }> }
  ).diagnostics.filter((d) => d.kind === 'client_gateway_down');
  assert.equal(down.length, 1, status.stdout);
  assert.match(down[0]!.message, /^codex is attached to http:\/\/127\.0\.0\.1:\d+, but nothing answers there/);
  assert.match(String(down[0]!.repair), /^hyp daemon start/);
  const text = await runHyp(['status'], { hypHome: daemon.hypHome, env: { HOME: home, CODEX_HOME: codexHome } });
  assert.match(text.stdout, /codex is attached to .* nothing answers there/);

  const detach = await runHyp(['codex', 'detach'], {
    hypHome: daemon.hypHome,
    env: { HOME: home, CODEX_HOME: codexHome },
  });
  assert.equal(detach.code, 0, detach.stderr);
  assert.equal(readFileSync(join(codexHome, 'config.toml'), 'utf8'), original);
});
