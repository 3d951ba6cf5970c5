/**
 * `hyp daemon stop`: SIGTERM to the daemon the pid file names (never to another program),
 * then wait for it to drain and exit.
 */
import { HypError } from '../errors.js';
import { hypLayout } from '../util/hyp-home.js';
import { outputLogPath } from './daemon-paths.js';
import { inspectPidFile, processRunning, staleReason } from './daemon-process.js';
import { readPidFile, readStatusFile, removePidFile } from './status-file.js';

export interface StopOptions {
  hypHome: string;
  /** how long the drain may take before `stop` gives up waiting (the daemon is not killed) */
  timeoutMs: number;
}

export type StopOutcome =
  | { kind: 'not_running'; message: string }
  | { kind: 'stopped'; pid: number; elapsedMs: number; message: string; warning?: string };

const POLL_MS = 25;

export async function stopDaemonProcess(options: StopOptions): Promise<StopOutcome> {
  const layout = hypLayout(options.hypHome);
  const verdict = inspectPidFile(layout);
  const stale = staleReason(verdict);
  if (verdict.kind === 'absent')
    return { kind: 'not_running', message: `no HypAware daemon is running (HYP_HOME ${options.hypHome})` };
  if (stale) {
    removePidFile(layout.pidFile);
    return { kind: 'not_running', message: `no HypAware daemon is running; removed a stale pid file (${stale})` };
  }
  if (verdict.kind !== 'running') throw new Error('unreachable');
  if (verdict.how === 'embedded') {
    throw new HypError(
      `the daemon runs inside another program (pid ${verdict.pid}: ${verdict.command ?? 'unknown'}); stop it from that program`,
      { kind: 'daemon_embedded' },
    );
  }
  const { pid } = verdict;
  const t0 = performance.now();
  try {
    process.kill(pid, 'SIGTERM');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EPERM')
      throw new HypError(`not permitted to signal the daemon (pid ${pid} belongs to another user)`, {
        kind: 'daemon_signal_denied',
      });
    // ESRCH: it exited between the check and the signal
  }
  const deadline = Date.now() + options.timeoutMs;
  while (processRunning(pid)) {
    if (Date.now() > deadline) {
      throw new HypError(
        `the daemon (pid ${pid}) is still draining after ${Math.round(options.timeoutMs / 1000)} s; it was not killed: wait, or end it with kill -9 ${pid} (output: ${outputLogPath(layout)})`,
        { kind: 'daemon_stop_timeout' },
      );
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  const elapsedMs = performance.now() - t0;
  // a daemon that died instead of stopping leaves its pid file behind
  let warning: string | undefined;
  const status = readStatusFile(layout.statusFile);
  if (status?.pid === pid && status.state !== 'stopped')
    warning = `the daemon exited without a clean stop (last state ${status.state}); see ${outputLogPath(layout)}`;
  if (readPidFile(layout.pidFile) === pid) removePidFile(layout.pidFile);
  return {
    kind: 'stopped',
    pid,
    elapsedMs,
    message: `stopped the HypAware daemon (pid ${pid}) in ${(elapsedMs / 1000).toFixed(2)} s`,
    ...(warning ? { warning } : {}),
  };
}
