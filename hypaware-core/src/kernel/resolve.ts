import semver from 'semver';
import type { PluginManifest } from '../plugin-api.js';

export interface PluginCandidate {
  manifest: PluginManifest;
  rootDir: string;
  enabled: boolean;
}

export type SkipKind =
  | 'disabled'
  | 'duplicate_plugin'
  | 'capability_clash'
  | 'capability_missing'
  | 'capability_version_mismatch'
  | 'dependency_skipped'
  | 'cycle';

export interface SkippedPlugin {
  name: string;
  rootDir: string;
  kind: SkipKind;
  message: string;
}

export interface Resolution {
  /** plugins to activate, providers before the plugins that require them */
  order: PluginCandidate[];
  skipped: SkippedPlugin[];
}

/**
 * Decide which plugins activate and in which order: a topological order of the capability
 * graph (provider before requirer), ties broken by discovery order. Unmet requirements,
 * clashes and cycles skip the plugins concerned (and, transitively, what depends on them)
 * with a message that says what to do; the rest still activate.
 */
export function resolvePlugins(candidates: PluginCandidate[]): Resolution {
  const skipped: SkippedPlugin[] = [];
  const alive = new Map<string, PluginCandidate>();
  const skip = (c: PluginCandidate, kind: SkipKind, message: string) => {
    alive.delete(c.manifest.name);
    skipped.push({ name: c.manifest.name, rootDir: c.rootDir, kind, message });
  };

  const disabledProviders = new Map<string, string>();
  for (const c of candidates) {
    const name = c.manifest.name;
    if (!c.enabled) {
      for (const cap of Object.keys(c.manifest.provides)) disabledProviders.set(cap, name);
      skipped.push({
        name,
        rootDir: c.rootDir,
        kind: 'disabled',
        message: `plugin ${name} is disabled in the config ("enabled": false)`,
      });
      continue;
    }
    const existing = alive.get(name);
    if (existing) {
      skipped.push({
        name,
        rootDir: c.rootDir,
        kind: 'duplicate_plugin',
        message: `plugin ${name} in ${c.rootDir} is ignored: a plugin with the same name is already loaded from ${existing.rootDir}; remove one of the folders`,
      });
      continue;
    }
    alive.set(name, c);
  }

  // One provider per capability: the first discovered wins, later ones are refused.
  const providerOf = new Map<string, PluginCandidate>();
  for (const c of [...alive.values()]) {
    for (const cap of Object.keys(c.manifest.provides)) {
      const first = providerOf.get(cap);
      if (first) {
        skip(
          c,
          'capability_clash',
          `plugin ${c.manifest.name} is not activated: capability ${cap} is already provided by ${first.manifest.name}; disable one of them ("enabled": false)`,
        );
        break;
      }
      providerOf.set(cap, c);
    }
  }

  // Requirements, to a fixpoint: skipping a provider can strand its dependents.
  let changed = true;
  while (changed) {
    changed = false;
    for (const c of [...alive.values()]) {
      for (const [cap, range] of Object.entries(c.manifest.requires)) {
        const provider = providerOf.get(cap);
        const name = c.manifest.name;
        if (!provider) {
          const disabledBy = disabledProviders.get(cap);
          skip(
            c,
            'capability_missing',
            disabledBy
              ? `plugin ${name} is not activated: it requires capability ${cap}@${range}, provided by ${disabledBy}, which is disabled; enable ${disabledBy} or disable ${name}`
              : `plugin ${name} is not activated: it requires capability ${cap}@${range}, which no plugin provides; install a plugin that provides ${cap} or disable ${name}`,
          );
          changed = true;
          break;
        }
        const version = provider.manifest.provides[cap]!;
        if (!semver.satisfies(version, range, { includePrerelease: true })) {
          skip(
            c,
            'capability_version_mismatch',
            `plugin ${name} is not activated: it requires capability ${cap}@${range} but ${provider.manifest.name} provides ${cap} ${version}; upgrade ${name} to a version built for ${cap} ${version} or disable it`,
          );
          changed = true;
          break;
        }
        if (!alive.has(provider.manifest.name)) {
          skip(
            c,
            'dependency_skipped',
            `plugin ${name} is not activated: it requires capability ${cap} from ${provider.manifest.name}, which was not activated (see that plugin's message)`,
          );
          changed = true;
          break;
        }
      }
    }
  }

  // Edges provider -> requirer among the survivors.
  const deps = (c: PluginCandidate): string[] =>
    Object.keys(c.manifest.requires)
      .map((cap) => providerOf.get(cap)!.manifest.name)
      .filter((n) => n !== c.manifest.name);

  for (const cycle of findCycles([...alive.values()], deps)) {
    const text = [...cycle, cycle[0]].join(' -> ');
    for (const name of cycle) {
      const c = alive.get(name);
      if (c)
        skip(
          c,
          'cycle',
          `plugin ${name} is not activated: its capability requirements form a cycle (${text}); break the cycle by disabling one of them`,
        );
    }
  }
  // Dependents of cycle members.
  changed = true;
  while (changed) {
    changed = false;
    for (const c of [...alive.values()]) {
      const missing = deps(c).find((d) => !alive.has(d));
      if (missing) {
        skip(
          c,
          'dependency_skipped',
          `plugin ${c.manifest.name} is not activated: it depends on ${missing}, which was not activated (see that plugin's message)`,
        );
        changed = true;
      }
    }
  }

  // Kahn's algorithm, ties by discovery order.
  const rank = new Map(candidates.map((c, i) => [c.manifest.name, i] as const));
  const pending = new Map([...alive.values()].map((c) => [c.manifest.name, new Set(deps(c))] as const));
  const order: PluginCandidate[] = [];
  while (pending.size > 0) {
    const ready = [...pending.entries()].filter(([, d]) => d.size === 0).map(([n]) => n);
    ready.sort((a, b) => rank.get(a)! - rank.get(b)!);
    const next = ready[0]!;
    order.push(alive.get(next)!);
    pending.delete(next);
    for (const d of pending.values()) d.delete(next);
  }
  return { order, skipped };
}

/** Strongly connected components with more than one node (or a self-loop), as name lists. */
function findCycles(nodes: PluginCandidate[], deps: (c: PluginCandidate) => string[]): string[][] {
  const byName = new Map(nodes.map((n) => [n.manifest.name, n] as const));
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  let counter = 0;
  const visit = (name: string) => {
    index.set(name, counter);
    low.set(name, counter);
    counter++;
    stack.push(name);
    onStack.add(name);
    for (const dep of deps(byName.get(name)!)) {
      if (!byName.has(dep)) continue;
      if (!index.has(dep)) {
        visit(dep);
        low.set(name, Math.min(low.get(name)!, low.get(dep)!));
      } else if (onStack.has(dep)) {
        low.set(name, Math.min(low.get(name)!, index.get(dep)!));
      }
    }
    if (low.get(name) === index.get(name)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== name);
      if (component.length > 1) cycles.push(component.reverse());
    }
  };
  for (const name of byName.keys()) if (!index.has(name)) visit(name);
  return cycles;
}
