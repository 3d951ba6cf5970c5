/**
 * The text of the service definitions `hyp daemon install` writes: a systemd user unit
 * (Linux) and a launchd LaunchAgent plist (macOS). Pure functions: paths in, text out.
 */
import { DAEMON_ALLOCATOR_ENV } from './daemon-environment.js';

export const SYSTEMD_UNIT_NAME = 'hypaware.service';
export const LAUNCHD_LABEL = 'dev.hypaware.daemon';

export interface DaemonLaunch {
  /** absolute path of node (process.execPath) */
  node: string;
  /** absolute path of the installed `bin/hyp.js` */
  entry: string;
  /** absolute config path, when one was given with --config */
  configPath?: string;
  /** absolute HYP_HOME, when HYP_HOME is set */
  hypHome?: string;
  /** stdout/stderr file (launchd only; systemd sends them to the journal) */
  outputLog: string;
}

/** argv of the service's process. */
export function daemonArgv(launch: DaemonLaunch, echoLevel?: string): string[] {
  return [
    launch.node,
    launch.entry,
    ...(launch.configPath ? ['--config', launch.configPath] : []),
    'daemon',
    'run',
    '--foreground',
    ...(echoLevel ? ['--echo-level', echoLevel] : []),
  ];
}

/** systemd quoting: `%` specifiers and `$` expansion escaped, quotes where a word needs them. */
function systemdWord(arg: string, expandsDollar: boolean): string {
  let s = arg.replace(/%/g, '%%');
  if (expandsDollar) s = s.replace(/\$/g, '$$$$');
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export function systemdUnit(launch: DaemonLaunch): string {
  const lines = [
    '# Written by `hyp daemon install`; `hyp daemon uninstall` removes it.',
    '[Unit]',
    'Description=HypAware capture daemon',
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=${daemonArgv(launch)
      .map((a) => systemdWord(a, true))
      .join(' ')}`,
  ];
  for (const [name, value] of Object.entries(DAEMON_ALLOCATOR_ENV)) lines.push(`Environment=${name}=${value}`);
  if (launch.hypHome) lines.push(`Environment=${systemdWord(`HYP_HOME=${launch.hypHome}`, false)}`);
  lines.push(
    'Restart=on-failure',
    'RestartSec=2',
    // the daemon drains streams in flight and the writer on SIGTERM (each source has 20 s)
    'TimeoutStopSec=45',
    '',
    '[Install]',
    'WantedBy=default.target',
    '',
  );
  return lines.join('\n');
}

function xml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

export function launchdPlist(launch: DaemonLaunch): string {
  const args = daemonArgv(launch, 'warn').map((a) => `    <string>${xml(a)}</string>`);
  const vars = { ...DAEMON_ALLOCATOR_ENV, ...(launch.hypHome ? { HYP_HOME: launch.hypHome } : {}) };
  const env = [
    '  <key>EnvironmentVariables</key>',
    '  <dict>',
    ...Object.entries(vars).map(([name, value]) => `    <key>${name}</key><string>${xml(value)}</string>`),
    '  </dict>',
  ];
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    '<!-- Written by `hyp daemon install`; `hyp daemon uninstall` removes it. -->',
    '<plist version="1.0">',
    '<dict>',
    `  <key>Label</key><string>${LAUNCHD_LABEL}</string>`,
    '  <key>ProgramArguments</key>',
    '  <array>',
    ...args,
    '  </array>',
    ...env,
    '  <key>RunAtLoad</key><true/>',
    // restarted when it exits with an error, not after a clean `hyp daemon stop`
    '  <key>KeepAlive</key>',
    '  <dict>',
    '    <key>SuccessfulExit</key><false/>',
    '  </dict>',
    '  <key>ThrottleInterval</key><integer>10</integer>',
    `  <key>StandardOutPath</key><string>${xml(launch.outputLog)}</string>`,
    `  <key>StandardErrorPath</key><string>${xml(launch.outputLog)}</string>`,
    '</dict>',
    '</plist>',
    '',
  ].join('\n');
}
