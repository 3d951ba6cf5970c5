/**
 * Realistic Anthropic Messages and OpenAI Responses traffic (requests, JSON replies, SSE
 * events) built from the documented shapes (shared/reference/wire-formats.md, sections 1 and 3).
 * Used by the fake upstream, the fault suite and the benchmark.
 */
import { SeededRandom, fillerText } from './seeded-random.js';

export type Protocol = 'anthropic' | 'openai';

export interface SseEvent {
  event?: string;
  data: string;
}

/** Test credentials: the security tests check that these bytes never reach disk. */
export const TEST_ANTHROPIC_KEY = 'sk-ant-api03-HYPTEST0000anthropicSecretValue0000';
export const TEST_OPENAI_KEY = 'sk-proj-HYPTEST0000openaiSecretValue0000';

export const PROTOCOL_PATH: Record<Protocol, string> = {
  anthropic: '/v1/messages',
  openai: '/v1/responses',
};

export function requestHeaders(protocol: Protocol, sessionId: string): Record<string, string> {
  if (protocol === 'anthropic') {
    return {
      'content-type': 'application/json',
      'x-api-key': TEST_ANTHROPIC_KEY,
      'anthropic-version': '2023-06-01',
      'anthropic-beta': 'claude-code-20250219,interleaved-thinking-2025-05-14',
      'x-claude-code-session-id': sessionId,
      'user-agent': 'claude-cli/2.0.14 (external, cli)',
    };
  }
  return {
    'content-type': 'application/json',
    authorization: `Bearer ${TEST_OPENAI_KEY}`,
    originator: 'codex_cli_rs',
    session_id: sessionId,
    'user-agent': 'codex_cli_rs/0.58.0 (Ubuntu 24.04; x86_64) xterm',
  };
}

const TURN_MARK = '__HYP_TURN__';

export interface RequestTemplateOptions {
  sessionId: string;
  /** approximate size of the JSON body */
  targetBytes: number;
  stream: boolean;
  seed?: number;
  /** characters of system prompt filler (default 1,500: a small prompt; Claude Code's is ~20,000) */
  systemChars?: number;
  /** tools declared, each with a description of `toolChars` (default 1 x 400; Claude Code declares ~20 with long descriptions) */
  tools?: number;
  toolChars?: number;
}

/** A request body whose last user message names a turn; `build(turn)` is cheap (no JSON work). */
export interface RequestTemplate {
  build(turn: number | string): Buffer;
}

function anthropicRequestObject(opts: RequestTemplateOptions, random: SeededRandom): Record<string, unknown> {
  const messages: unknown[] = [];
  const body: Record<string, unknown> = {
    model: 'claude-sonnet-4-5',
    max_tokens: 32000,
    stream: opts.stream,
    system: [
      {
        type: 'text',
        text: `You are Claude Code. ${fillerText(random, opts.systemChars ?? 1500)}`,
        cache_control: { type: 'ephemeral' },
      },
    ],
    tools: Array.from({ length: opts.tools ?? 1 }, (_, t) => ({
      name: t === 0 ? 'Bash' : `Tool${t}`,
      description: fillerText(random, opts.toolChars ?? 400),
      input_schema: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] },
    })),
    messages,
    metadata: {
      user_id: `user_${'a1'.repeat(32)}_account_3f2c0b8e-1111-4222-8333-444455556666_session_${opts.sessionId}`,
    },
  };
  let size = JSON.stringify(body).length;
  for (let i = 0; size < opts.targetBytes - 200; i++) {
    const pair = [
      { role: 'user', content: [{ type: 'text', text: `step ${i}: ${fillerText(random, 600)}` }] },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: fillerText(random, 400) },
          { type: 'tool_use', id: `toolu_${i}`, name: 'Bash', input: { command: `ls dir${i}` } },
        ],
      },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: `toolu_${i}`, content: fillerText(random, 300) }] },
      { role: 'assistant', content: [{ type: 'text', text: fillerText(random, 200) }] },
    ];
    messages.push(...pair);
    size += JSON.stringify(pair).length;
  }
  messages.push({ role: 'user', content: [{ type: 'text', text: `turn ${TURN_MARK}: what changed?` }] });
  return body;
}

function openaiRequestObject(opts: RequestTemplateOptions, random: SeededRandom): Record<string, unknown> {
  const input: unknown[] = [];
  const body: Record<string, unknown> = {
    model: 'gpt-5-codex',
    instructions: `You are Codex. ${fillerText(random, 1500)}`,
    input,
    tools: [
      {
        type: 'function',
        name: 'shell',
        description: fillerText(random, 400),
        parameters: { type: 'object', properties: { command: { type: 'array', items: { type: 'string' } } } },
      },
    ],
    tool_choice: 'auto',
    parallel_tool_calls: false,
    reasoning: { effort: 'medium', summary: 'auto' },
    store: false,
    stream: opts.stream,
    prompt_cache_key: opts.sessionId,
  };
  let size = JSON.stringify(body).length;
  for (let i = 0; size < opts.targetBytes - 200; i++) {
    const items = [
      {
        type: 'message',
        role: 'user',
        content: [{ type: 'input_text', text: `step ${i}: ${fillerText(random, 600)}` }],
      },
      {
        type: 'function_call',
        call_id: `call_${i}`,
        name: 'shell',
        arguments: JSON.stringify({ command: ['ls', `dir${i}`] }),
      },
      { type: 'function_call_output', call_id: `call_${i}`, output: fillerText(random, 300) },
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: fillerText(random, 400) }] },
    ];
    input.push(...items);
    size += JSON.stringify(items).length;
  }
  input.push({
    type: 'message',
    role: 'user',
    content: [{ type: 'input_text', text: `turn ${TURN_MARK}: what changed?` }],
  });
  return body;
}

export function requestTemplate(protocol: Protocol, opts: RequestTemplateOptions): RequestTemplate {
  const random = new SeededRandom(opts.seed ?? 7);
  const obj = protocol === 'anthropic' ? anthropicRequestObject(opts, random) : openaiRequestObject(opts, random);
  const [head, tail] = JSON.stringify(obj).split(TURN_MARK) as [string, string];
  const headBuf = Buffer.from(head);
  const tailBuf = Buffer.from(tail);
  return { build: (turn) => Buffer.concat([headBuf, Buffer.from(String(turn)), tailBuf]) };
}

export interface ReplyOptions {
  id: string;
  /** the reply text, split into deltas when streamed */
  chunks: string[];
}

export function anthropicMessage(opts: ReplyOptions): Record<string, unknown> {
  return {
    id: opts.id,
    type: 'message',
    role: 'assistant',
    model: 'claude-sonnet-4-5',
    content: [{ type: 'text', text: opts.chunks.join('') }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: {
      input_tokens: 25,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 1900,
      output_tokens: opts.chunks.length,
    },
  };
}

/** `message_start`, one text block (`content_block_start`, a ping, deltas, stop), `message_delta`, `message_stop`. */
export function anthropicStreamEvents(opts: ReplyOptions): SseEvent[] {
  const ev = (type: string, payload: Record<string, unknown>): SseEvent => ({
    event: type,
    data: JSON.stringify({ type, ...payload }),
  });
  const start = anthropicMessage({ id: opts.id, chunks: [] });
  return [
    ev('message_start', {
      message: {
        ...start,
        content: [],
        stop_reason: null,
        usage: { input_tokens: 25, cache_creation_input_tokens: 0, cache_read_input_tokens: 1900, output_tokens: 1 },
      },
    }),
    ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
    ...opts.chunks.map((text) => ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text } })),
    ev('content_block_stop', { index: 0 }),
    ev('message_delta', {
      delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: { output_tokens: opts.chunks.length },
    }),
    ev('message_stop', {}),
  ];
}

export function openaiResponse(opts: ReplyOptions): Record<string, unknown> {
  return {
    id: opts.id,
    object: 'response',
    created_at: 1760000000,
    status: 'completed',
    model: 'gpt-5-codex',
    output: [
      {
        id: `msg_${opts.id}`,
        type: 'message',
        role: 'assistant',
        status: 'completed',
        content: [{ type: 'output_text', text: opts.chunks.join(''), annotations: [] }],
      },
    ],
    usage: {
      input_tokens: 900,
      input_tokens_details: { cached_tokens: 768 },
      output_tokens: opts.chunks.length,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: 900 + opts.chunks.length,
    },
  };
}

/** `response.created`, item and part added, text deltas, item done, `response.completed`. */
export function openaiStreamEvents(opts: ReplyOptions): SseEvent[] {
  let seq = 0;
  const ev = (type: string, payload: Record<string, unknown>): SseEvent => ({
    event: type,
    data: JSON.stringify({ type, sequence_number: seq++, ...payload }),
  });
  const done = openaiResponse(opts);
  const item = (done.output as Array<Record<string, unknown>>)[0]!;
  const itemId = String(item.id);
  return [
    ev('response.created', {
      response: { id: opts.id, object: 'response', status: 'in_progress', model: 'gpt-5-codex', output: [] },
    }),
    ev('response.output_item.added', { output_index: 0, item: { ...item, status: 'in_progress', content: [] } }),
    ev('response.content_part.added', {
      item_id: itemId,
      output_index: 0,
      content_index: 0,
      part: { type: 'output_text', text: '', annotations: [] },
    }),
    ...opts.chunks.map((delta) =>
      ev('response.output_text.delta', { item_id: itemId, output_index: 0, content_index: 0, delta, logprobs: [] }),
    ),
    ev('response.output_item.done', { output_index: 0, item }),
    ev('response.completed', { response: done }),
  ];
}

/** Events that carry `deltaCount` text deltas, for either protocol. */
export function streamEvents(protocol: Protocol, opts: ReplyOptions): SseEvent[] {
  return protocol === 'anthropic' ? anthropicStreamEvents(opts) : openaiStreamEvents(opts);
}

export function replyBody(protocol: Protocol, opts: ReplyOptions): string {
  return JSON.stringify(protocol === 'anthropic' ? anthropicMessage(opts) : openaiResponse(opts));
}

/** Number of framing (non-delta) events `streamEvents` adds around the deltas. */
export const STREAM_FRAMING_EVENTS: Record<Protocol, number> = { anthropic: 5, openai: 5 };

/** One SSE frame: `event:` line when named, one `data:` line per data line, blank line. */
export function encodeSseEvent(e: SseEvent): string {
  const lines = e.event ? [`event: ${e.event}`] : [];
  for (const line of e.data.split('\n')) lines.push(`data: ${line}`);
  return lines.join('\n') + '\n\n';
}

export function protocolOfPath(path: string): Protocol {
  return path.startsWith(PROTOCOL_PATH.openai) ? 'openai' : 'anthropic';
}
