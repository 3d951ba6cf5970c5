import { join } from 'node:path';

const SAFE_ARG = /^[A-Za-z0-9_./:@%+=,-]+$/;

function shellQuote(arg: string): string {
  return SAFE_ARG.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/**
 * How Claude Code's hooks start `hyp`: `HYPAWARE_BIN` / `HYP_BIN` when set, else this
 * install's `bin/hyp.js` run by the current Node (hooks may run without `node` on PATH).
 */
export function hypInvocation(env: NodeJS.ProcessEnv, pluginRootDir: string): string {
  const fromEnv = env.HYPAWARE_BIN?.trim() || env.HYP_BIN?.trim();
  if (fromEnv) return shellQuote(fromEnv);
  return `${shellQuote(process.execPath)} ${shellQuote(join(pluginRootDir, '..', '..', 'bin', 'hyp.js'))}`;
}

export function sessionContextHookCommand(invocation: string, stateFile: string): string {
  return `${invocation} claude-hook session-context --state-file ${shellQuote(stateFile)}`;
}
