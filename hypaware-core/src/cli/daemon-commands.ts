/**
 * `hyp daemon run|start|stop|restart|status|install|uninstall`. None of them boots the kernel
 * except `uninstall`, which needs the plugins' uninstall steps.
 */
import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { HypError, UsageError, errorMessage } from '../errors.js';
import { bootKernel } from '../kernel/boot.js';
import type { LogLevel } from '../plugin-api.js';
import { hypLayout } from '../util/hyp-home.js';
import { runDaemon } from '../daemon/run-daemon.js';
import { startInBackground, type StartOutcome } from '../daemon/background-start.js';
import { stopDaemonProcess } from '../daemon/background-stop.js';
import { EXIT_NOT_RUNNING, daemonReport, renderDaemonReport } from '../daemon/daemon-report.js';
import { logFilePath, outputLogPath } from '../daemon/daemon-paths.js';
import { inspectPidFile } from '../daemon/daemon-process.js';
import { installService, uninstallService, type ServiceOptions } from '../daemon/service-install.js';
import { runUninstallSteps } from '../daemon/uninstall-steps.js';
import type { CommandIO } from '../plugin-api.js';

export interface DaemonCommandContext {
  io: CommandIO & { env: NodeJS.ProcessEnv };
  hypHome: string;
  configPath?: string;
  /** exit code of a command that succeeded but reports a state (`status`: 3 = not running) */
  setExitCode(code: number): void;
}

const DEFAULT_START_TIMEOUT_S = 30;
const DEFAULT_STOP_TIMEOUT_S = 30;

function timeoutMs(value: string | undefined, fallbackS: number): number {
  if (value === undefined) return fallbackS * 1000;
  const s = Number(value);
  if (!Number.isFinite(s) || s <= 0)
    throw new UsageError(`--timeout must be a number of seconds above 0 (got ${JSON.stringify(value)})`);
  return Math.round(s * 1000);
}

const timeoutOption = (what: string, s: number) =>
  new Option('--timeout <seconds>', `how long to wait for ${what} (default ${s})`);

export function registerDaemonCommands(program: Command, ctx: DaemonCommandContext): void {
  const { io, hypHome } = ctx;
  const configPath = ctx.configPath === undefined ? undefined : resolve(ctx.configPath);
  const layout = hypLayout(hypHome, configPath);
  const out = (text: string) => io.stdout.write(text);

  const daemon = program
    .command('daemon')
    .description('run the capture daemon: in the foreground, in the background, or as a user service');

  daemon
    .command('run')
    .description('run the daemon (gateway and every enabled source) until SIGTERM/SIGINT; SIGHUP reloads the config')
    .option('--foreground', 'stay in the foreground (the only mode; `hyp daemon start` backgrounds it)')
    .addOption(
      new Option('--echo-level <level>', 'lowest log level echoed on stderr (the log file gets everything)').choices([
        'debug',
        'info',
        'warn',
        'error',
        'none',
      ]),
    )
    .action(async (opts: { foreground?: boolean; echoLevel?: LogLevel | 'none' }) => {
      if (!opts.foreground)
        throw new UsageError('hyp daemon run needs --foreground (use hyp daemon start to run it in the background)');
      const code = await runDaemon({
        hypHome,
        ...(configPath ? { configPath } : {}),
        env: io.env,
        echo: io.stderr,
        ...(opts.echoLevel ? { echoLevel: opts.echoLevel } : {}),
      });
      if (code !== 0) throw new HypError('daemon stopped abnormally', { exitCode: code });
    });

  const start = async (timeout: number): Promise<void> => {
    const outcome = await startInBackground({
      hypHome,
      ...(configPath ? { configPath } : {}),
      env: io.env,
      timeoutMs: timeout,
      stderr: io.stderr,
    });
    printStarted(outcome);
  };
  const printStarted = (o: StartOutcome) => {
    const head = o.alreadyRunning
      ? `HypAware daemon is already running (pid ${o.pid})`
      : `HypAware daemon started (pid ${o.pid}) in ${(o.elapsedMs / 1000).toFixed(2)} s`;
    const lines = [
      head,
      ...o.endpoints.map((e) => `  listening: ${e}`),
      `  log:       ${logFilePath(layout)}`,
      `  output:    ${outputLogPath(layout)}`,
    ];
    if (o.problems.length > 0) lines.push(`  ${o.problems.length} plugin problem(s): see hyp status`);
    out(lines.join('\n') + '\n');
  };
  const stop = async (timeout: number): Promise<void> => {
    const outcome = await stopDaemonProcess({ hypHome, timeoutMs: timeout });
    out(`${outcome.message}\n`);
    if (outcome.kind === 'stopped' && outcome.warning) io.stderr.write(`hyp: ${outcome.warning}\n`);
  };

  daemon
    .command('start')
    .description('start the daemon in the background; returns once it listens (already running: says so, exit 0)')
    .addOption(timeoutOption('the daemon to run', DEFAULT_START_TIMEOUT_S))
    .action((opts: { timeout?: string }) => start(timeoutMs(opts.timeout, DEFAULT_START_TIMEOUT_S)));

  daemon
    .command('stop')
    .description('stop the daemon (SIGTERM) and wait for it to drain; nothing running: says so, exit 0')
    .addOption(timeoutOption('the drain', DEFAULT_STOP_TIMEOUT_S))
    .action((opts: { timeout?: string }) => stop(timeoutMs(opts.timeout, DEFAULT_STOP_TIMEOUT_S)));

  daemon
    .command('restart')
    .description('stop the daemon if it runs, then start it in the background')
    .addOption(timeoutOption('each of stop and start', DEFAULT_START_TIMEOUT_S))
    .action(async (opts: { timeout?: string }) => {
      const ms = timeoutMs(opts.timeout, DEFAULT_START_TIMEOUT_S);
      await stop(ms);
      await start(ms);
    });

  daemon
    .command('status')
    .description('is the daemon running? pid, uptime, endpoint, logs; exit 0 running, 3 not running')
    .option('--json', 'machine-readable output (stable keys)')
    .action((opts: { json?: boolean }) => {
      const report = daemonReport(hypHome, io.env, process.platform);
      if (opts.json) out(JSON.stringify(report, null, 2) + '\n');
      else renderDaemonReport(report, io.stdout);
      if (!report.running) ctx.setExitCode(EXIT_NOT_RUNNING);
    });

  const serviceOptions = (dryRun: boolean): ServiceOptions => ({
    platform: process.platform,
    env: io.env,
    uid: process.getuid?.() ?? 0,
    hypHome,
    ...(configPath ? { configPath } : {}),
    dryRun,
    stdout: io.stdout,
    stderr: io.stderr,
  });

  daemon
    .command('install')
    .description('run the daemon as a user service (systemd on Linux, launchd on macOS), started now and at login')
    .option('--dry-run', 'print the service file and the commands, change nothing')
    .action(async (opts: { dryRun?: boolean }) => {
      const plan = await installService(serviceOptions(Boolean(opts.dryRun)), async () => {
        // the service binds the same port: a daemon started by `hyp daemon start` makes way
        const verdict = inspectPidFile(layout);
        if (verdict.kind === 'running' && verdict.how === 'embedded') {
          throw new HypError(
            `the daemon runs inside another program (pid ${verdict.pid}); stop it there before installing the service`,
            { kind: 'daemon_embedded' },
          );
        }
        if (verdict.kind === 'running') await stop(DEFAULT_STOP_TIMEOUT_S * 1000);
      });
      if (opts.dryRun) return;
      const lines = [
        `HypAware now runs as a ${plan.manager} user service: hyp daemon status shows it; output: ${plan.outputHint}`,
      ];
      if (plan.manager === 'systemd')
        lines.push(`  to keep it running while you are logged out: loginctl enable-linger ${io.env.USER ?? '$USER'}`);
      out(lines.join('\n') + '\n');
    });

  daemon
    .command('uninstall')
    .description('stop and remove the user service, stop the daemon, and detach every attached client')
    .option('--dry-run', 'print what would be done, change nothing')
    .action(async (opts: { dryRun?: boolean }) => {
      const dryRun = Boolean(opts.dryRun);
      const { found, problems } = uninstallService(serviceOptions(dryRun));
      for (const p of problems) io.stderr.write(`hyp: ${p}\n`);
      const verdict = inspectPidFile(layout);
      if (verdict.kind === 'running') {
        if (dryRun) out(`would stop the daemon (pid ${verdict.pid})\n`);
        else {
          try {
            await stop(DEFAULT_STOP_TIMEOUT_S * 1000);
          } catch (err) {
            problems.push(errorMessage(err));
            io.stderr.write(`hyp: ${errorMessage(err)}\n`);
          }
        }
      }
      problems.push(...(await detachEverything(ctx, configPath, dryRun)));
      if (problems.length > 0)
        throw new HypError(`uninstall finished with ${problems.length} problem(s) (above)`, {
          kind: 'uninstall_incomplete',
        });
      out(dryRun ? '(dry run: nothing was changed)\n' : found ? '✓ HypAware service uninstalled\n' : '✓ done\n');
    });
}

/** Boot the plugins in this process and run every uninstall step they registered. */
async function detachEverything(
  ctx: DaemonCommandContext,
  configPath: string | undefined,
  dryRun: boolean,
): Promise<string[]> {
  const { io } = ctx;
  let kernel;
  try {
    kernel = await bootKernel({
      mode: 'cli',
      hypHome: ctx.hypHome,
      ...(configPath ? { configPath } : {}),
      env: io.env,
    });
  } catch (err) {
    const line = `cannot load the plugins to run their uninstall steps (detach clients): ${errorMessage(err)}`;
    io.stderr.write(`hyp: ${line}\n`);
    return [line];
  }
  try {
    return await runUninstallSteps(kernel.uninstallSteps, { dryRun, stdout: io.stdout, stderr: io.stderr });
  } finally {
    await kernel.shutdown();
  }
}
