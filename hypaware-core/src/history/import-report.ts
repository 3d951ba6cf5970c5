/**
 * What a history import (`hyp claude import`, `hyp codex import`) did: counts, skipped lines by
 * reason, the one-line summary, and the progress line on a terminal.
 */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { HypError } from '../errors.js';
import { progressLine } from '../query/progress-line.js';

export interface ImportSummary {
  source: string;
  files: number;
  sessions: number;
  /** messages read from the files (after --since) */
  messages: number;
  /** messages that were new to the table */
  messages_added: number;
  /** messages the table already held (live capture, an earlier import) */
  messages_present: number;
  rows_added: number;
  /** lines not imported, by reason (invalid_json, truncated_last_line, before_since, ...) */
  skipped: Record<string, number>;
  since: string | null;
}

export function emptySummary(source: string, since: string | undefined): ImportSummary {
  return {
    source,
    files: 0,
    sessions: 0,
    messages: 0,
    messages_added: 0,
    messages_present: 0,
    rows_added: 0,
    skipped: {},
    since: since ?? null,
  };
}

export function countSkip(summary: ImportSummary, reason: string, n = 1): void {
  summary.skipped[reason] = (summary.skipped[reason] ?? 0) + n;
}

export function importSummaryText(s: ImportSummary): string {
  const n = (v: number) => v.toLocaleString('en-US');
  const skipped = Object.entries(s.skipped)
    .filter(([, c]) => c > 0)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([reason, c]) => `${n(c)} ${reason}`)
    .join(', ');
  return (
    `imported ${s.source}${s.since ? ` since ${s.since}` : ''}: ${n(s.files)} files, ${n(s.sessions)} sessions, ` +
    `${n(s.messages)} messages (${n(s.messages_added)} new, ${n(s.messages_present)} already stored), ` +
    `${n(s.rows_added)} rows added` +
    (skipped ? `; skipped lines: ${skipped}` : '') +
    '\n'
  );
}

/** Progress by files on a terminal (stderr); silent elsewhere. */
export function importProgress(stream: NodeJS.WritableStream): {
  file(done: number, total: number): void;
  done(): void;
} {
  const line = progressLine(stream);
  return { file: (done, total) => line.update(done, total, 'files'), done: () => line.done() };
}

/** The folder to import (`given` on the command line, else the client's default), checked: a one-line error when it is not a folder. */
export async function importFolder(given: string | undefined, fallback: string, what: string): Promise<string> {
  const dir = given !== undefined ? resolve(given) : fallback;
  const isDir = await stat(dir).then(
    (s) => s.isDirectory(),
    () => undefined,
  );
  if (isDir === undefined)
    throw new HypError(`no ${what} folder at ${dir}${given === undefined ? ' (nothing to import)' : ''}`, {
      kind: 'import_source_missing',
    });
  if (!isDir) throw new HypError(`${dir} is not a folder (${what})`, { kind: 'import_source_missing' });
  return dir;
}
