// `hyp codex attach | detach | status` as real processes against a running daemon: a
// commented config.toml survives attach + detach byte for byte, the provider id never changes
// (its own base_url is chained behind the gateway), attach is idempotent, the ChatGPT route is chosen from auth.json, and refusals
// (no gateway, malformed file) are one line, non-zero, and leave the file as it was.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'smol-toml';
import { runHyp, startDaemon } from '../harness/daemon.js';
import { tempDir } from '../harness/repo.js';

const CONFIG = `# Codex, set up by hand
model = "gpt-5-codex"    # favourite
model_provider = "azure" # the work tenant
model_reasoning_effort = "high"

[model_providers.azure]
name = "Azure"
base_url = "https://example-tenant.openai.azure.com/openai"
env_key = "AZURE_OPENAI_API_KEY"
query_params = { api-version = "2025-04-01-preview" }

# notifications
[tui]
notifications = true
`;

function codexHome(config?: string, auth?: unknown): string {
  const home = join(tempDir('hyp-smoke-codex-home-'), '.codex');
  mkdirSync(home, { recursive: true });
  if (config !== undefined) writeFileSync(join(home, 'config.toml'), config);
  if (auth !== undefined) writeFileSync(join(home, 'auth.json'), JSON.stringify(auth));
  return home;
}

test('hyp codex attach / detach through real processes', async (t) => {
  const daemon = await startDaemon();
  t.after(() => daemon.stop());
  const hyp = (args: string[], home: string) => runHyp(args, { hypHome: daemon.hypHome, env: { CODEX_HOME: home } });

  await t.test('a commented config: attach, attach again, detach restores every byte', async () => {
    const home = codexHome(CONFIG, { auth_mode: 'apikey', OPENAI_API_KEY: 'sk-proj-HYPSMOKE' });
    const path = join(home, 'config.toml');
    const first = await hyp(['codex', 'attach', '--json'], home);
    assert.equal(first.code, 0, first.stderr);
    const report = JSON.parse(first.stdout) as Record<string, unknown>;
    assert.equal(report.changed, true);
    assert.equal(report.model_provider, 'azure');
    assert.equal(report.chained, true);
    assert.equal(report.upstream, 'https://example-tenant.openai.azure.com/openai');
    assert.match(String(report.base_url), /\/chain\/codex-[0-9a-f]{8}$/);
    assert.ok(String(report.base_url).startsWith(`${daemon.endpoint}/chain/`));
    const attached = readFileSync(path, 'utf8');
    const toml = parse(attached) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    assert.equal(toml.model_provider, 'azure', 'the provider id a thread remembers stays');
    assert.equal(toml.model_providers.azure.base_url, report.base_url);
    assert.equal(toml.model_providers.hypaware, undefined);
    assert.equal(toml.model_providers.azure.env_key, 'AZURE_OPENAI_API_KEY');
    assert.equal(toml.model_providers.azure.query_params['api-version'], '2025-04-01-preview');
    assert.ok(attached.includes('# Codex, set up by hand\nmodel = "gpt-5-codex"    # favourite\n'));

    const again = await hyp(['codex', 'attach', '--json'], home);
    assert.equal((JSON.parse(again.stdout) as Record<string, unknown>).changed, false);
    assert.equal(readFileSync(path, 'utf8'), attached);

    const status = await hyp(['codex', 'status', '--json'], home);
    assert.deepEqual(JSON.parse(status.stdout), {
      attached: true,
      endpoint: daemon.endpoint,
      upstream: 'https://example-tenant.openai.azure.com/openai (your own upstream, chained)',
      settings_path: path,
    });

    const detach = await hyp(['codex', 'detach'], home);
    assert.equal(detach.code, 0, detach.stderr);
    assert.match(detach.stdout, /restored: base_url = "https:\/\/example-tenant\.openai\.azure\.com\/openai"/);
    assert.equal(readFileSync(path, 'utf8'), CONFIG);
  });

  await t.test('a ChatGPT login in auth.json (no auth_mode, tokens only) routes to /backend-api/codex', async () => {
    const home = codexHome(undefined, {
      OPENAI_API_KEY: null,
      tokens: { id_token: 'x', access_token: 'y', refresh_token: 'z', account_id: 'a' },
      last_refresh: '2026-01-01T00:00:00Z',
    });
    const r = await hyp(['codex', 'attach'], home);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /ChatGPT route/);
    const toml = parse(readFileSync(join(home, 'config.toml'), 'utf8')) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    assert.equal(
      toml.openai_base_url,
      `${daemon.endpoint}/backend-api/codex`,
      'the built-in provider, redirected to the ChatGPT route',
    );
    assert.equal(toml.model_provider, undefined);
  });

  await t.test('a malformed config.toml is refused in one line and left as it was', async () => {
    const broken = 'model = "o3"\nmodel_provider = "openai\n';
    const home = codexHome(broken);
    const r = await hyp(['codex', 'attach'], home);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(
      r.stderr,
      /^hyp: cannot attach Codex: .*config\.toml is not valid TOML \(line 2, column \d+\).*nothing was changed\n$/,
    );
    assert.equal(readFileSync(join(home, 'config.toml'), 'utf8'), broken);
  });

  await t.test('with no gateway listening, attach refuses and writes nothing', async () => {
    const stopped = await daemon.stop();
    assert.equal(stopped.code, 0);
    const home = codexHome(CONFIG);
    const r = await hyp(['codex', 'attach'], home);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^hyp: cannot attach Codex: .+\n$/);
    assert.equal(readFileSync(join(home, 'config.toml'), 'utf8'), CONFIG);
  });
});
