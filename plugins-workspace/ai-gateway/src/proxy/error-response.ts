/**
 * Errors the gateway answers itself (no upstream, upstream unreachable or timed out), in the
 * protocol the client speaks so its SDK shows a readable message. Presets bring the shapes
 * (`UpstreamPreset.error_shape`); the gateway only picks one.
 */
import type { ServerResponse } from 'node:http';
import type { ErrorShape, GatewayError, UpstreamRoute } from '../api-types.js';

/**
 * Without a preset's shape: the `{error: {type, code, message}}` object most JSON APIs use,
 * with a top-level `type: "error"` as well, so SDKs that look for either read the message.
 */
export function plainErrorBody(error: GatewayError): {
  type: string;
  error: { type: string; code: string; message: string };
} {
  return { type: 'error', error: { type: 'api_error', code: error.code, message: error.message } };
}

function shapedBody(shape: ErrorShape, error: GatewayError): string | undefined {
  try {
    const text = JSON.stringify(shape.body(error));
    return typeof text === 'string' ? text : undefined;
  } catch {
    return undefined;
  }
}

function recognizes(shape: ErrorShape, route: UpstreamRoute): boolean {
  try {
    return shape.recognizes?.(route) === true;
  } catch {
    return false;
  }
}

/**
 * The body of an error for this request: the shape of the upstream it was routed to (its client
 * speaks that API), else the first preset (routing order) whose shape recognizes the request,
 * else the plain shape. A shape that throws or gives no JSON counts as none. Routed first, so a
 * preset whose shape recognizes everything cannot answer for another adapter's traffic.
 */
export function gatewayErrorBody(
  shapes: readonly ErrorShape[],
  routed: ErrorShape | undefined,
  route: UpstreamRoute,
  error: GatewayError,
): string {
  const own = routed ? shapedBody(routed, error) : undefined;
  if (own !== undefined) return own;
  for (const shape of shapes) {
    if (!recognizes(shape, route)) continue;
    const body = shapedBody(shape, error);
    if (body !== undefined) return body;
  }
  return JSON.stringify(plainErrorBody(error));
}

export interface SentError {
  headers: string[];
  body: Buffer;
}

/** Reply `status` (502/504) with a JSON error body (only call when nothing was sent yet); returns what was sent. */
export function sendGatewayError(res: ServerResponse, status: number, code: string, bodyText: string): SentError {
  const body = Buffer.from(bodyText);
  const headers = ['content-type', 'application/json', 'content-length', String(body.length), 'x-hypaware-error', code];
  res.writeHead(status, headers);
  res.end(body);
  return { headers, body };
}
