import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Command } from 'commander';
import { HypError } from '@hypaware/core';
import { tempDir } from '../../harness/repo.js';
import { activateCodex, capture, type ActivateOptions } from './codex-harness.js';

describe('activate', () => {
  test('requires the gateway capability ^2.0.0 and registers presets, the projector and the codex client', () => {
    const a = activateCodex();
    assert.deepEqual(a.required, [{ name: 'hypaware.ai-gateway', range: '^2.0.0' }]);
    assert.deepEqual(
      a.presets.map((p) => [p.name, p.base_url, p.path_prefix, p.provider]),
      [
        ['openai', 'https://api.openai.com', '/v1', 'openai'],
        ['chatgpt', 'https://chatgpt.com', '/backend-api/codex', 'chatgpt'],
      ],
    );
    assert.deepEqual(
      a.projectors.map((p) => p.name),
      ['codex-exchange'],
    );
    assert.deepEqual(
      a.clients.map((c) => [c.name, c.defaultUpstream]),
      [['codex', 'openai']],
    );
    assert.deepEqual(
      a.commands.map((c) => c.name),
      ['codex'],
    );
    assert.equal(a.diagnostics.length, 1);
  });

  test('the writer thread (the projector module) and the daemon get the projector but no commands', async () => {
    const a = activateCodex({ mode: 'daemon' });
    assert.equal(a.projectors.length, 1);
    assert.equal(a.commands.length, 0);
    const moduleUrl = new URL('../../../plugins-workspace/codex/dist/projectors.js', import.meta.url).href;
    const { createProjectors } = (await import(
      moduleUrl
    )) as typeof import('../../plugins-workspace/codex/src/projectors.js');
    const inWriter = createProjectors({
      plugin: { name: '@hypaware/codex', version: '2.0.0', rootDir: '/nonexistent' },
      config: {},
      stateDir: '/nonexistent/state',
      env: {},
      log: { debug() {}, info() {}, warn() {}, error() {} },
    });
    assert.deepEqual(
      inWriter.map((p) => [p.name, p.priority]),
      a.projectors.map((p) => [p.name, p.priority]),
    );
  });
});

async function hyp(args: string[], options: ActivateOptions) {
  const a = activateCodex(options);
  const stdout = capture();
  const stderr = capture();
  const program = new Command('hyp')
    .exitOverride()
    .configureOutput({ writeOut: (s) => stdout.write(s), writeErr: (s) => stderr.write(s) });
  const spec = a.commands[0]!;
  spec.configure(program.command(spec.name).exitOverride(), { stdout, stderr });
  await program.parseAsync(args, { from: 'user' });
  return { stdout: stdout.text(), stderr: stderr.text(), a };
}

describe('hyp codex', () => {
  const codexHome = () => {
    const home = join(tempDir('codex-cmd-'), '.codex');
    mkdirSync(home);
    return home;
  };

  test('attach --json uses the running gateway endpoint; status and detach follow', async () => {
    const home = codexHome();
    const env = { CODEX_HOME: home };
    const attached = JSON.parse(
      (await hyp(['codex', 'attach', '--json'], { env, endpoint: 'http://127.0.0.1:41234' })).stdout,
    ) as Record<string, unknown>;
    assert.equal(attached.base_url, 'http://127.0.0.1:41234/v1');
    assert.match(readFileSync(join(home, 'config.toml'), 'utf8'), /base_url = "http:\/\/127\.0\.0\.1:41234\/v1"/);
    const status = JSON.parse((await hyp(['codex', 'status', '--json'], { env })).stdout) as Record<string, unknown>;
    assert.deepEqual(status, {
      attached: true,
      endpoint: 'http://127.0.0.1:41234',
      upstream: 'https://api.openai.com/v1',
      settings_path: join(home, 'config.toml'),
    });
    const text = (await hyp(['codex', 'detach'], { env })).stdout;
    assert.match(text, /Codex detached/);
  });

  test('attach refuses with one line when no gateway listens, and writes nothing', async () => {
    const home = codexHome();
    await assert.rejects(
      hyp(['codex', 'attach'], {
        env: { CODEX_HOME: home },
        endpoint: new Error(
          'no HypAware gateway is running (nothing listens on 127.0.0.1:18521); start it with hyp daemon run --foreground',
        ),
      }),
      (err: unknown) =>
        err instanceof HypError && /^cannot attach Codex: no HypAware gateway is running/.test(err.message),
    );
    assert.throws(() => readFileSync(join(home, 'config.toml')), /ENOENT/);
  });

  test('attach --dry-run prints the plan in text form', async () => {
    const { stdout } = await hyp(['codex', 'attach', '--dry-run'], { env: { CODEX_HOME: codexHome() } });
    assert.match(stdout, /would be attached \(dry run, nothing written\)/);
    assert.match(stdout, /base_url = http:\/\/127\.0\.0\.1:18521\/v1/);
  });

  test('diagnostic client_attach_stale when the config points where the gateway is not', async () => {
    const home = codexHome();
    await hyp(['codex', 'attach'], { env: { CODEX_HOME: home }, endpoint: 'http://127.0.0.1:40000' });
    const stale = activateCodex({ env: { CODEX_HOME: home }, endpoint: 'http://127.0.0.1:18521' });
    const found = await stale.diagnostics[0]!();
    assert.deepEqual(
      found.map((d) => [d.kind, d.level, d.repair]),
      [['client_attach_stale', 'warn', 'hyp codex attach']],
    );
    const fresh = activateCodex({ env: { CODEX_HOME: home }, endpoint: 'http://127.0.0.1:40000' });
    assert.deepEqual(await fresh.diagnostics[0]!(), []);
  });
});
