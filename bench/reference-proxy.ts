/**
 * What the bench's reference proxies (the Node floor, the minimal undici proxy) share: the
 * hop-by-hop headers they drop (RFC 9110 section 7.6.1) and the process around the forwarding
 * (node:http server on loopback, client abort aborts upstream, a 502 when the upstream fails
 * before the head). Forked with IPC: argv[2] is the upstream origin; sends `{ port }` when
 * listening and exits when the parent disconnects.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
]);

export function forwardable(
  headers: IncomingHttpHeaders | Record<string, string | string[] | undefined>,
): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers))
    if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
  return out;
}

export type Forward = (req: IncomingMessage, res: ServerResponse, signal: AbortSignal) => Promise<unknown>;

/** The upstream origin from argv[2]. */
export function upstreamOrigin(name: string): string {
  const origin = process.argv[2];
  if (!origin) throw new Error(`usage: ${name} <upstream origin>`);
  return origin;
}

export function serveReferenceProxy(forward: Forward): void {
  const server = createServer((req, res) => {
    const abort = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) abort.abort();
    });
    forward(req, res, abort.signal).catch(() => {
      if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'application/json' });
        res.end('{"error":"upstream failed"}');
      } else res.destroy();
    });
  });
  server.keepAliveTimeout = 30_000;
  server.listen(0, '127.0.0.1', () => process.send?.({ port: (server.address() as AddressInfo).port }));
  process.on('disconnect', () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
}
