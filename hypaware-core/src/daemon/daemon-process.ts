/**
 * Is the process a pid file names really this HYP_HOME's daemon? Liveness alone is not enough:
 * after a crash or a reboot the pid may belong to another program, which must never be
 * signalled. On Linux the answer comes from /proc; elsewhere from `ps`, else liveness.
 */
import { existsSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import type { HypLayout } from '../util/hyp-home.js';
import { processAlive, readPidFile, readStatusFile } from './status-file.js';

export type PidFileVerdict =
  | { kind: 'absent' }
  /** the pid file holds no pid */
  | { kind: 'invalid'; content: string }
  /** the pid is not running (or is a zombie) */
  | { kind: 'dead'; pid: number }
  /** the pid runs another program */
  | { kind: 'foreign'; pid: number; command: string }
  /** `hyp daemon run` (cli) or a program that embeds the daemon through the library (embedded) */
  | { kind: 'running'; pid: number; how: 'cli' | 'embedded'; command?: string };

/** argv of a process, or undefined when it cannot be read (gone, or no /proc and no ps). */
export function processCommandLine(pid: number): string[] | undefined {
  try {
    const raw = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    const argv = raw.split('\0');
    if (argv.at(-1) === '') argv.pop();
    return argv;
  } catch {
    if (existsSync('/proc/self/cmdline')) return undefined; // Linux: the process is gone
  }
  const ps = spawnSync('ps', ['-o', 'args=', '-p', String(pid)], { encoding: 'utf8', timeout: 5000 });
  if (ps.status !== 0 || typeof ps.stdout !== 'string' || ps.stdout.trim() === '') return undefined;
  return ps.stdout.trim().split(/\s+/);
}

/** One line for messages: the command, cut to a readable length. */
export function describeCommand(argv: string[]): string {
  const text = argv.join(' ').replace(/[\x00-\x1f\x7f]/g, '?');
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/** Linux state letter from /proc/<pid>/stat (R, S, D, Z, X...), undefined elsewhere. */
function processStateLetter(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
  } catch {
    return undefined;
  }
}

/**
 * True while `pid` runs. A zombie counts as gone: a daemon started by `hyp daemon start` is
 * re-parented, and in a container the new parent may never reap it.
 */
export function processRunning(pid: number): boolean {
  if (!processAlive(pid)) return false;
  const state = processStateLetter(pid);
  return state !== 'Z' && state !== 'X';
}

/** Wall-clock start of a process in ms (Linux), from its start tick and the boot time. */
function processStartMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const startTicks = Number(fields[19]); // field 22 of stat; fields[0] is field 3
    const btime = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'));
    if (!btime || !Number.isFinite(startTicks)) return undefined;
    return Number(btime[1]) * 1000 + (startTicks * 1000) / 100; // USER_HZ is 100 on Linux
  } catch {
    return undefined;
  }
}

/** `... daemon run ... --foreground`: how every HypAware daemon process is started. */
export function looksLikeDaemonRun(argv: string[]): boolean {
  const i = argv.indexOf('daemon');
  return i >= 0 && argv[i + 1] === 'run' && argv.includes('--foreground');
}

/** What the pid file of `layout` names. Never signals anything. */
export function inspectPidFile(layout: HypLayout): PidFileVerdict {
  const pid = readPidFile(layout.pidFile);
  if (pid === undefined) {
    let content: string;
    try {
      content = readFileSync(layout.pidFile, 'utf8');
    } catch {
      return { kind: 'absent' };
    }
    return { kind: 'invalid', content: content.trim().slice(0, 40) };
  }
  if (!processRunning(pid)) return { kind: 'dead', pid };
  const argv = processCommandLine(pid);
  if (argv === undefined) return { kind: 'running', pid, how: 'cli' }; // cannot tell: trust the pid file
  if (looksLikeDaemonRun(argv)) return { kind: 'running', pid, how: 'cli', command: describeCommand(argv) };
  // A program embedding the daemon (the library's startGateway) writes the same files: the
  // status file names its pid, and that process started before the daemon did.
  const status = readStatusFile(layout.statusFile);
  const started = status?.pid === pid ? Date.parse(status.started_at) : Number.NaN;
  const processStart = processStartMs(pid);
  const live = status?.state === 'starting' || status?.state === 'running' || status?.state === 'stopping';
  // no start time (not Linux): a status file naming this pid as live is the best evidence there is
  if (Number.isFinite(started) && (processStart === undefined ? live : processStart <= started + 1000)) {
    return { kind: 'running', pid, how: 'embedded', command: describeCommand(argv) };
  }
  return { kind: 'foreign', pid, command: describeCommand(argv) };
}

/** One line describing a stale pid file, or undefined when the verdict is not stale. */
export function staleReason(verdict: PidFileVerdict): string | undefined {
  switch (verdict.kind) {
    case 'invalid':
      return `the pid file holds no pid (${JSON.stringify(verdict.content)})`;
    case 'dead':
      return `pid ${verdict.pid} is not running`;
    case 'foreign':
      return `pid ${verdict.pid} is another program (${verdict.command}), not a HypAware daemon; it was not signalled`;
    default:
      return undefined;
  }
}
