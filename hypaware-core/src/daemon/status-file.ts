import { readFileSync, unlinkSync } from 'node:fs';
import type { JsonObject, SourceStatus } from '../plugin-api.js';
import { writeFileAtomic, writeFileAtomicAsync } from '../util/atomic-write.js';

export type DaemonState = 'starting' | 'running' | 'stopping' | 'stopped' | 'failed';

export interface SourceReport extends SourceStatus {
  name: string;
  plugin: string;
}

export interface DaemonStatusFile {
  state: DaemonState;
  pid: number;
  version: string;
  hyp_home: string;
  config_path: string;
  started_at: string;
  updated_at: string;
  stopped_at?: string;
  error?: string;
  sources: SourceReport[];
  plugins: Array<{ name: string; version: string }>;
  problems: string[];
  details?: JsonObject;
}

/** No fsync: the file is rewritten every 5 s, a crash loses at most the last write. */
export function writeStatusFile(path: string, status: DaemonStatusFile): void {
  writeFileAtomic(path, JSON.stringify(status, null, 2) + '\n', { mode: 0o600, durable: false });
}

/** The periodic rewrite, on the thread pool: the daemon's main thread (the proxy) never waits for the disk. */
export async function writeStatusFileInBackground(path: string, status: DaemonStatusFile): Promise<void> {
  await writeFileAtomicAsync(path, JSON.stringify(status, null, 2) + '\n', { mode: 0o600, durable: false });
}

/** The status file, or undefined when absent or unreadable (it is untrusted input). */
export function readStatusFile(path: string): DaemonStatusFile | undefined {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const s = parsed as Partial<DaemonStatusFile>;
    if (typeof s.state !== 'string' || typeof s.pid !== 'number') return undefined;
    return {
      ...s,
      sources: Array.isArray(s.sources) ? s.sources : [],
      plugins: Array.isArray(s.plugins) ? s.plugins : [],
      problems: Array.isArray(s.problems) ? s.problems : [],
    } as DaemonStatusFile;
  } catch {
    return undefined;
  }
}

export function readPidFile(path: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

export function removePidFile(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    /* already gone */
  }
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
