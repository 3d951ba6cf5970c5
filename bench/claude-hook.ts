/**
 * Wall time of the Claude Code hook as Claude Code runs it: the very command `hyp attach claude`
 * writes in this environment (`NODE_EXTRA_CA_CERTS= <node> <plugin>/cjs/claude-hook
 * session-context --state-file <tmp>`, or HYPAWARE_BIN's) through `/bin/sh -c`, with a
 * UserPromptSubmit JSON on stdin, in a git repository (so the branch is read). Interleaved, run
 * by run, with the floors no hook can go under: `node -e 0` through the same shell, with the
 * environment as it is and without NODE_EXTRA_CA_CERTS (Node parses that bundle at every start),
 * and with the command earlier versions wrote (`<node> bin/hyp.js claude-hook ...`, environment
 * as it is). Numbers only.
 *
 *   node build/bench/claude-hook.js [runs]     prints the figures as JSON
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { hookInvocation, sessionContextHookCommand } from '@hypaware/claude/attach/hook-command';
import { HYP_BIN, REPO_ROOT, tempDir } from '../harness/repo.js';
import { median, percentile, round, rotated } from './stats.js';

export interface ClaudeHookFigures {
  /** the command timed: what `hyp attach claude` writes here */
  command: string;
  median_ms: number;
  p90_ms: number;
  runs: number;
  /** `node -e 0` through the shell, environment as it is: process start alone */
  node_floor_median_ms: number;
  /** the same without NODE_EXTRA_CA_CERTS */
  node_floor_no_extra_ca_median_ms: number;
  /** NODE_EXTRA_CA_CERTS in this environment, or null */
  extra_ca_certs: string | null;
  /** the command earlier versions wrote: `<node> bin/hyp.js claude-hook ...`, environment as it is */
  previous_command_median_ms: number;
  /** records found in the state file afterwards (should equal 2 x runs: both hook commands append) */
  records_written: number;
}

function shQuote(arg: string): string {
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

function timed(command: string, input: string, env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn('/bin/sh', ['-c', command], { env, stdio: ['pipe', 'ignore', 'ignore'] });
    child.on('error', reject);
    child.on('close', () => resolve(performance.now() - start));
    child.stdin.end(input);
  });
}

export async function benchClaudeHook(options: { runs?: number } = {}): Promise<ClaudeHookFigures> {
  const runs = options.runs ?? 50;
  const dir = tempDir('hyp-bench-hook-');
  const repo = join(dir, 'repo');
  mkdirSync(join(repo, '.git'), { recursive: true });
  writeFileSync(join(repo, '.git', 'HEAD'), 'ref: refs/heads/main\n');
  const stateFile = join(dir, 'state', 'session-context.jsonl');
  const input = JSON.stringify({
    session_id: '5f0c1d2e-0000-4000-8000-000000000001',
    transcript_path: join(dir, 'projects', 'x.jsonl'),
    cwd: repo,
    permission_mode: 'default',
    hook_event_name: 'UserPromptSubmit',
    prompt: 'Refactor the parser and run the tests.',
  });
  const command = sessionContextHookCommand(
    hookInvocation(process.env, join(REPO_ROOT, 'plugins-workspace', 'claude')),
    stateFile,
  );
  const node = shQuote(process.execPath);
  const noExtraCa = { ...process.env };
  delete noExtraCa.NODE_EXTRA_CA_CERTS;
  const targets = {
    hook: { command, env: process.env, input },
    previous: {
      command: `${node} ${shQuote(HYP_BIN)} claude-hook session-context --state-file ${shQuote(stateFile)}`,
      env: process.env,
      input,
    },
    floor: { command: `${node} -e 0`, env: process.env, input: '' },
    floorNoExtraCa: { command: `${node} -e 0`, env: noExtraCa, input: '' },
  };
  const samples: Record<keyof typeof targets, number[]> = { hook: [], previous: [], floor: [], floorNoExtraCa: [] };
  for (let i = 0; i < runs; i++) {
    for (const name of rotated(Object.keys(targets) as Array<keyof typeof targets>, i)) {
      const t = targets[name];
      samples[name].push(await timed(t.command, t.input, t.env));
    }
  }
  const written = readFileSync(stateFile, 'utf8')
    .split('\n')
    .filter((l) => l !== '').length;
  rmSync(dir, { recursive: true, force: true });
  return {
    command,
    median_ms: round(median(samples.hook)),
    p90_ms: round(percentile(samples.hook, 90)),
    runs,
    node_floor_median_ms: round(median(samples.floor)),
    node_floor_no_extra_ca_median_ms: round(median(samples.floorNoExtraCa)),
    extra_ca_certs: process.env.NODE_EXTRA_CA_CERTS ?? null,
    previous_command_median_ms: round(median(samples.previous)),
    records_written: written,
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const runs = process.argv[2] ? Number(process.argv[2]) : 50;
  process.stdout.write(JSON.stringify(await benchClaudeHook({ runs }), null, 2) + '\n');
}
