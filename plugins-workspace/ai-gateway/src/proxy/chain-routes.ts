/**
 * The chained upstreams as the proxy sees them: `/chain/<name>/…` requests go to the chain's
 * base URL. The table is read from the chain registry at start and again, without blocking,
 * when a request names a chain the proxy does not know yet (attach just added it).
 */
import { ChainStore, type ChainEntry } from '../chains.js';
import { compileUpstream, type CompiledUpstream } from './routing.js';

/** A miss re-reads the registry at most this often (a client hammering an unknown name costs nothing). */
const REFRESH_INTERVAL_MS = 1000;

export class ChainRoutes {
  readonly #store: ChainStore;
  #routes = new Map<string, CompiledUpstream>();
  #entries: ChainEntry[] = [];
  #refreshing: Promise<void> | undefined;
  #lastRefresh = 0;

  constructor(stateDir: string) {
    this.#store = new ChainStore(stateDir);
    this.#install(this.#store.list());
  }

  /** The chain named `name`, if known now. */
  lookup(name: string): CompiledUpstream | undefined {
    return this.#routes.get(name);
  }

  /** `name → base_url` of every known chain (for status). */
  describe(): string[] {
    return this.#entries.map((e) => `${e.name} → ${e.base_url}`);
  }

  /** Re-read the registry (coalesced, and at most once a second). */
  refresh(now = Date.now()): Promise<void> {
    if (this.#refreshing) return this.#refreshing;
    if (now - this.#lastRefresh < REFRESH_INTERVAL_MS) return Promise.resolve();
    this.#lastRefresh = now;
    this.#refreshing = this.#store.listAsync().then((entries) => {
      this.#install(entries);
      this.#refreshing = undefined;
    });
    return this.#refreshing;
  }

  #install(entries: ChainEntry[]): void {
    const routes = new Map<string, CompiledUpstream>();
    entries.forEach((e, i) =>
      routes.set(
        e.name,
        compileUpstream(
          { name: e.name, base_url: e.base_url, ...(e.provider ? { provider: e.provider } : {}) },
          i,
          'chain',
        ),
      ),
    );
    this.#routes = routes;
    this.#entries = entries;
  }
}
