/**
 * The writer thread's projectors: each adapter's projector module imported and its
 * `createProjectors` called with the adapter's config slice, state directory, environment and
 * a logger tagged with the adapter. A module that fails to load or build is logged and left
 * out; the others still run (as an adapter that fails to activate does not stop the rest).
 */
import { pathToFileURL } from 'node:url';
import { errorMessage, type Logger } from '@hypaware/core';
import type { ProjectorModuleRef } from '../handoff/projector-modules.js';
import { inDispatchOrder, projectorEntry, type ProjectorEntry } from '../projector-entries.js';
import type { ProjectorModule } from '../projector-module.js';

export interface LoaderDeps {
  env: NodeJS.ProcessEnv;
  /** the gateway's own log */
  log: Logger;
  /** a logger tagged with an adapter */
  loggerFor(plugin: string): Logger;
}

/** Projectors in dispatch order (module order, then the order each module returns them, breaks priority ties). */
export async function loadProjectors(refs: readonly ProjectorModuleRef[], deps: LoaderDeps): Promise<ProjectorEntry[]> {
  const entries: ProjectorEntry[] = [];
  for (const ref of refs) {
    try {
      const mod = (await import(pathToFileURL(ref.file).href)) as Partial<ProjectorModule>;
      if (typeof mod.createProjectors !== 'function')
        throw new TypeError(`${ref.file} does not export createProjectors()`);
      const projectors = mod.createProjectors({
        plugin: ref.plugin,
        config: ref.config,
        stateDir: ref.stateDir,
        env: deps.env,
        log: deps.loggerFor(ref.plugin.name),
      });
      if (!Array.isArray(projectors)) throw new TypeError('createProjectors() must return an array of projectors');
      const built = projectors.map((p, i) => projectorEntry(p, entries.length + i));
      entries.push(...built);
    } catch (err) {
      deps.log.error('aigw.projector_module_failed', {
        adapter: ref.plugin.name,
        module: ref.file,
        error: errorMessage(err),
        message: 'its exchanges are recorded without its messages',
      });
    }
  }
  return inDispatchOrder(entries);
}
