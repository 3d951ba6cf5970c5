import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Command } from 'commander';
import { HypError } from '@hypaware/core';
import { createClaudeClient } from '@hypaware/claude/attach/claude-client';
import { activateClaude, sink, type ClaudeRig } from './claude-harness.js';

const ENDPOINT = 'http://127.0.0.1:18521';

function settingsFile(rig: ClaudeRig): string {
  return join(rig.env.CLAUDE_CONFIG_DIR ?? join(rig.home, '.claude'), 'settings.json');
}

function seed(rig: ClaudeRig, text: string, mode?: number): string {
  const file = settingsFile(rig);
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, text);
  if (mode !== undefined) chmodSync(file, mode);
  return file;
}

async function attach(
  rig: ClaudeRig,
  opts: { endpoint?: string; dryRun?: boolean; json?: boolean } = {},
): Promise<string> {
  const out = sink();
  await rig.client.attach({
    endpoint: opts.endpoint ?? ENDPOINT,
    dryRun: opts.dryRun ?? false,
    json: opts.json ?? false,
    stdout: out,
    stderr: sink(),
  });
  return out.text();
}

async function detach(rig: ClaudeRig, opts: { dryRun?: boolean; json?: boolean } = {}): Promise<string> {
  const out = sink();
  await rig.client.detach({ dryRun: opts.dryRun ?? false, json: opts.json ?? false, stdout: out, stderr: sink() });
  return out.text();
}

/** Run `hyp claude <args>` through the command the plugin registered. */
async function command(rig: ClaudeRig, args: string[]): Promise<string> {
  const out = sink();
  const program = new Command('hyp').exitOverride();
  const spec = rig.commands.find((c) => c.name === 'claude')!;
  spec.configure(program.command('claude').exitOverride(), { stdout: out, stderr: sink() });
  await program.parseAsync(['claude', ...args], { from: 'user' });
  return out.text();
}

const USER_SETTINGS = `{
  "model": "opus",
  "env": {
    "ANTHROPIC_BASE_URL": "https://llm-proxy.corp.example",
    "DISABLE_TELEMETRY": "1"
  },
  "permissions": {
    "allow": [
      "Bash(npm test:*)"
    ]
  },
  "hooks": {
    "SessionStart": [
      {
        "matcher": "startup",
        "hooks": [
          {
            "type": "command",
            "command": "~/bin/notify start"
          }
        ]
      }
    ]
  }
}
`;

describe('hyp claude attach / detach', () => {
  test('a fresh HOME: attach creates settings.json (0600) with the managed env, hooks and marker; detach removes it again', async () => {
    const rig = activateClaude();
    const text = await attach(rig);
    assert.match(text, /✓ Claude Code attached/);
    const file = settingsFile(rig);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const s = JSON.parse(readFileSync(file, 'utf8'));
    assert.deepEqual(s.env, {
      ANTHROPIC_BASE_URL: ENDPOINT,
      ENABLE_TOOL_SEARCH: 'true',
      _CLAUDE_CODE_ASSUME_FIRST_PARTY_BASE_URL: '1',
    });
    const command = `NODE_EXTRA_CA_CERTS= ${process.execPath} /opt/hyp/plugins-workspace/claude/cjs/claude-hook session-context --state-file ${rig.stateFile}`;
    assert.deepEqual(s.hooks, {
      SessionStart: [{ hooks: [{ type: 'command', command }] }],
      CwdChanged: [{ hooks: [{ type: 'command', command }] }],
      UserPromptSubmit: [{ hooks: [{ type: 'command', command }] }],
      PostToolUse: [{ matcher: 'Bash', hooks: [{ type: 'command', command }] }],
      SessionEnd: [{ hooks: [{ type: 'command', command }] }],
    });
    assert.deepEqual(
      { ...s._hypaware, attached_at: undefined },
      {
        version: '2.0.0',
        attached_at: undefined,
        endpoint: ENDPOINT,
        state_file: rig.stateFile,
        hook_command: command,
        managed_env: s.env,
        previous_env: {},
        created: [
          'env',
          'hooks',
          'hooks.SessionStart',
          'hooks.CwdChanged',
          'hooks.UserPromptSubmit',
          'hooks.PostToolUse',
          'hooks.SessionEnd',
        ],
      },
    );
    assert.match(await detach(rig), /✓ Claude Code detached/);
    assert.equal(existsSync(file), false, 'there was no file before attach');
  });

  test("attach twice is idempotent; detach restores the previous ANTHROPIC_BASE_URL and every byte; the user's hooks and keys stay", async () => {
    const rig = activateClaude();
    const file = seed(rig, USER_SETTINGS, 0o644);
    assert.match(await attach(rig), /previous ANTHROPIC_BASE_URL was https:\/\/llm-proxy\.corp\.example/);
    const once = readFileSync(file, 'utf8');
    assert.match(await attach(rig), /already attached/);
    assert.equal(readFileSync(file, 'utf8'), once, 'the second attach changes nothing');
    const s = JSON.parse(once);
    assert.deepEqual(
      Object.keys(s),
      ['model', 'env', 'permissions', 'hooks', '_hypaware'],
      'user keys keep their order',
    );
    assert.equal(s.env.DISABLE_TELEMETRY, '1');
    assert.equal(s.hooks.SessionStart.length, 2);
    assert.deepEqual(s.hooks.SessionStart[0], {
      matcher: 'startup',
      hooks: [{ type: 'command', command: '~/bin/notify start' }],
    });
    assert.equal(statSync(file).mode & 0o777, 0o644, 'the file mode is kept');
    assert.deepEqual(s._hypaware.previous_env, { ANTHROPIC_BASE_URL: 'https://llm-proxy.corp.example' });
    assert.match(await detach(rig), /restored ANTHROPIC_BASE_URL = https:\/\/llm-proxy\.corp\.example/);
    assert.equal(readFileSync(file, 'utf8'), USER_SETTINGS);
    assert.equal(statSync(file).mode & 0o777, 0o644);
  });

  test('byte-for-byte round trip for unusual formatting (tabs, CRLF, inline arrays, no final newline)', async () => {
    for (const original of [
      '{\r\n\t"model": "opus",\r\n\t"list": [1, 2]\r\n}',
      '{"model":"opus"}',
      '{\n    "a": {"b": true}\n}\n',
      '{}\n',
      '',
    ]) {
      const rig = activateClaude();
      const file = seed(rig, original);
      await attach(rig);
      await detach(rig);
      assert.equal(readFileSync(file, 'utf8'), original, JSON.stringify(original));
    }
  });

  test("re-attach after the gateway moved updates the endpoint and keeps the user's original previous value", async () => {
    const rig = activateClaude();
    const file = seed(rig, USER_SETTINGS);
    await attach(rig);
    await attach(rig, { endpoint: 'http://127.0.0.1:40000' });
    const s = JSON.parse(readFileSync(file, 'utf8'));
    assert.match(
      s.env.ANTHROPIC_BASE_URL,
      /^http:\/\/127\.0\.0\.1:40000\/chain\/claude-[0-9a-f]{8}$/,
      "the user's upstream stays chained, under the new endpoint",
    );
    assert.equal(rig.api.chainOf(s.env.ANTHROPIC_BASE_URL)?.base_url, 'https://llm-proxy.corp.example');
    assert.equal(s._hypaware.endpoint, 'http://127.0.0.1:40000');
    assert.deepEqual(s._hypaware.previous_env, { ANTHROPIC_BASE_URL: 'https://llm-proxy.corp.example' });
    assert.equal(s.hooks.CwdChanged.length, 1, 'one managed group per event');
    await detach(rig);
    assert.equal(readFileSync(file, 'utf8'), USER_SETTINGS);
  });

  test('a value changed by the user after attach is left in place with a warning; the rest is undone', async () => {
    const rig = activateClaude();
    const file = seed(rig, '{\n  "model": "opus"\n}\n');
    await attach(rig);
    const s = JSON.parse(readFileSync(file, 'utf8'));
    s.env.ANTHROPIC_BASE_URL = 'http://my-own-proxy:9999';
    writeFileSync(file, JSON.stringify(s, null, 2) + '\n');
    const out = await detach(rig);
    assert.match(out, /warning: ANTHROPIC_BASE_URL was changed after attach; left as it is/);
    assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), {
      model: 'opus',
      env: { ANTHROPIC_BASE_URL: 'http://my-own-proxy:9999' },
    });
  });

  test('hand-installed v1 hooks (--port) are replaced by the managed group, not duplicated', async () => {
    const rig = activateClaude();
    const file = seed(
      rig,
      JSON.stringify(
        {
          hooks: {
            UserPromptSubmit: [
              {
                hooks: [
                  { type: 'command', command: 'hyp claude-hook session-context --port 8787' },
                  { type: 'command', command: 'echo mine' },
                ],
              },
            ],
          },
        },
        null,
        2,
      ),
    );
    await attach(rig);
    const groups = JSON.parse(readFileSync(file, 'utf8')).hooks.UserPromptSubmit;
    assert.deepEqual(
      groups.map((g: { hooks: Array<{ command: string }> }) =>
        g.hooks.map((h) => (h.command.includes('--state-file') ? 'managed' : h.command)),
      ),
      [['echo mine'], ['managed']],
    );
  });

  test('a file attached by the previous version (`<node> bin/hyp.js claude-hook ...`): detach restores every byte; re-attach swaps in the new command once', async () => {
    for (const reattach of [false, true]) {
      const rig = activateClaude();
      const file = seed(rig, USER_SETTINGS);
      const previous = createClaudeClient({
        env: rig.env,
        version: '2.0.0',
        stateFile: rig.stateFile,
        stateDir: rig.stateDir,
        hookInvocation: `${process.execPath} /opt/hyp/bin/hyp.js claude-hook`,
        chains: rig.api,
        presetBaseUrl: 'https://api.anthropic.com',
      });
      await previous.attach({ endpoint: ENDPOINT, dryRun: false, json: false, stdout: sink(), stderr: sink() });
      const oldCommand = `${process.execPath} /opt/hyp/bin/hyp.js claude-hook session-context --state-file ${rig.stateFile}`;
      assert.equal(JSON.parse(readFileSync(file, 'utf8')).hooks.UserPromptSubmit[0].hooks[0].command, oldCommand);
      if (reattach) {
        await attach(rig);
        const s = JSON.parse(readFileSync(file, 'utf8'));
        const commands = (event: string) =>
          s.hooks[event].flatMap((g: { hooks: Array<{ command: string }> }) => g.hooks.map((h) => h.command));
        for (const event of ['CwdChanged', 'UserPromptSubmit', 'PostToolUse', 'SessionEnd'])
          assert.deepEqual(commands(event), [s._hypaware.hook_command], event);
        assert.deepEqual(commands('SessionStart'), ['~/bin/notify start', s._hypaware.hook_command]);
        assert.match(
          s._hypaware.hook_command,
          /^NODE_EXTRA_CA_CERTS= .*\/cjs\/claude-hook session-context --state-file /,
        );
      }
      await detach(rig);
      assert.equal(readFileSync(file, 'utf8'), USER_SETTINGS, reattach ? 'after re-attach' : 'old form detached');
    }
  });

  test('JSONC, malformed JSON and a non-object are refused with a clear error; the file is untouched', async () => {
    for (const [text, pattern] of [
      ['{\n  // my settings\n  "model": "opus"\n}\n', /contains comments \(JSONC\)/],
      ['{\n  "model": "opus", /* x */\n}\n', /contains comments \(JSONC\)/],
      ['{\n  "model": "opus",\n}\n', /is not valid JSON/],
      ['{"url": "http://a//b"', /is not valid JSON/],
      ['[1, 2]\n', /does not hold a JSON object/],
      ['{"env": "x"}', /"env" is not an object/],
      ['{"hooks": {"SessionStart": {}}}', /"hooks.SessionStart" is not a list/],
    ] as const) {
      const rig = activateClaude();
      const file = seed(rig, text);
      await assert.rejects(
        attach(rig),
        (err: unknown) => err instanceof HypError && pattern.test(err.message) && !err.message.includes('\n'),
        text,
      );
      assert.equal(readFileSync(file, 'utf8'), text);
    }
  });

  test('--dry-run writes nothing; --json output is stable', async () => {
    const rig = activateClaude();
    const file = seed(rig, USER_SETTINGS);
    assert.match(await attach(rig, { dryRun: true }), /^\(dry-run\) Would attach Claude Code via /);
    assert.equal(readFileSync(file, 'utf8'), USER_SETTINGS);
    const json = JSON.parse(await attach(rig, { json: true }));
    const chained = JSON.parse(readFileSync(file, 'utf8')).env.ANTHROPIC_BASE_URL;
    assert.deepEqual(json, {
      status: 'ok',
      action: 'attach',
      client: 'claude',
      dry_run: false,
      settings_path: file,
      changed: true,
      endpoint: ENDPOINT,
      base_url: chained,
      upstream: 'https://llm-proxy.corp.example',
      chained: true,
      upstream_origin: `${file} env.ANTHROPIC_BASE_URL`,
      state_file: rig.stateFile,
      previous_env: { ANTHROPIC_BASE_URL: 'https://llm-proxy.corp.example' },
    });
    assert.match(await detach(rig, { dryRun: true }), /^\(dry-run\) Would detach Claude Code from /);
    assert.notEqual(readFileSync(file, 'utf8'), USER_SETTINGS);
    assert.deepEqual(JSON.parse(await detach(rig, { json: true })), {
      status: 'ok',
      action: 'detach',
      client: 'claude',
      dry_run: false,
      settings_path: file,
      changed: true,
      restored: { ANTHROPIC_BASE_URL: 'https://llm-proxy.corp.example', ENABLE_TOOL_SEARCH: null },
      kept: [],
      original_bytes_restored: true,
    });
    assert.match(await detach(rig), /No HypAware attach marker .*nothing to do/);
  });

  test('CLAUDE_CONFIG_DIR and HYPAWARE_BIN are honoured; paths with spaces are quoted', async () => {
    const base = activateClaude();
    const rig = activateClaude({
      env: { CLAUDE_CONFIG_DIR: join(base.home, 'my claude'), HYPAWARE_BIN: '/usr/local/bin/hyp' },
    });
    await attach(rig);
    const s = JSON.parse(readFileSync(join(base.home, 'my claude', 'settings.json'), 'utf8'));
    assert.equal(
      s.hooks.SessionEnd[0].hooks[0].command,
      `NODE_EXTRA_CA_CERTS= /usr/local/bin/hyp claude-hook session-context --state-file ${rig.stateFile}`,
    );
    const spaced = activateClaude({ env: { HYPAWARE_BIN: '/opt/my tools/hyp' } });
    await attach(spaced);
    assert.match(
      JSON.parse(readFileSync(settingsFile(spaced), 'utf8')).hooks.SessionEnd[0].hooks[0].command,
      /^NODE_EXTRA_CA_CERTS= '\/opt\/my tools\/hyp' claude-hook/,
    );
  });

  test('`hyp claude attach` refuses when no gateway listens, and never writes that port', async () => {
    const rig = activateClaude({ endpoint: new Error('no gateway is listening on 127.0.0.1:18521') });
    const file = seed(rig, USER_SETTINGS);
    await assert.rejects(
      command(rig, ['attach']),
      (err: unknown) =>
        err instanceof HypError &&
        /^cannot attach Claude Code: no gateway is listening on 127\.0\.0\.1:18521; start it with `hyp daemon start`$/.test(
          err.message,
        ),
    );
    assert.equal(readFileSync(file, 'utf8'), USER_SETTINGS);
    const diagnostics = await rig.diagnostics[0]!();
    assert.deepEqual(diagnostics, [], 'not attached: nothing to report');
  });

  test('status and diagnostics: attached, gateway down, gateway moved, value overridden', async () => {
    const rig = activateClaude({ endpoint: 'http://127.0.0.1:40000' });
    assert.match(await command(rig, ['status']), /Claude Code: not attached/);
    await command(rig, ['attach']);
    assert.match(
      await command(rig, ['status']),
      /attached to http:\/\/127\.0\.0\.1:40000[\s\S]*gateway running at http:\/\/127\.0\.0\.1:40000/,
    );
    assert.deepEqual(await rig.diagnostics[0]!(), []);
    const moved = activateClaude({ endpoint: 'http://127.0.0.1:40001', env: { HOME: rig.home } });
    assert.deepEqual(
      (await moved.diagnostics[0]!()).map((d) => [d.kind, d.repair]),
      [['client_attach_stale', 'hyp claude attach']],
    );
    const down = activateClaude({ endpoint: new Error('not running'), env: { HOME: rig.home } });
    assert.deepEqual(
      (await down.diagnostics[0]!()).map((d) => d.kind),
      [],
      "a gateway that does not answer is the gateway plugin's finding (client_gateway_down)",
    );
    const file = settingsFile(rig);
    const s = JSON.parse(readFileSync(file, 'utf8'));
    s.env.ANTHROPIC_BASE_URL = 'http://elsewhere';
    writeFileSync(file, JSON.stringify(s));
    assert.deepEqual(
      (await rig.diagnostics[0]!()).map((d) => d.kind),
      ['client_attach_overridden'],
    );
    assert.deepEqual(JSON.parse(await command(rig, ['status', '--json'])), {
      client: 'claude',
      attached: true,
      endpoint: 'http://127.0.0.1:40000',
      settings_path: file,
      upstream: 'https://api.anthropic.com (anthropic upstream)',
      detail: 'ANTHROPIC_BASE_URL is http://elsewhere, not the attached http://127.0.0.1:40000',
      gateway_endpoint: 'http://127.0.0.1:40000',
    });
  });
});

describe("hyp claude attach keeps the user's own upstream", () => {
  const CORP = 'https://llm-gateway.corp.example/anthropic';

  test('ANTHROPIC_BASE_URL in settings.json: chained behind the gateway, no first-party flag; detach restores every byte and forgets the chain', async () => {
    const rig = activateClaude();
    const original =
      JSON.stringify({ env: { ANTHROPIC_BASE_URL: CORP, ANTHROPIC_AUTH_TOKEN: 'corp-token' } }, null, 2) + '\n';
    const file = seed(rig, original);
    const out = await attach(rig);
    assert.match(out, /traffic goes on to your own upstream https:\/\/llm-gateway\.corp\.example\/anthropic/);
    const env = JSON.parse(readFileSync(file, 'utf8')).env;
    assert.match(env.ANTHROPIC_BASE_URL, /^http:\/\/127\.0\.0\.1:18521\/chain\/claude-[0-9a-f]{8}$/);
    assert.equal(
      env._CLAUDE_CODE_ASSUME_FIRST_PARTY_BASE_URL,
      undefined,
      "never first-party towards a user's own gateway",
    );
    assert.equal(env.ENABLE_TOOL_SEARCH, 'true');
    assert.equal(env.ANTHROPIC_AUTH_TOKEN, 'corp-token', 'credentials stay where the user put them');
    assert.deepEqual(rig.api.chainOf(env.ANTHROPIC_BASE_URL), {
      name: env.ANTHROPIC_BASE_URL.split('/').pop(),
      base_url: CORP,
      client: 'claude',
      provider: 'anthropic',
      origin: `${file} env.ANTHROPIC_BASE_URL`,
    });
    assert.equal((await rig.client.status!()).upstream, `${CORP} (your own upstream, chained)`);
    await detach(rig);
    assert.equal(readFileSync(file, 'utf8'), original);
    assert.equal(rig.api.chainOf(env.ANTHROPIC_BASE_URL), undefined, 'detach forgets the chain');
  });

  test('ANTHROPIC_BASE_URL only in the environment attach runs in: chained too', async () => {
    const rig = activateClaude({ env: { ANTHROPIC_BASE_URL: CORP } });
    await attach(rig);
    const env = JSON.parse(readFileSync(settingsFile(rig), 'utf8')).env;
    assert.equal(rig.api.chainOf(env.ANTHROPIC_BASE_URL)?.base_url, CORP);
    assert.equal(rig.api.chainOf(env.ANTHROPIC_BASE_URL)?.origin, 'the environment (ANTHROPIC_BASE_URL)');
  });

  test('a previous URL that is this gateway itself is never chained to itself; a stale chain URL of it is re-based', async () => {
    for (const own of ['http://localhost:18521', 'http://127.0.0.1:18521/']) {
      const rig = activateClaude();
      seed(rig, JSON.stringify({ env: { ANTHROPIC_BASE_URL: own } }));
      await attach(rig);
      const env = JSON.parse(readFileSync(settingsFile(rig), 'utf8')).env;
      assert.equal(env.ANTHROPIC_BASE_URL, ENDPOINT, own);
      assert.equal(env._CLAUDE_CODE_ASSUME_FIRST_PARTY_BASE_URL, '1', 'the presets route it to the public API');
    }
  });

  test('a malformed previous URL is refused in one line and nothing is written (the traffic must not silently go elsewhere)', async () => {
    for (const value of ['not a url', 'ftp://files.example', 42]) {
      const rig = activateClaude();
      const text = JSON.stringify({ env: { ANTHROPIC_BASE_URL: value } });
      const file = seed(rig, text);
      await assert.rejects(
        attach(rig),
        (err: unknown) =>
          err instanceof HypError &&
          /^cannot attach Claude Code: .*ANTHROPIC_BASE_URL/.test(err.message) &&
          !err.message.includes('\n'),
        String(value),
      );
      assert.equal(readFileSync(file, 'utf8'), text);
    }
  });

  test('first-party mode only towards the public API: a config upstream elsewhere gets no flag', async () => {
    const rig = activateClaude({ route: { name: 'anthropic', base_url: 'http://127.0.0.1:9000' } });
    await attach(rig);
    const env = JSON.parse(readFileSync(settingsFile(rig), 'utf8')).env;
    assert.equal(env.ANTHROPIC_BASE_URL, ENDPOINT);
    assert.equal(
      env._CLAUDE_CODE_ASSUME_FIRST_PARTY_BASE_URL,
      undefined,
      'it would make Claude Code call api.anthropic.com at every start',
    );
    assert.equal((await rig.client.status!()).upstream, 'http://127.0.0.1:9000 (anthropic upstream)');
    const public_ = activateClaude();
    await attach(public_);
    assert.equal(
      JSON.parse(readFileSync(settingsFile(public_), 'utf8')).env._CLAUDE_CODE_ASSUME_FIRST_PARTY_BASE_URL,
      '1',
    );
  });

  test('--dry-run registers no chain', async () => {
    const rig = activateClaude();
    seed(rig, JSON.stringify({ env: { ANTHROPIC_BASE_URL: CORP } }));
    const json = JSON.parse(await attach(rig, { dryRun: true, json: true }));
    assert.equal(json.chained, true);
    assert.equal(rig.api.chainOf(json.base_url), undefined);
  });
});
