/**
 * The Node floor: the smallest honest pass-through proxy (node:http in, undici pool out with
 * `request()`, its body piped to the client, hop-by-hop headers dropped, client abort aborts
 * upstream). Runs in its own process (see reference-proxy.ts).
 */
import { pipeline } from 'node:stream/promises';
import { Pool } from 'undici';
import { forwardable, serveReferenceProxy, upstreamOrigin } from './reference-proxy.js';

const pool = new Pool(upstreamOrigin('floor-proxy'), { connections: 256, pipelining: 1, keepAliveTimeout: 30_000 });

serveReferenceProxy(async (req, res, signal) => {
  const upstream = await pool.request({
    method: req.method as 'POST',
    path: req.url ?? '/',
    headers: forwardable(req.headers),
    body: req.method === 'GET' || req.method === 'HEAD' ? null : req,
    signal,
  });
  res.writeHead(upstream.statusCode, forwardable(upstream.headers));
  await pipeline(upstream.body, res);
});
