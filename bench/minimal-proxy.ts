/**
 * The minimal undici proxy: what a user would write in a few lines without capture, node:http
 * in and undici's `stream()` out (the response body written straight into the client's
 * response, no intermediate stream), hop-by-hop headers dropped. Beside the Node floor (which
 * pipes undici's `request()` body) it shows how much the choice of undici API alone moves the
 * figures. Runs in its own process (see reference-proxy.ts).
 */
import { Agent } from 'undici';
import { forwardable, serveReferenceProxy, upstreamOrigin } from './reference-proxy.js';

const origin = upstreamOrigin('minimal-proxy');
const agent = new Agent({ connections: 256, keepAliveTimeout: 30_000 });

serveReferenceProxy((req, res, signal) =>
  agent.stream(
    {
      origin,
      method: req.method as 'POST',
      path: req.url ?? '/',
      headers: forwardable(req.headers),
      body: req.method === 'GET' || req.method === 'HEAD' ? null : req,
      signal,
    },
    ({ statusCode, headers }) => {
      res.writeHead(statusCode, forwardable(headers));
      return res;
    },
  ),
);
