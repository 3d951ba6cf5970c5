/**
 * The live routing table: recompiled when the config changes or a preset is registered
 * later. Logs each preset shadowed by a same-name config upstream once.
 */
import type { Logger } from '@hypaware/core';
import type { ConfigUpstream } from '../config.js';
import type { GatewayState } from '../gateway-state.js';
import { compileRoutingTable, type RoutingTable } from './routing.js';

export class Router {
  readonly #state: GatewayState;
  readonly #log: Logger;
  readonly #shadowLogged = new Set<string>();
  #upstreams: ConfigUpstream[];
  #table: RoutingTable | undefined;
  #compiledVersion = -1;

  constructor(state: GatewayState, upstreams: ConfigUpstream[], log: Logger) {
    this.#state = state;
    this.#upstreams = upstreams;
    this.#log = log;
  }

  setUpstreams(upstreams: ConfigUpstream[]): void {
    this.#upstreams = upstreams;
    this.#table = undefined;
  }

  table(): RoutingTable {
    if (this.#table && this.#compiledVersion === this.#state.presetsVersion) return this.#table;
    const table = compileRoutingTable(this.#upstreams, this.#state.presets.values());
    for (const name of table.shadowedPresets) {
      if (this.#shadowLogged.has(name)) continue;
      this.#shadowLogged.add(name);
      this.#log.info('aigw.preset_shadowed', {
        preset: name,
        message: `the config upstream "${name}" replaces the preset of the same name`,
      });
    }
    this.#table = table;
    this.#compiledVersion = this.#state.presetsVersion;
    return table;
  }
}
