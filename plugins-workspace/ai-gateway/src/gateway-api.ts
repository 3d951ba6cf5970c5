/** The `hypaware.ai-gateway` capability object: validated registration over a GatewayState. */
import type { AiGatewayApi, ClientRegistration, LocalEndpointOptions, UpstreamPreset } from './api-types.js';
import { ChainStore } from './chains.js';
import { baseUrlProblem, parseGatewayConfig } from './config.js';
import { compileRoutingTable, matchUpstream } from './proxy/routing.js';
import type { GatewayState } from './gateway-state.js';
import { endpointUrl } from './listen-address.js';
import { projectorEntry } from './projector-entries.js';
import { checkPresetExtras } from './preset-extras.js';
import { reprojectStored } from './reproject.js';
import { openHistoryImport } from './history-import.js';
import { createHistoryApi } from './history/history-api.js';

export interface GatewayApiDeps {
  /** endpoint of a gateway running in another process (reads and verifies the listener file) */
  runningEndpoint(pathPrefix?: string): Promise<string>;
}

function isNonEmptyString(v: unknown): v is string {
  return typeof v === 'string' && v.trim() !== '';
}

function checkPreset(preset: UpstreamPreset, state: GatewayState): void {
  if (!preset || !isNonEmptyString(preset.name)) throw new TypeError('registerUpstreamPreset: name is required');
  const where = `registerUpstreamPreset '${preset.name}'`;
  if (!isNonEmptyString(preset.base_url)) throw new TypeError(`${where}: base_url is required`);
  const urlProblem = baseUrlProblem(preset.base_url);
  if (urlProblem) throw new TypeError(`${where}: base_url ${urlProblem}`);
  const hasMatch = typeof preset.match === 'function';
  if (preset.match !== undefined && !hasMatch) throw new TypeError(`${where}: match must be a function`);
  if (
    preset.path_prefix !== undefined &&
    (typeof preset.path_prefix !== 'string' || (preset.path_prefix !== '' && !preset.path_prefix.startsWith('/')))
  ) {
    throw new TypeError(`${where}: path_prefix must start with "/"`);
  }
  if (!hasMatch && !isNonEmptyString(preset.path_prefix))
    throw new TypeError(`${where}: either match() or path_prefix is required`);
  if (preset.priority !== undefined && (typeof preset.priority !== 'number' || !Number.isFinite(preset.priority))) {
    throw new TypeError(`${where}: priority must be a finite number`);
  }
  checkPresetExtras(preset, where);
  const existing = state.presets.get(preset.name);
  if (existing) {
    throw new TypeError(
      `${where}: the name is already registered (by an earlier registration with base_url ${existing.preset.base_url}); preset names are unique across plugins, pick another name`,
    );
  }
}

function checkClient(client: ClientRegistration): void {
  if (!client || !isNonEmptyString(client.name)) throw new TypeError('registerClient: name is required');
  const where = `registerClient '${client.name}'`;
  if (!isNonEmptyString(client.defaultUpstream)) throw new TypeError(`${where}: defaultUpstream is required`);
  if (typeof client.attach !== 'function' || typeof client.detach !== 'function')
    throw new TypeError(`${where}: attach()/detach() are required`);
  if (client.status !== undefined && typeof client.status !== 'function')
    throw new TypeError(`${where}: status must be a function`);
}

export function createGatewayApi(state: GatewayState, deps: GatewayApiDeps): AiGatewayApi {
  const chains = new ChainStore(state.ctx.paths.stateDir);
  return {
    history: createHistoryApi(state.ctx),
    registerUpstreamPreset(preset) {
      checkPreset(preset, state);
      state.presets.set(preset.name, { preset: { ...preset }, seq: state.nextSeq++ });
      state.presetsVersion++;
    },
    registerExchangeProjector(projector) {
      state.projectors.push(projectorEntry(projector, state.nextSeq++));
    },
    registerClient(client) {
      checkClient(client);
      if (state.clients.has(client.name)) state.ctx.log.warn('aigw.client_replaced', { client: client.name });
      state.clients.set(client.name, client);
    },
    getClient: (name) => state.clients.get(name),
    listClients: () => [...state.clients.values()],
    async localEndpoint(opts?: LocalEndpointOptions) {
      if (state.listen) return endpointUrl(state.listen, opts?.pathPrefix);
      return deps.runningEndpoint(opts?.pathPrefix);
    },
    reproject: (options) => reprojectStored(state, options),
    chainUpstream: (endpoint, request, options) => chains.chain(endpoint, request, options?.dryRun === true),
    chainOf: (url) => chains.chainOf(url),
    routeOf(route) {
      const table = compileRoutingTable(parseGatewayConfig(state.ctx.config).upstreams, state.presets.values());
      const upstream = matchUpstream(table, route);
      return upstream ? { name: upstream.name, base_url: upstream.origin + upstream.basePath } : undefined;
    },
    unchainClient(client) {
      chains.removeClient(client);
    },
    openHistoryImport: () => openHistoryImport(state),
  };
}
