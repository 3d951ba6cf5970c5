/**
 * The Node floor: the smallest honest pass-through proxy (node:http in, undici pool out,
 * hop-by-hop headers dropped, bodies streamed both ways, client abort aborts upstream).
 * Runs in its own process (forked with IPC): argv[2] is the upstream origin; it sends
 * `{ port }` to the parent when listening and exits when the parent disconnects.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';

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

function forwardable(
  headers: IncomingHttpHeaders | Record<string, string | string[] | undefined>,
): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers))
    if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
  return out;
}

const origin = process.argv[2];
if (!origin) throw new Error('usage: floor-proxy <upstream origin>');
const pool = new Pool(origin, { connections: 256, pipelining: 1, keepAliveTimeout: 30_000 });

const server = createServer((req, res) => {
  const abort = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) abort.abort();
  });
  pool
    .request({
      method: req.method as 'POST',
      path: req.url ?? '/',
      headers: forwardable(req.headers),
      body: req.method === 'GET' || req.method === 'HEAD' ? null : req,
      signal: abort.signal,
    })
    .then(async (upstream) => {
      res.writeHead(upstream.statusCode, forwardable(upstream.headers));
      await pipeline(upstream.body, res);
    })
    .catch(() => {
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
