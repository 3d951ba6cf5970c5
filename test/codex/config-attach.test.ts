import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parse } from 'smol-toml';
import { HypError } from '@hypaware/core';
import { tempDir } from '../../harness/repo.js';
import { activateCodex, capture } from './codex-harness.js';

const ENDPOINT = 'http://127.0.0.1:18521';

function setup(config?: string, auth?: unknown) {
  const home = join(tempDir('codex-attach-'), '.codex');
  mkdirSync(home, { recursive: true });
  const path = join(home, 'config.toml');
  if (config !== undefined) writeFileSync(path, config);
  if (auth !== undefined)
    writeFileSync(join(home, 'auth.json'), typeof auth === 'string' ? auth : JSON.stringify(auth));
  const { client, api } = activateCodex({ env: { CODEX_HOME: home } });
  const run = async (
    action: 'attach' | 'detach',
    opts: { endpoint?: string; dryRun?: boolean; json?: boolean } = {},
  ) => {
    const stdout = capture();
    const stderr = capture();
    const io = { dryRun: opts.dryRun ?? false, json: opts.json ?? false, stdout, stderr };
    if (action === 'attach') await client.attach({ ...io, endpoint: opts.endpoint ?? ENDPOINT });
    else await client.detach(io);
    return stdout.text();
  };
  return { home, path, client, api, run, read: () => readFileSync(path, 'utf8') };
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

const ROUTE_V1 = `${ENDPOINT}/v1`;
const CHAIN = /^http:\/\/127\.0\.0\.1:18521\/chain\/codex-[0-9a-f]{8}$/;

describe('hyp codex attach / detach on config.toml', () => {
  test('the built-in openai provider: attach sets openai_base_url and keeps model_provider; detach restores every byte', async () => {
    const s = setup(COMMENTED);
    await s.run('attach');
    const attached = s.read();
    const toml = parseToml(attached);
    assert.equal(toml.model_provider, 'openai', 'the provider id a thread remembers never changes');
    assert.equal(toml.openai_base_url, ROUTE_V1);
    assert.equal(toml.model_providers.hypaware, undefined);
    assert.deepEqual(toml.model_providers.ollama, { name: 'Ollama', base_url: 'http://localhost:11434/v1' });
    assert.equal(toml.profiles.fast.model_provider, 'ollama', 'a profile is left alone');
    for (const line of COMMENTED.split('\n').filter((l) => l !== ''))
      assert.ok(attached.includes(line), `kept: ${line}`);
    assert.ok(
      attached.indexOf('openai_base_url') < attached.indexOf('# Local models'),
      'a root key, before the first table and its comments',
    );
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
    assert.equal(parseToml(moved).openai_base_url, 'http://127.0.0.1:40000/v1');
    assert.equal(moved.split('openai_base_url').length, 3, 'one block: its header names the key once, its line once');
    await s.run('detach');
    assert.equal(s.read(), COMMENTED);
  });

  test('a custom provider: its base_url is chained behind the gateway, everything else (wire_api, env_key, headers) stays', async () => {
    const original = `model_provider = "corp"

[model_providers.corp]
name = "Corp gateway"
base_url = "https://llm.corp.example/openai/v1"   # the company's
wire_api = "responses"
env_key = "CORP_API_KEY"
http_headers = { "X-Team" = "infra" }
`;
    const s = setup(original);
    const out = JSON.parse(await s.run('attach', { json: true })) as Record<string, unknown>;
    assert.equal(out.model_provider, 'corp');
    assert.equal(out.chained, true);
    assert.equal(out.upstream, 'https://llm.corp.example/openai/v1');
    const toml = parseToml(s.read());
    assert.equal(toml.model_provider, 'corp');
    assert.match(toml.model_providers.corp.base_url, CHAIN);
    assert.deepEqual(
      { ...toml.model_providers.corp, base_url: undefined },
      {
        name: 'Corp gateway',
        base_url: undefined,
        wire_api: 'responses',
        env_key: 'CORP_API_KEY',
        http_headers: { 'X-Team': 'infra' },
      },
    );
    assert.ok(s.read().includes('# previous: base_url = "https://llm.corp.example/openai/v1"   # the company\'s'));
    assert.equal(s.api.chainOf(toml.model_providers.corp.base_url)?.base_url, 'https://llm.corp.example/openai/v1');
    assert.deepEqual(await s.client.status!(), {
      attached: true,
      endpoint: ENDPOINT,
      upstream: 'https://llm.corp.example/openai/v1 (your own upstream, chained)',
      settings_path: s.path,
    });
    await s.run('detach');
    assert.equal(s.read(), original);
    assert.equal(s.api.chainOf(toml.model_providers.corp.base_url), undefined, 'detach forgets the chain');
  });

  test('openai_base_url the user set (a company proxy for the built-in provider) is chained, not replaced', async () => {
    const original = 'openai_base_url = "https://proxy.corp.example/v1"\nmodel = "o3"\n';
    const s = setup(original);
    await s.run('attach');
    const url = parseToml(s.read()).openai_base_url as string;
    assert.match(url, CHAIN);
    assert.equal(s.api.chainOf(url)?.base_url, 'https://proxy.corp.example/v1');
    await s.run('detach');
    assert.equal(s.read(), original);
  });

  test('the provider of the active profile is the one redirected', async () => {
    const original =
      'profile = "work"\n[profiles.work]\nmodel_provider = "corp"\n[model_providers.corp]\nbase_url = "https://llm.corp.example/v1"\n';
    const s = setup(original);
    await s.run('attach');
    const toml = parseToml(s.read());
    assert.match(toml.model_providers.corp.base_url, CHAIN);
    assert.equal(toml.openai_base_url, undefined);
    await s.run('detach');
    assert.equal(s.read(), original);
  });

  test('the right line is replaced: not a look-alike inside a multi-line string or another table', async () => {
    const original =
      'notes = """\nbase_url = "fake"\n"""\nmodel_provider = \'corp\'\n[model_providers.other]\nbase_url = "https://other.example/v1"\n[model_providers.corp]\nbase_url = \'https://llm.corp.example/v1\'\n';
    const s = setup(original);
    await s.run('attach');
    const toml = parseToml(s.read());
    assert.equal(toml.notes, 'base_url = "fake"\n');
    assert.equal(toml.model_providers.other.base_url, 'https://other.example/v1');
    assert.match(toml.model_providers.corp.base_url, CHAIN);
    await s.run('detach');
    assert.equal(s.read(), original);
  });

  test('CRLF line endings and a missing final newline survive attach + detach', async () => {
    for (const original of [
      'model = "o3"\r\nmodel_provider = "openai"\r\n[tui]\r\nnotifications = true',
      'model_provider = "openai"',
      'model = "o3"',
    ]) {
      const s = setup(original);
      await s.run('attach');
      const attached = s.read();
      assert.equal(parseToml(attached).openai_base_url, ROUTE_V1);
      if (original.includes('\r\n')) assert.ok(!/[^\r]\n/.test(attached), 'inserted lines use CRLF too');
      await s.run('detach');
      assert.equal(s.read(), original, JSON.stringify(original));
    }
  });

  test('a missing config.toml is created, and detach removes it again', async () => {
    const s = setup();
    await s.run('attach');
    assert.equal(parseToml(s.read()).openai_base_url, ROUTE_V1);
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

  test('a file attached by the previous version (a "hypaware" provider): detach restores it; attach replaces the old form', async () => {
    const legacy = `model = "o3"
# >>> hypaware codex: model_provider (managed by hyp codex attach; hyp codex detach restores the previous line)
# previous: model_provider = "openai"
model_provider = "hypaware"
# <<< hypaware codex: model_provider
[tui]
notifications = true
# >>> hypaware codex: provider (managed by hyp codex attach; hyp codex detach removes it)
[model_providers.hypaware]
name = "HypAware"
base_url = "http://127.0.0.1:18521/v1"
wire_api = "responses"
requires_openai_auth = true
supports_websockets = false
# <<< hypaware codex: provider
`;
    const userFile = 'model = "o3"\nmodel_provider = "openai"\n[tui]\nnotifications = true\n';
    const s = setup(legacy);
    assert.deepEqual(await s.client.status!(), {
      attached: true,
      endpoint: ENDPOINT,
      upstream: 'https://api.openai.com/v1',
      settings_path: s.path,
    });
    await s.run('detach');
    assert.equal(s.read(), userFile);
    writeFileSync(s.path, legacy);
    await s.run('attach');
    const toml = parseToml(s.read());
    assert.equal(toml.model_provider, 'openai');
    assert.equal(toml.model_providers, undefined);
    assert.equal(toml.openai_base_url, ROUTE_V1);
    await s.run('detach');
    assert.equal(s.read(), userFile);
  });

  test('dry run writes nothing and says what it would do', async () => {
    const s = setup(COMMENTED);
    const out = JSON.parse(await s.run('attach', { dryRun: true, json: true })) as Record<string, unknown>;
    assert.deepEqual(out, {
      client: 'codex',
      action: 'attach',
      dry_run: true,
      changed: true,
      config_path: s.path,
      model_provider: 'openai',
      key: 'openai_base_url',
      base_url: ROUTE_V1,
      endpoint: ENDPOINT,
      upstream: 'https://api.openai.com/v1',
      chained: false,
      route: 'openai',
      route_reason: 'no auth.json: OpenAI API route',
    });
    assert.equal(s.read(), COMMENTED);
    await s.run('attach');
    const attached = s.read();
    const detach = JSON.parse(await s.run('detach', { dryRun: true, json: true })) as Record<string, unknown>;
    assert.equal(detach.changed, true);
    assert.equal(detach.key, 'openai_base_url');
    assert.equal(detach.restored_line, null, 'openai_base_url was not set before attach');
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
    await assert.rejects(
      s.run(action),
      (err: unknown) => err instanceof HypError && pattern.test(err.message) && !err.message.includes('\n'),
    );
    assert.equal(s.read(), config);
  };

  test('malformed TOML', () =>
    refuses(
      'model = "o3"\nmodel_provider = \n[x\n',
      /config\.toml is not valid TOML \(line \d+, column \d+\).*nothing was changed/,
    ));
  test('a managed block without its end marker', () =>
    refuses('# >>> hypaware codex: provider\n[model_providers.hypaware]\n', /has no end marker/, 'detach'));
  test('a built-in provider other than openai', () =>
    refuses('model_provider = "oss"\n', /"oss" is a built-in provider HypAware cannot redirect/));
  test('a custom provider without base_url', () =>
    refuses(
      'model_provider = "corp"\n[model_providers.corp]\nenv_key = "K"\n',
      /model_providers\.corp has no base_url/,
    ));
  test("a malformed base_url of the user's provider", () =>
    refuses(
      'model_provider = "corp"\n[model_providers.corp]\nbase_url = "not a url"\n',
      /^cannot attach Codex: .*not a URL.*model_providers\.corp\.base_url/,
    ));
  test('model_provider "hypaware" left without its table', () =>
    refuses('model_provider = "hypaware"\n', /no such provider is defined/));
});

describe('route from auth.json', () => {
  const baseUrlWith = async (auth: unknown) => {
    const s = setup('', auth);
    const out = JSON.parse(await s.run('attach', { json: true })) as Record<string, string>;
    assert.equal(parseToml(s.read()).openai_base_url, out.base_url);
    return out.base_url;
  };
  test('auth_mode chatgpt (and chatgptAuthTokens) choose /backend-api/codex', async () => {
    assert.equal(
      await baseUrlWith({ auth_mode: 'chatgpt', OPENAI_API_KEY: null, tokens: { access_token: 'a' } }),
      `${ENDPOINT}/backend-api/codex`,
    );
    assert.equal(await baseUrlWith({ auth_mode: 'chatgptAuthTokens' }), `${ENDPOINT}/backend-api/codex`);
  });
  test('no auth_mode: OAuth tokens without an API key mean ChatGPT', async () => {
    assert.equal(
      await baseUrlWith({ OPENAI_API_KEY: null, tokens: { id_token: 'i', access_token: 'a', refresh_token: 'r' } }),
      `${ENDPOINT}/backend-api/codex`,
    );
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
    assert.deepEqual(await s.client.status!(), {
      attached: true,
      endpoint: 'http://127.0.0.1:40001',
      upstream: 'https://api.openai.com/v1',
      settings_path: s.path,
    });
  });
});
