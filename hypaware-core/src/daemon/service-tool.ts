/**
 * The one place HypAware runs a service manager's command line tool (`systemctl`,
 * `launchctl`). It is looked up on the PATH of the environment given, so tests put a fake
 * script first on PATH.
 */
import { spawnSync } from 'node:child_process';

export type ServiceTool = 'systemctl' | 'launchctl';

export interface ToolRun {
  /** the command as a person would type it */
  command: string;
  ok: boolean;
  /** the tool is not installed */
  missing: boolean;
  /** first non-empty line of its stderr (else stdout), for one-line messages */
  firstLine: string;
}

/** Long enough for `systemctl --user disable --now` to wait for a draining daemon. */
const TOOL_TIMEOUT_MS = 90_000;

function shellWord(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function formatCommand(tool: ServiceTool, args: string[]): string {
  return [tool, ...args].map(shellWord).join(' ');
}

export function runServiceTool(tool: ServiceTool, args: string[], env: NodeJS.ProcessEnv): ToolRun {
  const command = formatCommand(tool, args);
  const result = spawnSync(tool, args, {
    env,
    encoding: 'utf8',
    timeout: TOOL_TIMEOUT_MS,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (result.error) {
    const code = (result.error as NodeJS.ErrnoException).code;
    return {
      command,
      ok: false,
      missing: code === 'ENOENT',
      firstLine: code === 'ENOENT' ? `${tool} is not installed` : result.error.message,
    };
  }
  const text = `${result.stderr ?? ''}\n${result.stdout ?? ''}`;
  const firstLine =
    text
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l !== '') ?? (result.signal ? `killed by ${result.signal}` : `exit code ${result.status}`);
  return { command, ok: result.status === 0, missing: false, firstLine };
}
