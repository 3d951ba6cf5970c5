/**
 * The registries behind the capability in the kernel's thread: presets, projectors, clients,
 * and the bound listener. The writer thread has none of this: it builds its projectors from
 * the adapters' projector modules (recorder/projector-loader.ts).
 */
import type { ModelPair } from './history/model-prices-table.js';
import type { ActivationContext } from '@hypaware/core';
import type { ClientRegistration, UpstreamPreset } from './api-types.js';
import type { ListenAddress } from './listen-address.js';
import { inDispatchOrder, type ProjectorEntry } from './projector-entries.js';

export type { ProjectorEntry } from './projector-entries.js';

export interface PresetEntry {
  preset: UpstreamPreset;
  /** registration order, breaks routing ties */
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
  /** the daemon's price refresh: the writer wrote usage of these models (new ones are priced at once) */
  modelsWritten?: (models: ModelPair[]) => void;
}

export function createGatewayState(ctx: ActivationContext): GatewayState {
  return {
    ctx,
    presets: new Map(),
    presetsVersion: 0,
    projectors: [],
    clients: new Map(),
    listen: undefined,
    nextSeq: 0,
  };
}

/** Projectors in dispatch order: priority descending, then registration order. */
export function projectorsInOrder(state: GatewayState): ProjectorEntry[] {
  return inDispatchOrder(state.projectors);
}
