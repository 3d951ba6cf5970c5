/**
 * The gateway's HTTP server: routes each request, forwards it through a keep-alive undici
 * Agent (one pool per upstream origin), and tracks in-flight exchanges so a stop can let
 * them finish. Exchange records go to `onExchange` as they finish.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Agent } from 'undici';
import { errorMessage, type Logger } from '@hypaware/core';
import type { ExchangeRecord } from '../exchange-record.js';
import type { ListenAddress } from '../listen-address.js';
import { ProxiedExchange } from './proxied-exchange.js';
import { matchUpstream, routeHeaders, type CompiledUpstream, type RoutingTable } from './routing.js';
import type { ChainRoutes } from './chain-routes.js';
import { splitChainTarget } from '../chains.js';

const CLIENT_IDLE_MARGIN_MS = 30_000;

export interface ProxyServerOptions {
  /** the current routing table (recompiled by the caller when presets or config change) */
  table(): RoutingTable;
  captureMaxBytes(): number;
  idleTimeoutMs: number;
  log: Logger;
  onExchange(record: ExchangeRecord): void;
  /** `/chain/<name>/…` routes to users' own upstreams (absent: no chained routes) */
  chains?: ChainRoutes;
}

/**
 * WebSocket upgrades are declined here, before any upstream is contacted: a client that tries
 * over WebSocket first (as some clients' built-in providers do) falls back to HTTP and SSE at once
 * on a 426, and that traffic is what the projectors read. Frames passed through blind would
 * hide the conversation from capture.
 */
const UPGRADE_DECLINED =
  'HTTP/1.1 426 Upgrade Required\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ';
const UPGRADE_BODY = JSON.stringify({
  error: { type: 'upgrade_declined', message: 'ai-gateway: WebSocket is not proxied; use HTTP (server-sent events)' },
});

export interface BoundAddress extends ListenAddress {
  /** set when the requested (default) port was busy and an ephemeral one was taken */
  fallbackFrom?: number;
}

/** Client path and query as sent (absolute-form targets reduced to origin-form), and the pathname. */
export function splitRequestTarget(url: string): { target: string; pathname: string } {
  if (/^https?:\/\//i.test(url)) {
    try {
      const parsed = new URL(url);
      return { target: parsed.pathname + parsed.search, pathname: parsed.pathname };
    } catch {
      /* fall through: treat as a path */
    }
  }
  const q = url.indexOf('?');
  return { target: url, pathname: q < 0 ? url : url.slice(0, q) };
}

function listenOnce(server: Server, host: string, port: number): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen({ host, port }, () => {
      server.off('error', onError);
      resolve(server.address() as AddressInfo);
    });
  });
}

export class ProxyServer {
  readonly #server: Server;
  readonly #agent: Agent;
  readonly #options: ProxyServerOptions;
  readonly #active = new Set<ProxiedExchange>();
  #exchanges = 0;

  constructor(options: ProxyServerOptions) {
    this.#options = options;
    // idle upstream connections are reused for a few seconds (turns of an agent session come
    // back to back) and then closed, so bursts do not leave sockets open for long
    this.#agent = new Agent({
      keepAliveTimeout: 4_000,
      keepAliveMaxTimeout: 8_000,
      headersTimeout: options.idleTimeoutMs,
      bodyTimeout: options.idleTimeoutMs,
      connect: { autoSelectFamily: true, timeout: 30_000 },
    });
    // requestTimeout 0: uploads of any size and duration
    this.#server = createServer({ requestTimeout: 0, noDelay: true, keepAliveTimeout: 30_000 }, (req, res) =>
      this.#handle(req, res),
    );
    this.#server.on('upgrade', (req: IncomingMessage, socket: Socket) => this.#declineUpgrade(req, socket));
    // a client that half-closes after sending its request still gets the response
    (this.#server as Server & { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true;
    // silent client sockets end later than the upstream idle timeout, so that one reports first
    this.#server.timeout = options.idleTimeoutMs + CLIENT_IDLE_MARGIN_MS;
  }

  get inFlight(): number {
    return this.#active.size;
  }

  get exchangesStarted(): number {
    return this.#exchanges;
  }

  /**
   * Bind. When `allowFallback` and the port is busy, bind an ephemeral port instead. Errors
   * are one clear sentence.
   */
  async listen(address: ListenAddress, allowFallback: boolean): Promise<BoundAddress> {
    try {
      const info = await listenOnce(this.#server, address.host, address.port);
      return { host: info.address, port: info.port };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE' && allowFallback && address.port !== 0) {
        const info = await listenOnce(this.#server, address.host, 0);
        return { host: info.address, port: info.port, fallbackFrom: address.port };
      }
      const why =
        code === 'EADDRINUSE'
          ? 'the port is already in use'
          : code === 'EADDRNOTAVAIL'
            ? 'the address is not on this machine'
            : code === 'EACCES'
              ? 'permission denied'
              : errorMessage(err);
      throw new Error(
        `ai-gateway: cannot listen on ${address.host}:${address.port}: ${why}; stop the other process or set plugins["@hypaware/ai-gateway"].listen to another host:port`,
      );
    }
  }

  #declineUpgrade(req: IncomingMessage, socket: Socket): void {
    this.#options.log.info('aigw.upgrade_declined', {
      path: splitRequestTarget(req.url ?? '/').pathname,
      upgrade: String(req.headers.upgrade ?? ''),
    });
    socket.on('error', () => undefined);
    socket.end(`${UPGRADE_DECLINED}${Buffer.byteLength(UPGRADE_BODY)}\r\n\r\n${UPGRADE_BODY}`);
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const split = splitRequestTarget(req.url ?? '/');
    const chain = this.#options.chains ? splitChainTarget(split.target) : undefined;
    if (!chain) {
      this.#route(req, res, split.target, split.pathname, undefined);
      return;
    }
    const chains = this.#options.chains!;
    const target = chain.rest;
    const pathname = splitRequestTarget(target).pathname;
    const known = chains.lookup(chain.name);
    if (known) {
      this.#route(req, res, target, pathname, known);
      return;
    }
    // attach may have added it since the table was read; the request body waits (paused)
    chains.refresh().then(
      () => this.#route(req, res, target, pathname, chains.lookup(chain.name) ?? null),
      () => this.#route(req, res, target, pathname, null),
    );
  }

  /** `chained`: the chain's upstream, null for a chain name nobody registered, undefined for the routing table. */
  #route(
    req: IncomingMessage,
    res: ServerResponse,
    target: string,
    pathname: string,
    chained: CompiledUpstream | null | undefined,
  ): void {
    const method = req.method ?? 'GET';
    const table = this.#options.table();
    const exchange = new ProxiedExchange(req, res, target, pathname, {
      dispatcher: this.#agent,
      captureMaxBytes: this.#options.captureMaxBytes(),
      idleTimeoutMs: this.#options.idleTimeoutMs,
      log: this.#options.log,
      errorShapes: table.errorShapes,
      onFinished: (record) => {
        this.#active.delete(exchange);
        this.#options.onExchange(record);
      },
    });
    this.#active.add(exchange);
    this.#exchanges++;
    const headers = table.needsHeaders && chained === undefined ? routeHeaders(req.rawHeaders) : {};
    const upstream = chained === undefined ? matchUpstream(table, { method, path: pathname, headers }) : chained;
    if (upstream) {
      exchange.forward(upstream, target);
      return;
    }
    this.#options.log.warn('aigw.no_upstream_match', {
      exchange_id: exchange.id,
      method,
      path: pathname,
      upstreams: table.upstreams.length,
      ...(chained === null ? { chain: 'unknown' } : {}),
    });
    const message =
      chained === null
        ? `${req.url ?? ''} names a chained upstream this gateway does not know; run the client's attach again (hyp attach <client>)`
        : `${table.upstreams.length === 0 ? 'no upstream is configured' : `no upstream matches ${method} ${pathname}`}; add one under plugins["@hypaware/ai-gateway"].upstreams or enable an adapter plugin`;
    exchange.reject('no_upstream_match', `ai-gateway: ${message}`);
  }

  /**
   * Stop accepting, let in-flight exchanges finish until `drainMs`, then cut the rest (they
   * are recorded as aborted). Resolves when every exchange has handed over its record.
   */
  async close(drainMs: number): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeIdleConnections();
    const deadline = Date.now() + drainMs;
    while (this.#active.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    if (this.#active.size > 0) {
      this.#options.log.warn('aigw.drain_timeout', { in_flight: this.#active.size, drain_ms: drainMs });
      this.#server.closeAllConnections();
      const cutoff = Date.now() + 2000;
      while (this.#active.size > 0 && Date.now() < cutoff) await new Promise((r) => setTimeout(r, 10));
    }
    this.#server.closeAllConnections();
    await closed;
    await this.#agent.close().catch(() => this.#agent.destroy());
  }
}
