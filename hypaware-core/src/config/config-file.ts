import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { JsonObject, ConfigIssue } from '../plugin-api.js';
import { HypError } from '../errors.js';
import { isPlainObject } from '../util/plain-object.js';

/** The validated config file: `{"plugins": {"<name>": {...slice}}, "plugin_dirs": [...]}`. */
export interface HypConfig {
  path: string;
  /** false when no file exists and the embedded defaults apply */
  fromFile: boolean;
  plugins: Record<string, JsonObject>;
  /** absolute folders of extra plugins */
  pluginDirs: string[];
  /** the kernel's section: days to keep per dataset retention key (see retention/retention-policy.ts) */
  retention?: JsonObject;
  /** every top-level object section present (`retention`, `prices`), for `configSection` */
  sections: Record<string, JsonObject>;
}

/**
 * Top-level sections besides `plugins` and `plugin_dirs`, checked here only as objects:
 * `retention` is the kernel's; `prices` (model prices for cost estimates) is read by the plugin
 * that estimates costs, through `ActivationContext.configSection`.
 */
const SECTION_KEYS = ['retention', 'prices'];
const TOP_LEVEL_KEYS = new Set(['$schema', 'plugins', 'plugin_dirs', ...SECTION_KEYS]);

/** Embedded default: every bundled plugin enabled with its own defaults. */
export function defaultConfig(path: string): HypConfig {
  return { path, fromFile: false, plugins: {}, pluginDirs: [], sections: {} };
}

/**
 * Read and validate the config file. A missing file gives the embedded defaults. Any other
 * problem throws a HypError whose message names the file, the key and the problem.
 */
export function loadConfig(path: string): HypConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return defaultConfig(path);
    if (code === 'EISDIR')
      throw new HypError(`config ${path}: is a directory, expected a JSON file`, { kind: 'config_unreadable' });
    throw new HypError(`config ${path}: cannot read (${code ?? 'error'})`, { kind: 'config_unreadable' });
  }
  return parseConfig(text, path);
}

export function parseConfig(text: string, path: string): HypConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new HypError(`config ${path}: not valid JSON (${(err as Error).message})`, { kind: 'config_invalid' });
  }
  const issues = validateConfigShape(raw);
  if (issues.length > 0) {
    const first = issues[0]!;
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
    throw new HypError(`config ${path}: ${first.path}: ${first.message}${more}`, { kind: 'config_invalid' });
  }
  const obj = raw as JsonObject;
  const plugins: Record<string, JsonObject> = {};
  for (const [name, slice] of Object.entries((obj.plugins as JsonObject | undefined) ?? {})) {
    plugins[name] = slice as JsonObject;
  }
  const baseDir = dirname(path);
  const pluginDirs = ((obj.plugin_dirs as string[] | undefined) ?? []).map((d) =>
    isAbsolute(d) ? d : resolve(baseDir, d),
  );
  const config: HypConfig = { path, fromFile: true, plugins, pluginDirs, sections: {} };
  for (const key of SECTION_KEYS) {
    const section = obj[key];
    if (isPlainObject(section)) config.sections[key] = section;
  }
  if (config.sections.retention) config.retention = config.sections.retention;
  return config;
}

/** Shape checks of the kernel's part of the file; plugin slices are checked by their plugins. */
export function validateConfigShape(raw: unknown): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if (!isPlainObject(raw)) return [{ path: '(root)', message: 'must be a JSON object' }];
  for (const key of Object.keys(raw)) {
    if (!TOP_LEVEL_KEYS.has(key))
      issues.push({
        path: key,
        message: `unknown key (expected one of: ${[...TOP_LEVEL_KEYS].filter((k) => k !== '$schema').join(', ')})`,
      });
  }
  if (raw.plugins !== undefined) {
    if (!isPlainObject(raw.plugins)) {
      issues.push({ path: 'plugins', message: 'must be an object mapping plugin names to their config' });
    } else {
      for (const [name, slice] of Object.entries(raw.plugins)) {
        if (!isPlainObject(slice)) {
          issues.push({ path: `plugins.${name}`, message: 'must be an object' });
          continue;
        }
        if (slice.enabled !== undefined && typeof slice.enabled !== 'boolean') {
          issues.push({ path: `plugins.${name}.enabled`, message: 'must be true or false' });
        }
      }
    }
  }
  if (raw.plugin_dirs !== undefined) {
    if (!Array.isArray(raw.plugin_dirs))
      issues.push({ path: 'plugin_dirs', message: 'must be an array of folder paths' });
    else
      raw.plugin_dirs.forEach((d, i) => {
        if (typeof d !== 'string' || d.trim() === '')
          issues.push({ path: `plugin_dirs[${i}]`, message: 'must be a non-empty string' });
      });
  }
  for (const key of SECTION_KEYS)
    if (raw[key] !== undefined && !isPlainObject(raw[key])) issues.push({ path: key, message: 'must be an object' });
  return issues;
}

/** A plugin's slice without the kernel's `enabled` flag. */
export function pluginSlice(config: HypConfig, name: string): { enabled: boolean; slice: JsonObject } {
  const raw = config.plugins[name] ?? {};
  const { enabled, ...slice } = raw;
  return { enabled: enabled !== false, slice: slice as JsonObject };
}

/** A top-level section of the config (`ActivationContext.configSection`); undefined when absent. */
export function configSection(config: HypConfig, key: string): JsonObject | undefined {
  return Object.hasOwn(config.sections, key) ? config.sections[key] : undefined;
}
