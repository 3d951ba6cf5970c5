/**
 * Wall time of the Claude Code hook as Claude Code runs it: `node bin/hyp.js claude-hook
 * session-context --state-file <tmp>` with a UserPromptSubmit JSON on stdin, in a git
 * repository (so the branch is read), interleaved with a bare `node -e 0` (the floor no
 * hook can go under). Numbers only.
 *
 *   node build/bench/claude-hook.js [runs]     prints the figures as JSON
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { HYP_BIN, tempDir } from '../test/helpers/repo.js';
import { median, percentile, round } from './stats.js';

export interface ClaudeHookFigures {
  median_ms: number;
  p90_ms: number;
  runs: number;
  /** `node -e 0` in the same runs: process start alone */
  node_floor_median_ms: number;
  /** records found in the state file afterwards (should equal runs) */
  records_written: number;
}

function timed(args: string[], input: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(process.execPath, args, { stdio: ['pipe', 'ignore', 'ignore'] });
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
    session_id: '5f0c1d2e-0000-4000-8000-000000000001', transcript_path: join(dir, 'projects', 'x.jsonl'), cwd: repo,
    permission_mode: 'default', hook_event_name: 'UserPromptSubmit', prompt: 'Refactor the parser and run the tests.',
  });
  const hook: number[] = [];
  const floor: number[] = [];
  for (let i = 0; i < runs; i++) {
    hook.push(await timed([HYP_BIN, 'claude-hook', 'session-context', '--state-file', stateFile], input));
    floor.push(await timed(['-e', '0'], ''));
  }
  const written = readFileSync(stateFile, 'utf8').split('\n').filter((l) => l !== '').length;
  return {
    median_ms: round(median(hook)),
    p90_ms: round(percentile(hook, 90)),
    runs,
    node_floor_median_ms: round(median(floor)),
    records_written: written,
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const runs = process.argv[2] ? Number(process.argv[2]) : 50;
  process.stdout.write(JSON.stringify(await benchClaudeHook({ runs }), null, 2) + '\n');
}
