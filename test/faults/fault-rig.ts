/**
 * The fault suite's rig: a scriptable fake upstream in the test process, the real daemon
 * (`hyp daemon run --foreground`, every bundled plugin) in front of it, a raw HTTP client that
 * never throws (it reports what it got, even half a body), and readers of what was recorded.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, rmSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { startDaemon, type DaemonHandle, type LogLine } from '../../harness/daemon.js';
import { startFakeUpstream, type CustomResponder, type FakeUpstream } from '../../harness/fake-upstream.js';
import { PROTOCOL_PATH, requestHeaders, requestTemplate, type Protocol } from '../../harness/protocol-samples.js';
import { waitFor } from '../../harness/wait.js';
import { SeededRandom, fillerText } from '../../harness/seeded-random.js';

export interface RigOptions {
  /** extra keys of the gateway's config slice (e.g. idle_timeout_ms) */
  gateway?: Record<string, unknown>;
  /** extra config upstreams, in front of the two pointing at the fake upstream */
  upstreams?: Array<Record<string, unknown>>;
  custom?: CustomResponder;
  hypHome?: string;
  env?: Record<string, string | undefined>;
}

export interface Rig {
  daemon: DaemonHandle;
  upstream: FakeUpstream;
  endpoint: string;
  stop(): Promise<void>;
}

export async function startRig(options: RigOptions = {}): Promise<Rig> {
  const upstream = await startFakeUpstream(options.custom ? { custom: options.custom } : {});
  const config = {
    plugins: {
      '@hypaware/ai-gateway': {
        listen: '127.0.0.1:0',
        ...options.gateway,
        upstreams: [
          ...(options.upstreams ?? []),
          { name: 'anthropic', base_url: upstream.url, path_prefix: '/v1/messages', provider: 'anthropic' },
          { name: 'openai', base_url: upstream.url, path_prefix: '/v1', provider: 'openai' },
        ],
      },
    },
  };
  let daemon: DaemonHandle;
  try {
    daemon = await startDaemon({
      config,
      ...(options.hypHome ? { hypHome: options.hypHome } : {}),
      ...(options.env ? { env: options.env } : {}),
    });
  } catch (err) {
    await upstream.close();
    throw err;
  }
  if (!daemon.endpoint) {
    await daemon.stop('SIGKILL');
    await upstream.close();
    throw new Error(`the daemon runs no gateway: ${daemon.stderrText().slice(-500)}`);
  }
  return {
    daemon,
    upstream,
    endpoint: daemon.endpoint,
    stop: async () => {
      await daemon.stop('SIGTERM');
      await upstream.close();
      rmSync(daemon.hypHome, { recursive: true, force: true });
    },
  };
}

/** A loopback port with nothing listening on it (connections are refused). */
export async function refusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

export interface HttpOutcome {
  status: number | null;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** set when the connection failed or ended before the response was complete */
  error: string | null;
}

export interface HttpCall {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
  timeoutMs?: number;
}

/** One request on a fresh connection; resolves with whatever came back, never rejects. */
export function httpCall(origin: string, call: HttpCall): Promise<HttpOutcome> {
  const url = new URL(call.path, origin);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let outcome: HttpOutcome = { status: null, headers: {}, body: Buffer.alloc(0), error: null };
    let settled = false;
    const settle = (error: string | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      outcome = { ...outcome, body: Buffer.concat(chunks), error: outcome.error ?? error };
      resolve(outcome);
    };
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method: call.method ?? 'POST',
        path: url.pathname + url.search,
        headers: call.headers,
        agent: false,
      },
      (res) => {
        outcome.status = res.statusCode ?? null;
        outcome.headers = res.headers;
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (err) => settle(err.message));
        res.on('aborted', () => settle('response aborted'));
        res.on('end', () => settle(res.complete ? null : 'response incomplete'));
        res.on('close', () => settle(res.complete ? null : 'connection closed before the response ended'));
      },
    );
    const timer = setTimeout(() => {
      req.destroy(new Error('client timeout'));
    }, call.timeoutMs ?? 15_000);
    req.on('error', (err) => settle(err.message));
    req.end(call.body);
  });
}

/** The query marker `protocolCall` puts on the path, so a test finds its exchange by `path`. */
export const caseMarker = (id: string) => `case=${id}.`;

/**
 * A realistic request of `protocol`, with the upstream's `x-fake` directives, a fixed reply id
 * and `?case=<id>.` on the path.
 */
export function protocolCall(
  protocol: Protocol,
  fake: string,
  id: string,
  options: { pathPrefix?: string; bodyBytes?: number } = {},
): HttpCall {
  const body = requestTemplate(protocol, {
    sessionId: `fault-${id}`,
    targetBytes: options.bodyBytes ?? 3000,
    stream: fake.includes('sse='),
  }).build(id);
  return {
    path: `${options.pathPrefix ?? ''}${PROTOCOL_PATH[protocol]}?${caseMarker(id)}`,
    headers: { ...requestHeaders(protocol, `fault-${id}`), 'x-fake': fake, 'x-fake-id': id },
    body,
  };
}

/**
 * A request of `protocol` whose single user message is `bytes` long: heavy on the wire and in
 * memory, light on projection (one message). `incompressible` fills it with base64 noise.
 */
export function singleMessageCall(
  protocol: Protocol,
  fake: string,
  id: string,
  bytes: number,
  incompressible = false,
): HttpCall {
  const text = `${id} ${incompressible ? randomBytes(Math.ceil(bytes * 0.75)).toString('base64') : fillerText(new SeededRandom(bytes), bytes)}`;
  const stream = fake.includes('sse=');
  const body =
    protocol === 'anthropic'
      ? { model: 'claude-sonnet-4-5', max_tokens: 1024, stream, messages: [{ role: 'user', content: text }] }
      : {
          model: 'gpt-5-codex',
          stream,
          input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text }] }],
        };
  return { ...protocolCall(protocol, fake, id), body: Buffer.from(JSON.stringify(body)) };
}

export type ExchangeRow = Record<string, unknown> & {
  exchange_id: string;
  path: string;
  status_code: number | null;
  error: string | null;
};

export function exchanges(daemon: DaemonHandle, where = '1=1', ...params: unknown[]): ExchangeRow[] {
  const db = daemon.db();
  try {
    return db.prepare(`SELECT * FROM ai_gateway_exchanges WHERE ${where}`).all(...params) as ExchangeRow[];
  } finally {
    db.close();
  }
}

export function countRows(daemon: DaemonHandle, sql: string, ...params: unknown[]): number {
  const db = daemon.db();
  try {
    return (db.prepare(sql).get(...params) as { n: number }).n;
  } finally {
    db.close();
  }
}

/** The exchange of `protocolCall(…, id)` (waits until the writer stored it). */
export function exchangeFor(daemon: DaemonHandle, id: string, timeoutMs = 10_000): Promise<ExchangeRow> {
  return waitFor(
    () => exchanges(daemon, 'instr(path, ?) > 0', caseMarker(id))[0],
    `the exchange of case ${id} to be recorded`,
    timeoutMs,
  );
}

/** Wait until `ai_gateway_exchanges` holds at least `n` rows matching `where`. */
export function waitForExchangeCount(
  daemon: DaemonHandle,
  n: number,
  timeoutMs = 20_000,
  where = '1=1',
): Promise<number> {
  return waitFor(
    () => {
      const count = countRows(daemon, `SELECT count(*) AS n FROM ai_gateway_exchanges WHERE ${where}`);
      return count >= n ? count : undefined;
    },
    `${n} exchanges to be recorded`,
    timeoutMs,
    50,
  );
}

/** Log lines that mean the daemon hit something it did not handle. */
export function unhandledErrors(daemon: DaemonHandle): LogLine[] {
  return daemon.logLines().filter((l) => l.event === 'daemon.uncaught');
}

/** Open file descriptors of a process (sockets included). */
export function openFds(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}
