/**
 * The `hyp ui` server (node:http): the built front end and the JSON routes, loopback only,
 * every request checked by the request guard, every answer with headers that keep the page
 * from loading anything but its own files.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HypError, UsageError, errorMessage, type Logger } from '@hypaware/core';
import { NotFound, type ApiRoute } from './api-routes.js';
import { allowedHostHeaders, checkRequest } from './request-guard.js';
import type { StaticFile } from './static-files.js';

const MAX_BODY_BYTES = 256 * 1024;

const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-origin',
  'x-frame-options': 'DENY',
  'cache-control': 'no-store',
};

export interface UiServerOptions {
  host: string;
  port: number;
  routes: ApiRoute[];
  files: Map<string, StaticFile>;
  log: Logger;
}

export interface UiServer {
  url: string;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(value));
}

function readBody(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new UsageError(`request body over ${MAX_BODY_BYTES} bytes`));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => {
      try {
        resolve(chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : null);
      } catch {
        reject(new UsageError('the request body is not JSON'));
      }
    });
    req.on('error', reject);
  });
}

export async function startUiServer(options: UiServerOptions): Promise<UiServer> {
  let allowed = new Set<string>();
  const server = createServer((req, res) => {
    void handle(req, res).catch((err: unknown) => {
      options.log.error('ui.request_failed', { path: req.url, error: errorMessage(err) });
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const refused = checkRequest(req, allowed);
    if (refused) {
      sendJson(res, refused.status, { error: refused.message });
      return;
    }
    const url = new URL(req.url ?? '/', 'http://ui.invalid');
    if (url.pathname.startsWith('/api/')) {
      const route = options.routes.find((r) => r.method === req.method && r.pattern.test(url.pathname));
      if (!route) {
        sendJson(res, 404, { error: `no route ${req.method} ${url.pathname}` });
        return;
      }
      try {
        const body = req.method === 'POST' ? await readBody(req) : null;
        const match = route.pattern.exec(url.pathname)!;
        sendJson(res, 200, route.handle({ url, match, body }));
      } catch (err) {
        if (err instanceof NotFound) sendJson(res, 404, { error: err.message });
        else if (err instanceof HypError || err instanceof UsageError) sendJson(res, 400, { error: err.message });
        else throw err;
      }
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendJson(res, 405, { error: `${req.method} is not served` });
      return;
    }
    const file = options.files.get(url.pathname === '/' ? '/index.html' : url.pathname);
    if (!file) {
      send(res, 404, 'text/plain; charset=utf-8', 'not found');
      return;
    }
    send(res, 200, file.type, file.body);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new HypError(`cannot listen on ${options.host}:${options.port}: ${err.code ?? err.message}`, {
          kind: 'listen_failed',
        }),
      ),
    );
    server.listen(options.port, options.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  allowed = allowedHostHeaders(options.host, port);
  const hostPart = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${hostPart}:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
