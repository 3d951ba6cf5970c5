/**
 * The folders whose sessions are never stored (`hyp privacy ignore <path>`): a small JSON file
 * in the gateway's state directory, `privacy.json` = `{"ignored_paths": ["/abs/dir", ...]}`.
 * The CLI writes it atomically; the writer thread re-reads it when it changes (ignore-filter.ts),
 * so the running daemon applies an edit within a second, without a reload.
 */
import { readFileSync, realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve, sep } from 'node:path';
import { HypError, isPlainObject, writeFileAtomic } from '@hypaware/core';

export const PRIVACY_FILE = 'privacy.json';

export function ignoreListPath(stateDir: string): string {
  return join(stateDir, PRIVACY_FILE);
}

/** The ignored folders in the file (absent file: none). A damaged file is an error, never "nothing ignored" in silence. */
export function readIgnoreList(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new HypError(`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})`, {
      kind: 'privacy_file',
    });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new HypError(`${file}: not valid JSON; fix or remove it`, { kind: 'privacy_file' });
  }
  const list = isPlainObject(parsed) ? parsed.ignored_paths : undefined;
  if (!Array.isArray(list) || !list.every((p) => typeof p === 'string' && isAbsolute(p)))
    throw new HypError(`${file}: "ignored_paths" must be a list of absolute paths`, { kind: 'privacy_file' });
  return list as string[];
}

export function writeIgnoreList(file: string, paths: readonly string[]): void {
  writeFileAtomic(file, JSON.stringify({ ignored_paths: [...paths].sort() }, null, 2) + '\n', { mode: 0o600 });
}

/**
 * What the user typed as an absolute folder: `~` expanded, relative to `cwd`, no trailing
 * slash. With `resolveLinks`, the real path when it exists (a client reports the real cwd).
 */
export function normalizeFolder(input: string, cwd: string, resolveLinks = false): string {
  const expanded = input === '~' || input.startsWith('~/') ? join(homedir(), input.slice(1)) : input;
  const absolute = resolve(cwd, expanded);
  if (!resolveLinks) return absolute;
  try {
    return realpathSync(absolute);
  } catch {
    return absolute;
  }
}

/** `dir` is `root` or inside it (path segments, not string prefixes: /a/bc is not under /a/b). */
export function isUnder(dir: string, root: string): boolean {
  const r = root.length > 1 && root.endsWith(sep) ? root.slice(0, -1) : root;
  if (dir === r) return true;
  return dir.startsWith(r === sep ? r : r + sep);
}

/** The ignored folder `cwd` is under, if any. */
export function ignoredRoot(cwd: string | null | undefined, roots: readonly string[]): string | undefined {
  if (!cwd) return undefined;
  const dir = cwd.length > 1 && cwd.endsWith(sep) ? cwd.slice(0, -1) : cwd;
  return roots.find((root) => isUnder(dir, root));
}
