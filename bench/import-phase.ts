/**
 * `hyp claude import` and `hyp codex import` over a synthetic history (bench/synthetic-transcripts.ts):
 * rows per second, MB per second and the importing process's peak RSS (VmHWM from /proc, read every
 * 50 ms), then the same import again (idempotence: no row added, and how long the check takes).
 * The history is written once per plan into the temp folder and reused.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readMemory } from '../harness/proc-usage.js';
import { HYP_BIN, tempDir } from '../harness/repo.js';
import { round } from './stats.js';
import {
  writeClaudeProjects,
  writeCodexSessions,
  type SyntheticHistoryPlan,
  type WrittenHistory,
} from './synthetic-transcripts.js';

export interface ImportRun {
  files: number;
  mb: number;
  sessions: number;
  messages: number;
  rows_added: number;
  seconds: number;
  rows_per_s: number;
  mb_per_s: number;
  peak_rss_mb: number;
  reimport_seconds: number;
  reimport_rows_added: number;
}

export interface ImportFigures {
  claude?: ImportRun;
  codex?: ImportRun;
}

interface Summary {
  files: number;
  sessions: number;
  messages: number;
  rows_added: number;
}

/** The synthetic history of a plan, written once (a `written.json` marks a complete folder). */
async function history(
  name: string,
  plan: SyntheticHistoryPlan,
  write: (dir: string, plan: SyntheticHistoryPlan) => Promise<WrittenHistory>,
): Promise<{ dir: string; written: WrittenHistory }> {
  const dir = join(tmpdir(), `hypaware-bench-import-${name}-${plan.sessions}x${plan.bytesPerSession}`);
  const marker = join(dir, 'written.json');
  if (existsSync(marker)) return { dir: join(dir, 'data'), written: JSON.parse(readFileSync(marker, 'utf8')) };
  rmSync(dir, { recursive: true, force: true });
  const staging = `${dir}.partial`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(join(staging, 'data'), { recursive: true });
  const written = await write(join(staging, 'data'), plan);
  writeFileSync(join(staging, 'written.json'), JSON.stringify(written));
  renameSync(staging, dir);
  return { dir: join(dir, 'data'), written };
}

/** Run one `hyp ... import --json` and sample its memory. */
async function runImport(
  args: string[],
  hypHome: string,
): Promise<{ summary: Summary; seconds: number; peakRssMb: number }> {
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, [HYP_BIN, ...args, '--json'], {
    env: { ...process.env, HYP_HOME: hypHome },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  // VmHWM is the process's own peak: the last reading before it exits is (almost) its peak
  let peakRssMb = 0;
  const sample = () => {
    try {
      // an exited process not yet reaped has no VmHWM line (NaN)
      const { hwmMb } = readMemory(child.pid!);
      if (Number.isFinite(hwmMb)) peakRssMb = Math.max(peakRssMb, hwmMb);
    } catch {
      /* exited */
    }
  };
  const timer = setInterval(sample, 50);
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  clearInterval(timer);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (code !== 0) throw new Error(`hyp ${args.join(' ')} exited ${code}: ${stderr.slice(-500)}`);
  return { summary: JSON.parse(stdout) as Summary, seconds, peakRssMb };
}

async function measure(args: string[], written: WrittenHistory): Promise<ImportRun> {
  const hypHome = tempDir('hyp-bench-import-');
  try {
    const first = await runImport(args, hypHome);
    const again = await runImport(args, hypHome);
    const mb = written.bytes / 1024 / 1024;
    return {
      files: first.summary.files,
      mb: round(mb, 1),
      sessions: first.summary.sessions,
      messages: first.summary.messages,
      rows_added: first.summary.rows_added,
      seconds: round(first.seconds, 1),
      rows_per_s: Math.round(first.summary.rows_added / first.seconds),
      mb_per_s: round(mb / first.seconds, 1),
      peak_rss_mb: Math.round(first.peakRssMb),
      reimport_seconds: round(again.seconds, 1),
      reimport_rows_added: again.summary.rows_added,
    };
  } finally {
    rmSync(hypHome, { recursive: true, force: true });
  }
}

export async function importPhase(options: {
  claude: SyntheticHistoryPlan;
  codex: SyntheticHistoryPlan;
  log: (msg: string) => void;
}): Promise<ImportFigures> {
  const claude = await history('claude', options.claude, writeClaudeProjects);
  options.log(`import: Claude Code, ${claude.written.files} files, ${round(claude.written.bytes / 1048576, 1)} MB`);
  const claudeRun = await measure(['claude', 'import', '--projects', claude.dir], claude.written);
  const codex = await history('codex', options.codex, writeCodexSessions);
  options.log(`import: Codex, ${codex.written.files} files, ${round(codex.written.bytes / 1048576, 1)} MB`);
  const codexRun = await measure(['codex', 'import', '--sessions', codex.dir], codex.written);
  return { claude: claudeRun, codex: codexRun };
}
