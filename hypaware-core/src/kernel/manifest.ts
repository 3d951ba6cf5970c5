import { readFileSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';
import type { PluginManifest } from '../plugin-api.js';

export const MANIFEST_FILE = 'hypaware.plugin.json';

export type ManifestResult =
  { ok: true; manifest: PluginManifest; rootDir: string } | { ok: false; rootDir: string; error: string };

function isRecordOfStrings(v: unknown): v is Record<string, string> {
  return (
    typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string')
  );
}

/** Validate a parsed manifest; the first problem is returned as a sentence. */
export function validateManifest(raw: unknown): { manifest?: PluginManifest; error?: string } {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { error: 'manifest must be a JSON object' };
  const m = raw as Record<string, unknown>;
  for (const field of ['name', 'version', 'main'] as const) {
    if (typeof m[field] !== 'string' || (m[field] as string).trim() === '')
      return { error: `manifest field "${field}" is missing or not a non-empty string` };
  }
  if (!semver.valid(m.version as string))
    return { error: `manifest field "version" is not a semver version: ${JSON.stringify(m.version)}` };
  const provides = m.provides ?? {};
  const requires = m.requires ?? {};
  if (!isRecordOfStrings(provides)) return { error: 'manifest field "provides" must map capability names to versions' };
  if (!isRecordOfStrings(requires))
    return { error: 'manifest field "requires" must map capability names to semver ranges' };
  for (const [cap, version] of Object.entries(provides)) {
    if (!semver.valid(version)) return { error: `provides.${cap}: "${version}" is not an exact semver version` };
  }
  for (const [cap, range] of Object.entries(requires)) {
    if (semver.validRange(range) === null) return { error: `requires.${cap}: "${range}" is not a valid semver range` };
  }
  const standalone = m.standalone_commands ?? {};
  if (!isRecordOfStrings(standalone))
    return { error: 'manifest field "standalone_commands" must map command names to module paths' };
  const contributes = m.contributes ?? {};
  if (typeof contributes !== 'object' || contributes === null || Array.isArray(contributes))
    return { error: 'manifest field "contributes" must be an object of sections keyed by name' };
  const manifest: PluginManifest = {
    name: m.name as string,
    version: m.version as string,
    main: m.main as string,
    provides,
    requires,
    standalone_commands: standalone,
  };
  if (typeof m.description === 'string') manifest.description = m.description;
  if (Object.keys(contributes).length > 0) manifest.contributes = contributes as PluginManifest['contributes'];
  return { manifest };
}

/** Read `<rootDir>/hypaware.plugin.json`. Never throws. */
export function readManifest(rootDir: string): ManifestResult {
  if (!existsSync(rootDir)) return { ok: false, rootDir, error: `plugin folder ${rootDir} does not exist` };
  if (!statSync(rootDir).isDirectory())
    return { ok: false, rootDir, error: `plugin folder ${rootDir} is not a directory` };
  const file = join(rootDir, MANIFEST_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return {
      ok: false,
      rootDir,
      error: code === 'ENOENT' ? `no ${MANIFEST_FILE} in ${rootDir}` : `cannot read ${file} (${code})`,
    };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return { ok: false, rootDir, error: `${file} is not valid JSON (${(err as Error).message})` };
  }
  const { manifest, error } = validateManifest(raw);
  if (!manifest) return { ok: false, rootDir, error: `${file}: ${error}` };
  return { ok: true, manifest, rootDir };
}
