import semver from 'semver';

export interface CapabilityEntry {
  name: string;
  version: string;
  provider: string;
  value: unknown;
}

/** Runtime registry of capability values provided by activated plugins. */
export class CapabilityRegistry {
  readonly #entries = new Map<string, CapabilityEntry>();

  provide(provider: string, name: string, version: string, value: unknown): void {
    if (!semver.valid(version))
      throw new TypeError(
        `provideCapability: "${version}" is not a semver version (capability ${name}, plugin ${provider})`,
      );
    const existing = this.#entries.get(name);
    if (existing)
      throw new Error(
        `capability ${name} is already provided by ${existing.provider}; ${provider} cannot provide it too`,
      );
    this.#entries.set(name, { name, version, provider, value });
  }

  /** The value, or a thrown Error that names the capability, range and what is provided. */
  require<T>(requester: string, name: string, range = '*'): T {
    const entry = this.#entries.get(name);
    if (!entry) throw new Error(`capability ${name}@${range} is not provided; required by ${requester}`);
    if (!semver.satisfies(entry.version, range, { includePrerelease: true })) {
      throw new Error(
        `capability ${name}@${range} required by ${requester}, but ${entry.provider} provides ${entry.version}`,
      );
    }
    return entry.value as T;
  }

  /** Remove every capability `provider` registered (its activation failed). */
  withdraw(provider: string): void {
    for (const [name, entry] of this.#entries) if (entry.provider === provider) this.#entries.delete(name);
  }

  get(name: string): CapabilityEntry | undefined {
    return this.#entries.get(name);
  }

  list(): Array<Omit<CapabilityEntry, 'value'>> {
    return [...this.#entries.values()].map(({ name, version, provider }) => ({ name, version, provider }));
  }
}
