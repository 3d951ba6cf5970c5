import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, test } from 'node:test';
import { hookInvocation, sessionContextHookCommand } from '@hypaware/claude/attach/hook-command';
import { stateFileFromArgs } from '@hypaware/claude/hook/cli';
import { gitBranchAt } from '@hypaware/claude/hook/git-head';
import { hookFields } from '@hypaware/claude/hook/hook-input';
import { selectKept, type StateFileLimits } from '@hypaware/claude/session-context/append-record';
import { HYP_BIN, REPO_ROOT, tempDir } from '../../harness/repo.js';

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}
interface RunOptions {
  env?: NodeJS.ProcessEnv;
  input?: string;
  keepStdinOpen?: boolean;
}

function runProcess(file: string, args: string[], options: RunOptions = {}): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env: { ...process.env, ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d;
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    if (options.input !== undefined) child.stdin.write(options.input);
    if (!options.keepStdinOpen) child.stdin.end();
  });
}

const runNode = (args: string[], options: RunOptions = {}): Promise<Ran> => runProcess(process.execPath, args, options);

/** As Claude Code runs a hook command. */
const shell = (command: string, input: string, env: NodeJS.ProcessEnv): Promise<Ran> =>
  runProcess('/bin/sh', ['-c', command], { env, input });

const PLUGIN_DIR = join(REPO_ROOT, 'plugins-workspace', 'claude');
/** The CommonJS entry the attached hook command runs (its argv is that of `hyp claude-hook`). */
const CJS_HOOK = join(PLUGIN_DIR, 'cjs', 'claude-hook');

/** Both ways to start the hook: `hyp claude-hook` through bin/hyp.js, and the CommonJS entry. */
const ENTRIES = [
  { name: 'bin/hyp.js claude-hook', argv: [HYP_BIN, 'claude-hook'] },
  { name: 'cjs/claude-hook', argv: [CJS_HOOK] },
];

function records(file: string): Array<Record<string, unknown>> {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

const APPEND_MODULE = pathToFileURL(join(PLUGIN_DIR, 'dist', 'session-context', 'append-record.js')).href;

/** A process appending `count` records for session `writer` with the given limits. */
function appender(file: string, writer: string, count: number, limits?: StateFileLimits): Promise<Ran> {
  const code = `
    const { appendRecord, DEFAULT_LIMITS } = await import(${JSON.stringify(APPEND_MODULE)});
    const limits = ${limits ? JSON.stringify(limits) : 'DEFAULT_LIMITS'};
    const t0 = Date.UTC(2026, 10, 24);
    for (let i = 0; i < ${count}; i++) appendRecord(${JSON.stringify(file)}, { session_id: ${JSON.stringify(writer)}, cwd: '/w/' + i, seq: i, pad: 'x'.repeat(200), ts: new Date(t0 + i * 1000).toISOString() }, limits);
  `;
  return runNode(['--input-type=module', '-e', code]);
}

describe('claude-hook arguments and input', () => {
  test('--state-file must be absolute; legacy --port maps to the HYP_HOME state file', () => {
    assert.equal(stateFileFromArgs(['--state-file', '/abs/s.jsonl'], {}), '/abs/s.jsonl');
    assert.equal(stateFileFromArgs(['--state-file=/abs/s.jsonl'], {}), '/abs/s.jsonl');
    assert.equal(stateFileFromArgs(['--state-file', 'rel/s.jsonl'], {}), undefined);
    assert.equal(
      stateFileFromArgs(['--port', '8787'], { HYP_HOME: '/h' }),
      '/h/hypaware/plugins/@hypaware/claude/session-context.jsonl',
    );
    assert.equal(
      stateFileFromArgs(['--port=8787'], { HOME: '/home/u' }),
      '/home/u/.hyp/hypaware/plugins/@hypaware/claude/session-context.jsonl',
    );
    assert.equal(stateFileFromArgs(['--port', '0'], { HOME: '/home/u' }), undefined);
    assert.equal(stateFileFromArgs(['--port', 'x'], { HOME: '/home/u' }), undefined);
    assert.equal(stateFileFromArgs([], { HOME: '/home/u' }), undefined);
  });

  test('hook JSON: new_cwd wins (CwdChanged); input cut at the size cap still yields the fields', () => {
    assert.deepEqual(
      hookFields(
        JSON.stringify({
          session_id: 's1',
          cwd: '/old',
          new_cwd: '/new',
          hook_event_name: 'CwdChanged',
          transcript_path: '/t.jsonl',
        }),
      ),
      {
        session_id: 's1',
        cwd: '/new',
        transcript_path: '/t.jsonl',
        hook_event_name: 'CwdChanged',
      },
    );
    const cut = JSON.stringify({
      session_id: 's2',
      cwd: '/w "q"',
      hook_event_name: 'PostToolUse',
      tool_response: { stdout: 'y'.repeat(100) },
    }).slice(0, 90);
    assert.deepEqual(hookFields(cut), { session_id: 's2', cwd: '/w "q"', hook_event_name: 'PostToolUse' });
    assert.deepEqual(hookFields('[1,2]'), {});
    assert.deepEqual(hookFields(''), {});
  });

  test('git branch from .git/HEAD: branch, detached commit, worktree file, subfolder, no repository', () => {
    const root = tempDir('hyp-git-');
    mkdirSync(join(root, 'repo', '.git'), { recursive: true });
    mkdirSync(join(root, 'repo', 'src', 'deep'), { recursive: true });
    writeFileSync(join(root, 'repo', '.git', 'HEAD'), 'ref: refs/heads/feature/x\n');
    assert.equal(gitBranchAt(join(root, 'repo', 'src', 'deep')), 'feature/x');
    writeFileSync(join(root, 'repo', '.git', 'HEAD'), '0123456789abcdef0123456789abcdef01234567\n');
    assert.equal(gitBranchAt(join(root, 'repo')), '0123456');
    mkdirSync(join(root, 'gitdirs', 'wt'), { recursive: true });
    writeFileSync(join(root, 'gitdirs', 'wt', 'HEAD'), 'ref: refs/heads/wt-branch\n');
    mkdirSync(join(root, 'worktree'));
    writeFileSync(join(root, 'worktree', '.git'), 'gitdir: ../gitdirs/wt\n');
    assert.equal(gitBranchAt(join(root, 'worktree')), 'wt-branch');
    mkdirSync(join(root, 'plain'));
    assert.equal(gitBranchAt(join(root, 'plain')), undefined);
  });
});

for (const entry of ENTRIES)
  describe(`${entry.name} session-context (real process, no kernel boot)`, () => {
    const hook = (args: string[], input: string, env: NodeJS.ProcessEnv = {}, keepStdinOpen = false): Promise<Ran> =>
      runNode([...entry.argv, ...args], { env, input, keepStdinOpen });

    test('appends one record, prints nothing, exits 0, even when the HypAware config is broken', async () => {
      const dir = tempDir('hyp-hook-');
      writeFileSync(join(dir, 'hypaware-config.json'), '{ broken');
      const file = join(dir, 'state', 'session-context.jsonl');
      mkdirSync(join(dir, 'repo', '.git'), { recursive: true });
      writeFileSync(join(dir, 'repo', '.git', 'HEAD'), 'ref: refs/heads/main\n');
      const input = JSON.stringify({
        session_id: 'sess-1',
        transcript_path: '/t/sess-1.jsonl',
        cwd: join(dir, 'repo'),
        hook_event_name: 'SessionStart',
        source: 'startup',
      });
      const ran = await hook(['session-context', '--state-file', file], input, { HYP_HOME: dir });
      assert.deepEqual({ code: ran.code, stdout: ran.stdout, stderr: ran.stderr }, { code: 0, stdout: '', stderr: '' });
      const [rec, ...rest] = records(file);
      assert.equal(rest.length, 0);
      assert.deepEqual(
        { ...rec, ts: undefined },
        {
          session_id: 'sess-1',
          cwd: join(dir, 'repo'),
          transcript_path: '/t/sess-1.jsonl',
          hook_event: 'SessionStart',
          git_branch: 'main',
          ts: undefined,
        },
      );
      assert.ok(!Number.isNaN(Date.parse(String(rec!.ts))));
      assert.equal(statSync(file).mode & 0o777, 0o600);
    });

    test('legacy --port writes to <HYP_HOME>/hypaware/plugins/@hypaware/claude/session-context.jsonl', async () => {
      const dir = tempDir('hyp-hook-');
      const ran = await hook(
        ['session-context', '--port', '8787'],
        JSON.stringify({ session_id: 'legacy', cwd: '/w' }),
        { HYP_HOME: dir },
      );
      assert.equal(ran.code, 0);
      assert.deepEqual(
        records(join(dir, 'hypaware', 'plugins', '@hypaware', 'claude', 'session-context.jsonl')).map(
          (r) => r.session_id,
        ),
        ['legacy'],
      );
    });

    test('bad input, missing session, unknown subcommand, no target: exit 0, nothing written, nothing printed', async () => {
      const dir = tempDir('hyp-hook-');
      const file = join(dir, 's.jsonl');
      for (const [args, input] of [
        [['session-context', '--state-file', file], 'not json'],
        [['session-context', '--state-file', file], '{"cwd":"/w"}'],
        [['other', '--state-file', file], '{"session_id":"s"}'],
        [['session-context'], '{"session_id":"s"}'],
      ] as const) {
        const ran = await hook([...args], input);
        assert.deepEqual(
          { code: ran.code, stdout: ran.stdout, stderr: ran.stderr },
          { code: 0, stdout: '', stderr: '' },
          args.join(' '),
        );
      }
      assert.equal(existsSync(file), false);
    });

    test('a parent that never closes stdin does not hang the hook: what arrived is used', async () => {
      const dir = tempDir('hyp-hook-');
      const file = join(dir, 's.jsonl');
      const ran = await hook(
        ['session-context', '--state-file', file],
        JSON.stringify({ session_id: 'open-pipe', cwd: '/w' }),
        {},
        true,
      );
      assert.equal(ran.code, 0);
      assert.deepEqual(
        records(file).map((r) => r.session_id),
        ['open-pipe'],
      );
    });
  });

describe('the hook command `hyp attach claude` writes', () => {
  const MISSING_CA = '/nonexistent/hyp-test-ca.pem';

  test('runs through /bin/sh as Claude Code runs it, without reading NODE_EXTRA_CA_CERTS (node would warn about a missing bundle)', async () => {
    const dir = tempDir('hyp-hook-');
    const file = join(dir, 's.jsonl');
    const command = sessionContextHookCommand(hookInvocation({}, PLUGIN_DIR), file);
    assert.ok(command.startsWith('NODE_EXTRA_CA_CERTS= '), command);
    const control = await shell(`${JSON.stringify(process.execPath)} -e 0`, '', { NODE_EXTRA_CA_CERTS: MISSING_CA });
    assert.match(control.stderr, /extra certs/, 'without the assignment node reads the bundle');
    const ran = await shell(
      command,
      JSON.stringify({ session_id: 'via-sh', cwd: dir, hook_event_name: 'UserPromptSubmit' }),
      { NODE_EXTRA_CA_CERTS: MISSING_CA },
    );
    assert.deepEqual(ran, { code: 0, stdout: '', stderr: '' });
    assert.deepEqual(
      records(file).map((r) => [r.session_id, r.hook_event]),
      [['via-sh', 'UserPromptSubmit']],
    );
  });

  test('HYPAWARE_BIN is kept as the user wrote it, after the same assignment', async () => {
    const dir = tempDir('hyp-hook-');
    const file = join(dir, 's.jsonl');
    const command = sessionContextHookCommand(hookInvocation({ HYPAWARE_BIN: HYP_BIN }, '/elsewhere'), file);
    assert.equal(command, `NODE_EXTRA_CA_CERTS= ${HYP_BIN} claude-hook session-context --state-file ${file}`);
    const ran = await shell(command, JSON.stringify({ session_id: 'via-bin' }), { NODE_EXTRA_CA_CERTS: MISSING_CA });
    assert.deepEqual(ran, { code: 0, stdout: '', stderr: '' });
    assert.deepEqual(
      records(file).map((r) => r.session_id),
      ['via-bin'],
    );
  });

  test("the CommonJS entry loads only the hook's own compiled modules, and not node:crypto", async () => {
    const dir = tempDir('hyp-hook-');
    const report = join(dir, 'loaded.json');
    const preload = join(dir, 'report-loaded.cjs');
    writeFileSync(
      preload,
      `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(report)}, JSON.stringify({
      files: Object.keys(require.cache), crypto: process.moduleLoadList.includes('NativeModule crypto') })));`,
    );
    const ran = await shell(
      sessionContextHookCommand(hookInvocation({}, PLUGIN_DIR), join(dir, 's.jsonl')),
      JSON.stringify({ session_id: 'graph' }),
      { NODE_OPTIONS: `--require ${preload}` },
    );
    assert.equal(ran.code, 0, ran.stderr);
    const loaded = JSON.parse(readFileSync(report, 'utf8')) as { files: string[]; crypto: boolean };
    const built = (rel: string) => join(PLUGIN_DIR, 'cjs', 'dist', rel);
    assert.deepEqual(
      loaded.files.filter((f) => f !== preload).sort(),
      [
        CJS_HOOK,
        built('hook/cli.js'),
        built('hook/git-head.js'),
        built('hook/hook-input.js'),
        built('session-context/append-record.js'),
        built('session-context/record.js'),
        built('util/json.js'),
      ].sort(),
    );
    assert.equal(loaded.crypto, false);
  });
});

describe('state file under concurrency', () => {
  test('concurrent hooks lose no record (no compaction)', async () => {
    const file = join(tempDir('hyp-state-'), 's.jsonl');
    await Promise.all(Array.from({ length: 6 }, (_, w) => appender(file, `w${w}`, 50)));
    const all = records(file);
    assert.equal(all.length, 300);
    for (let w = 0; w < 6; w++)
      assert.deepEqual(
        all.filter((r) => r.session_id === `w${w}`).map((r) => r.seq),
        Array.from({ length: 50 }, (_, i) => i),
      );
  });

  test("compaction under concurrent appends keeps each session's newest records without gaps and stays bounded", async () => {
    const file = join(tempDir('hyp-state-'), 's.jsonl');
    const limits: StateFileLimits = {
      maxBytes: 16 * 1024,
      keepBytes: 8 * 1024,
      keepRecords: 200,
      keepPerSession: 4,
      staleLockMs: 10_000,
    };
    await Promise.all(Array.from({ length: 6 }, (_, w) => appender(file, `w${w}`, 80, limits)));
    const all = records(file);
    assert.ok(statSync(file).size <= limits.maxBytes + 6 * 400, `file is bounded (${statSync(file).size} bytes)`);
    assert.ok(!existsSync(`${file}.lock`), 'the lock is released');
    for (let w = 0; w < 6; w++) {
      const seqs = [...new Set(all.filter((r) => r.session_id === `w${w}`).map((r) => r.seq as number))].sort(
        (a, b) => a - b,
      );
      assert.ok(seqs.length >= 1, `writer ${w} has records`);
      assert.equal(seqs[seqs.length - 1], 79, `writer ${w}: the newest record survives`);
      assert.deepEqual(
        seqs,
        Array.from({ length: seqs.length }, (_, i) => 80 - seqs.length + i),
        `writer ${w}: no gap among the kept records`,
      );
    }
  });

  test('a stale lock (crashed compactor) does not block compaction forever', async () => {
    const file = join(tempDir('hyp-state-'), 's.jsonl');
    writeFileSync(`${file}.lock`, '');
    const { utimesSync } = await import('node:fs');
    utimesSync(`${file}.lock`, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    await appender(file, 'w', 60, {
      maxBytes: 4096,
      keepBytes: 2048,
      keepRecords: 100,
      keepPerSession: 3,
      staleLockMs: 10_000,
    });
    assert.ok(records(file).length <= 20, 'compacted');
    assert.equal(existsSync(`${file}.lock`), false);
  });

  test('selection keeps the newest records (by time) per session, within count and bytes, oldest first', () => {
    const line = (s: string, minute: number) =>
      JSON.stringify({ session_id: s, ts: `2026-11-24T09:0${minute}:00.000Z` });
    // b@5 was copied late by a compaction: it is older than b@6 although it comes after it
    const lines = [line('a', 1), line('b', 2), 'garbage', line('a', 3), line('b', 6), line('a', 4), line('b', 5)];
    const limits = { maxBytes: 1e6, keepBytes: 1e6, keepRecords: 10, keepPerSession: 2, staleLockMs: 1 };
    assert.deepEqual(selectKept(lines, limits), [line('a', 3), line('a', 4), line('b', 5), line('b', 6)]);
    assert.deepEqual(selectKept(lines, { ...limits, keepRecords: 2 }), [line('b', 5), line('b', 6)]);
    assert.deepEqual(selectKept(lines, { ...limits, keepBytes: Buffer.byteLength(line('a', 1)) * 3 + 3 }), [
      line('a', 4),
      line('b', 5),
      line('b', 6),
    ]);
  });
});
