/**
 * `hyp daemon install|uninstall`: write and enable, or disable and remove, the user service
 * that runs `hyp daemon run --foreground`. Every tool call goes through `runServiceTool`.
 */
import { existsSync, lstatSync, mkdirSync, readlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { HypError, errorMessage } from '../errors.js';
import { hypLayout } from '../util/hyp-home.js';
import { hypEntryPath, outputLogPath } from './daemon-paths.js';
import { SYSTEMD_UNIT_NAME, type DaemonLaunch } from './service-files.js';
import { serviceFileText, servicePlan, type ServicePlan } from './service-plan.js';
import { formatCommand, runServiceTool } from './service-tool.js';

export interface ServiceOptions {
  platform: NodeJS.Platform;
  env: NodeJS.ProcessEnv;
  uid: number;
  hypHome: string;
  /** absolute path given with --config */
  configPath?: string;
  dryRun: boolean;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

const START_INSTEAD = 'run `hyp daemon start` to keep HypAware running in the background instead';

export function planFor(options: Pick<ServiceOptions, 'platform' | 'env' | 'uid'>): ServicePlan {
  const plan = servicePlan(options);
  if (!plan)
    throw new HypError(`no user service manager is supported on ${options.platform}; ${START_INSTEAD}`, {
      kind: 'service_unsupported',
    });
  return plan;
}

export function launchFor(options: Pick<ServiceOptions, 'env' | 'hypHome' | 'configPath'>): DaemonLaunch {
  const hypHome = options.env.HYP_HOME && options.env.HYP_HOME.trim() !== '' ? resolve(options.hypHome) : undefined;
  return {
    node: process.execPath,
    entry: hypEntryPath(),
    ...(options.configPath ? { configPath: options.configPath } : {}),
    ...(hypHome ? { hypHome } : {}),
    outputLog: outputLogPath(hypLayout(options.hypHome)),
  };
}

/** Why the service manager cannot be used here, or undefined when it answers. */
export function managerUnavailable(plan: ServicePlan, env: NodeJS.ProcessEnv): string | undefined {
  const probe = runServiceTool(plan.tool, plan.probe, env);
  if (probe.ok) return undefined;
  if (probe.missing) return `${plan.tool} is not installed`;
  return `${formatCommand(plan.tool, plan.probe)} cannot reach a user service manager (${probe.firstLine})`;
}

/**
 * Write the service file and enable it. `beforeWrite` runs once the manager is known to
 * answer (the CLI stops a daemon started by `hyp daemon start` there, so the service can
 * bind the same port).
 */
export async function installService(options: ServiceOptions, beforeWrite: () => Promise<void>): Promise<ServicePlan> {
  const plan = planFor(options);
  const text = serviceFileText(plan, launchFor(options));
  const out = options.stdout;
  if (options.dryRun) {
    out.write(
      `# hyp daemon install --dry-run: nothing is written or run\n# would write ${plan.file}:\n${text}# would run:\n`,
    );
    for (const args of plan.install) out.write(`${formatCommand(plan.tool, args)}\n`);
    const why = managerUnavailable(plan, options.env);
    if (why) options.stderr.write(`hyp: note: ${why}: install would refuse here; ${START_INSTEAD}\n`);
    return plan;
  }
  const why = managerUnavailable(plan, options.env);
  if (why)
    throw new HypError(`cannot install the service: ${why}; ${START_INSTEAD}`, { kind: 'service_manager_unavailable' });
  await beforeWrite();
  try {
    mkdirSync(dirname(plan.file), { recursive: true });
    writeFileSync(plan.file, text, { mode: 0o644 });
  } catch (err) {
    throw new HypError(`cannot write ${plan.file} (${(err as NodeJS.ErrnoException).code ?? errorMessage(err)})`, {
      kind: 'service_write_failed',
    });
  }
  out.write(`✓ wrote ${plan.file}\n`);
  if (plan.manager === 'launchd') runServiceTool(plan.tool, plan.uninstall[0]!, options.env); // a loaded older copy would refuse bootstrap
  for (const args of plan.install) {
    const run = runServiceTool(plan.tool, args, options.env);
    if (!run.ok)
      throw new HypError(
        `\`${run.command}\` failed: ${run.firstLine}; the file is left at ${plan.file} (hyp daemon uninstall removes it)`,
        { kind: 'service_enable_failed' },
      );
    out.write(`✓ ${run.command}\n`);
  }
  return plan;
}

/** The `default.target.wants` link systemd makes when the unit is enabled, if it is there. */
function enableLink(plan: ServicePlan): string | undefined {
  if (plan.manager !== 'systemd') return undefined;
  const link = join(dirname(plan.file), 'default.target.wants', SYSTEMD_UNIT_NAME);
  try {
    return lstatSync(link).isSymbolicLink() && resolve(dirname(link), readlinkSync(link)) === plan.file
      ? link
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Disable and remove the service file. A file removed by hand is one line, not an error;
 * a manager that cannot be reached still lets the file go. Returns the problems met (one
 * line each) so the caller can go on detaching clients and report them at the end.
 */
export function uninstallService(options: ServiceOptions): { plan: ServicePlan; found: boolean; problems: string[] } {
  const plan = planFor(options);
  const out = options.stdout;
  const problems: string[] = [];
  const exists = existsSync(plan.file);
  const link = enableLink(plan);
  if (!exists)
    out.write(`no service file at ${plan.file} (not installed, or removed by hand); detaching clients anyway\n`);
  if (!exists && !link) return { plan, found: false, problems };
  const why = managerUnavailable(plan, options.env);
  if (options.dryRun) {
    if (why) out.write(`# ${why}: the files would only be removed\n`);
    else if (exists) for (const args of plan.uninstall) out.write(`would run: ${formatCommand(plan.tool, args)}\n`);
    for (const file of [exists ? plan.file : undefined, link].filter(Boolean)) out.write(`would remove ${file}\n`);
    if (!why) for (const args of plan.afterRemove) out.write(`would run: ${formatCommand(plan.tool, args)}\n`);
    return { plan, found: true, problems };
  }
  if (exists) {
    if (why) out.write(`${why}: removing the file only\n`);
    else {
      for (const args of plan.uninstall) {
        const run = runServiceTool(plan.tool, args, options.env);
        if (run.ok) out.write(`✓ ${run.command}\n`);
        else problems.push(`\`${run.command}\` failed: ${run.firstLine}`);
      }
    }
    try {
      unlinkSync(plan.file);
      out.write(`✓ removed ${plan.file}\n`);
    } catch (err) {
      problems.push(`cannot remove ${plan.file} (${(err as NodeJS.ErrnoException).code ?? errorMessage(err)})`);
    }
  }
  // `disable` removes it; it stays when the unit file went first or the manager is away
  if (link && existsSync(dirname(link))) {
    try {
      unlinkSync(link);
      out.write(`✓ removed the enable link ${link}\n`);
    } catch {
      /* disable removed it */
    }
  }
  if (!why) {
    for (const args of plan.afterRemove) {
      const run = runServiceTool(plan.tool, args, options.env);
      if (run.ok) out.write(`✓ ${run.command}\n`);
      else problems.push(`\`${run.command}\` failed: ${run.firstLine}`);
    }
  }
  return { plan, found: true, problems };
}
