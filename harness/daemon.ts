import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { HYP_BIN, tempDir } from './repo.js';
import { waitFor } from './wait.js';

export interface LogLine {
  ts: string;
  level: string;
  event: string;
  plugin?: string;
  [key: string]: unknown;
}

export interface HypResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  hypHome: string;
  env?: Record<string, string | undefined>;
  input?: string;
  cwd?: string;
  timeoutMs?: number;
}

function childEnv(hypHome: string, extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, HYP_HOME: hypHome, ...extra };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  return env;
}

/** Run `hyp <args>` as a real process. Never rejects on a non-zero exit: tests assert on it. */
export function runHyp(args: string[], options: RunOptions): Promise<HypResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [HYP_BIN, ...args], {
      env: childEnv(options.hypHome, options.env),
      cwd: options.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

export interface StartDaemonOptions {
  /** written to `<hypHome>/hypaware-config.json`; default: the gateway on an ephemeral loopback port */
  config?: unknown;
  /** reuse a HYP_HOME (e.g. to restart over the same database) */
  hypHome?: string;
  env?: Record<string, string | undefined>;
  timeoutMs?: number;
}

export interface DaemonHandle {
  hypHome: string;
  configPath: string;
  /** `http://127.0.0.1:<port>` of the gateway, when the gateway source runs */
  endpoint: string | undefined;
  port: number | undefined;
  proc: ChildProcess;
  stderrText(): string;
  status(): Record<string, unknown> & {
    state: string;
    sources: Array<{ name: string; state: string; details?: Record<string, unknown> }>;
  };
  logLines(): LogLine[];
  waitForLog(event: string, predicate?: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** read-only connection to the daemon's database; close it when done */
  db(): Database.Database;
  /** the same, once the daemon has created the database file (waits up to `timeoutMs`) */
  waitForDb(timeoutMs?: number): Promise<Database.Database>;
  /** send a signal and wait for exit */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const p of live) p.kill('SIGKILL');
});

export const DEFAULT_TEST_CONFIG = { plugins: { '@hypaware/ai-gateway': { listen: '127.0.0.1:0' } } };

export function readLogLines(hypHome: string): LogLine[] {
  const file = join(hypHome, 'hypaware', 'logs', 'hypaware.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as LogLine];
      } catch {
        return [];
      }
    });
}

/** Start `hyp daemon run --foreground` and wait until its status file says running. */
export async function startDaemon(options: StartDaemonOptions = {}): Promise<DaemonHandle> {
  const hypHome = options.hypHome ?? tempDir('hyp-daemon-');
  mkdirSync(hypHome, { recursive: true });
  const configPath = join(hypHome, 'hypaware-config.json');
  if (options.config !== undefined || !existsSync(configPath))
    writeFileSync(configPath, JSON.stringify(options.config ?? DEFAULT_TEST_CONFIG, null, 2));
  const statusPath = join(hypHome, 'hypaware', 'daemon.status.json');
  const proc = spawn(process.execPath, [HYP_BIN, 'daemon', 'run', '--foreground'], {
    env: childEnv(hypHome, options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(proc);
  let stderr = '';
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  proc.stdout!.resume();
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exitPromise = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    proc.on('exit', (code, signal) => {
      exited = { code, signal };
      live.delete(proc);
      resolve(exited);
    });
  });
  const readStatus = () => {
    try {
      return JSON.parse(readFileSync(statusPath, 'utf8')) as ReturnType<DaemonHandle['status']>;
    } catch {
      return undefined;
    }
  };
  const startedStatus = await waitFor(
    () => {
      if (exited)
        throw new Error(
          `daemon exited during start (code ${exited.code}): ${stderr.trim().split('\n').slice(-3).join(' | ')}`,
        );
      const s = readStatus();
      return s && s.pid === proc.pid && (s.state === 'running' || s.state === 'failed') ? s : undefined;
    },
    'the daemon to start',
    options.timeoutMs ?? 20_000,
  );
  const gateway = startedStatus.sources.find((s) => typeof s.details?.endpoint === 'string');
  const endpoint = gateway ? String(gateway.details!.endpoint) : undefined;
  const handle: DaemonHandle = {
    hypHome,
    configPath,
    endpoint,
    port: endpoint ? Number(new URL(endpoint).port) : undefined,
    proc,
    stderrText: () => stderr,
    status: () => {
      const s = readStatus();
      if (!s) throw new Error('daemon status file is missing or unreadable');
      return s;
    },
    logLines: () => readLogLines(hypHome),
    waitForLog: (event, predicate, timeoutMs = 10_000) =>
      waitFor(
        () => readLogLines(hypHome).find((l) => l.event === event && (!predicate || predicate(l))),
        `log event ${event}`,
        timeoutMs,
      ),
    db: () => new Database(join(hypHome, 'hypaware', 'hypaware.db'), { readonly: true, fileMustExist: true }),
    waitForDb: (timeoutMs = 15_000) =>
      waitFor(
        () => {
          try {
            return handle.db();
          } catch {
            return undefined;
          }
        },
        'the database',
        timeoutMs,
      ),
    stop: async (signal = 'SIGTERM', timeoutMs = 15_000) => {
      if (exited) return exited;
      proc.kill(signal);
      const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
      try {
        return await exitPromise;
      } finally {
        clearTimeout(timer);
      }
    },
  };
  return handle;
}
