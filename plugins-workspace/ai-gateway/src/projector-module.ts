/**
 * How an adapter's projectors reach the writer thread. The writer thread runs no kernel: it
 * imports the module each adapter names in its manifest and builds the projectors there.
 *
 *   hypaware.plugin.json:  "contributes": { "hypaware.ai-gateway": { "projectors": "dist/projectors.js" } }
 *   dist/projectors.js:    export function createProjectors(ctx: ProjectorModuleContext): ExchangeProjector[]
 *
 * The adapter's `activate()` registers the same projectors in its own thread
 * (`registerExchangeProjector(p)` for each of `createProjectors(...)`), for routing checks,
 * `hyp status` and `hyp reproject`.
 */
import type { JsonObject, Logger } from '@hypaware/core';
import type { ExchangeProjector } from './api-types.js';

/** The adapter's manifest section `contributes["hypaware.ai-gateway"]`. */
export interface GatewayContribution {
  /** module path relative to the plugin folder; it exports `createProjectors` */
  projectors: string;
}

/** What `createProjectors` gets: the same facts `activate()` has, as plain data. */
export interface ProjectorModuleContext {
  plugin: { name: string; version: string; rootDir: string };
  /** the adapter's config slice */
  config: JsonObject;
  /** the adapter's state directory */
  stateDir: string;
  /** the daemon's environment */
  env: NodeJS.ProcessEnv;
  /** records tagged with the adapter's name */
  log: Logger;
}

/** The shape of a projector module. */
export interface ProjectorModule {
  createProjectors(ctx: ProjectorModuleContext): ExchangeProjector[];
}
