/**
 * What the load driver does, one task at a time, against one target origin (direct, floor
 * or gateway). Every loop is bounded by a count or a deadline. Runs in the driver process.
 */
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { Client, Pool, type Dispatcher } from 'undici';
import { createParser } from 'eventsource-parser';
import {
  PROTOCOL_PATH,
  requestHeaders,
  requestTemplate,
  type Protocol,
  type RequestTemplate,
} from '../harness/protocol-samples.js';

export type Task =
  | { kind: 'latency'; origin: string; count: number; bodyBytes: number }
  | { kind: 'throughput'; origin: string; connections: number; durationMs: number; bodyBytes: number }
  | { kind: 'requests'; origin: string; count: number; connections: number; bodyBytes: number }
  | { kind: 'stream'; origin: string; protocol: Protocol; deltas: number; intervalMs: number }
  | { kind: 'big-body'; origin: string; bytes: number };

export interface LatencyResult {
  micros: number[];
  errors: number;
}
export interface ThroughputResult {
  completed: number;
  errors: number;
  elapsedMs: number;
}
export interface StreamResult {
  firstEventMs: number;
  events: number;
  deliveryMs: number[];
  totalMs: number;
}
export interface BigBodyResult {
  ms: number;
  status: number;
  upstreamReceivedBytes: number | null;
}
export type TaskResult = LatencyResult | ThroughputResult | StreamResult | BigBodyResult;

const nowMs = () => performance.timeOrigin + performance.now();

/** One session per (origin, protocol): history repeats, the last user turn is unique. */
class Traffic {
  private readonly templates = new Map<string, { template: RequestTemplate; headers: Record<string, string> }>();
  private turn = 0;

  request(origin: string, protocol: Protocol, bodyBytes: number, stream = false): Dispatcher.RequestOptions {
    const key = `${origin} ${protocol} ${bodyBytes} ${stream}`;
    let entry = this.templates.get(key);
    if (!entry) {
      const sessionId = randomUUID();
      entry = {
        template: requestTemplate(protocol, { sessionId, targetBytes: bodyBytes, stream }),
        headers: requestHeaders(protocol, sessionId),
      };
      this.templates.set(key, entry);
    }
    return {
      method: 'POST',
      path: PROTOCOL_PATH[protocol],
      headers: entry.headers,
      body: entry.template.build(++this.turn),
    };
  }
}

const traffic = new Traffic();
const pools = new Map<string, Dispatcher>();

function pool(origin: string, connections: number): Dispatcher {
  const key = `${origin}#${connections}`;
  let p = pools.get(key);
  if (!p) {
    p =
      connections === 1
        ? new Client(origin, { keepAliveTimeout: 60_000 })
        : new Pool(origin, { connections, keepAliveTimeout: 60_000 });
    pools.set(key, p);
  }
  return p;
}

const protocolFor = (i: number): Protocol => (i % 2 === 0 ? 'anthropic' : 'openai');

async function send(dispatcher: Dispatcher, options: Dispatcher.RequestOptions): Promise<boolean> {
  const res = await dispatcher.request(options);
  await res.body.dump({ limit: Number.MAX_SAFE_INTEGER });
  return res.statusCode === 200;
}

async function latency(t: Extract<Task, { kind: 'latency' }>): Promise<LatencyResult> {
  const client = pool(t.origin, 1);
  const micros: number[] = [];
  let errors = 0;
  for (let i = 0; i < t.count; i++) {
    const options = traffic.request(t.origin, protocolFor(i), t.bodyBytes);
    const start = process.hrtime.bigint();
    const ok = await send(client, options).catch(() => false);
    const elapsed = Number(process.hrtime.bigint() - start) / 1000;
    if (ok) micros.push(elapsed);
    else errors++;
  }
  return { micros, errors };
}

/** `connections` workers, each sending back to back until the deadline (or `maxCount` in all). */
async function closedLoop(
  origin: string,
  connections: number,
  bodyBytes: number,
  deadline: number,
  maxCount: number,
): Promise<ThroughputResult> {
  const dispatcher = pool(origin, connections);
  let completed = 0;
  let errors = 0;
  let issued = 0;
  const start = performance.now();
  const worker = async () => {
    while (performance.now() < deadline && issued < maxCount) {
      const options = traffic.request(origin, protocolFor(issued++), bodyBytes);
      if (await send(dispatcher, options).catch(() => false)) completed++;
      else errors++;
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
  return { completed, errors, elapsedMs: performance.now() - start };
}

async function stream(t: Extract<Task, { kind: 'stream' }>): Promise<StreamResult> {
  const options = traffic.request(t.origin, t.protocol, 4000, true);
  options.headers = {
    ...(options.headers as Record<string, string>),
    'x-fake': `sse=${t.deltas};interval=${t.intervalMs};stamp`,
    accept: 'text/event-stream',
  };
  const start = nowMs();
  const res = await pool(t.origin, 1).request(options);
  const deliveryMs: number[] = [];
  let firstEventMs = Number.NaN;
  let lastSent = Number.NaN;
  const parser = createParser({
    onComment: (comment) => {
      const m = /sent=([\d.]+)/.exec(comment);
      if (m) lastSent = Number(m[1]);
    },
    onEvent: () => {
      const now = nowMs();
      if (Number.isNaN(firstEventMs)) firstEventMs = now - start;
      deliveryMs.push(now - lastSent);
    },
  });
  const decoder = new TextDecoder();
  for await (const chunk of res.body) parser.feed(decoder.decode(chunk as Buffer, { stream: true }));
  parser.feed(decoder.decode());
  return { firstEventMs, events: deliveryMs.length, deliveryMs, totalMs: nowMs() - start };
}

/** A valid Anthropic request whose single user message is `bytes` of text, generated as it is sent. */
async function* bigRequestBody(bytes: number): AsyncGenerator<Buffer> {
  const head = Buffer.from('{"model":"claude-sonnet-4-5","max_tokens":1024,"messages":[{"role":"user","content":"');
  const tail = Buffer.from('"}]}');
  const block = Buffer.alloc(1 << 20, 'x');
  yield head;
  let left = bytes - head.length - tail.length;
  while (left > 0) {
    const n = Math.min(left, block.length);
    yield n === block.length ? block : block.subarray(0, n);
    left -= n;
  }
  yield tail;
}

async function bigBody(t: Extract<Task, { kind: 'big-body' }>): Promise<BigBodyResult> {
  const headers = { ...requestHeaders('anthropic', randomUUID()), 'content-length': String(t.bytes), 'x-fake': 'hash' };
  const start = performance.now();
  const res = await pool(t.origin, 1).request({
    method: 'POST',
    path: PROTOCOL_PATH.anthropic,
    headers,
    body: Readable.from(bigRequestBody(t.bytes)),
  });
  await res.body.dump({ limit: Number.MAX_SAFE_INTEGER });
  const received = res.headers['x-fake-received-bytes'];
  return {
    ms: performance.now() - start,
    status: res.statusCode,
    upstreamReceivedBytes: typeof received === 'string' ? Number(received) : null,
  };
}

export function runTask(task: Task): Promise<TaskResult> {
  switch (task.kind) {
    case 'latency':
      return latency(task);
    case 'throughput':
      return closedLoop(
        task.origin,
        task.connections,
        task.bodyBytes,
        performance.now() + task.durationMs,
        Number.MAX_SAFE_INTEGER,
      );
    case 'requests':
      return closedLoop(task.origin, task.connections, task.bodyBytes, performance.now() + 300_000, task.count);
    case 'stream':
      return stream(task);
    case 'big-body':
      return bigBody(task);
  }
}

export async function closeDispatchers(): Promise<void> {
  await Promise.all([...pools.values()].map((p) => p.close().catch(() => undefined)));
}
