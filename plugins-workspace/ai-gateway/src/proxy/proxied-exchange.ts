/**
 * One client request and its upstream response. Forwards chunk by chunk in both directions
 * with backpressure, keeps references to the chunks it captures, and hands one
 * ExchangeRecord to `onFinished` once both directions are done. No parsing here.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import { errorMessage, type Logger } from '@hypaware/core';
import type { ExchangeRecord } from '../exchange-record.js';
import { redactQuerySecrets } from '../privacy/query-redaction.js';
import { BodyCapture } from './body-capture.js';
import { newExchangeId } from './exchange-id.js';
import { clientResponseHeaders, contentLength, rawHeaderStrings, upstreamRequestHeaders } from './forward-headers.js';
import type { ErrorShape } from '../api-types.js';
import { gatewayErrorBody, sendGatewayError } from './error-response.js';
import { routeHeaders, type CompiledUpstream } from './routing.js';

export interface ExchangeDeps {
  dispatcher: Dispatcher;
  captureMaxBytes: number;
  idleTimeoutMs: number;
  log: Logger;
  /** error shapes that recognize requests, in routing order (routing table `errorShapes`) */
  errorShapes: readonly ErrorShape[];
  onFinished(record: ExchangeRecord): void;
}

/** A request has a body when it declares a non-zero length or a transfer coding. */
function requestHasBody(req: IncomingMessage): boolean {
  if (req.headers['transfer-encoding'] !== undefined) return true;
  const length = req.headers['content-length'];
  return length !== undefined && length !== '0';
}

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

function isTimeout(err: unknown): boolean {
  return TIMEOUT_CODES.has(String((err as { code?: unknown }).code));
}

export class ProxiedExchange implements Dispatcher.DispatchHandler {
  readonly #started = Date.now();
  readonly #id = newExchangeId(this.#started);
  readonly #req: IncomingMessage;
  readonly #res: ServerResponse;
  readonly #deps: ExchangeDeps;
  readonly #method: string;
  readonly #target: string;
  readonly #pathname: string;
  readonly #requestCapture: BodyCapture;
  readonly #responseCapture: BodyCapture;
  #upstream: CompiledUpstream | undefined;
  #controller: Dispatcher.DispatchController | undefined;
  #status: number | null = null;
  #responseHeaders: string[] | null = null;
  #error: string | null = null;
  /** when the first byte of the upstream's response went to the client (Date.now()), null until then */
  #firstByteAt: number | null = null;
  #clientGone = false;
  #requestDone = false;
  #responseDone = false;
  #finished = false;
  #waitingForDrain = false;

  /** `target`: the raw request target (query included); `pathname`: without the query */
  constructor(req: IncomingMessage, res: ServerResponse, target: string, pathname: string, deps: ExchangeDeps) {
    this.#req = req;
    this.#res = res;
    this.#deps = deps;
    this.#method = req.method ?? 'GET';
    this.#target = target;
    this.#pathname = pathname;
    this.#requestCapture = new BodyCapture(deps.captureMaxBytes);
    this.#responseCapture = new BodyCapture(deps.captureMaxBytes);
    const requestLength = req.headers['content-length'];
    if (requestLength !== undefined && req.headers['transfer-encoding'] === undefined)
      this.#requestCapture.expect(Number(requestLength));
    // Observe request chunks without taking over the flow: undici resumes the stream
    // when it starts sending the body and pauses it on backpressure.
    req.on('data', (chunk: Buffer) => this.#requestCapture.add(chunk));
    req.pause();
    const requestEnded = () => {
      this.#requestDone = true;
      this.#finishIfDone();
    };
    req.once('end', requestEnded);
    req.once('close', requestEnded);
    req.on('error', (err) => {
      this.#error ??= `client_request_error: ${errorMessage(err)}`;
    });
    res.once('close', () => {
      if (res.writableFinished) return;
      this.#clientGone = true;
      this.#error ??= 'client_aborted';
      this.#controller?.abort(new Error('client aborted'));
      if (!this.#upstream || this.#responseDone) return;
      // no upstream callback may come if the request never got a socket: make sure we finish
      if (!this.#controller) this.#endResponse();
    });
    res.on('error', () => {
      /* a broken client socket is reported through 'close' */
    });
  }

  get id(): string {
    return this.#id;
  }

  /** Send the request to `upstream`; `requestTarget` is the client's path and query. */
  forward(upstream: CompiledUpstream, requestTarget: string): void {
    this.#upstream = upstream;
    const hasBody = requestHasBody(this.#req);
    if (!hasBody) this.#req.resume();
    try {
      this.#deps.dispatcher.dispatch(
        {
          origin: upstream.origin,
          path: upstream.basePath + requestTarget,
          method: this.#method as Dispatcher.HttpMethod,
          headers: upstreamRequestHeaders(this.#req.rawHeaders, upstream.host),
          body: hasBody ? this.#req : null,
          headersTimeout: this.#deps.idleTimeoutMs,
          bodyTimeout: this.#deps.idleTimeoutMs,
        },
        this,
      );
    } catch (err) {
      this.onResponseError(undefined, err as Error);
    }
  }

  /** No upstream takes this request: answer 502 in the client's protocol and record it. */
  reject(code: string, message: string): void {
    this.#error = code;
    this.#respondWithError(502, code, message);
    this.#req.resume();
    this.#endResponse();
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.#clientGone) controller.abort(new Error('client aborted'));
  }

  onResponseStart(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    _headers: unknown,
    statusMessage?: string,
  ): void {
    if (statusCode < 200) return;
    const raw = rawHeaderStrings(controller.rawHeaders);
    this.#status = statusCode;
    this.#responseHeaders = raw;
    const length = contentLength(raw);
    if (length !== undefined) this.#responseCapture.expect(length);
    if (this.#clientGone) return;
    try {
      if (statusMessage) this.#res.writeHead(statusCode, statusMessage, clientResponseHeaders(raw));
      else this.#res.writeHead(statusCode, clientResponseHeaders(raw));
      // A streamed body (no content-length) gets its head at once. A sized body's head goes out
      // with its first bytes, one write instead of two, or on the next turn if they are late.
      if (length !== undefined) setImmediate(() => this.#flushHeadIfNoBody());
      else {
        this.#firstByteAt ??= Date.now();
        this.#res.flushHeaders();
      }
    } catch (err) {
      this.#error = `response_headers_rejected: ${errorMessage(err)}`;
      controller.abort(err as Error);
    }
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.#responseCapture.add(chunk);
    if (this.#clientGone) return;
    this.#firstByteAt ??= Date.now();
    if (!this.#res.write(chunk) && !this.#waitingForDrain) {
      this.#waitingForDrain = true;
      controller.pause();
      this.#res.once('drain', () => {
        this.#waitingForDrain = false;
        controller.resume();
      });
    }
  }

  onResponseEnd(): void {
    if (!this.#clientGone) {
      this.#firstByteAt ??= Date.now();
      this.#res.end();
    }
    this.#req.resume();
    this.#endResponse();
  }

  onResponseError(_controller: Dispatcher.DispatchController | undefined, err: Error): void {
    if (this.#responseDone) return;
    if (!this.#clientGone) {
      const timeout = isTimeout(err);
      const code = timeout ? 'upstream_timeout' : 'upstream_unreachable';
      this.#error ??= `${code}: ${errorMessage(err)}`;
      if (!this.#res.headersSent) {
        this.#respondWithError(
          timeout ? 504 : 502,
          code,
          `ai-gateway: upstream ${this.#upstream?.name ?? '?'} (${this.#upstream?.origin ?? ''}) failed: ${errorMessage(err)}`,
        );
      } else {
        // mid-stream failure: end the client's connection the same way the upstream ended ours
        this.#res.destroy();
      }
      this.#deps.log.warn('aigw.upstream_failed', {
        exchange_id: this.#id,
        upstream: this.#upstream?.name,
        path: redactQuerySecrets(this.#target),
        error: errorMessage(err),
        code,
      });
    }
    this.#req.resume();
    this.#endResponse();
  }

  #flushHeadIfNoBody(): void {
    if (this.#responseCapture.bytes > 0 || this.#clientGone || this.#res.writableEnded) return;
    this.#firstByteAt ??= Date.now();
    this.#res.flushHeaders();
  }

  #respondWithError(status: number, code: string, message: string): void {
    const route = { method: this.#method, path: this.#pathname, headers: routeHeaders(this.#req.rawHeaders) };
    const body = gatewayErrorBody(this.#deps.errorShapes, this.#upstream?.errorShape, route, { status, code, message });
    const sent = sendGatewayError(this.#res, status, code, body);
    this.#status = status;
    this.#responseHeaders = sent.headers;
    this.#responseCapture.add(sent.body);
  }

  #endResponse(): void {
    this.#responseDone = true;
    this.#finishIfDone();
  }

  #finishIfDone(): void {
    if (this.#finished || !this.#responseDone || !this.#requestDone) return;
    this.#finished = true;
    const ended = Date.now();
    this.#deps.onFinished({
      exchange_id: this.#id,
      ts_start: new Date(this.#started).toISOString(),
      ts_end: new Date(ended).toISOString(),
      duration_ms: ended - this.#started,
      ttfb_ms: this.#firstByteAt === null ? null : this.#firstByteAt - this.#started,
      upstream: this.#upstream?.name ?? null,
      provider: this.#upstream?.provider ?? null,
      method: this.#method,
      path: redactQuerySecrets(this.#target),
      status_code: this.#status,
      request_headers: this.#req.rawHeaders,
      response_headers: this.#responseHeaders,
      request_body: this.#requestCapture.take(),
      response_body: this.#responseCapture.take(),
      request_bytes: this.#requestCapture.bytes,
      response_bytes: this.#responseCapture.bytes,
      request_truncated: this.#requestCapture.truncated,
      response_truncated: this.#responseCapture.truncated,
      error: this.#error,
      aborted: this.#clientGone,
      reported: false,
    });
  }
}
