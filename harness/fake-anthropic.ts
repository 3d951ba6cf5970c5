/**
 * A fake Anthropic upstream on loopback speaking the Messages API well enough for the real
 * Claude Code CLI: JSON and SSE replies (text, thinking with signature, tool_use with its
 * input streamed as JSON fragments), usage in `message_start` and a cumulative
 * `message_delta`, a `request-id` header on every answer, `count_tokens`, HTTP errors and
 * streams cut short. Replies are scripted per request; every request and answer is kept so
 * tests compare captured rows with what really went over the wire.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listenOnLoopback } from './loopback-server.js';

export type ReplyBlock =
  | { type: 'text'; text: string }
  | { type: 'thinking'; thinking: string; signature: string }
  | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> };

export interface ReplyUsage {
  /** input tokens not read from or written to cache (Anthropic's `input_tokens`) */
  input: number;
  output: number;
  cacheRead?: number;
  cacheWrite?: number;
}

export interface ScriptedReply {
  /** `toolu_` ids may be left empty (''): the fake numbers them */
  blocks: ReplyBlock[];
  stopReason?: string;
  usage?: ReplyUsage;
  /** answer with this status and an Anthropic error body instead */
  httpError?: { status: number; type: string; message: string };
  /** close the connection after this many SSE events (no message_stop) */
  cutAfterEvents?: number;
}

export interface FakeAnthropicRequest {
  /** 1-based arrival number */
  n: number;
  method: string;
  /** request target, query string included */
  url: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown> | undefined;
}

export interface FakeAnthropicReply {
  n: number;
  messageId: string;
  requestId: string;
  blocks: ReplyBlock[];
  usage: Required<ReplyUsage>;
  streamed: boolean;
}

export interface FakeAnthropic {
  url: string;
  port: number;
  requests: FakeAnthropicRequest[];
  replies: FakeAnthropicReply[];
  close(): Promise<void>;
}

export type Script = (request: FakeAnthropicRequest) => ScriptedReply;

/** The events Anthropic streams for a message made of `blocks` (as `{type, ...}` payloads). */
export function messageEvents(
  messageId: string,
  model: string,
  blocks: ReplyBlock[],
  usage: Required<ReplyUsage>,
  stopReason: string,
): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [
    {
      type: 'message_start',
      message: {
        id: messageId,
        type: 'message',
        role: 'assistant',
        model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: {
          input_tokens: usage.input,
          cache_creation_input_tokens: usage.cacheWrite,
          cache_read_input_tokens: usage.cacheRead,
          output_tokens: 1,
        },
      },
    },
  ];
  blocks.forEach((b, index) => {
    if (b.type === 'text') {
      out.push({ type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
      const half = Math.ceil(b.text.length / 2);
      for (const piece of [b.text.slice(0, half), b.text.slice(half)])
        if (piece !== '') out.push({ type: 'content_block_delta', index, delta: { type: 'text_delta', text: piece } });
    } else if (b.type === 'thinking') {
      out.push({
        type: 'content_block_start',
        index,
        content_block: { type: 'thinking', thinking: '', signature: '' },
      });
      out.push({ type: 'content_block_delta', index, delta: { type: 'thinking_delta', thinking: b.thinking } });
      out.push({ type: 'content_block_delta', index, delta: { type: 'signature_delta', signature: b.signature } });
    } else {
      out.push({
        type: 'content_block_start',
        index,
        content_block: { type: 'tool_use', id: b.id, name: b.name, input: {} },
      });
      const json = JSON.stringify(b.input);
      for (const piece of ['', json.slice(0, 5), json.slice(5)])
        out.push({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: piece } });
    }
    out.push({ type: 'content_block_stop', index });
    if (index === 0) out.push({ type: 'ping' });
  });
  out.push({
    type: 'message_delta',
    delta: { stop_reason: stopReason, stop_sequence: null },
    usage: { output_tokens: usage.output },
  });
  out.push({ type: 'message_stop' });
  return out;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown, requestId: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'request-id': requestId });
  res.end(JSON.stringify(body));
}

/** Default script: a short text answer. */
const hello: Script = (r) => ({ blocks: [{ type: 'text', text: `Hello from the fake Anthropic upstream (${r.n}).` }] });

export async function startFakeAnthropic(script: Script = hello): Promise<FakeAnthropic> {
  const requests: FakeAnthropicRequest[] = [];
  const replies: FakeAnthropicReply[] = [];
  let toolSeq = 0;
  const server = createServer((req, res) => {
    void readBody(req).then(
      (text) => {
        let body: Record<string, unknown> | undefined;
        try {
          body = text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>);
        } catch {
          body = undefined;
        }
        const request: FakeAnthropicRequest = {
          n: requests.length + 1,
          method: req.method ?? 'GET',
          url: req.url ?? '/',
          headers: req.headers,
          body,
        };
        requests.push(request);
        const requestId = `req_fake${String(request.n).padStart(4, '0')}`;
        const path = request.url.split('?')[0];
        if (request.method === 'HEAD' || request.method === 'GET') {
          res.writeHead(200, { 'request-id': requestId });
          res.end();
          return;
        }
        if (path === '/v1/messages/count_tokens') {
          sendJson(res, 200, { input_tokens: text.length % 1000 }, requestId);
          return;
        }
        if (path !== '/v1/messages' || !body) {
          sendJson(
            res,
            404,
            { type: 'error', error: { type: 'not_found_error', message: `no route for ${request.method} ${path}` } },
            requestId,
          );
          return;
        }
        const scripted = script(request);
        if (scripted.httpError) {
          sendJson(
            res,
            scripted.httpError.status,
            {
              type: 'error',
              error: { type: scripted.httpError.type, message: scripted.httpError.message },
              request_id: requestId,
            },
            requestId,
          );
          return;
        }
        const blocks = scripted.blocks.map((b) =>
          b.type === 'tool_use' && b.id === '' ? { ...b, id: `toolu_fake${String(++toolSeq).padStart(4, '0')}` } : b,
        );
        const usage: Required<ReplyUsage> = {
          cacheRead: 0,
          cacheWrite: 0,
          ...(scripted.usage ?? {
            input: 100 + request.n,
            output: 10 + request.n,
            cacheRead: 1000 * request.n,
            cacheWrite: 50,
          }),
        };
        const messageId = `msg_fake${String(request.n).padStart(4, '0')}`;
        const stopReason = scripted.stopReason ?? (blocks.some((b) => b.type === 'tool_use') ? 'tool_use' : 'end_turn');
        const model = typeof body.model === 'string' ? body.model : 'claude-sonnet-4-5';
        const streamed = body.stream === true;
        replies.push({ n: request.n, messageId, requestId, blocks, usage, streamed });
        if (!streamed) {
          sendJson(
            res,
            200,
            {
              id: messageId,
              type: 'message',
              role: 'assistant',
              model,
              content: blocks,
              stop_reason: stopReason,
              stop_sequence: null,
              usage: {
                input_tokens: usage.input,
                cache_creation_input_tokens: usage.cacheWrite,
                cache_read_input_tokens: usage.cacheRead,
                output_tokens: usage.output,
              },
            },
            requestId,
          );
          return;
        }
        res.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-cache',
          'request-id': requestId,
        });
        const events = messageEvents(messageId, model, blocks, usage, stopReason);
        const sent = scripted.cutAfterEvents === undefined ? events : events.slice(0, scripted.cutAfterEvents);
        for (const e of sent) res.write(`event: ${String(e.type)}\ndata: ${JSON.stringify(e)}\n\n`);
        if (scripted.cutAfterEvents === undefined) res.end();
        else res.destroy();
      },
      () => res.destroy(),
    );
  });
  return { ...(await listenOnLoopback(server)), requests, replies };
}
