const MAX_INPUT_BYTES = 16 * 1024 * 1024;

/**
 * Read a hook's JSON input from stdin until EOF, at most `timeoutMs` (a parent that never
 * closes the pipe must not hang Claude Code). A terminal counts as no input.
 */
export function readStdin(stdin: NodeJS.ReadStream, timeoutMs: number): Promise<string> {
  if (stdin.isTTY) return Promise.resolve('');
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    const finish = (): void => {
      clearTimeout(timer);
      stdin.removeListener('data', onData);
      stdin.removeListener('end', finish);
      stdin.removeListener('error', finish);
      stdin.pause();
      stdin.destroy();
      resolve(Buffer.concat(chunks).toString('utf8'));
    };
    const onData = (chunk: Buffer | string): void => {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      chunks.push(buf);
      bytes += buf.length;
      if (bytes >= MAX_INPUT_BYTES) finish();
    };
    const timer = setTimeout(finish, timeoutMs);
    stdin.on('data', onData);
    stdin.once('end', finish);
    stdin.once('error', finish);
  });
}

/** The fields the session-context hook uses, from Claude Code's hook JSON. */
export interface HookFields {
  session_id?: string;
  cwd?: string;
  transcript_path?: string;
  hook_event_name?: string;
  agent_id?: string;
}

const FIELDS = ['session_id', 'cwd', 'new_cwd', 'transcript_path', 'hook_event_name', 'agent_id'] as const;

/**
 * Parse the hook input. Input cut at the size cap is not valid JSON; the small top-level
 * string fields are then taken from the text directly. CwdChanged sends `new_cwd`.
 */
export function hookFields(text: string): HookFields {
  let values: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed))
      values = parsed as Record<string, unknown>;
  } catch {
    for (const field of FIELDS) {
      const m = new RegExp(`"${field}"\\s*:\\s*("(?:[^"\\\\]|\\\\.)*")`).exec(text);
      if (m) {
        try {
          values[field] = JSON.parse(m[1]!);
        } catch {
          /* not a string */
        }
      }
    }
  }
  const pick = (key: (typeof FIELDS)[number]): string | undefined => {
    const v = values[key];
    return typeof v === 'string' && v !== '' ? v : undefined;
  };
  const out: HookFields = {};
  const assign = (key: keyof HookFields, value: string | undefined): void => {
    if (value !== undefined) out[key] = value;
  };
  assign('session_id', pick('session_id'));
  assign('cwd', pick('new_cwd') ?? pick('cwd'));
  assign('transcript_path', pick('transcript_path'));
  assign('hook_event_name', pick('hook_event_name'));
  assign('agent_id', pick('agent_id'));
  return out;
}
