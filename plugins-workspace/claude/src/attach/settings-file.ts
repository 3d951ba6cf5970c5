import { readFileSync, unlinkSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { HypError, writeFileAtomic } from '@hypaware/core';

export type JsonObjectLike = Record<string, unknown>;

/** How a JSON file was laid out, so a rewrite looks like the original. */
export interface JsonStyle {
  indent: string;
  eol: string;
  finalNewline: boolean;
}

export interface SettingsDocument {
  path: string;
  /** the bytes read, null when the file did not exist */
  text: string | null;
  data: JsonObjectLike;
  style: JsonStyle;
}

const DEFAULT_STYLE: JsonStyle = { indent: '  ', eol: '\n', finalNewline: true };

/** Claude Code's config folder: `CLAUDE_CONFIG_DIR`, else `~/.claude`. */
export function claudeConfigDir(env: NodeJS.ProcessEnv): string {
  const dir = env.CLAUDE_CONFIG_DIR?.trim();
  if (dir) return isAbsolute(dir) ? dir : resolve(dir);
  return join(env.HOME || homedir(), '.claude');
}

export function claudeSettingsPath(env: NodeJS.ProcessEnv): string {
  return join(claudeConfigDir(env), 'settings.json');
}

/** True when `//` or `/*` appears outside a JSON string. */
function hasComments(text: string): boolean {
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '/' && (text[i + 1] === '/' || text[i + 1] === '*')) return true;
  }
  return false;
}

/** Indentation, line ending and final newline of a JSON text (`{}` on one line counts as indented). */
function detectStyle(text: string): JsonStyle {
  const body = text.trim();
  const minified = !body.includes('\n') && body !== '{}';
  const indent = /^[{[][ \t]*\r?\n([ \t]+)\S/.exec(body)?.[1] ?? (minified ? '' : '  ');
  return { indent, eol: text.includes('\r\n') ? '\r\n' : '\n', finalNewline: /\n$/.test(text) };
}

export function renderJson(data: unknown, style: JsonStyle): string {
  const body = JSON.stringify(data, null, style.indent === '' ? undefined : style.indent);
  return (style.eol === '\n' ? body : body.replace(/\n/g, style.eol)) + (style.finalNewline ? style.eol : '');
}

/** Read and parse settings.json; refuse (HypError, file untouched) what we must not rewrite. */
export function readSettings(path: string): SettingsDocument {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { path, text: null, data: {}, style: DEFAULT_STYLE };
    throw new HypError(`cannot read ${path}: ${(err as Error).message}`, { kind: 'settings_unreadable' });
  }
  if (text.trim() === '') return { path, text, data: {}, style: DEFAULT_STYLE };
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    if (hasComments(text)) {
      throw new HypError(
        `${path} contains comments (JSONC); HypAware only rewrites plain JSON. Remove the comments and run the command again; the file was not changed`,
        { kind: 'settings_jsonc' },
      );
    }
    throw new HypError(
      `${path} is not valid JSON (${(err as Error).message}); fix it and run the command again; the file was not changed`,
      { kind: 'settings_malformed' },
    );
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new HypError(`${path} does not hold a JSON object; the file was not changed`, {
      kind: 'settings_not_object',
    });
  }
  return { path, text, data: data as JsonObjectLike, style: detectStyle(text) };
}

/**
 * Replace the file atomically (its mode is kept), or remove it when `text` is null, unless
 * someone changed it since `doc` was read.
 */
export function writeSettings(doc: SettingsDocument, text: string | null): void {
  let current: string | null;
  try {
    current = readFileSync(doc.path, 'utf8');
  } catch {
    current = null;
  }
  if (current !== doc.text) {
    throw new HypError(`${doc.path} changed while HypAware was editing it; run the command again`, {
      kind: 'settings_concurrent_edit',
    });
  }
  if (text === null) unlinkSync(doc.path);
  else writeFileAtomic(doc.path, text);
}
