/**
 * A synthetic client history for the import bench: Claude Code transcripts
 * (`<projects>/<encoded cwd>/<session>.jsonl`, every tenth session with a sub-agent and its
 * `.meta.json`) and Codex rollouts (`sessions/YYYY/MM/DD/rollout-*.jsonl`), in the shapes the
 * real clients write (one assistant line per content block with the response's usage on each,
 * tool calls and results, token_count events). Deterministic; written with streams, one turn
 * at a time.
 */
import { createWriteStream, mkdirSync, writeFileSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { SeededRandom } from '../harness/seeded-random.js';

export interface SyntheticHistoryPlan {
  sessions: number;
  /** bytes of transcript per session (about) */
  bytesPerSession: number;
}

export interface WrittenHistory {
  files: number;
  bytes: number;
  sessions: number;
}

const WORDS = 'the a file test build run fix import error value table query row session tool call result cache'.split(
  ' ',
);

function text(rng: SeededRandom, bytes: number): string {
  const out: string[] = [];
  let n = 0;
  while (n < bytes) {
    const w = WORDS[rng.int(WORDS.length)]!;
    out.push(w);
    n += w.length + 1;
  }
  return out.join(' ');
}

function uuid(rng: SeededRandom): string {
  const hex = () =>
    Math.floor(rng.next() * 0x10000)
      .toString(16)
      .padStart(4, '0');
  return `${hex()}${hex()}-${hex()}-4${hex().slice(1)}-8${hex().slice(1)}-${hex()}${hex()}${hex()}`;
}

class LineFile {
  readonly stream: WriteStream;
  bytes = 0;

  constructor(path: string) {
    this.stream = createWriteStream(path);
  }

  async write(value: unknown): Promise<void> {
    const line = (typeof value === 'string' ? value : JSON.stringify(value)) + '\n';
    this.bytes += Buffer.byteLength(line);
    if (!this.stream.write(line)) await once(this.stream, 'drain');
  }

  async close(): Promise<void> {
    this.stream.end();
    await once(this.stream, 'finish');
  }
}

interface ClaudeLineBase {
  sessionId: string;
  cwd: string;
  time: number;
  agentId?: string;
}

/** One Claude Code session (main thread, or a sub-agent when `agentId` is set) of about `bytes`. */
async function claudeTranscript(
  path: string,
  rng: SeededRandom,
  base: ClaudeLineBase,
  bytes: number,
  spawnId?: string,
): Promise<number> {
  const file = new LineFile(path);
  let parent: string | null = null;
  let t = base.time;
  let response = 0;
  const common = () => ({
    isSidechain: base.agentId !== undefined,
    ...(base.agentId ? { agentId: base.agentId } : {}),
    userType: 'external',
    cwd: base.cwd,
    sessionId: base.sessionId,
    version: '2.1.80',
    gitBranch: 'main',
    timestamp: new Date((t += 1000)).toISOString(),
  });
  const put = async (type: 'user' | 'assistant', message: unknown, extra: object = {}) => {
    const id = uuid(rng);
    await file.write({ parentUuid: parent, ...common(), type, uuid: id, message, ...extra });
    parent = id;
    return id;
  };
  await file.write({ type: 'queue-operation', operation: 'enqueue', sessionId: base.sessionId });
  while (file.bytes < bytes) {
    await put('user', { role: 'user', content: text(rng, 200) });
    response++;
    const msgId = `msg_${base.sessionId.slice(0, 8)}_${base.agentId ?? 'm'}_${response}`;
    const usage = {
      input_tokens: 10 + rng.int(50),
      cache_read_input_tokens: 1000 + rng.int(5000),
      cache_creation_input_tokens: rng.int(300),
      output_tokens: 20 + rng.int(200),
    };
    const assistant = (content: unknown[], stop: string | null) => ({
      id: msgId,
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-5',
      content,
      stop_reason: stop,
      usage,
    });
    const requestId = `req_${msgId}`;
    await put(
      'assistant',
      assistant([{ type: 'thinking', thinking: text(rng, 150), signature: `sig${response}` }], null),
      { requestId },
    );
    await put('assistant', assistant([{ type: 'text', text: text(rng, 200) }], null), { requestId });
    const callId = `toolu_${base.sessionId.slice(0, 8)}_${base.agentId ?? 'm'}_${response}`;
    const call = await put(
      'assistant',
      assistant(
        [
          {
            type: 'tool_use',
            id: spawnId && response === 1 ? spawnId : callId,
            name: 'Bash',
            input: { command: `ls ${response}` },
          },
        ],
        'tool_use',
      ),
      { requestId },
    );
    await put(
      'user',
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: spawnId && response === 1 ? spawnId : callId, content: text(rng, 400) },
        ],
      },
      { sourceToolAssistantUUID: call },
    );
    if (rng.int(50) === 0) await file.write('{"type":"assistant","uuid":"broken');
  }
  await file.close();
  return file.bytes;
}

export async function writeClaudeProjects(dir: string, plan: SyntheticHistoryPlan, seed = 14): Promise<WrittenHistory> {
  const rng = new SeededRandom(seed);
  const out: WrittenHistory = { files: 0, bytes: 0, sessions: 0 };
  const start = Date.parse('2026-01-01T00:00:00Z');
  for (let s = 0; s < plan.sessions; s++) {
    const project = join(dir, `-home-u-repo${s % 20}`);
    mkdirSync(project, { recursive: true });
    const sessionId = uuid(rng);
    const base = { sessionId, cwd: `/home/u/repo${s % 20}`, time: start + s * 3_600_000 };
    const withAgent = s % 10 === 0;
    const spawnId = `toolu_spawn_${s}`;
    out.bytes += await claudeTranscript(
      join(project, `${sessionId}.jsonl`),
      rng,
      base,
      withAgent ? plan.bytesPerSession * 0.8 : plan.bytesPerSession,
      withAgent ? spawnId : undefined,
    );
    out.files++;
    if (withAgent) {
      const agents = join(project, sessionId, 'subagents');
      mkdirSync(agents, { recursive: true });
      const agentId = `a${s.toString(16).padStart(8, '0')}`;
      out.bytes += await claudeTranscript(
        join(agents, `agent-${agentId}.jsonl`),
        rng,
        { ...base, agentId },
        plan.bytesPerSession * 0.2,
      );
      writeFileSync(
        join(agents, `agent-${agentId}.meta.json`),
        JSON.stringify({ agentType: 'general-purpose', description: 'x', toolUseId: spawnId }),
      );
      out.files++;
    }
    out.sessions++;
  }
  return out;
}

export async function writeCodexSessions(dir: string, plan: SyntheticHistoryPlan, seed = 15): Promise<WrittenHistory> {
  const rng = new SeededRandom(seed);
  const out: WrittenHistory = { files: 0, bytes: 0, sessions: 0 };
  const start = Date.parse('2026-01-01T00:00:00Z');
  for (let s = 0; s < plan.sessions; s++) {
    let t = start + s * 3_600_000;
    const day = new Date(t).toISOString().slice(0, 10);
    const folder = join(dir, ...day.split('-'));
    mkdirSync(folder, { recursive: true });
    const id = uuid(rng);
    const file = new LineFile(join(folder, `rollout-${day}T00-00-00-${id}.jsonl`));
    const line = (type: string, payload: unknown) =>
      file.write({ timestamp: new Date((t += 500)).toISOString(), type, payload });
    await line('session_meta', {
      id,
      cwd: `/home/u/repo${s % 20}`,
      originator: 'codex_exec',
      cli_version: '0.169.0',
      source: 'exec',
      model_provider: 'openai',
    });
    const total = {
      input_tokens: 0,
      cached_input_tokens: 0,
      output_tokens: 0,
      reasoning_output_tokens: 0,
      total_tokens: 0,
    };
    let turn = 0;
    while (file.bytes < plan.bytesPerSession) {
      turn++;
      await line('turn_context', {
        turn_id: `t${turn}`,
        cwd: `/home/u/repo${s % 20}`,
        model: 'gpt-5-codex',
        sandbox_policy: { type: 'read-only' },
      });
      await line('response_item', {
        type: 'message',
        id: `msg_u${turn}`,
        role: 'user',
        content: [{ type: 'input_text', text: text(rng, 200) }],
      });
      for (const [k, items] of [
        [
          0,
          [
            { type: 'reasoning', id: `rs_${turn}`, summary: [{ type: 'summary_text', text: text(rng, 150) }] },
            {
              type: 'function_call',
              id: `fc_${turn}`,
              name: 'exec_command',
              arguments: JSON.stringify({ cmd: `ls ${turn}` }),
              call_id: `call_${turn}`,
            },
          ],
        ],
        [
          1,
          [
            {
              type: 'message',
              id: `msg_a${turn}`,
              role: 'assistant',
              content: [{ type: 'output_text', text: text(rng, 300) }],
            },
          ],
        ],
      ] as const) {
        for (const item of items) await line('response_item', item);
        if (k === 0)
          await line('response_item', {
            type: 'function_call_output',
            call_id: `call_${turn}`,
            output: text(rng, 400),
          });
        const last = {
          input_tokens: 1000 + rng.int(5000),
          cached_input_tokens: 800,
          output_tokens: 20 + rng.int(100),
          reasoning_output_tokens: 8,
          total_tokens: 0,
        };
        last.total_tokens = last.input_tokens + last.output_tokens;
        for (const key of Object.keys(total) as Array<keyof typeof total>) total[key] += last[key];
        await line('event_msg', {
          type: 'token_count',
          info: { total_token_usage: { ...total }, last_token_usage: last },
          rate_limits: null,
        });
      }
    }
    await file.close();
    out.bytes += file.bytes;
    out.files++;
    out.sessions++;
  }
  return out;
}
