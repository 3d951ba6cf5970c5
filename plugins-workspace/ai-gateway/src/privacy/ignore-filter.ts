/**
 * The writer's check of `hyp privacy ignore`: an exchange whose projection has a cwd under an
 * ignored folder is dropped whole (no message rows, no raw exchange row); so are later
 * exchanges of the same session or conversation that carry no cwd. The list file is re-read
 * when its mtime changes, checked at most once a second. A list that cannot be read keeps the
 * last good one and is logged (never a crash, never a silent "ignore nothing" after a good read).
 */
import { statSync } from 'node:fs';
import { errorMessage, LruCache, type Logger, type Meter } from '@hypaware/core';
import type { ProjectedExchange } from '../api-types.js';
import { ignoredRoot, readIgnoreList } from './ignore-list.js';

const RECHECK_MS = 1000;

/** The session and conversation of a projection: once one is found ignored, the rest of it is too. */
export function projectionScopes(projection: ProjectedExchange): string[] {
  return [projection.session_id, projection.conversation_id].filter((s): s is string => !!s);
}

/** The projection, or one of its messages, has a cwd under an ignored folder. */
export function cwdIgnored(projection: ProjectedExchange, roots: readonly string[]): boolean {
  return [projection.cwd, ...projection.messages.map((m) => m.cwd)].some(
    (cwd) => ignoredRoot(cwd, roots) !== undefined,
  );
}

export class IgnoreFilter {
  readonly #file: string | undefined;
  readonly #log: Logger;
  readonly #meter: Meter;
  #roots: string[] = [];
  #mtimeMs = -1;
  #checkedAt = 0;
  /** sessions / conversations found under an ignored folder: their later exchanges go too */
  readonly #ignoredScopes = new LruCache<string, true>(10_000);

  constructor(file: string | undefined, log: Logger, meter: Meter) {
    this.#file = file;
    this.#log = log;
    this.#meter = meter;
  }

  #refresh(): void {
    const now = Date.now();
    if (this.#file === undefined || now - this.#checkedAt < RECHECK_MS) return;
    this.#checkedAt = now;
    let mtimeMs: number;
    try {
      mtimeMs = statSync(this.#file).mtimeMs;
    } catch {
      mtimeMs = 0; // no file: nothing ignored
    }
    if (mtimeMs === this.#mtimeMs) return;
    try {
      this.#roots = mtimeMs === 0 ? [] : readIgnoreList(this.#file);
      this.#mtimeMs = mtimeMs;
      this.#ignoredScopes.clear();
    } catch (err) {
      this.#log.error('aigw.privacy_list_unreadable', { error: errorMessage(err), message: 'keeping the last list' });
      this.#mtimeMs = mtimeMs;
    }
  }

  /** True when nothing of this exchange may be stored. */
  drops(projection: ProjectedExchange | undefined): boolean {
    this.#refresh();
    if (!projection || this.#roots.length === 0) return false;
    const scopes = projectionScopes(projection);
    const ignored = cwdIgnored(projection, this.#roots) || scopes.some((s) => this.#ignoredScopes.get(s) === true);
    if (!ignored) return false;
    for (const s of scopes) this.#ignoredScopes.set(s, true);
    this.#meter.counter('aigw.privacy_ignored').add(1);
    return true;
  }
}
