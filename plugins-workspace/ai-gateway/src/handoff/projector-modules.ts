/**
 * The main thread's half of loading projectors in the writer thread: the adapters' manifest
 * sections `contributes["hypaware.ai-gateway"]`, resolved to module files plus what each
 * module's `createProjectors` needs. Plain data: it travels in the worker's `workerData`.
 */
import { isAbsolute, join, relative, resolve } from 'node:path';
import { isPlainObject, type JsonObject, type Logger, type PluginContribution } from '@hypaware/core';

/** One adapter's projector module, as the writer thread receives it. */
export interface ProjectorModuleRef {
  plugin: { name: string; version: string; rootDir: string };
  /** absolute path of the module */
  file: string;
  config: JsonObject;
  stateDir: string;
}

/** The module path a section names, or why it names none. */
function modulePath(contribution: PluginContribution): { file: string } | { problem: string } {
  const value = contribution.value;
  const projectors = isPlainObject(value) ? value.projectors : undefined;
  if (typeof projectors !== 'string' || projectors.trim() === '')
    return { problem: '"projectors" must name a module file relative to the plugin folder' };
  const root = contribution.plugin.rootDir;
  const file = resolve(root, projectors);
  const inside = relative(root, file);
  if (isAbsolute(projectors) || inside.startsWith('..') || isAbsolute(inside))
    return { problem: `"projectors" (${projectors}) must stay inside the plugin folder` };
  return { file: join(root, inside) };
}

/** Every well-formed section, in activation order; a malformed one is logged and left out. */
export function projectorModuleRefs(contributions: PluginContribution[], log: Logger): ProjectorModuleRef[] {
  const refs: ProjectorModuleRef[] = [];
  for (const c of contributions) {
    const path = modulePath(c);
    if ('problem' in path) {
      log.error('aigw.projector_module_invalid', {
        adapter: c.plugin.name,
        message: `hypaware.plugin.json contributes["hypaware.ai-gateway"]: ${path.problem}; its projectors do not run in the writer`,
      });
      continue;
    }
    refs.push({ plugin: c.plugin, file: path.file, config: c.config, stateDir: c.stateDir });
  }
  return refs;
}
