/**
 * Errors the gateway itself answers with (no upstream, upstream unreachable), shaped in the
 * protocol the client speaks so its SDK shows a readable message.
 */
import type { ServerResponse } from 'node:http';

export type ClientProtocol = 'anthropic' | 'openai';

/** Anthropic when the path or headers look like the Messages API, else the OpenAI shape. */
export function clientProtocol(pathname: string, headers: Record<string, string[]>): ClientProtocol {
  if (pathname.startsWith('/v1/messages') || pathname.startsWith('/v1/complete')) return 'anthropic';
  if (headers['anthropic-version'] || headers['x-api-key'] || headers['anthropic-beta']) return 'anthropic';
  return 'openai';
}

export function gatewayErrorBody(protocol: ClientProtocol, code: string, message: string): string {
  if (protocol === 'anthropic') return JSON.stringify({ type: 'error', error: { type: 'api_error', message } });
  return JSON.stringify({ error: { message, type: 'api_error', code } });
}

export interface SentError {
  headers: string[];
  body: Buffer;
}

/** Reply `status` (502/504) with a JSON error body (only call when nothing was sent yet); returns what was sent. */
export function sendGatewayError(res: ServerResponse, status: number, protocol: ClientProtocol, code: string, message: string): SentError {
  const body = Buffer.from(gatewayErrorBody(protocol, code, message));
  const headers = ['content-type', 'application/json', 'content-length', String(body.length), 'x-hypaware-error', code];
  res.writeHead(status, headers);
  res.end(body);
  return { headers, body };
}
