/** Files the background daemon commands name, and the entry they launch. */
import { join } from 'node:path';
import type { HypLayout } from '../util/hyp-home.js';
import { packageRoot } from '../util/package-root.js';

/** JSONL log of every process (rotated by the log sink). */
export function logFilePath(layout: HypLayout): string {
  return join(layout.logsDir, 'hypaware.jsonl');
}

/** stdout/stderr of a daemon started by `hyp daemon start` (warnings, errors, crashes). */
export function outputLogPath(layout: HypLayout): string {
  return join(layout.logsDir, 'daemon.out.log');
}

/** Absolute path of the installed `bin/hyp.js`. */
export function hypEntryPath(): string {
  return join(packageRoot(), 'bin', 'hyp.js');
}

/** Endpoints the running sources report (`SourceStatus.endpoint`), in source order. */
export function sourceEndpoints(sources: Array<{ endpoint?: unknown }>): string[] {
  return sources.flatMap((s) => (typeof s.endpoint === 'string' ? [s.endpoint] : []));
}
