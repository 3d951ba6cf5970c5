/**
 * Where the user service lives on this platform and which tool commands install or remove
 * it: a systemd user unit on Linux, a launchd LaunchAgent on macOS. No side effects.
 */
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { LAUNCHD_LABEL, SYSTEMD_UNIT_NAME, launchdPlist, systemdUnit, type DaemonLaunch } from './service-files.js';
import type { ServiceTool } from './service-tool.js';

export interface ServicePlan {
  manager: 'systemd' | 'launchd';
  tool: ServiceTool;
  /** the unit or plist file */
  file: string;
  /** arguments of a read-only call that succeeds only when a user service manager answers */
  probe: string[];
  /** run after writing the file; the first failure stops the install */
  install: string[][];
  /** run before removing the file; failures are reported, the removal goes on */
  uninstall: string[][];
  /** run after removing the file */
  afterRemove: string[][];
  /** where the service's own output goes */
  outputHint: string;
}

export interface PlanInput {
  platform: NodeJS.Platform;
  env: NodeJS.ProcessEnv;
  /** the user id (launchd domain `gui/<uid>`) */
  uid: number;
}

function homeOf(env: NodeJS.ProcessEnv): string {
  return env.HOME && env.HOME !== '' ? env.HOME : homedir();
}

/** The plan for this platform, or undefined where HypAware knows no user service manager. */
export function servicePlan(input: PlanInput): ServicePlan | undefined {
  if (input.platform === 'linux') {
    const configHome =
      input.env.XDG_CONFIG_HOME && isAbsolute(input.env.XDG_CONFIG_HOME)
        ? input.env.XDG_CONFIG_HOME
        : join(homeOf(input.env), '.config');
    return {
      manager: 'systemd',
      tool: 'systemctl',
      file: join(configHome, 'systemd', 'user', SYSTEMD_UNIT_NAME),
      probe: ['--user', 'show-environment'],
      install: [
        ['--user', 'daemon-reload'],
        ['--user', 'enable', '--now', SYSTEMD_UNIT_NAME],
      ],
      uninstall: [['--user', 'disable', '--now', SYSTEMD_UNIT_NAME]],
      afterRemove: [['--user', 'daemon-reload']],
      outputHint: `journalctl --user -u ${SYSTEMD_UNIT_NAME}`,
    };
  }
  if (input.platform === 'darwin') {
    const domain = `gui/${input.uid}`;
    const file = join(homeOf(input.env), 'Library', 'LaunchAgents', `${LAUNCHD_LABEL}.plist`);
    return {
      manager: 'launchd',
      tool: 'launchctl',
      file,
      probe: ['print', domain],
      install: [['bootstrap', domain, file]],
      uninstall: [['bootout', `${domain}/${LAUNCHD_LABEL}`]],
      afterRemove: [],
      outputHint: 'the output log',
    };
  }
  return undefined;
}

export function serviceFileText(plan: ServicePlan, launch: DaemonLaunch): string {
  return plan.manager === 'systemd' ? systemdUnit(launch) : launchdPlist(launch);
}
