import type { JsonObject, LogLevel, SourceHandle } from '../plugin-api.js';
import { HypError, errorMessage } from '../errors.js';
import { bootKernel, pluginConfigIssues, type Kernel, type RegisteredSource } from '../kernel/boot.js';
import { loadConfig, pluginSlice } from '../config/config-file.js';
import { hypLayout, resolveHypHome } from '../util/hyp-home.js';
import { hypVersion } from '../util/package-root.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import type { LogRecord } from '../telemetry/log-sink.js';
import { startRetentionSchedule } from '../retention/retention-schedule.js';
import { inspectPidFile, staleReason } from './daemon-process.js';
import { describePortHolder, portInUse } from './port-holder.js';
import {
  removePidFile,
  writeStatusFile,
  writeStatusFileInBackground,
  type DaemonState,
  type DaemonStatusFile,
  type SourceReport,
} from './status-file.js';

export interface DaemonOptions {
  hypHome?: string;
  configPath?: string;
  env?: NodeJS.ProcessEnv;
  /** where human-readable log lines go (default stderr) */
  echo?: NodeJS.WritableStream;
  /** per-source stop deadline */
  stopTimeoutMs?: number;
  /** lowest level echoed (default info, debug with HYP_LOG_LEVEL=debug); `none` echoes nothing */
  echoLevel?: LogLevel | 'none';
}

const LEVEL_RANK: Record<LogLevel | 'none', number> = { debug: 0, info: 1, warn: 2, error: 3, none: 4 };

interface RunningSource {
  spec: RegisteredSource;
  handle?: SourceHandle;
  state: SourceReport['state'];
  message?: string;
}

function formatEcho(record: LogRecord): string {
  const { ts, level, event, mode: _mode, plugin, ...rest } = record;
  const fields = Object.entries(rest)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  return `${ts} ${level.toUpperCase().padEnd(5)} ${plugin ? `[${String(plugin)}] ` : ''}${event}${fields ? ' ' + fields : ''}\n`;
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    if (timer) clearTimeout(timer);
  }
}

export interface DaemonInstance {
  kernel: Kernel;
  /** the status as it would be written now */
  status(): DaemonStatusFile;
  /** re-read the config file and reload the sources whose slice changed */
  reload(): Promise<void>;
  /** stop sources in reverse order, write everything, release the kernel */
  stop(reason: string): Promise<void>;
}

/**
 * Start the daemon in this process: boot in daemon mode, start every source, keep the status
 * file current. `runDaemon` adds the signal handling of `hyp daemon run --foreground`; the
 * library API uses this directly.
 */
export async function startDaemon(options: DaemonOptions = {}): Promise<DaemonInstance> {
  const env = options.env ?? process.env;
  const hypHome = options.hypHome ?? resolveHypHome(env);
  const layout = hypLayout(hypHome, options.configPath);
  const echo = options.echo;
  const minEcho = LEVEL_RANK[options.echoLevel ?? (env.HYP_LOG_LEVEL === 'debug' ? 'debug' : 'info')];

  const previous = inspectPidFile(layout);
  if (previous.kind === 'running' && previous.pid !== process.pid) {
    throw new HypError(
      `a HypAware daemon is already running for ${hypHome} (pid ${previous.pid}); stop it first (hyp daemon stop) or use another HYP_HOME`,
      { kind: 'daemon_running' },
    );
  }
  const stale = staleReason(previous);

  const kernel: Kernel = await bootKernel({
    mode: 'daemon',
    hypHome,
    ...(options.configPath ? { configPath: options.configPath } : {}),
    env,
    ...(echo
      ? {
          echoLog: (r: LogRecord) => {
            if (LEVEL_RANK[r.level] >= minEcho) echo.write(formatEcho(r));
          },
        }
      : {}),
  });
  if (kernel.configIssues.length > 0) {
    const first = kernel.configIssues[0]!;
    await kernel.shutdown();
    const more = kernel.configIssues.length > 1 ? ` (and ${kernel.configIssues.length - 1} more; see hyp status)` : '';
    throw new HypError(`config ${layout.configPath}: ${first.path}: ${first.message}${more}`, {
      kind: 'config_invalid',
    });
  }

  const startedAt = new Date().toISOString();
  const running: RunningSource[] = kernel.sources.map((spec) => ({ spec, state: 'starting' }));
  let state: DaemonState = 'starting';
  let fatal: string | undefined;
  const problems = [
    ...kernel.skipped.filter((s) => s.kind !== 'disabled').map((s) => s.message),
    ...kernel.failed.map((f) => f.message),
  ];

  const snapshot = (): DaemonStatusFile => ({
    state,
    pid: process.pid,
    version: hypVersion(),
    hyp_home: hypHome,
    config_path: layout.configPath,
    started_at: startedAt,
    updated_at: new Date().toISOString(),
    ...(state === 'stopped' ? { stopped_at: new Date().toISOString() } : {}),
    ...(fatal ? { error: fatal } : {}),
    sources: running.map((r) => {
      let live: SourceReport | undefined;
      if (r.state === 'running') {
        try {
          const s = r.handle?.status?.();
          if (s) live = { name: r.spec.name, plugin: r.spec.plugin, ...s };
        } catch {
          /* a broken status() must not break the daemon */
        }
      }
      return (
        live ?? {
          name: r.spec.name,
          plugin: r.spec.plugin,
          state: r.state,
          ...(r.message ? { message: r.message } : {}),
        }
      );
    }),
    plugins: kernel.plugins.map((p) => ({ name: p.name, version: p.version })),
    problems,
  });
  const writeStatus = () => {
    try {
      writeStatusFile(layout.statusFile, snapshot());
    } catch (err) {
      kernel.log.error('daemon.status_write_failed', { error: errorMessage(err) });
    }
  };

  if (stale) kernel.log.warn('daemon.stale_pid_file', { message: `replacing a stale pid file: ${stale}` });
  writeFileAtomic(layout.pidFile, `${process.pid}\n`, { mode: 0o600 });
  writeStatus();
  kernel.log.info('daemon.starting', {
    pid: process.pid,
    hyp_home: hypHome,
    config: kernel.config.fromFile ? layout.configPath : '(embedded default)',
    plugins: kernel.plugins.map((p) => p.name).join(','),
  });

  for (const r of running) {
    try {
      r.handle = await r.spec.start();
      r.state = 'running';
      kernel.log.info('source.started', { source: r.spec.name, plugin: r.spec.plugin });
    } catch (err) {
      r.state = 'failed';
      r.message = withPortHolder(err);
      kernel.log.error('source.start_failed', { source: r.spec.name, plugin: r.spec.plugin, error: r.message });
    }
  }
  const failedSources = running.filter((r) => r.state === 'failed');
  if (failedSources.length > 0 && failedSources.length === running.length) {
    fatal = `source ${failedSources[0]!.spec.name} failed to start: ${failedSources[0]!.message}`;
    state = 'failed';
    writeStatus();
    await kernel.shutdown();
    removePidFile(layout.pidFile);
    throw new HypError(fatal, { kind: 'source_start_failed' });
  }
  if (running.length === 0)
    kernel.log.warn('daemon.no_sources', { message: 'no enabled plugin provides a source; the daemon idles' });

  state = 'running';
  writeStatus();
  kernel.log.info('daemon.running', {
    pid: process.pid,
    sources: running
      .filter((r) => r.state === 'running')
      .map((r) => r.spec.name)
      .join(','),
  });
  // the periodic rewrite goes through the thread pool (one at a time): the proxy never waits for the disk
  let statusWriting: Promise<void> | undefined;
  const statusTimer = setInterval(() => {
    if (statusWriting) return;
    statusWriting = (async () => writeStatusFileInBackground(layout.statusFile, snapshot()))()
      .catch((err: unknown) => kernel.log.error('daemon.status_write_failed', { error: errorMessage(err) }))
      .finally(() => (statusWriting = undefined));
  }, 5000);
  statusTimer.unref();
  /** A periodic write in flight has landed (or 2 s passed): a state written after this is not overwritten by it. */
  const statusSettled = () =>
    Promise.race([statusWriting, new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
  const retention = startRetentionSchedule(kernel, env);

  const stopTimeout = options.stopTimeoutMs ?? 20_000;
  let reloading: Promise<void> = Promise.resolve();

  const doReload = async () => {
    let next;
    try {
      next = loadConfig(layout.configPath);
    } catch (err) {
      kernel.log.error('daemon.reload_failed', { error: errorMessage(err), message: 'keeping the running config' });
      return;
    }
    // All or nothing: a slice its plugin rejects stops the whole reload.
    const issues = kernel.plugins.flatMap((p) =>
      pluginConfigIssues(p.name, p.validateConfig, pluginSlice(next, p.name).slice),
    );
    if (issues.length > 0) {
      const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
      kernel.log.error('daemon.reload_failed', {
        error: `config ${layout.configPath}: ${issues[0]!.path}: ${issues[0]!.message}${more}`,
        message: 'keeping the running config',
      });
      return;
    }
    kernel.log.info('daemon.reloading', { config: layout.configPath });
    for (const r of running) {
      const plugin = kernel.plugins.find((p) => p.name === r.spec.plugin);
      if (!plugin || r.state !== 'running' || !r.handle) continue;
      const { slice } = pluginSlice(next, plugin.name);
      if (JSON.stringify(slice) === JSON.stringify(plugin.config)) {
        // same slice: a source that reads other files (a password file) re-reads them now
        if (r.handle.refresh)
          await r.handle.refresh().then(
            () => kernel.log.info('source.refreshed', { source: r.spec.name }),
            (err: unknown) =>
              kernel.log.error('source.refresh_failed', { source: r.spec.name, error: errorMessage(err) }),
          );
        continue;
      }
      replaceContents(plugin.config, slice);
      try {
        if (r.handle.reload) await r.handle.reload(slice);
        else {
          await withTimeout(r.handle.stop(), stopTimeout, `stopping ${r.spec.name}`);
          r.handle = await r.spec.start();
        }
        kernel.log.info('source.reloaded', { source: r.spec.name });
      } catch (err) {
        r.state = 'failed';
        r.message = errorMessage(err);
        kernel.log.error('source.reload_failed', { source: r.spec.name, error: r.message });
      }
    }
    await statusSettled();
    writeStatus();
  };

  let stopping: Promise<void> | undefined;
  const doStop = async (reason: string) => {
    // a periodic write still in flight must not land after the states written from here on
    clearInterval(statusTimer);
    await statusSettled();
    state = 'stopping';
    writeStatus();
    kernel.log.info('daemon.stopping', { reason });
    await reloading.catch(() => undefined);
    for (const r of [...running].reverse()) {
      if (!r.handle || r.state !== 'running') continue;
      try {
        await withTimeout(r.handle.stop(), stopTimeout, `stopping ${r.spec.name}`);
        r.state = 'stopped';
        kernel.log.info('source.stopped', { source: r.spec.name });
      } catch (err) {
        r.state = 'failed';
        r.message = errorMessage(err);
        kernel.log.error('source.stop_failed', { source: r.spec.name, error: r.message });
      }
    }
    await retention.stop();
    for (const r of running) if (r.state === 'running' || r.state === 'starting') r.state = 'stopped';
    state = 'stopped';
    kernel.log.info('daemon.stopped', { reason });
    writeStatus();
    removePidFile(layout.pidFile);
    await kernel.shutdown();
  };

  return {
    kernel,
    status: snapshot,
    reload: () => (reloading = reloading.then(doReload, doReload)),
    stop: (reason) => (stopping ??= doStop(reason)),
  };
}

/**
 * `hyp daemon run --foreground`: start the daemon, stop it on SIGTERM/SIGINT (exit 0; a
 * second signal forces exit 1), reload on SIGHUP. Resolves with the process exit code.
 * The signal handlers are installed before anything starts: a signal during startup stops
 * the daemon as soon as its sources are up, instead of the default action killing it with
 * a stale pid file and a `starting` status.
 */
export async function runDaemon(options: DaemonOptions = {}): Promise<number> {
  let daemon: DaemonInstance | undefined;
  let stopSignal: string | undefined;
  let stopRequested: (() => void) | undefined;
  let forceExit: ((code: number) => void) | undefined;
  const onStopSignal = (signal: string) => {
    if (stopSignal !== undefined) {
      daemon?.kernel.log.warn('daemon.forced_exit', { signal });
      if (forceExit) forceExit(1);
      else process.exit(1); // still starting: nothing to drain yet
      return;
    }
    stopSignal = signal;
    stopRequested?.();
  };
  const onTerm = () => onStopSignal('SIGTERM');
  const onInt = () => onStopSignal('SIGINT');
  const onHup = () => {
    if (daemon && stopSignal === undefined) void daemon.reload();
  };
  process.on('SIGTERM', onTerm);
  process.on('SIGINT', onInt);
  process.on('SIGHUP', onHup);
  const onUncaught = (err: unknown) => {
    daemon?.kernel.log.error('daemon.uncaught', {
      error: errorMessage(err),
      stack: err instanceof Error ? err.stack : undefined,
    });
  };
  const keepAlive = setInterval(() => undefined, 1 << 30);
  try {
    daemon = await startDaemon({ ...options, echo: options.echo ?? process.stderr });
    const running = daemon;
    process.on('uncaughtException', onUncaught);
    process.on('unhandledRejection', onUncaught);
    return await new Promise<number>((resolve) => {
      forceExit = resolve;
      stopRequested = () => {
        running.stop(stopSignal!).then(
          () => resolve(0),
          (err) => {
            running.kernel.log.error('daemon.stop_failed', { error: errorMessage(err) });
            resolve(1);
          },
        );
      };
      if (stopSignal !== undefined) stopRequested();
    });
  } finally {
    clearInterval(keepAlive);
    process.off('SIGTERM', onTerm);
    process.off('SIGINT', onInt);
    process.off('SIGHUP', onHup);
    process.off('uncaughtException', onUncaught);
    process.off('unhandledRejection', onUncaught);
  }
}

/** A source's start error, plus the process holding the port when it could not bind one. */
function withPortHolder(err: unknown): string {
  const message = errorMessage(err);
  const port = portInUse(err);
  const holder = port === undefined ? undefined : describePortHolder(port);
  return holder ? `${message}; ${holder}` : message;
}

function replaceContents(target: JsonObject, next: JsonObject): void {
  for (const key of Object.keys(target)) delete target[key];
  Object.assign(target, next);
}
