/**
 * Turn a raw ExchangeRecord into what is stored (redacted headers, decoded bodies) and what
 * projectors see (ExchangeInput: header kind view, UTF-8 bodies, parsed SSE events).
 */
import type { ExchangeInput } from '../api-types.js';
import type { ExchangeRecord } from '../exchange-record.js';
import { decodeBody, type DecodedBody } from './body-decoding.js';
import { headerMap, redactForProjector, redactForStorage, type HeaderMap } from './header-redaction.js';
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

function firstValue(headers: HeaderMap | null, name: string): string | undefined {
  const v = headers?.[name];
  return Array.isArray(v) ? v[0] : v;
}

function decodeCaptured(bytes: Uint8Array | null, contentEncoding: string | undefined): DecodedBody | null {
  if (!bytes || bytes.byteLength === 0) return null;
  return decodeBody(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), contentEncoding);
}

export function decodeExchange(record: ExchangeRecord, secrets: ReadonlySet<string>): DecodedExchange {
  const rawRequest = headerMap(record.request_headers);
  const rawResponse = record.response_headers ? headerMap(record.response_headers) : null;
  const responseContentEncoding = firstValue(rawResponse, 'content-encoding');
  const requestBody = decodeCaptured(record.request_body, firstValue(rawRequest, 'content-encoding'));
  const responseBody = decodeCaptured(record.response_body, responseContentEncoding);
  const responseText = responseBody && responseBody.encoding === null ? responseBody.bytes.toString('utf8') : '';
  const sse = isEventStream(firstValue(rawResponse, 'content-type'), responseText);
  const errors = [
    record.error,
    requestBody?.error ? `request body ${requestBody.error}` : null,
    responseBody?.error ? `response body ${responseBody.error}` : null,
  ].filter((e): e is string => typeof e === 'string' && e !== '');
  const error = errors.length > 0 ? errors.join('; ') : null;
  const devRunId = firstValue(rawRequest, 'x-hyp-dev-run-id');
  const q = record.path.indexOf('?');
  const input: ExchangeInput = {
    exchange_id: record.exchange_id,
    ts_start: record.ts_start,
    ts_end: record.ts_end,
    duration_ms: record.duration_ms,
    upstream: record.upstream,
    provider: record.provider,
    method: record.method,
    path: record.path,
    pathname: q < 0 ? record.path : record.path.slice(0, q),
    status_code: record.status_code,
    request_headers: redactForProjector(rawRequest, secrets),
    response_headers: rawResponse ? redactForProjector(rawResponse, secrets) : null,
    request_body: requestBody && requestBody.encoding === null ? requestBody.bytes.toString('utf8') : null,
    response_body: sse || responseText === '' ? null : responseText,
    request_truncated: record.request_truncated,
    response_truncated: record.response_truncated,
    is_sse: sse,
    stream_events: sse ? parseEventStream(responseText) : [],
    error,
    aborted: record.aborted,
    metadata: devRunId ? { dev_run_id: devRunId } : {},
  };
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
