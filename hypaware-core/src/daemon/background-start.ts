/**
 * `hyp daemon start`: run `hyp daemon run --foreground` detached (own session, stdin closed,
 * output appended to `logs/daemon.out.log`) and return once its status file says every source
 * runs, or fail with the daemon's own error in one line.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readSync, renameSync, statSync, writeSync } from 'node:fs';
import { HypError, errorMessage } from '../errors.js';
import { hypLayout, type HypLayout } from '../util/hyp-home.js';
import { hypEntryPath, outputLogPath, sourceEndpoints } from './daemon-paths.js';
import { inspectPidFile, processRunning, staleReason } from './daemon-process.js';
import { readStatusFile, removePidFile, type DaemonStatusFile } from './status-file.js';
import { withDaemonAllocatorEnv } from './daemon-environment.js';

export interface BackgroundOptions {
  hypHome: string;
  /** absolute path given with --config */
  configPath?: string;
  env: NodeJS.ProcessEnv;
  /** how long to wait for the daemon to run (start) or to exit (stop) */
  timeoutMs: number;
  stderr: NodeJS.WritableStream;
}

export interface StartOutcome {
  pid: number;
  alreadyRunning: boolean;
  endpoints: string[];
  elapsedMs: number;
  /** plugin problems the daemon reported (skipped or failed plugins) */
  problems: string[];
}

/** The output log is rotated at start once it passes this size (one `.1` kept). */
const OUTPUT_ROTATE_BYTES = 8 * 1024 * 1024;
const POLL_MS = 25;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

function openOutputLog(path: string): { fd: number; offset: number } {
  if (sizeOf(path) > OUTPUT_ROTATE_BYTES) renameSync(path, path.replace(/\.log$/, '.1.log'));
  const fd = openSync(path, 'a', 0o600);
  writeSync(fd, `--- hyp daemon start ${new Date().toISOString()} ---\n`);
  return { fd, offset: sizeOf(path) };
}

/** The line that explains a failed start in what the daemon printed after `offset`. */
function lastErrorLine(path: string, offset: number): string | undefined {
  let text = '';
  try {
    const fd = openSync(path, 'r');
    try {
      const length = Math.min(Math.max(sizeOf(path) - offset, 0), 64 * 1024);
      const buf = Buffer.alloc(length);
      readSync(fd, buf, 0, length, Math.max(offset, sizeOf(path) - length));
      text = buf.toString('utf8');
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined;
  }
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  const own = lines.filter((l) => l.startsWith('hyp: ')).at(-1);
  return (own ?? lines.at(-1))?.replace(/^hyp: /, '');
}

/** Remove a pid file that names no daemon, saying why; throw if a daemon runs. */
export function clearStalePidFile(layout: HypLayout, stderr: NodeJS.WritableStream): void {
  const verdict = inspectPidFile(layout);
  const stale = staleReason(verdict);
  if (!stale) return;
  removePidFile(layout.pidFile);
  stderr.write(`hyp: removed a stale pid file (${stale})\n`);
}

function failedSource(status: DaemonStatusFile): string | undefined {
  const failed = status.sources.find((s) => s.state === 'failed');
  return failed ? `source ${failed.name} failed to start: ${failed.message ?? 'no reason given'}` : undefined;
}

export async function startInBackground(options: BackgroundOptions): Promise<StartOutcome> {
  const layout = hypLayout(options.hypHome, options.configPath);
  const t0 = performance.now();
  const verdict = inspectPidFile(layout);
  if (verdict.kind === 'running') {
    const status = readStatusFile(layout.statusFile);
    const mine = status?.pid === verdict.pid ? status : undefined;
    return {
      pid: verdict.pid,
      alreadyRunning: true,
      endpoints: mine ? sourceEndpoints(mine.sources) : [],
      elapsedMs: 0,
      problems: mine?.problems ?? [],
    };
  }
  clearStalePidFile(layout, options.stderr);

  const outputLog = outputLogPath(layout);
  let opened: { fd: number; offset: number };
  try {
    mkdirSync(layout.logsDir, { recursive: true, mode: 0o700 });
    opened = openOutputLog(outputLog);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? errorMessage(err);
    throw new HypError(`HYP_HOME ${options.hypHome} is not writable (${code}); set HYP_HOME to a folder you own`, {
      kind: 'hyp_home_unwritable',
    });
  }
  const { fd, offset } = opened;
  const args = [
    hypEntryPath(),
    ...(options.configPath ? ['--config', options.configPath] : []),
    'daemon',
    'run',
    '--foreground',
    '--echo-level',
    'warn',
  ];
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  let spawnError: Error | undefined;
  const child = spawn(process.execPath, args, {
    detached: true,
    stdio: ['ignore', fd, fd],
    cwd: options.hypHome,
    env: withDaemonAllocatorEnv({ ...options.env, HYP_HOME: options.hypHome }),
  });
  closeSync(fd);
  child.on('exit', (code, signal) => {
    exited = { code, signal };
  });
  child.on('error', (err) => {
    spawnError = err;
  });
  const pid = child.pid;
  const elsewhere = `(output: ${outputLog})`;
  try {
    if (pid === undefined)
      throw new HypError(`cannot start the daemon: ${spawnError ? errorMessage(spawnError) : 'spawn failed'}`);
    const deadline = Date.now() + options.timeoutMs;
    for (;;) {
      const status = readStatusFile(layout.statusFile);
      const mine = status?.pid === pid ? status : undefined;
      if (mine?.state === 'running') {
        const problem = failedSource(mine);
        if (problem) {
          await stopChild(pid, options.timeoutMs);
          throw new HypError(`the daemon did not start: ${problem} ${elsewhere}`, { kind: 'daemon_start_failed' });
        }
        child.unref();
        return {
          pid,
          alreadyRunning: false,
          endpoints: sourceEndpoints(mine.sources),
          elapsedMs: performance.now() - t0,
          problems: mine.problems,
        };
      }
      if (exited || spawnError || mine?.state === 'failed') {
        // the daemon writes its error (status file) before it exits; its last line says it too
        if (!exited && !spawnError) await waitForExit(pid, 2000);
        const reason =
          mine?.error ??
          lastErrorLine(outputLog, offset) ??
          (spawnError ? errorMessage(spawnError) : `it exited with code ${exited?.code ?? exited?.signal}`);
        throw new HypError(`the daemon did not start: ${reason} ${elsewhere}`, { kind: 'daemon_start_failed' });
      }
      if (Date.now() > deadline) {
        child.unref();
        throw new HypError(
          `the daemon (pid ${pid}) is not running after ${Math.round(options.timeoutMs / 1000)} s; it was left starting: check hyp daemon status, or stop it with hyp daemon stop ${elsewhere}`,
          { kind: 'daemon_start_timeout' },
        );
      }
      await sleep(POLL_MS);
    }
  } catch (err) {
    child.unref();
    throw err;
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (processRunning(pid)) {
    if (Date.now() > deadline) return false;
    await sleep(POLL_MS);
  }
  return true;
}

async function stopChild(pid: number, timeoutMs: number): Promise<void> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  await waitForExit(pid, timeoutMs);
}
