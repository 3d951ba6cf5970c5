/**
 * The `ai-gateway` source of the daemon: binds the listener, starts the writer thread,
 * reports status, reloads on SIGHUP and drains on stop.
 */
import { errorMessage, type JsonObject, type SourceHandle, type SourceStatus } from '@hypaware/core';
import { parseGatewayConfig, type GatewayConfig } from './config.js';
import { fullCollection } from './recorder/idle-collection.js';
import { configFindings, logConfigFindings } from './gateway-diagnostics.js';
import type { GatewayState } from './gateway-state.js';
import { secretHeaderExtras } from './preset-extras.js';
import { endpointUrl, isLoopbackHost } from './listen-address.js';
import { removeListenerFile, writeListenerFile, type ListenerFile } from './listener-file.js';
import { ProxyServer, type BoundAddress } from './proxy/proxy-server.js';
import { Router } from './proxy/router.js';
import { ChainRoutes } from './proxy/chain-routes.js';
import type { WriterSettings } from './recorder/exchange-writer.js';
import { spillDirOf } from './gateway-paths.js';
import { LoadGate } from './handoff/load-gate.js';
import { projectorModuleRefs } from './handoff/projector-modules.js';
import { WriterClient, type WriteFailure } from './handoff/writer-client.js';
import type { WriterWorkerData } from './handoff/writer-protocol.js';
import { AI_GATEWAY_CAPABILITY } from './api-types.js';
import { ignoreListPath } from './privacy/ignore-list.js';

/** Start waits this long for the writer thread (projector modules, database open); proxying starts regardless. */
const WRITER_READY_MS = 15_000;
/** In-flight streams get this long to finish on stop before they are cut. */
const DRAIN_MS = 8000;
/** Then the writer gets this long to write what is queued. */
const WRITER_FLUSH_MS = 6000;

/** `redactHeaders`: the config's extra secret headers and the presets' (the writer adds its own list). */
function writerSettings(state: GatewayState, config: GatewayConfig): WriterSettings {
  return {
    gatewayId: config.gatewayId,
    redactHeaders: secretHeaderExtras(state, config),
    privacyFile: ignoreListPath(state.ctx.paths.stateDir),
  };
}

/**
 * Create and migrate the tables in this thread before the writer opens the database (it
 * creates none). Failing here is not fatal: the writer reports the condition and retries.
 */
function ensureTables(state: GatewayState): void {
  try {
    state.ctx.storage.database();
  } catch (err) {
    state.ctx.log.error('aigw.database_unavailable', {
      error: errorMessage(err),
      message: 'exchanges are queued in memory until the database takes writes',
    });
  }
}

function workerData(state: GatewayState, config: GatewayConfig): WriterWorkerData {
  const { ctx } = state;
  return {
    hypHome: ctx.paths.hypHome,
    plugin: ctx.plugin.name,
    env: { ...ctx.env },
    settings: writerSettings(state, config),
    projectorModules: projectorModuleRefs(ctx.contributions(AI_GATEWAY_CAPABILITY), ctx.log),
  };
}

/** A projector registered here but not built by the writer (its adapter declares no projector module) never runs on live traffic. */
function warnProjectorsMissingInWriter(state: GatewayState, inWriter: readonly string[]): void {
  const missing = state.projectors.map((p) => p.projector.name).filter((name) => !inWriter.includes(name));
  if (missing.length === 0) return;
  state.ctx.log.warn('aigw.projector_not_in_writer', {
    projectors: missing.join(','),
    message:
      'registered with registerExchangeProjector but built by no projector module: the writer does not run it; the adapter must declare contributes["hypaware.ai-gateway"].projectors in hypaware.plugin.json',
  });
}

function sameListener(a: GatewayConfig, b: GatewayConfig): boolean {
  return (
    a.listen.host === b.listen.host &&
    a.listen.port === b.listen.port &&
    a.listenExplicit === b.listenExplicit &&
    a.idleTimeoutMs === b.idleTimeoutMs
  );
}

class RunningGateway implements SourceHandle {
  readonly #state: GatewayState;
  readonly #router: Router;
  readonly #chains: ChainRoutes;
  readonly #writer: WriterClient;
  #config: GatewayConfig;
  #proxy: ProxyServer;
  #bound: BoundAddress;
  readonly #startedAt = new Date().toISOString();
  readonly #draining: Array<Promise<void>> = [];

  private constructor(
    state: GatewayState,
    config: GatewayConfig,
    router: Router,
    chains: ChainRoutes,
    writer: WriterClient,
    proxy: ProxyServer,
    bound: BoundAddress,
  ) {
    this.#state = state;
    this.#config = config;
    this.#router = router;
    this.#chains = chains;
    this.#writer = writer;
    this.#proxy = proxy;
    this.#bound = bound;
  }

  static async start(state: GatewayState): Promise<RunningGateway> {
    const { ctx } = state;
    const config = parseGatewayConfig(ctx.config);
    const router = new Router(state, config.upstreams, ctx.log);
    const chains = new ChainRoutes(ctx.paths.stateDir);
    let gateway: RunningGateway | undefined;
    ensureTables(state);
    const writer = new WriterClient({
      workerData: workerData(state, config),
      ensureTables: () => ensureTables(state),
      log: ctx.log,
      meter: ctx.meter,
      spill: { dir: spillDirOf(ctx.paths.stateDir), maxBytes: config.spillMaxBytes },
      gate: new LoadGate(),
      parkAfterMs: config.writerParkAfterMs,
      onParked: () => gateway?.collectIdle(),
      onModelsWritten: (models) => state.modelsWritten?.(models),
      onFailingChange: () => gateway?.refreshListenerFile(),
    });
    await writer.start(WRITER_READY_MS);
    if (writer.status().ready) warnProjectorsMissingInWriter(state, writer.status().projectors);
    const proxy = RunningGateway.#proxyFor(state, config, router, chains, writer, () => gateway?.config ?? config);
    let bound: BoundAddress;
    try {
      bound = await proxy.listen(config.listen, !config.listenExplicit);
    } catch (err) {
      await writer.stop(1000);
      throw err;
    }
    gateway = new RunningGateway(state, config, router, chains, writer, proxy, bound);
    gateway.#announce();
    logConfigFindings(configFindings(state, config), ctx.log);
    return gateway;
  }

  static #proxyFor(
    state: GatewayState,
    config: GatewayConfig,
    router: Router,
    chains: ChainRoutes,
    writer: WriterClient,
    current: () => GatewayConfig,
  ): ProxyServer {
    let presetsSeen = state.presetsVersion;
    return new ProxyServer({
      table: () => router.table(),
      chains,
      captureMaxBytes: () => current().captureMaxBytes,
      idleTimeoutMs: config.idleTimeoutMs,
      log: state.ctx.log,
      onExchange: (record) => {
        // a preset registered after start may name more secret headers: the writer knows them before this exchange
        if (state.presetsVersion !== presetsSeen) {
          presetsSeen = state.presetsVersion;
          writer.updateSettings(writerSettings(state, current()));
        }
        writer.enqueue(record);
      },
    });
  }

  #announce(): void {
    const { ctx } = this.#state;
    this.#state.listen = { host: this.#bound.host, port: this.#bound.port };
    this.refreshListenerFile();
    const table = this.#router.table();
    ctx.log.info('aigw.listening', {
      endpoint: endpointUrl(this.#bound),
      host: this.#bound.host,
      port: this.#bound.port,
      upstreams: table.upstreams.map((u) => u.name).join(','),
      projectors: this.#state.projectors.map((p) => p.projector.name).join(','),
    });
    if (this.#bound.fallbackFrom !== undefined) {
      ctx.log.warn('aigw.port_fallback', {
        requested: this.#bound.fallbackFrom,
        port: this.#bound.port,
        message: `port ${this.#bound.fallbackFrom} is in use; listening on ${this.#bound.port} instead (clients attached to the default port are not captured)`,
      });
    }
    if (!isLoopbackHost(this.#bound.host)) {
      ctx.log.warn('aigw.listen_not_loopback', {
        host: this.#bound.host,
        message: 'the gateway is reachable from other machines',
      });
    }
  }

  get config(): GatewayConfig {
    return this.#config;
  }

  refreshListenerFile(): void {
    const failing: WriteFailure | undefined = this.#writer.failing;
    const content: ListenerFile = {
      host: this.#bound.host,
      port: this.#bound.port,
      pid: process.pid,
      started_at: this.#startedAt,
      ...(this.#bound.fallbackFrom !== undefined
        ? { port_fallback: { requested: this.#bound.fallbackFrom, reason: 'EADDRINUSE' } }
        : {}),
      ...(failing ? { write_failing: failing } : {}),
    };
    try {
      writeListenerFile(this.#state.ctx.paths.stateDir, content);
    } catch (err) {
      this.#state.ctx.log.warn('aigw.listener_file_failed', { error: errorMessage(err) });
    }
  }

  /**
   * The writer has parked: nothing was captured for a while. With no exchange in flight, one
   * full collection of this (the proxy's) heap frees what the burst left: the wrappers of
   * body blocks promoted to the old generation keep their 256 KiB blocks mapped until then.
   */
  collectIdle(): void {
    if (this.#proxy.inFlight > 0) return;
    fullCollection();
    this.#state.ctx.log.debug('aigw.idle_collection', {});
  }

  status(): SourceStatus {
    const table = this.#router.table();
    const failing = this.#writer.failing;
    const writer = this.#writer.status();
    return {
      state: failing ? 'degraded' : 'running',
      ...(failing ? { message: `writes failing since ${failing.since}: ${failing.reason}` } : {}),
      endpoint: endpointUrl(this.#bound),
      details: {
        endpoint: endpointUrl(this.#bound),
        host: this.#bound.host,
        port: this.#bound.port,
        upstreams: table.upstreams.map((u) => u.name),
        chains: this.#chains.describe(),
        presets: [...this.#state.presets.keys()],
        projectors: this.#state.projectors.map((p) => p.projector.name),
        in_flight: this.#proxy.inFlight,
        exchanges: this.#proxy.exchangesStarted,
        writer: writer as unknown as JsonObject,
        ...(this.#bound.fallbackFrom !== undefined ? { port_fallback_from: this.#bound.fallbackFrom } : {}),
      },
    };
  }

  async reload(slice: JsonObject): Promise<void> {
    const next = parseGatewayConfig(slice);
    if (!sameListener(this.#config, next)) {
      // bind the new listener first: a failure leaves the running one untouched
      const proxy = RunningGateway.#proxyFor(
        this.#state,
        next,
        this.#router,
        this.#chains,
        this.#writer,
        () => this.#config,
      );
      const bound = await proxy.listen(next.listen, !next.listenExplicit);
      const old = this.#proxy;
      this.#proxy = proxy;
      this.#bound = bound;
      this.#announce();
      this.#draining.push(old.close(DRAIN_MS));
    }
    this.#config = next;
    this.#router.setUpstreams(next.upstreams);
    await this.#chains.refresh();
    this.#writer.updateSettings(writerSettings(this.#state, next));
    this.#writer.setParkAfterMs(next.writerParkAfterMs);
    logConfigFindings(configFindings(this.#state, next), this.#state.ctx.log);
  }

  async stop(): Promise<void> {
    // listeners replaced by a reload may still be draining: their exchanges go to the writer too
    await Promise.all([this.#proxy.close(DRAIN_MS), ...this.#draining]);
    await this.#writer.stop(WRITER_FLUSH_MS);
    this.#state.listen = undefined;
    removeListenerFile(this.#state.ctx.paths.stateDir);
  }
}

/** Start the daemon's gateway (loaded on demand: other commands never load the proxy or undici). */
export function startGateway(state: GatewayState): Promise<SourceHandle> {
  return RunningGateway.start(state);
}
