/**
 * A fake OpenAI upstream on loopback that speaks Chat Completions and Responses (JSON and
 * SSE) well enough for the real Codex CLI: scripted replies with text, reasoning summaries
 * and function calls, usage, failures, HTTP errors and streams cut short. It keeps every
 * request (parsed body, headers) and what it answered (ids, usage), so tests compare the
 * captured rows with what really went over the wire.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listenOnLoopback } from './loopback-server.js';

export interface ScriptedToolCall {
  name: string;
  /** a JSON string, or an object that is serialized */
  arguments: string | Record<string, unknown>;
}

export interface ScriptedUsage {
  /** gross input tokens (cached included, as OpenAI reports them) */
  input: number;
  cached: number;
  output: number;
  reasoning: number;
}

export interface ScriptedReply {
  text?: string;
  /** a reasoning summary item before the output (Responses only) */
  reasoning?: string;
  toolCalls?: ScriptedToolCall[];
  usage?: ScriptedUsage;
  /** a failed response: `response.failed` (Responses) or an error chunk (Chat) */
  fail?: { code: string; message: string };
  /** answer with this HTTP status and an OpenAI error body instead */
  httpError?: { status: number; code: string; message: string };
  /** close the connection after this many SSE events */
  cutAfterEvents?: number;
}

export interface FakeOpenAiRequest {
  /** 1-based arrival number */
  n: number;
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown> | undefined;
}

/** What the fake answered to a model request. */
export interface FakeOpenAiReply {
  n: number;
  path: string;
  responseId: string;
  text: string;
  callIds: string[];
  usage: ScriptedUsage;
  streamed: boolean;
}

export type Script = (request: FakeOpenAiRequest) => ScriptedReply;

export interface FakeOpenAiOptions {
  /** replies in order (the default text reply after the last), or a function of the request */
  script?: ScriptedReply[] | Script;
  /** content-type of SSE replies; null sends none (as chatgpt.com's codex endpoint does) */
  sseContentType?: string | null;
}

export interface FakeOpenAi {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  requests: FakeOpenAiRequest[];
  replies: FakeOpenAiReply[];
  close(): Promise<void>;
}

type Json = Record<string, unknown>;
interface Sink {
  event(name: string | undefined, payload: Json | string): boolean;
}

export function defaultUsage(n: number): ScriptedUsage {
  return { input: 1000 + 10 * n, cached: 512, output: 20 + n, reasoning: 4 };
}

function argumentsText(call: ScriptedToolCall): string {
  return typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments);
}

function halves(text: string): string[] {
  const cut = Math.ceil(text.length / 2);
  return [text.slice(0, cut), text.slice(cut)].filter((s) => s !== '');
}

function responsesUsage(u: ScriptedUsage): Json {
  return {
    input_tokens: u.input,
    input_tokens_details: { cached_tokens: u.cached },
    output_tokens: u.output,
    output_tokens_details: { reasoning_tokens: u.reasoning },
    total_tokens: u.input + u.output,
  };
}

function chatUsage(u: ScriptedUsage): Json {
  return {
    prompt_tokens: u.input,
    completion_tokens: u.output,
    total_tokens: u.input + u.output,
    prompt_tokens_details: { cached_tokens: u.cached },
    completion_tokens_details: { reasoning_tokens: u.reasoning },
  };
}

/** The output items of a Responses reply, complete. */
function responseItems(reply: ScriptedReply, n: number, callIds: string[]): Json[] {
  const items: Json[] = [];
  if (reply.reasoning !== undefined) {
    items.push({
      id: `rs_${n}`,
      type: 'reasoning',
      summary: [{ type: 'summary_text', text: reply.reasoning }],
      encrypted_content: `enc-${n}`,
    });
  }
  if (reply.text !== undefined) {
    items.push({
      id: `msg_${n}`,
      type: 'message',
      role: 'assistant',
      status: 'completed',
      content: [{ type: 'output_text', text: reply.text, annotations: [] }],
    });
  }
  (reply.toolCalls ?? []).forEach((call, i) => {
    items.push({
      id: `fc_${n}_${i}`,
      type: 'function_call',
      status: 'completed',
      call_id: callIds[i]!,
      name: call.name,
      arguments: argumentsText(call),
    });
  });
  return items;
}

/** Stream one output item the way OpenAI does: added, deltas, done. */
function streamItem(sink: Sink, item: Json, index: number, seq: () => number): boolean {
  const id = String(item.id);
  const type = String(item.type);
  const added =
    type === 'message'
      ? { ...item, status: 'in_progress', content: [] }
      : type === 'function_call'
        ? { ...item, status: 'in_progress', arguments: '' }
        : { ...item, summary: [] };
  if (
    !sink.event('response.output_item.added', {
      type: 'response.output_item.added',
      sequence_number: seq(),
      output_index: index,
      item: added,
    })
  )
    return false;
  if (type === 'message') {
    const text = String((item.content as Json[])[0]!.text);
    sink.event('response.content_part.added', {
      type: 'response.content_part.added',
      sequence_number: seq(),
      item_id: id,
      output_index: index,
      content_index: 0,
      part: { type: 'output_text', text: '', annotations: [] },
    });
    for (const delta of halves(text)) {
      if (
        !sink.event('response.output_text.delta', {
          type: 'response.output_text.delta',
          sequence_number: seq(),
          item_id: id,
          output_index: index,
          content_index: 0,
          delta,
          logprobs: [],
        })
      )
        return false;
    }
    sink.event('response.output_text.done', {
      type: 'response.output_text.done',
      sequence_number: seq(),
      item_id: id,
      output_index: index,
      content_index: 0,
      text,
    });
  } else if (type === 'function_call') {
    for (const delta of halves(String(item.arguments))) {
      if (
        !sink.event('response.function_call_arguments.delta', {
          type: 'response.function_call_arguments.delta',
          sequence_number: seq(),
          item_id: id,
          output_index: index,
          delta,
        })
      )
        return false;
    }
    sink.event('response.function_call_arguments.done', {
      type: 'response.function_call_arguments.done',
      sequence_number: seq(),
      item_id: id,
      output_index: index,
      name: item.name,
      arguments: item.arguments,
    });
  } else {
    const text = String((item.summary as Json[])[0]!.text);
    for (const delta of halves(text)) {
      if (
        !sink.event('response.reasoning_summary_text.delta', {
          type: 'response.reasoning_summary_text.delta',
          sequence_number: seq(),
          item_id: id,
          output_index: index,
          summary_index: 0,
          delta,
        })
      )
        return false;
    }
  }
  return sink.event('response.output_item.done', {
    type: 'response.output_item.done',
    sequence_number: seq(),
    output_index: index,
    item,
  });
}

function streamResponses(
  sink: Sink,
  reply: ScriptedReply,
  items: Json[],
  responseId: string,
  model: string,
  usage: ScriptedUsage,
): void {
  let n = 0;
  const seq = () => n++;
  const base = { id: responseId, object: 'response', model, output: [] };
  if (
    !sink.event('response.created', {
      type: 'response.created',
      sequence_number: seq(),
      response: { ...base, status: 'in_progress' },
    })
  )
    return;
  for (const [index, item] of items.entries()) if (!streamItem(sink, item, index, seq)) return;
  if (reply.fail) {
    sink.event('response.failed', {
      type: 'response.failed',
      sequence_number: seq(),
      response: { ...base, status: 'failed', error: reply.fail, usage: responsesUsage(usage) },
    });
    return;
  }
  sink.event('response.completed', {
    type: 'response.completed',
    sequence_number: seq(),
    response: { ...base, status: 'completed', output: items, usage: responsesUsage(usage) },
  });
}

function chatMessage(reply: ScriptedReply, callIds: string[]): Json {
  const toolCalls = (reply.toolCalls ?? []).map((call, i) => ({
    id: callIds[i]!,
    type: 'function',
    function: { name: call.name, arguments: argumentsText(call) },
  }));
  return { role: 'assistant', content: reply.text ?? null, ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}) };
}

function streamChat(
  sink: Sink,
  reply: ScriptedReply,
  id: string,
  model: string,
  callIds: string[],
  usage: ScriptedUsage,
  includeUsage: boolean,
): void {
  const chunk = (delta: Json, finish: string | null = null) => ({
    id,
    object: 'chat.completion.chunk',
    created: 1760000000,
    model,
    choices: [{ index: 0, delta, finish_reason: finish }],
    usage: null,
  });
  if (!sink.event(undefined, chunk({ role: 'assistant', content: '' }))) return;
  for (const delta of halves(reply.text ?? '')) if (!sink.event(undefined, chunk({ content: delta }))) return;
  for (const [i, call] of (reply.toolCalls ?? []).entries()) {
    if (
      !sink.event(
        undefined,
        chunk({
          tool_calls: [{ index: i, id: callIds[i]!, type: 'function', function: { name: call.name, arguments: '' } }],
        }),
      )
    )
      return;
    for (const part of halves(argumentsText(call)))
      if (!sink.event(undefined, chunk({ tool_calls: [{ index: i, function: { arguments: part } }] }))) return;
  }
  if (reply.fail) {
    sink.event(undefined, { error: { message: reply.fail.message, type: 'server_error', code: reply.fail.code } });
    return;
  }
  if (!sink.event(undefined, chunk({}, (reply.toolCalls ?? []).length > 0 ? 'tool_calls' : 'stop'))) return;
  if (includeUsage)
    sink.event(undefined, {
      id,
      object: 'chat.completion.chunk',
      created: 1760000000,
      model,
      choices: [],
      usage: chatUsage(usage),
    });
  sink.event(undefined, '[DONE]');
}

function sseSink(res: ServerResponse, contentType: string | null, limit: number | undefined): Sink {
  res.writeHead(200, {
    ...(contentType ? { 'content-type': contentType } : {}),
    'cache-control': 'no-cache',
    'x-request-id': res.getHeader('x-request-id') as string,
  });
  let sent = 0;
  return {
    event(name, payload) {
      if (limit !== undefined && sent >= limit) {
        res.destroy();
        return false;
      }
      sent++;
      res.write(
        `${name ? `event: ${name}\n` : ''}data: ${typeof payload === 'string' ? payload : JSON.stringify(payload)}\n\n`,
      );
      return true;
    },
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const out = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(out.length) });
  res.end(out);
}

function parseBody(raw: string): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(raw) as unknown;
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export async function startFakeOpenAi(options: FakeOpenAiOptions = {}): Promise<FakeOpenAi> {
  const requests: FakeOpenAiRequest[] = [];
  const replies: FakeOpenAiReply[] = [];
  const queue = Array.isArray(options.script) ? [...options.script] : [];
  const nextReply = (request: FakeOpenAiRequest): ScriptedReply => {
    if (typeof options.script === 'function') return options.script(request);
    return queue.shift() ?? { text: `Hello from fake OpenAI (${request.n})` };
  };
  const sseType = options.sseContentType === undefined ? 'text/event-stream' : options.sseContentType;

  const answer = (req: IncomingMessage, res: ServerResponse, raw: string) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const request: FakeOpenAiRequest = {
      n: requests.length + 1,
      method: req.method ?? 'GET',
      path,
      headers: req.headers,
      body: parseBody(raw),
    };
    requests.push(request);
    res.setHeader('x-request-id', `req_fake_${request.n}`);
    if (request.method === 'GET' && path.endsWith('/models')) {
      sendJson(res, 200, {
        object: 'list',
        data: [{ id: 'gpt-5-codex', object: 'model', owned_by: 'fake' }],
        models: [],
      });
      return;
    }
    const responses = path.endsWith('/responses');
    if (request.method !== 'POST' || (!responses && !path.endsWith('/chat/completions')) || !request.body) {
      sendJson(res, 404, {
        error: {
          message: `fake OpenAI does not serve ${request.method} ${path}`,
          type: 'invalid_request_error',
          code: 'not_found',
        },
      });
      return;
    }
    const reply = nextReply(request);
    if (reply.httpError) {
      sendJson(res, reply.httpError.status, {
        error: { message: reply.httpError.message, type: 'invalid_request_error', code: reply.httpError.code },
      });
      return;
    }
    const n = request.n;
    const callIds = (reply.toolCalls ?? []).map((_, i) => `call_${n}_${i}`);
    const usage = reply.usage ?? defaultUsage(n);
    const model = typeof request.body.model === 'string' ? request.body.model : 'gpt-5-codex';
    const stream = request.body.stream === true;
    const responseId = responses ? `resp_${n}` : `chatcmpl-${n}`;
    replies.push({ n, path, responseId, text: reply.text ?? '', callIds, usage, streamed: stream });
    if (responses) {
      const items = responseItems(reply, n, callIds);
      if (stream) streamResponses(sseSink(res, sseType, reply.cutAfterEvents), reply, items, responseId, model, usage);
      else
        sendJson(res, 200, {
          id: responseId,
          object: 'response',
          status: reply.fail ? 'failed' : 'completed',
          model,
          output: items,
          usage: responsesUsage(usage),
          ...(reply.fail ? { error: reply.fail } : {}),
        });
    } else if (stream) {
      const includeUsage =
        typeof request.body.stream_options === 'object' &&
        (request.body.stream_options as Json | null)?.include_usage === true;
      streamChat(sseSink(res, sseType, reply.cutAfterEvents), reply, responseId, model, callIds, usage, includeUsage);
    } else {
      sendJson(res, 200, {
        id: responseId,
        object: 'chat.completion',
        created: 1760000000,
        model,
        choices: [
          { index: 0, message: chatMessage(reply, callIds), finish_reason: callIds.length > 0 ? 'tool_calls' : 'stop' },
        ],
        usage: chatUsage(usage),
      });
    }
    if (!res.destroyed) res.end();
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => answer(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  return { ...(await listenOnLoopback(server)), requests, replies };
}
