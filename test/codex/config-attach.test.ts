import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parse } from 'smol-toml';
import { HypError } from '@hypaware/core';
import { tempDir } from '../helpers/repo.js';
import { activateCodex, capture } from './codex-harness.js';

const ENDPOINT = 'http://127.0.0.1:18521';

function setup(config?: string, auth?: unknown) {
  const home = join(tempDir('codex-attach-'), '.codex');
  mkdirSync(home, { recursive: true });
  const path = join(home, 'config.toml');
  if (config !== undefined) writeFileSync(path, config);
  if (auth !== undefined) writeFileSync(join(home, 'auth.json'), typeof auth === 'string' ? auth : JSON.stringify(auth));
  const { client } = activateCodex({ env: { CODEX_HOME: home } });
  const run = async (action: 'attach' | 'detach', opts: { endpoint?: string; dryRun?: boolean; json?: boolean } = {}) => {
    const stdout = capture();
    const stderr = capture();
    const io = { dryRun: opts.dryRun ?? false, json: opts.json ?? false, stdout, stderr };
    if (action === 'attach') await client.attach({ ...io, endpoint: opts.endpoint ?? ENDPOINT });
    else await client.detach(io);
    return stdout.text();
  };
  return { home, path, client, run, read: () => readFileSync(path, 'utf8') };
}

type Toml = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
/** smol-toml tables have a null prototype; a JSON round trip makes them plain for deepEqual. */
const parseToml = (text: string): Toml => JSON.parse(JSON.stringify(parse(text))) as Toml;

const COMMENTED = `# My Codex settings
model = "gpt-5-codex"   # the default model
model_provider = "openai"  # keep this: work account

approval_policy = "on-request"

# Local models
[model_providers.ollama]
name = "Ollama"
base_url = "http://localhost:11434/v1"

[profiles.fast]
model = "gpt-5-mini"
model_provider = "ollama"
`;

describe('hyp codex attach / detach on config.toml', () => {
  test('a commented config: attach selects the managed provider, detach restores every byte', async () => {
    const s = setup(COMMENTED);
    await s.run('attach');
    const attached = s.read();
    const toml = parseToml(attached);
    assert.equal(toml.model_provider, 'hypaware');
    assert.deepEqual(toml.model_providers.hypaware, { name: 'HypAware', base_url: `${ENDPOINT}/v1`, wire_api: 'responses', requires_openai_auth: true, supports_websockets: false });
    assert.deepEqual(toml.model_providers.ollama, { name: 'Ollama', base_url: 'http://localhost:11434/v1' });
    assert.equal(toml.profiles.fast.model_provider, 'ollama', 'a profile is left alone');
    for (const line of COMMENTED.split('\n').filter((l) => l !== '' && !l.startsWith('model_provider = "openai"'))) assert.ok(attached.includes(line), `kept: ${line}`);
    assert.ok(attached.includes('# previous: model_provider = "openai"  # keep this: work account'));
    await s.run('detach');
    assert.equal(s.read(), COMMENTED);
  });

  test('attach is idempotent; a new endpoint updates the one managed block', async () => {
    const s = setup(COMMENTED);
    await s.run('attach');
    const once = s.read();
    const second = JSON.parse(await s.run('attach', { json: true })) as Record<string, unknown>;
    assert.equal(second.changed, false);
    assert.equal(s.read(), once);
    await s.run('attach', { endpoint: 'http://127.0.0.1:40000' });
    const moved = s.read();
    assert.equal((parseToml(moved) as Toml).model_providers.hypaware.base_url, 'http://127.0.0.1:40000/v1');
    assert.equal(moved.split('[model_providers.hypaware]').length, 2);
    assert.equal(moved.split('model_provider = "hypaware"').length, 2);
    await s.run('detach');
    assert.equal(s.read(), COMMENTED);
  });

  test('without a model_provider the key goes before the first table and its comments; detach removes it', async () => {
    const original = '# top\nmodel = "o3"\n\n# servers I use\n[mcp_servers.docs]\ncommand = "docs-mcp"\n';
    const s = setup(original);
    const out = JSON.parse(await s.run('attach', { json: true })) as Record<string, unknown>;
    assert.equal(out.previous_model_provider, null);
    const attached = s.read();
    assert.ok(attached.indexOf('model_provider = "hypaware"') < attached.indexOf('# servers I use'));
    const toml = parseToml(attached);
    assert.equal(toml.model_provider, 'hypaware');
    assert.deepEqual(toml.mcp_servers, { docs: { command: 'docs-mcp' } });
    await s.run('detach');
    assert.equal(s.read(), original);
  });

  test('the right line is replaced: not a look-alike inside a multi-line string or a table', async () => {
    const original = 'notes = """\nmodel_provider = "fake"\n"""\nmodel_provider = \'openai\'\n[profiles.x]\nmodel_provider = "other"\n';
    const s = setup(original);
    await s.run('attach');
    const toml = parseToml(s.read());
    assert.equal(toml.notes, 'model_provider = "fake"\n');
    assert.equal(toml.model_provider, 'hypaware');
    assert.equal(toml.profiles.x.model_provider, 'other');
    await s.run('detach');
    assert.equal(s.read(), original);
  });

  test('CRLF line endings and a missing final newline survive attach + detach', async () => {
    for (const original of ['model = "o3"\r\nmodel_provider = "openai"\r\n[tui]\r\nnotifications = true', 'model_provider = "openai"', 'model = "o3"']) {
      const s = setup(original);
      await s.run('attach');
      const attached = s.read();
      assert.equal((parseToml(attached) as Toml).model_provider, 'hypaware');
      if (original.includes('\r\n')) assert.ok(!/[^\r]\n/.test(attached), 'inserted lines use CRLF too');
      await s.run('detach');
      assert.equal(s.read(), original, JSON.stringify(original));
    }
  });

  test('a missing config.toml is created, and detach removes it again', async () => {
    const s = setup();
    await s.run('attach');
    assert.equal((parseToml(s.read()) as Toml).model_provider, 'hypaware');
    await s.run('detach');
    assert.equal(existsSync(s.path), false);
  });

  test('keys the user adds after attaching survive detach', async () => {
    const s = setup(COMMENTED);
    await s.run('attach');
    writeFileSync(s.path, s.read() + '\n[mcp_servers.new]\ncommand = "x"\n');
    await s.run('detach');
    assert.equal(s.read(), COMMENTED + '\n[mcp_servers.new]\ncommand = "x"\n');
  });

  test('dry run writes nothing and says what it would do', async () => {
    const s = setup(COMMENTED);
    const out = JSON.parse(await s.run('attach', { dryRun: true, json: true })) as Record<string, unknown>;
    assert.deepEqual(out, {
      client: 'codex', action: 'attach', dry_run: true, changed: true, config_path: s.path, route: 'openai',
      route_reason: 'no auth.json: OpenAI API route', endpoint: ENDPOINT, base_url: `${ENDPOINT}/v1`, previous_model_provider: 'openai',
    });
    assert.equal(s.read(), COMMENTED);
    await s.run('attach');
    const attached = s.read();
    const detach = JSON.parse(await s.run('detach', { dryRun: true, json: true })) as Record<string, unknown>;
    assert.equal(detach.changed, true);
    assert.equal(detach.restored_model_provider, 'openai');
    assert.equal(s.read(), attached);
  });

  test('detach without an attachment changes nothing', async () => {
    const s = setup(COMMENTED);
    assert.match(await s.run('detach'), /not attached/);
    assert.equal(s.read(), COMMENTED);
  });
});

describe('refusals leave the file as it was', () => {
  const refuses = async (config: string, pattern: RegExp, action: 'attach' | 'detach' = 'attach') => {
    const s = setup(config);
    await assert.rejects(s.run(action), (err: unknown) => err instanceof HypError && pattern.test(err.message) && !err.message.includes('\n'));
    assert.equal(s.read(), config);
  };

  test('malformed TOML', () => refuses('model = "o3"\nmodel_provider = \n[x\n', /config\.toml is not valid TOML \(line \d+, column \d+\).*nothing was changed/));
  test('a managed block without its end marker', () => refuses('# >>> hypaware codex: provider\n[model_providers.hypaware]\n', /has no end marker/, 'detach'));
  test('a model_providers.hypaware the user wrote', () => refuses('[model_providers.hypaware]\nname = "mine"\n', /already defines model_providers\.hypaware outside/));
});

describe('route from auth.json', () => {
  const baseUrlWith = async (auth: unknown) => {
    const s = setup('', auth);
    const out = JSON.parse(await s.run('attach', { json: true })) as Record<string, string>;
    assert.equal((parseToml(s.read()) as Toml).model_providers.hypaware.base_url, out.base_url);
    return out.base_url;
  };
  test('auth_mode chatgpt (and chatgptAuthTokens) choose /backend-api/codex', async () => {
    assert.equal(await baseUrlWith({ auth_mode: 'chatgpt', OPENAI_API_KEY: null, tokens: { access_token: 'a' } }), `${ENDPOINT}/backend-api/codex`);
    assert.equal(await baseUrlWith({ auth_mode: 'chatgptAuthTokens' }), `${ENDPOINT}/backend-api/codex`);
  });
  test('no auth_mode: OAuth tokens without an API key mean ChatGPT', async () => {
    assert.equal(await baseUrlWith({ OPENAI_API_KEY: null, tokens: { id_token: 'i', access_token: 'a', refresh_token: 'r' } }), `${ENDPOINT}/backend-api/codex`);
  });
  test('an API key login, an unreadable file or none choose /v1', async () => {
    assert.equal(await baseUrlWith({ auth_mode: 'apikey', OPENAI_API_KEY: 'sk-x' }), `${ENDPOINT}/v1`);
    assert.equal(await baseUrlWith({ OPENAI_API_KEY: 'sk-x', tokens: null }), `${ENDPOINT}/v1`);
    assert.equal(await baseUrlWith('{not json'), `${ENDPOINT}/v1`);
  });
});

describe('client status', () => {
  test('reports the attachment and its endpoint', async () => {
    const s = setup(COMMENTED);
    assert.equal((await s.client.status!()).attached, false);
    await s.run('attach', { endpoint: 'http://127.0.0.1:40001' });
    assert.deepEqual(await s.client.status!(), { attached: true, endpoint: 'http://127.0.0.1:40001', settings_path: s.path });
  });
});
