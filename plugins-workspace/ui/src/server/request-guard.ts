/**
 * What the UI server accepts. It binds loopback only, and a page on another site can still
 * reach a loopback port (DNS rebinding: `evil.example` resolving to 127.0.0.1) or post to it,
 * so every request must name this server in `Host`, and a request that is not a GET or HEAD
 * must come from this server's own pages (Origin / Sec-Fetch-Site) with a JSON body.
 */
import type { IncomingMessage } from 'node:http';

export interface GuardVerdict {
  status: number;
  message: string;
}

const LOOPBACK_NAMES = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** The address must be loopback: the history is private. */
export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_NAMES.has(host) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** `Host` values that name the server listening on `host:port`. */
export function allowedHostHeaders(host: string, port: number): Set<string> {
  const bare = host.replace(/^\[|\]$/g, '');
  const names = new Set([bare.includes(':') ? `[${bare}]` : bare]);
  if (bare === '127.0.0.1' || bare === '::1' || bare === 'localhost') {
    names.add('localhost');
    names.add(bare === '::1' ? '[::1]' : '127.0.0.1');
  }
  return new Set([...names].map((n) => `${n}:${port}`));
}

/** Undefined when the request may proceed, else the refusal to send. */
export function checkRequest(req: IncomingMessage, allowed: Set<string>): GuardVerdict | undefined {
  const host = (req.headers.host ?? '').toLowerCase();
  if (!allowed.has(host)) {
    return { status: 421, message: `refused: Host ${JSON.stringify(host)} is not this server (${[...allowed][0]})` };
  }
  const method = req.method ?? 'GET';
  if (method === 'GET' || method === 'HEAD') return undefined;
  const origin = req.headers.origin;
  if (origin !== undefined && !allowed.has(origin.replace(/^http:\/\//, '').toLowerCase())) {
    return { status: 403, message: `refused: cross-origin ${method} from ${origin}` };
  }
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    return { status: 403, message: `refused: ${method} from a ${site} page` };
  }
  if (!String(req.headers['content-type'] ?? '').startsWith('application/json')) {
    return { status: 415, message: `refused: ${method} needs Content-Type: application/json` };
  }
  return undefined;
}
