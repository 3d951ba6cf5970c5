/**
 * An upstream on loopback that keeps every request it receives (method, target, raw headers
 * in order, body bytes) and answers with a JSON description of it, so a test can check that
 * what went through the gateway arrived unchanged in both directions.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { listenOnLoopback } from './loopback-server.js';

export interface EchoedRequest {
  method: string;
  /** request target as received (path and query) */
  url: string;
  /** flat [name, value, ...] in arrival order, original case */
  rawHeaders: string[];
  body: Buffer;
  /** the reply bytes the upstream sent back */
  reply: Buffer;
}

export interface EchoReply {
  method: string;
  url: string;
  rawHeaders: string[];
  bodyBytes: number;
  bodySha256: string;
}

export interface EchoUpstream {
  /** `http://host:port` (IPv6 hosts bracketed) */
  url: string;
  port: number;
  server: Server;
  requests: EchoedRequest[];
  close(): Promise<void>;
}

export async function startEchoUpstream(options: { host?: string } = {}): Promise<EchoUpstream> {
  const requests: EchoedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const reply: EchoReply = {
        method: req.method ?? '',
        url: req.url ?? '',
        rawHeaders: [...req.rawHeaders],
        bodyBytes: body.length,
        bodySha256: createHash('sha256').update(body).digest('hex'),
      };
      const out = Buffer.from(JSON.stringify(reply));
      requests.push({ method: reply.method, url: reply.url, rawHeaders: reply.rawHeaders, body, reply: out });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(out.length), 'x-echo': 'yes' });
      res.end(out);
    });
  });
  const host = options.host ?? '127.0.0.1';
  return { ...(await listenOnLoopback(server, host)), server, requests };
}
