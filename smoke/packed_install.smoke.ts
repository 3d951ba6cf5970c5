// packed_install: what a user gets from the package. The repository is packed with `npm pack`
// (as built by `npm test`: --ignore-scripts, so no build runs in the middle of the suite), the
// tarball is installed with `npm install -g` into a temporary prefix (better-sqlite3 compiles
// there), and the INSTALLED `hyp` runs from a temporary HOME: --help, --version, status (the
// bundled plugins found in the installed layout), the Claude hook through bin/hyp.js, then the
// background daemon: start, status, one request through the gateway to a fake upstream, the
// exchange row in the database, stop, status (exit 3).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { REPO_ROOT, tempDir } from '../harness/repo.js';
import { runClient, type ClientResult } from '../harness/real-clients.js';
import { startFakeUpstream } from '../harness/fake-upstream.js';
import { waitFor } from '../harness/wait.js';

const INSTALL_TIMEOUT_MS = 8 * 60_000;
/** what a failed install says when trying again may help: the network, or a file still busy */
const TRANSIENT =
  /\b(E(NOTFOUND|AI_AGAIN|CONNREFUSED|CONNRESET|TIMEDOUT|NETUNREACH|HOSTUNREACH|SOCKETTIMEOUT|TXTBSY|BUSY|INTEGRITY)|ERR_SOCKET_TIMEOUT|UND_ERR_CONNECT_TIMEOUT|network)\b/i;
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

interface PackResult {
  filename: string;
  size: number;
  unpackedSize: number;
  files: Array<{ path: string }>;
}

/** The environment for npm: without what an enclosing `npm test` sets for this repository. */
function npmEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) {
    if (
      /^npm_(package_|lifecycle_)|^npm_config_(local_prefix|prefix|global_prefix|workspaces?|include_workspace_root|allow_scripts)$|^INIT_CWD$/i.test(
        key,
      )
    )
      delete env[key];
  }
  return env;
}

function tail(r: ClientResult, n = 2500): string {
  const text = (r.stderr || r.stdout).trim();
  return text.length > n ? `…${text.slice(-n)}` : text;
}

function post(endpoint: string, path: string, body: string): Promise<{ status: number; body: string }> {
  const url = new URL(path, endpoint);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        method: 'POST',
        agent: false,
        headers: {
          'content-type': 'application/json',
          'anthropic-version': '2023-06-01',
          'x-api-key': 'sk-ant-packed-install-test',
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (d: string) => {
          text += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

test(
  'packed install: npm pack, npm install -g into a temporary prefix, the installed hyp runs',
  { timeout: 20 * 60_000 },
  async (t) => {
    const work = tempDir('hyp-smoke-packed-');
    const version = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

    const pack = await runClient(NPM, ['pack', '--ignore-scripts', '--json', '--pack-destination', work], {
      cwd: REPO_ROOT,
      env: npmEnv(),
      timeoutMs: 120_000,
    });
    assert.equal(pack.code, 0, `npm pack: ${tail(pack)}`);
    const [packed] = JSON.parse(pack.stdout) as PackResult[];
    assert.equal(packed?.filename, `hypaware-${version}.tgz`);
    const tarball = join(work, packed.filename);
    assert.ok(existsSync(tarball), tarball);
    t.diagnostic(
      `${packed.filename}: ${packed.size} bytes packed, ${packed.unpackedSize} unpacked, ${packed.files.length} files`,
    );

    const prefix = join(work, 'prefix');
    const installArgs = [
      'install',
      '-g',
      '--prefix',
      prefix,
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      '--allow-scripts=better-sqlite3',
      '--loglevel=warn',
      tarball,
    ];
    let install: ClientResult | undefined;
    for (let attempt = 1; attempt <= 2; attempt++) {
      install = await runClient(NPM, installArgs, { cwd: work, env: npmEnv(), timeoutMs: INSTALL_TIMEOUT_MS });
      if (install.code === 0) break;
      const transient = install.timedOut || TRANSIENT.test(install.stderr);
      t.diagnostic(
        `npm install attempt ${attempt} exited ${install.code ?? install.signal}${transient ? ' (transient)' : ''}: ${tail(install, 600)}`,
      );
      if (!transient) break;
      rmSync(prefix, { recursive: true, force: true });
    }
    assert.equal(install!.code, 0, `npm ${installArgs.join(' ')}: ${tail(install!)}`);
    t.diagnostic(`npm install -g of the tarball took ${(install!.ms / 1000).toFixed(1)} s`);

    const installRoot = join(prefix, 'lib', 'node_modules', 'hypaware');
    const hyp = join(prefix, 'bin', 'hyp');
    assert.ok(existsSync(hyp) && existsSync(join(prefix, 'bin', 'hypaware')), 'hyp and hypaware are on the prefix bin');
    const home = tempDir('hyp-smoke-packed-home-');
    const hypHome = join(home, '.hyp');
    const env: NodeJS.ProcessEnv = {
      ...npmEnv(),
      HOME: home,
      HYP_HOME: hypHome,
      PATH: [join(prefix, 'bin'), dirname(process.execPath), process.env.PATH ?? ''].join(delimiter),
    };
    for (const key of ['NODE_PATH', 'CLAUDE_CONFIG_DIR', 'CODEX_HOME', 'XDG_CONFIG_HOME', 'ANTHROPIC_BASE_URL'])
      delete env[key];
    // run from HOME: nothing may resolve through the repository
    const run = (args: string[], input?: string) =>
      runClient(hyp, args, { env, cwd: home, timeoutMs: 60_000, ...(input !== undefined ? { input } : {}) });

    await t.test('hyp --help and hypaware --version', async () => {
      const help = await run(['--help']);
      assert.equal(help.code, 0, tail(help));
      assert.match(help.stdout, /^Usage: hyp /);
      const v = await runClient(join(prefix, 'bin', 'hypaware'), ['--version'], { env, cwd: home, timeoutMs: 60_000 });
      assert.equal(v.code, 0, tail(v));
      assert.equal(v.stdout.trim(), version);
    });

    await t.test('hyp status: every bundled plugin is found in the installed layout and activates', async () => {
      const r = await run(['status', '--json']);
      assert.equal(r.code, 0, tail(r));
      const report = JSON.parse(r.stdout) as { plugins: Array<{ name: string; state: string }> };
      const bundled = [
        '@hypaware/ai-gateway',
        '@hypaware/claude',
        '@hypaware/codex',
        '@hypaware/postgres',
        '@hypaware/ui',
      ];
      assert.deepEqual(
        report.plugins.map((p) => [p.name, p.state]).sort(),
        bundled.map((name) => [name, 'active']),
      );
      for (const file of ['index.html', 'app.js', 'style.css'])
        assert.ok(
          existsSync(join(installRoot, 'node_modules', '@hypaware', 'ui', 'dist', 'web', file)),
          `the UI's built ${file} is installed`,
        );
    });

    await t.test(
      'the Claude hook: `hyp claude-hook` (bin/hyp.js finds the bundled manifest) and the CommonJS entry attach writes',
      async () => {
        const stateFile = join(home, 'hook-state', 'session-context.jsonl');
        mkdirSync(dirname(stateFile), { recursive: true });
        const event = (session: string) =>
          JSON.stringify({ session_id: session, hook_event_name: 'UserPromptSubmit', cwd: home });
        const viaHyp = await run(
          ['claude-hook', 'session-context', '--state-file', stateFile],
          event('packed-session-1'),
        );
        assert.equal(viaHyp.code, 0, tail(viaHyp));
        const cjsEntry = join(installRoot, 'node_modules', '@hypaware', 'claude', 'cjs', 'claude-hook');
        const viaCjs = await runClient(process.execPath, [cjsEntry, 'session-context', '--state-file', stateFile], {
          env,
          cwd: home,
          timeoutMs: 60_000,
          input: event('packed-session-2'),
        });
        assert.equal(viaCjs.code, 0, tail(viaCjs));
        assert.ok(existsSync(stateFile), 'the hook wrote its state file');
        const records = readFileSync(stateFile, 'utf8')
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as { session_id: string; hook_event?: string });
        assert.deepEqual(
          records.map((x) => [x.session_id, x.hook_event]),
          [
            ['packed-session-1', 'UserPromptSubmit'],
            ['packed-session-2', 'UserPromptSubmit'],
          ],
        );
      },
    );

    await t.test('the background daemon: start, status, a request recorded, stop, status 3', async (t2) => {
      const fake = await startFakeUpstream();
      t2.after(() => fake.close());
      mkdirSync(hypHome, { recursive: true });
      writeFileSync(
        join(hypHome, 'hypaware-config.json'),
        JSON.stringify(
          {
            plugins: {
              '@hypaware/ai-gateway': {
                listen: '127.0.0.1:0',
                upstreams: [
                  { name: 'anthropic', base_url: fake.url, path_prefix: '/v1/messages', provider: 'anthropic' },
                ],
              },
            },
          },
          null,
          2,
        ),
      );

      const start = await run(['daemon', 'start']);
      t2.after(async () => {
        await run(['daemon', 'stop']);
      });
      assert.equal(start.code, 0, `hyp daemon start: ${tail(start)}`);

      const status = await run(['daemon', 'status', '--json']);
      assert.equal(status.code, 0, `hyp daemon status: ${tail(status)}`);
      const daemon = JSON.parse(status.stdout) as { running: boolean; pid: number; endpoint?: string };
      assert.equal(daemon.running, true);
      assert.match(daemon.endpoint ?? '', /^http:\/\/127\.0\.0\.1:\d+$/);

      const reply = await post(
        daemon.endpoint!,
        '/v1/messages',
        JSON.stringify({
          model: 'claude-sonnet-4-5',
          max_tokens: 32,
          messages: [{ role: 'user', content: 'hello from the packed install' }],
        }),
      );
      assert.equal(reply.status, 200, reply.body);
      assert.equal(fake.records.filter((r) => r.url === '/v1/messages').length, 1, 'the upstream got the request');

      const exchanges = await waitFor(
        async () => {
          const q = await run(['query', 'sql', 'SELECT count(*) AS n FROM ai_gateway_exchanges', '--format', 'json']);
          assert.equal(q.code, 0, tail(q));
          const n = (JSON.parse(q.stdout) as Array<{ n: number }>)[0]!.n;
          return n > 0 ? n : undefined;
        },
        'the exchange row in the database',
        30_000,
        200,
      );
      assert.equal(exchanges, 1);

      const stop = await run(['daemon', 'stop']);
      assert.equal(stop.code, 0, `hyp daemon stop: ${tail(stop)}`);
      const after = await run(['daemon', 'status']);
      assert.equal(after.code, 3, `hyp daemon status after stop: ${after.stdout}${after.stderr}`);
    });
  },
);
