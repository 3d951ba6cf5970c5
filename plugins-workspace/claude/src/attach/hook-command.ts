import { join } from 'node:path';

const SAFE_ARG = /^[A-Za-z0-9_./:@%+=,-]+$/;

/**
 * Node reads the bundle named by NODE_EXTRA_CA_CERTS at every start (~45 ms for a system
 * bundle); the hook makes no TLS connection. Claude Code runs hook commands with `/bin/sh -c`,
 * so a POSIX `VAR= cmd` assignment empties it for the hook alone.
 */
const SKIP_EXTRA_CA_CERTS = 'NODE_EXTRA_CA_CERTS=';

function shellQuote(arg: string): string {
  return SAFE_ARG.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/**
 * How Claude Code's hooks start `hyp claude-hook`: `HYPAWARE_BIN` / `HYP_BIN` when set, else
 * this plugin's CommonJS entry `cjs/claude-hook` run by the current Node (hooks may run without
 * `node` on PATH); either way without Node's extra CA certificates.
 */
export function hookInvocation(env: NodeJS.ProcessEnv, pluginRootDir: string): string {
  const fromEnv = env.HYPAWARE_BIN?.trim() || env.HYP_BIN?.trim();
  const program = fromEnv
    ? `${shellQuote(fromEnv)} claude-hook`
    : `${shellQuote(process.execPath)} ${shellQuote(join(pluginRootDir, 'cjs', 'claude-hook'))}`;
  return `${SKIP_EXTRA_CA_CERTS} ${program}`;
}

export function sessionContextHookCommand(invocation: string, stateFile: string): string {
  return `${invocation} session-context --state-file ${shellQuote(stateFile)}`;
}
