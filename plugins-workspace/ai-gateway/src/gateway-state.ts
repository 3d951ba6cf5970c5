/**
 * The registries behind one instance of the capability (one per kernel, so one per thread):
 * presets, projectors, clients, and the bound listener. The writer thread finds the state of
 * its own kernel's instance through `gatewayStateOf(api)`.
 */
import type { ActivationContext } from '@hypaware/core';
import type { AiGatewayApi, ClientRegistration, ExchangeProjector, UpstreamPreset } from './api-types.js';
import type { ListenAddress } from './listen-address.js';

export interface PresetEntry {
  preset: UpstreamPreset;
  /** registration order, breaks routing ties */
  seq: number;
}

export interface ProjectorEntry {
  projector: ExchangeProjector;
  /** `priority` with the default (0) applied */
  priority: number;
  seq: number;
}

export interface GatewayState {
  ctx: ActivationContext;
  presets: Map<string, PresetEntry>;
  /** bumped on every preset registration so a running router knows to recompile */
  presetsVersion: number;
  projectors: ProjectorEntry[];
  clients: Map<string, ClientRegistration>;
  /** the bound listener, in the daemon while the source runs */
  listen: ListenAddress | undefined;
  nextSeq: number;
}

export function createGatewayState(ctx: ActivationContext): GatewayState {
  return { ctx, presets: new Map(), presetsVersion: 0, projectors: [], clients: new Map(), listen: undefined, nextSeq: 0 };
}

const statesByApi = new WeakMap<AiGatewayApi, GatewayState>();

export function bindGatewayState(api: AiGatewayApi, state: GatewayState): void {
  statesByApi.set(api, state);
}

/** The state behind an API object created by this module instance, if any. */
export function gatewayStateOf(api: unknown): GatewayState | undefined {
  return typeof api === 'object' && api !== null ? statesByApi.get(api as AiGatewayApi) : undefined;
}

/** Projectors in dispatch order: priority descending, then registration order. */
export function projectorsInOrder(state: GatewayState): ProjectorEntry[] {
  return [...state.projectors].sort((a, b) => b.priority - a.priority || a.seq - b.seq);
}
