/**
 * Turn a raw ExchangeRecord into what is stored (redacted headers, decoded bodies) and what
 * projectors see (ExchangeInput: header kind view, UTF-8 bodies, parsed SSE events); and
 * rebuild the ExchangeInput of a stored exchange (re-checks).
 */
import { gunzipSync } from 'node:zlib';
import type { ExchangeInput } from '../api-types.js';
import type { ExchangeRecord, ExchangeScalars } from '../exchange-record.js';
import { decodeBody, type DecodedBody } from './body-decoding.js';
import { headerMap, redactForProjector, redactForStorage, type HeaderMap } from './header-redaction.js';
import type { Row } from './message-rows.js';
import { isEventStream, parseEventStream } from './sse-events.js';

export interface DecodedExchange {
  record: ExchangeRecord;
  input: ExchangeInput;
  requestHeaders: HeaderMap;
  responseHeaders: HeaderMap | null;
  requestBody: DecodedBody | null;
  responseBody: DecodedBody | null;
  responseContentEncoding: string | null;
  /** the record's error plus decode problems, or null */
  error: string | null;
  devRunId: string | undefined;
}

type Scalars = ExchangeScalars;

function firstValue(headers: HeaderMap | null, name: string): string | undefined {
  const v = headers?.[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The projector's view: `responseText` is the decoded body ('' when empty or undecodable). */
function assembleInput(
  scalars: Scalars,
  requestHeaders: HeaderMap,
  responseHeaders: HeaderMap | null,
  requestText: string | null,
  responseText: string,
  devRunId: string | undefined,
): ExchangeInput {
  const sse = isEventStream(firstValue(responseHeaders, 'content-type'), responseText);
  const q = scalars.path.indexOf('?');
  return {
    ...scalars,
    pathname: q < 0 ? scalars.path : scalars.path.slice(0, q),
    request_headers: requestHeaders,
    response_headers: responseHeaders,
    request_body: requestText,
    response_body: sse || responseText === '' ? null : responseText,
    is_sse: sse,
    stream_events: sse ? parseEventStream(responseText) : [],
    metadata: devRunId ? { dev_run_id: devRunId } : {},
  };
}

function decodeCaptured(bytes: Uint8Array | null, contentEncoding: string | undefined): DecodedBody | null {
  if (!bytes || bytes.byteLength === 0) return null;
  return decodeBody(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), contentEncoding);
}

function plainText(body: DecodedBody | null): string | null {
  return body && body.encoding === null ? body.bytes.toString('utf8') : null;
}

export function decodeExchange(record: ExchangeRecord, secrets: ReadonlySet<string>): DecodedExchange {
  const rawRequest = headerMap(record.request_headers);
  const rawResponse = record.response_headers ? headerMap(record.response_headers) : null;
  const responseContentEncoding = firstValue(rawResponse, 'content-encoding');
  const requestBody = decodeCaptured(record.request_body, firstValue(rawRequest, 'content-encoding'));
  const responseBody = decodeCaptured(record.response_body, responseContentEncoding);
  const errors = [
    record.error,
    requestBody?.error ? `request body ${requestBody.error}` : null,
    responseBody?.error ? `response body ${responseBody.error}` : null,
  ].filter((e): e is string => typeof e === 'string' && e !== '');
  const error = errors.length > 0 ? errors.join('; ') : null;
  const devRunId = firstValue(rawRequest, 'x-hyp-dev-run-id');
  const {
    request_headers: _rq,
    response_headers: _rs,
    request_body: _qb,
    response_body: _sb,
    request_bytes: _qn,
    response_bytes: _sn,
    reported: _r,
    ttfb_ms: _t,
    ...scalars
  } = record;
  const input = assembleInput(
    { ...scalars, error },
    redactForProjector(rawRequest, secrets),
    rawResponse ? redactForProjector(rawResponse, secrets) : null,
    plainText(requestBody),
    plainText(responseBody) ?? '',
    devRunId,
  );
  return {
    record,
    input,
    requestHeaders: redactForStorage(rawRequest, secrets),
    responseHeaders: rawResponse ? redactForStorage(rawResponse, secrets) : null,
    requestBody,
    responseBody,
    responseContentEncoding: responseContentEncoding ?? null,
    error,
    devRunId,
  };
}

/** Header views kept in memory for a re-check (the stored headers are redacted to nothing). */
export interface HeaderViews {
  request: HeaderMap;
  response: HeaderMap | null;
}

function storedText(blob: unknown, encoding: unknown): string | null {
  if (!Buffer.isBuffer(blob) || encoding !== null) return null;
  return gunzipSync(blob).toString('utf8');
}

/** `compute()` once, on first use. */
function once<T>(compute: () => T): () => T {
  let done = false;
  let value: T;
  return () => {
    if (!done) {
      value = compute();
      done = true;
    }
    return value;
  };
}

/**
 * The ExchangeInput of a stored `ai_gateway_exchanges` row, with the projector header views
 * given. The bodies are decompressed (and the events parsed) only when a projector reads them:
 * a re-check the projector can answer from what it remembers costs no gunzip. `is_sse` is the
 * stored flag (what the first projection saw). A row read without its bodies gets them from
 * `bodies()` (`request_body`, `response_body`) at that first read.
 */
export function storedExchangeInput(row: Row, views: HeaderViews, bodies?: () => Row | undefined): ExchangeInput {
  const metadata = typeof row.metadata === 'string' ? (JSON.parse(row.metadata) as { dev_run_id?: unknown }) : {};
  const input = assembleInput(
    {
      exchange_id: String(row.exchange_id),
      ts_start: String(row.ts_start),
      ts_end: String(row.ts_end),
      duration_ms: Number(row.duration_ms),
      upstream: row.upstream === null ? null : String(row.upstream),
      provider: row.provider === null ? null : String(row.provider),
      method: String(row.method),
      path: String(row.path),
      status_code: row.status_code === null ? null : Number(row.status_code),
      request_truncated: row.request_truncated === 1,
      response_truncated: row.response_truncated === 1,
      error: row.error === null ? null : String(row.error),
      aborted: row.aborted === 1,
    },
    views.request,
    views.response,
    null,
    '',
    typeof metadata.dev_run_id === 'string' ? metadata.dev_run_id : undefined,
  );
  const sse = row.is_sse === 1;
  const blobs = once((): Row => (Object.hasOwn(row, 'request_body') ? row : (bodies?.() ?? {})));
  const requestText = once(() => storedText(blobs().request_body, row.request_body_encoding));
  const responseText = once(() => storedText(blobs().response_body, row.response_body_encoding) ?? '');
  const events = once(() => (sse ? parseEventStream(responseText()) : []));
  input.is_sse = sse;
  return Object.defineProperties(input, {
    request_body: { get: requestText, enumerable: true },
    response_body: { get: () => (sse || responseText() === '' ? null : responseText()), enumerable: true },
    stream_events: { get: events, enumerable: true },
  });
}
