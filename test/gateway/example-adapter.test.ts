// The example third-party adapter of docs/plugins.md (test/fixtures/plugins/example-adapter, plain
// ESM loaded through `plugin_dirs`) against a real daemon, the bundled adapters enabled beside it,
// and a fake Acme Chat upstream on loopback: its preset routes, its projector module runs in the
// writer thread and its rows land in ai_gateway_messages, its secret header never reaches disk,
// its error shape answers, and its client attaches through a chained upstream and detaches.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readdirSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { join } from 'node:path';
import { runHyp, startDaemon, type DaemonHandle } from '../../harness/daemon.js';
import { listenOnLoopback } from '../../harness/loopback-server.js';
import { REPO_ROOT, tempDir } from '../../harness/repo.js';
import { waitFor } from '../../harness/wait.js';

const EXAMPLE = join(REPO_ROOT, 'test', 'fixtures', 'plugins', 'example-adapter');
const PLUGIN = 'example-acme-adapter';
const ACME_KEY = 'acme-live-Q7vN2xT9mB4kR8wZ5pL3';

interface AcmeTurn {
  conversation: string;
  model?: string;
  messages: Array<{ from: 'human' | 'bot'; text: string }>;
}

interface SeenRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: AcmeTurn;
}

/** A fake Acme Chat API: echoes the last message; `in` = 10 per message sent, `out` = the reply's length. */
async function startAcme(idPrefix: string) {
  const requests: SeenRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      if (req.method !== 'POST' || req.url !== '/acme/v1/chat') {
        res.writeHead(404).end(JSON.stringify({ error: { kind: 'not_found', text: `no ${req.url}` } }));
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as AcmeTurn;
      requests.push({ path: req.url, headers: req.headers, body });
      const text = `echo: ${body.messages.at(-1)!.text}`;
      const usage = { in: 10 * body.messages.length, out: text.length };
      res.end(JSON.stringify({ id: `${idPrefix}-${requests.length}`, reply: { text }, usage }));
    });
  });
  return { ...(await listenOnLoopback(server)), requests };
}

function post(url: string, body: unknown): Promise<{ status: number; body: string }> {
  const target = new URL(url);
  const headers = { 'content-type': 'application/json', 'x-acme-key': ACME_KEY, 'user-agent': 'acme-cli/1.4.0' };
  return new Promise((resolve, reject) => {
    const req = httpRequest(target, { method: 'POST', headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

/** Keep the bundled adapters away from this machine's own client settings. */
function clientEnv(): Record<string, string> {
  const home = tempDir('hyp-acme-home-');
  return { HOME: home, CLAUDE_CONFIG_DIR: join(home, '.claude'), CODEX_HOME: join(home, '.codex') };
}

function config(pluginDir: string, slice: Record<string, string>): Record<string, unknown> {
  return { plugin_dirs: [pluginDir], plugins: { '@hypaware/ai-gateway': { listen: '127.0.0.1:0' }, [PLUGIN]: slice } };
}

interface Row {
  role: string;
  part_type: string;
  content_text: string;
  session_id: string;
  conversation_id: string;
  provider: string;
  model: string | null;
  client_name: string | null;
  client_version: string | null;
  message_id: string;
  previous_message_id: string | null;
  provider_uuid: string | null;
  input_tokens: number | null;
  output_tokens: number | null;
  status: string | null;
  exchange_id: string;
}

const ROW_COLUMNS = [
  'role, part_type, content_text, session_id, conversation_id, provider, model, client_name, client_version',
  'message_id, previous_message_id, provider_uuid, input_tokens, output_tokens, status, exchange_id',
].join(', ');

function rowsOf(daemon: DaemonHandle, session: string): Row[] {
  const db = daemon.db();
  try {
    return db
      .prepare(`SELECT ${ROW_COLUMNS} FROM ai_gateway_messages WHERE session_id = ? ORDER BY rowid`)
      .all(session) as Row[];
  } finally {
    db.close();
  }
}

function exchangeCount(daemon: DaemonHandle): number {
  const db = daemon.db();
  try {
    return (db.prepare('SELECT count(*) AS n FROM ai_gateway_exchanges').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

/** Wait until the writer has recorded `n` exchanges (their message rows are written in the same transaction). */
function exchangesRecorded(daemon: DaemonHandle, n: number): Promise<number> {
  return waitFor(() => exchangeCount(daemon) >= n && exchangeCount(daemon), `${n} recorded exchanges`, 15_000);
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

interface StatusJson {
  plugins: Array<{ name: string; state: string; requires: Record<string, string> }>;
  capture: {
    gateway: { presets: string[]; projectors: string[] } | null;
    clients: Array<{ name: string; attached: boolean | null; upstream?: string; settings_path: string | null }>;
  };
}

interface Started {
  daemon: DaemonHandle;
  /** HOME and the bundled clients' folders, for `hyp` commands against this daemon */
  env: Record<string, string>;
}

async function startWith(t: TestContext, pluginDir: string, slice: Record<string, string>): Promise<Started> {
  const env = clientEnv();
  const daemon = await startDaemon({ config: config(pluginDir, slice), env });
  t.after(() => daemon.stop());
  return { daemon, env };
}

async function statusJson({ daemon, env }: Started): Promise<StatusJson> {
  const r = await runHyp(['status', '--json'], { hypHome: daemon.hypHome, env });
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as StatusJson;
}

test('two Acme turns: sent upstream unchanged, each message one row, the key never on disk', async (t) => {
  const acme = await startAcme('acme-r');
  t.after(() => acme.close());
  const started = await startWith(t, EXAMPLE, { base_url: acme.url });
  const daemon = started.daemon;
  assert.ok(daemon.endpoint);

  const turn1: AcmeTurn = {
    conversation: 'conv-1',
    model: 'acme-small',
    messages: [{ from: 'human', text: 'hello acme' }],
  };
  const r1 = await post(`${daemon.endpoint}/acme/v1/chat`, turn1);
  assert.equal(r1.status, 200, r1.body);
  const reply1 = JSON.parse(r1.body) as { reply: { text: string } };
  const turn2: AcmeTurn = {
    conversation: 'conv-1',
    model: 'acme-small',
    messages: [...turn1.messages, { from: 'bot', text: reply1.reply.text }, { from: 'human', text: 'and again' }],
  };
  const r2 = await post(`${daemon.endpoint}/acme/v1/chat`, turn2);
  assert.equal(r2.status, 200, r2.body);

  // the upstream: both requests, path, body and key exactly as the client sent them
  assert.equal(acme.requests.length, 2);
  assert.deepEqual(
    acme.requests.map((r) => r.path),
    ['/acme/v1/chat', '/acme/v1/chat'],
  );
  assert.deepEqual(
    acme.requests.map((r) => r.headers['x-acme-key']),
    [ACME_KEY, ACME_KEY],
  );
  assert.deepEqual(
    acme.requests.map((r) => r.body),
    [turn1, turn2],
  );

  // the rows: turn 2 re-sends turn 1, which is not written again
  await exchangesRecorded(daemon, 2);
  const rows = rowsOf(daemon, 'conv-1');
  assert.deepEqual(
    rows.map((r) => [r.role, r.part_type, r.content_text]),
    [
      ['user', 'text', 'hello acme'],
      ['assistant', 'text', 'echo: hello acme'],
      ['user', 'text', 'and again'],
      ['assistant', 'text', 'echo: and again'],
    ],
  );
  for (const r of rows) {
    assert.deepEqual(
      [r.conversation_id, r.provider, r.model, r.client_name, r.client_version],
      ['conv-1', 'acme', 'acme-small', 'acme-cli', '1.4.0'],
    );
  }
  assert.equal(new Set(rows.map((r) => r.message_id)).size, 4);
  // each message follows the one before it: turn 2's copy of the reply hashed to turn 1's id
  assert.deepEqual(
    rows.map((r) => r.previous_message_id),
    ['[]', ...rows.slice(0, 3).map((r) => JSON.stringify([r.message_id]))],
  );
  const [exchange1, exchange2] = [rows[0]!.exchange_id, rows[2]!.exchange_id];
  assert.notEqual(exchange1, exchange2);
  assert.deepEqual(
    rows.map((r) => r.exchange_id),
    [exchange1, exchange1, exchange2, exchange2],
  );
  // usage and finish on the reply's carrier row, none on the user's
  assert.deepEqual(
    rows.map((r) => [r.input_tokens, r.output_tokens]),
    [
      [null, null],
      [10, 16],
      [null, null],
      [30, 15],
    ],
  );
  assert.deepEqual(
    rows.map((r) => (r.status ? (JSON.parse(r.status) as { finish_reason?: string }).finish_reason : null)),
    [null, 'stop', null, 'stop'],
  );
  assert.deepEqual(
    rows.map((r) => r.provider_uuid),
    [null, 'acme-r-1', null, 'acme-r-2'],
  );

  // the header is stored under its name, redacted: the preset's secret_headers reached the writer
  const db = daemon.db();
  try {
    const headers = db.prepare('SELECT request_headers AS h FROM ai_gateway_exchanges').all() as Array<{ h: string }>;
    for (const { h } of headers) assert.equal((JSON.parse(h) as Record<string, string>)['x-acme-key'], '[redacted]');
  } finally {
    db.close();
  }

  // hyp status: the plugin is active, its preset and projector are the gateway's
  const status = await statusJson(started);
  const plugin = status.plugins.find((p) => p.name === PLUGIN);
  assert.deepEqual([plugin?.state, plugin?.requires], ['active', { 'hypaware.ai-gateway': '^2.0.0' }]);
  assert.ok(status.capture.gateway?.presets.includes('acme'), JSON.stringify(status.capture.gateway));
  assert.ok(status.capture.gateway?.projectors.includes('acme-chat'), JSON.stringify(status.capture.gateway));
  assert.deepEqual(status.capture.clients.find((c) => c.name === 'acme')?.attached, false);
  const unwanted = ['aigw.projector_conflict', 'aigw.projector_not_in_writer', 'aigw.projector_module_failed'];
  assert.deepEqual(
    daemon.logLines().filter((l) => unwanted.includes(l.event)),
    [],
  );

  // an error the gateway answers itself is spelled in Acme's protocol
  await acme.close();
  const down = await post(`${daemon.endpoint}/acme/v1/chat`, { conversation: 'conv-down', messages: [] });
  assert.equal(down.status, 502);
  const error = JSON.parse(down.body) as { error: { kind: string; text: string } };
  assert.deepEqual(Object.keys(error), ['error']);
  assert.equal(error.error.kind, 'upstream_unreachable');
  assert.match(error.error.text, /./);
  await exchangesRecorded(daemon, 3);

  // nothing under HYP_HOME holds the key: database (and WAL), logs, spill files, state
  assert.deepEqual(await daemon.stop(), { code: 0, signal: null });
  const files = filesUnder(daemon.hypHome);
  assert.ok(files.some((f) => f.endsWith('hypaware.db')));
  for (const file of files) assert.ok(!readFileSync(file).includes(ACME_KEY), `${file} holds the Acme key`);
});

test("hyp attach acme keeps a user's own Acme upstream behind the gateway; hyp detach restores the file", async (t) => {
  const preset = await startAcme('preset');
  const own = await startAcme('own');
  t.after(() => Promise.all([preset.close(), own.close()]));
  const settingsFile = join(tempDir('hyp-acme-settings-'), 'acme', 'settings.json');
  mkdirSync(join(settingsFile, '..'), { recursive: true });
  const original = `${JSON.stringify({ api_base: own.url, theme: 'dark' }, null, 2)}\n`;
  writeFileSync(settingsFile, original);
  const started = await startWith(t, EXAMPLE, { base_url: preset.url, settings_file: settingsFile });
  const { daemon, env } = started;

  const attached = await runHyp(['attach', 'acme', '--json'], { hypHome: daemon.hypHome, env });
  assert.equal(attached.code, 0, attached.stderr);
  const apiBase = (JSON.parse(attached.stdout) as { api_base: string }).api_base;
  assert.ok(apiBase.startsWith(`${daemon.endpoint}/chain/`), apiBase);
  assert.deepEqual(JSON.parse(readFileSync(settingsFile, 'utf8')), {
    api_base: apiBase,
    theme: 'dark',
    hypaware: { previous_api_base: own.url },
  });
  const client = (await statusJson(started)).capture.clients.find((c) => c.name === 'acme');
  assert.deepEqual([client?.attached, client?.upstream, client?.settings_path], [true, own.url, settingsFile]);

  const turn: AcmeTurn = { conversation: 'conv-chain', messages: [{ from: 'human', text: 'via my own proxy' }] };
  const r = await post(`${apiBase}/acme/v1/chat`, turn);
  assert.equal(r.status, 200, r.body);
  assert.deepEqual([own.requests.length, preset.requests.length], [1, 0]);
  assert.equal(own.requests[0]!.headers['x-acme-key'], ACME_KEY);
  await exchangesRecorded(daemon, 1);
  const rows = rowsOf(daemon, 'conv-chain');
  assert.deepEqual(
    rows.map((row) => [row.role, row.content_text, row.provider]),
    [
      ['user', 'via my own proxy', 'acme'],
      ['assistant', 'echo: via my own proxy', 'acme'],
    ],
  );

  const detached = await runHyp(['detach', 'acme'], { hypHome: daemon.hypHome, env });
  assert.equal(detached.code, 0, detached.stderr);
  assert.equal(readFileSync(settingsFile, 'utf8'), original);
});

test("without the manifest's projector module the writer writes no Acme rows, and says why", async (t) => {
  const acme = await startAcme('acme-r');
  t.after(() => acme.close());
  const copy = join(tempDir('hyp-acme-plugin-'), 'example-adapter');
  cpSync(EXAMPLE, copy, { recursive: true });
  const manifestPath = join(copy, 'hypaware.plugin.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<string, unknown>;
  delete manifest.contributes;
  writeFileSync(manifestPath, JSON.stringify(manifest));
  const { daemon } = await startWith(t, copy, { base_url: acme.url });

  const turn: AcmeTurn = { conversation: 'conv-1', messages: [{ from: 'human', text: 'hello acme' }] };
  assert.equal((await post(`${daemon.endpoint}/acme/v1/chat`, turn)).status, 200);
  assert.equal(acme.requests.length, 1, 'the preset still routes');
  await exchangesRecorded(daemon, 1);
  assert.deepEqual(rowsOf(daemon, 'conv-1'), []);
  const db = daemon.db();
  try {
    assert.deepEqual(db.prepare('SELECT skip_reason FROM ai_gateway_exchanges').all(), [
      { skip_reason: 'no_projector_match' },
    ]);
  } finally {
    db.close();
  }
  const warned = await daemon.waitForLog('aigw.projector_not_in_writer');
  assert.equal(warned.projectors, 'acme-chat');
});
