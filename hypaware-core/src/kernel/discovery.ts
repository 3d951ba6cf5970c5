import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { MANIFEST_FILE, readManifest, type ManifestResult } from './manifest.js';

/**
 * Bundled plugins are the folders of `bundledDir` holding a manifest, sorted by folder name
 * (`plugins-workspace/`, or `node_modules/@hypaware/` in an installed package, where
 * `core/` has no manifest); each configured `plugin_dirs` entry is one more plugin folder.
 */
export function discoverPlugins(bundledDir: string, extraDirs: string[]): ManifestResult[] {
  const results: ManifestResult[] = [];
  let entries: string[] = [];
  try {
    entries = readdirSync(bundledDir).sort();
  } catch {
    entries = [];
  }
  for (const entry of entries) {
    const dir = join(bundledDir, entry);
    if (existsSync(join(dir, MANIFEST_FILE))) results.push(readManifest(dir));
  }
  for (const dir of extraDirs) results.push(readManifest(dir));
  return results;
}
