/**
 * A fake Anthropic / OpenAI upstream on loopback, scriptable per request through the
 * `x-fake` request header (so a test drives faults through the real gateway):
 *
 *   x-fake: sse=45;interval=20;stamp;status=429;reset-after=3;stall-after=2;stall-headers;
 *           no-final-blank;bad-json-at=2;gzip;corrupt-gzip;hash
 *
 * - `sse=N`: stream N text deltas (plus the protocol's framing events); otherwise a JSON reply
 * - `interval=MS`: pause between events (default 0: all in one write)
 * - `stamp`: precede each event with a comment `: sent=<epoch ms>` (for delivery-lag measurement)
 * - `status=CODE`: reply CODE with the protocol's error body
 * - `reset-after=K`: destroy the socket after K events (mid-stream reset)
 * - `stall-after=K`: send K events then nothing more, until the client goes away
 * - `stall-headers`: accept the request and never answer
 * - `no-final-blank`: the last event lacks its terminating blank line
 * - `bad-json-at=K`: event K carries invalid JSON in `data:`
 * - `gzip` / `corrupt-gzip`: gzip the JSON reply (corrupt: flip bytes in the deflate stream)
 * - `hash`: answer with `x-fake-received-sha256` of the request body
 *
 * The protocol follows the path: `/v1/responses` is OpenAI Responses, anything else Anthropic.
 * Reply ids count requests, unless the request carries `x-fake-id` (then two requests with the
 * same id get byte-identical replies: a direct and a proxied answer can be compared).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import {
  encodeSseEvent,
  protocolOfPath,
  replyBody,
  streamEvents,
  type Protocol,
  type SseEvent,
} from './protocol-samples.js';
import { listenOnLoopback } from './loopback-server.js';

export interface FakeDirectives {
  sse?: number;
  interval: number;
  stamp: boolean;
  status?: number;
  resetAfter?: number;
  stallAfter?: number;
  stallHeaders: boolean;
  noFinalBlank: boolean;
  badJsonAt?: number;
  gzip: boolean;
  corruptGzip: boolean;
  hash: boolean;
}

export function parseDirectives(header: string | undefined): FakeDirectives {
  const d: FakeDirectives = {
    interval: 0,
    stamp: false,
    stallHeaders: false,
    noFinalBlank: false,
    gzip: false,
    corruptGzip: false,
    hash: false,
  };
  for (const part of (header ?? '').split(';')) {
    const [rawKey, rawValue] = part.split('=');
    const key = rawKey!.trim();
    const num = rawValue === undefined ? undefined : Number(rawValue.trim());
    switch (key) {
      case 'sse':
        d.sse = num;
        break;
      case 'interval':
        d.interval = num ?? 0;
        break;
      case 'stamp':
        d.stamp = true;
        break;
      case 'status':
        d.status = num;
        break;
      case 'reset-after':
        d.resetAfter = num;
        break;
      case 'stall-after':
        d.stallAfter = num;
        break;
      case 'stall-headers':
        d.stallHeaders = true;
        break;
      case 'no-final-blank':
        d.noFinalBlank = true;
        break;
      case 'bad-json-at':
        d.badJsonAt = num;
        break;
      case 'gzip':
        d.gzip = true;
        break;
      case 'corrupt-gzip':
        d.corruptGzip = true;
        break;
      case 'hash':
        d.hash = true;
        break;
      default:
        break;
    }
  }
  return d;
}

export interface UpstreamRequestRecord {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  bodyBytes: number;
  /** the upstream saw the client (the gateway) go away before the reply ended */
  aborted: boolean;
  finished: boolean;
}

/** Replace the reply of a request entirely (return true when handled). */
export type CustomResponder = (req: IncomingMessage, res: ServerResponse, body: Buffer) => boolean;

export interface FakeUpstreamOptions {
  host?: string;
  port?: number;
  /** keep per-request records (default true; the last `maxRecords`) */
  record?: boolean;
  maxRecords?: number;
  custom?: CustomResponder;
}

export interface FakeUpstream {
  url: string;
  port: number;
  server: Server;
  records: UpstreamRequestRecord[];
  /** requests currently being answered */
  open(): number;
  close(): Promise<void>;
}

function errorBody(protocol: Protocol, status: number): string {
  const kind = status === 429 ? 'rate_limit_error' : status === 529 ? 'overloaded_error' : 'api_error';
  if (protocol === 'anthropic')
    return JSON.stringify({
      type: 'error',
      error: { type: kind, message: `fake upstream status ${status}` },
      request_id: 'req_fake_error',
    });
  return JSON.stringify({
    error: {
      message: `fake upstream status ${status}`,
      type: kind,
      param: null,
      code: status === 429 ? 'rate_limit_exceeded' : 'server_error',
    },
  });
}

function corrupt(buf: Buffer): Buffer {
  const out = Buffer.from(buf);
  for (let i = 12; i < out.length - 8; i += 7) out[i] = out[i]! ^ 0x5a;
  return out;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function startFakeUpstream(options: FakeUpstreamOptions = {}): Promise<FakeUpstream> {
  const records: UpstreamRequestRecord[] = [];
  const maxRecords = options.maxRecords ?? 5000;
  let counter = 0;
  let open = 0;

  const server = createServer((req, res) => {
    open++;
    const record: UpstreamRequestRecord = {
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      bodyBytes: 0,
      aborted: false,
      finished: false,
    };
    if (options.record !== false) {
      records.push(record);
      if (records.length > maxRecords) records.shift();
    }
    res.on('close', () => {
      open--;
      if (!res.writableFinished) record.aborted = true;
    });
    res.on('finish', () => {
      record.finished = true;
    });
    const directives = parseDirectives(req.headers['x-fake'] as string | undefined);
    const hasher = directives.hash ? createHash('sha256') : undefined;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => {
      record.bodyBytes += chunk.length;
      hasher?.update(chunk);
      if (options.custom) chunks.push(chunk);
    });
    req.on('error', () => undefined);
    req.on('end', () => {
      const n = ++counter;
      if (options.custom?.(req, res, Buffer.concat(chunks))) return;
      const extra: Record<string, string> = hasher
        ? { 'x-fake-received-sha256': hasher.digest('hex'), 'x-fake-received-bytes': String(record.bodyBytes) }
        : {};
      void respond(req, res, directives, n, extra).catch(() => res.destroy());
    });
  });

  async function respond(
    req: IncomingMessage,
    res: ServerResponse,
    d: FakeDirectives,
    n: number,
    extra: Record<string, string>,
  ): Promise<void> {
    const protocol = protocolOfPath(req.url ?? '/');
    const fixedId = req.headers['x-fake-id'];
    const tag = typeof fixedId === 'string' ? fixedId : String(n);
    const idHeader =
      protocol === 'anthropic' ? { 'request-id': `req_fake_${tag}` } : { 'x-request-id': `req_fake_${tag}` };
    if (d.stallHeaders) return;
    if (d.status !== undefined && d.status >= 400) {
      res.writeHead(d.status, {
        'content-type': 'application/json',
        ...idHeader,
        ...extra,
        ...(d.status === 429 ? { 'retry-after': '1' } : {}),
      });
      res.end(errorBody(protocol, d.status));
      return;
    }
    const id = protocol === 'anthropic' ? `msg_fake_${tag}` : `resp_fake_${tag}`;
    if (d.sse === undefined) {
      const body = Buffer.from(
        replyBody(protocol, { id, chunks: ['Done: ', `reply ${tag} `, 'with a short answer.'] }),
      );
      if (d.gzip || d.corruptGzip) {
        const gz = d.corruptGzip ? corrupt(gzipSync(body)) : gzipSync(body);
        res.writeHead(200, {
          'content-type': 'application/json',
          'content-encoding': 'gzip',
          'content-length': String(gz.length),
          ...idHeader,
          ...extra,
        });
        res.end(gz);
      } else {
        res.writeHead(200, {
          'content-type': 'application/json',
          'content-length': String(body.length),
          ...idHeader,
          ...extra,
        });
        res.end(body);
      }
      return;
    }
    const events: SseEvent[] = streamEvents(protocol, {
      id,
      chunks: Array.from({ length: d.sse }, (_, i) => `w${i} `),
    });
    if (d.badJsonAt !== undefined && events[d.badJsonAt])
      events[d.badJsonAt] = {
        ...events[d.badJsonAt]!,
        data: '{"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "te',
      };
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      ...idHeader,
      ...extra,
    });
    res.flushHeaders();
    const frames = events.map(encodeSseEvent);
    if (d.noFinalBlank) frames[frames.length - 1] = frames[frames.length - 1]!.replace(/\n\n$/, '\n');
    for (let i = 0; i < frames.length; i++) {
      if (res.destroyed) return;
      if (d.resetAfter !== undefined && i === d.resetAfter) {
        res.socket?.resetAndDestroy();
        return;
      }
      if (d.stallAfter !== undefined && i === d.stallAfter) return;
      if (d.interval > 0 && i > 0) await sleep(d.interval);
      const stamp = d.stamp ? `: sent=${(performance.timeOrigin + performance.now()).toFixed(3)}\n` : '';
      res.write(stamp + frames[i]);
    }
    res.end();
  }

  server.keepAliveTimeout = 30_000;
  return {
    ...(await listenOnLoopback(server, options.host ?? '127.0.0.1', options.port ?? 0)),
    server,
    records,
    open: () => open,
  };
}
