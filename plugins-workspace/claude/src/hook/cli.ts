import { isAbsolute } from 'node:path';
import { parseArgs } from 'node:util';
import { appendRecord } from '../session-context/append-record.js';
import { defaultStateFile, type SessionContextRecord } from '../session-context/record.js';
import { gitBranchAt } from './git-head.js';
import { hookFields, readStdin } from './hook-input.js';

/**
 * `hyp claude-hook session-context --state-file <abs>`: run by Claude Code hooks. Started by
 * `cjs/claude-hook` (this module compiled as CommonJS by tsconfig.hook-cjs.json: the command
 * attach writes) or by `bin/hyp.js` (its manifest `standalone_commands`), never booting the
 * kernel. Its imports are the whole graph of that CommonJS build: keep them few and cheap.
 * Appends one record per event to the state file.
 * It never prints (except `--help`), never fails and always returns 0: a hook must not
 * disturb Claude Code.
 */

const USAGE =
  'usage: hyp claude-hook session-context --state-file <absolute path> (or the legacy --port <n>); reads the hook JSON on stdin\n';
const STDIN_TIMEOUT_MS = 1000;

const OPTIONS = {
  'state-file': { type: 'string' },
  port: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Lenient: unknown options and stray values are ignored, never an error (a hook must not fail). */
function parse(args: string[]): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  return parseArgs({ args, options: OPTIONS, strict: false, allowPositionals: true });
}

function stateFileOf(values: Record<string, string | boolean | undefined>, env: NodeJS.ProcessEnv): string | undefined {
  const stateFile = values['state-file'];
  if (typeof stateFile === 'string') return isAbsolute(stateFile) ? stateFile : undefined;
  const port = typeof values.port === 'string' ? Number(values.port) : Number.NaN;
  return Number.isInteger(port) && port >= 1 && port <= 65535 ? defaultStateFile(env) : undefined;
}

/** The state file named by the arguments: `--state-file <abs>`, or legacy `--port <n>` (v1 hooks). */
export function stateFileFromArgs(args: string[], env: NodeJS.ProcessEnv): string | undefined {
  return stateFileOf(parse(args).values, env);
}

export async function run(argv: string[]): Promise<number> {
  try {
    const { values, positionals } = parse(argv);
    if (values.help) {
      process.stdout.write(USAGE);
      return 0;
    }
    if (positionals[0] !== 'session-context') return 0;
    const target = stateFileOf(values, process.env);
    if (!target) return 0;
    const input = hookFields(await readStdin(process.stdin, STDIN_TIMEOUT_MS));
    if (!input.session_id) return 0;
    const record: SessionContextRecord = { session_id: input.session_id, ts: new Date().toISOString() };
    if (input.cwd) record.cwd = input.cwd;
    if (input.transcript_path) record.transcript_path = input.transcript_path;
    if (input.hook_event_name) record.hook_event = input.hook_event_name;
    if (input.agent_id) record.agent_id = input.agent_id;
    const branch = input.cwd ? gitBranchAt(input.cwd) : undefined;
    if (branch) record.git_branch = branch;
    appendRecord(target, record);
  } catch {
    // a hook never fails
  }
  return 0;
}
