import {
  closeSync,
  constants,
  fstatSync,
  mkdirSync,
  openSync,
  readSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { parseRecord, type SessionContextRecord } from './record.js';

export interface StateFileLimits {
  /** compact when the file grows past this many bytes */
  maxBytes: number;
  /** compaction keeps at most this many bytes ... */
  keepBytes: number;
  /** ... and this many records ... */
  keepRecords: number;
  /** ... and this many of the newest records per session */
  keepPerSession: number;
  /** a compaction lock older than this belongs to a crashed process */
  staleLockMs: number;
}

export const DEFAULT_LIMITS: StateFileLimits = {
  maxBytes: 1024 * 1024,
  keepBytes: 256 * 1024,
  keepRecords: 2048,
  keepPerSession: 8,
  staleLockMs: 10_000,
};

const APPEND = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT;

/** One write(2) of a whole line on an O_APPEND descriptor: concurrent appenders never interleave. */
function appendLine(path: string, line: string): { size: number; ino: number } {
  const fd = openSync(path, APPEND, 0o600);
  try {
    writeSync(fd, line);
    const st = fstatSync(fd);
    return { size: st.size, ino: st.ino };
  } finally {
    closeSync(fd);
  }
}

function inodeOf(path: string): number | undefined {
  try {
    return statSync(path).ino;
  } catch {
    return undefined;
  }
}

/**
 * Append one record. If a compaction replaced the file while we wrote, the line may have
 * landed in the old file after the compactor copied its tail: write it again to the new
 * file (a duplicate record is harmless, a lost one is not). Compact when over the limit.
 */
export function appendRecord(
  path: string,
  record: SessionContextRecord,
  limits: StateFileLimits = DEFAULT_LIMITS,
): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const line = JSON.stringify(record) + '\n';
  let written = appendLine(path, line);
  if (inodeOf(path) !== written.ino) written = appendLine(path, line);
  if (written.size > limits.maxBytes) compactStateFile(path, limits);
}

/**
 * Keep the newest records (by their `ts`: a compaction racing with appenders can leave lines
 * out of order): per session at most `keepPerSession`, in total `keepRecords` / `keepBytes`.
 * The kept lines come back oldest first.
 */
export function selectKept(lines: string[], limits: StateFileLimits): string[] {
  const parsed = lines.flatMap((line, index) => {
    const record = parseRecord(line);
    return record ? [{ line, record, index }] : [];
  });
  parsed.sort((a, b) => b.record.ts.localeCompare(a.record.ts) || b.index - a.index);
  const kept: typeof parsed = [];
  const perSession = new Map<string, number>();
  let bytes = 0;
  for (const p of parsed) {
    if (kept.length >= limits.keepRecords) break;
    const n = perSession.get(p.record.session_id) ?? 0;
    if (n >= limits.keepPerSession) continue;
    const size = Buffer.byteLength(p.line) + 1;
    if (bytes + size > limits.keepBytes) break;
    perSession.set(p.record.session_id, n + 1);
    bytes += size;
    kept.push(p);
  }
  return kept.reverse().map((p) => p.line);
}

function takeLock(lockPath: string, staleMs: number): boolean {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      closeSync(openSync(lockPath, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600));
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') return false;
      try {
        if (Date.now() - statSync(lockPath).mtimeMs < staleMs) return false;
        unlinkSync(lockPath);
      } catch {
        // another process removed or replaced it: try once more
      }
    }
  }
  return false;
}

function readFrom(fd: number, start: number, end: number): Buffer {
  const buf = Buffer.alloc(Math.max(0, end - start));
  let off = 0;
  while (off < buf.length) {
    const n = readSync(fd, buf, off, buf.length - off, start + off);
    if (n <= 0) break;
    off += n;
  }
  return buf.subarray(0, off);
}

/**
 * Rewrite the file with the records worth keeping, under an O_EXCL lock (one compactor at a
 * time; a crashed holder's lock goes stale). The new file replaces the old by rename; lines
 * appended to the old file after it was read are copied over afterwards.
 */
function compactStateFile(path: string, limits: StateFileLimits = DEFAULT_LIMITS): void {
  const lockPath = `${path}.lock`;
  if (!takeLock(lockPath, limits.staleLockMs)) return;
  try {
    const fd = openSync(path, 'r');
    try {
      const size = fstatSync(fd).size;
      if (size <= limits.maxBytes) return;
      const body = readFrom(fd, 0, size);
      const completeEnd = body.lastIndexOf(0x0a) + 1;
      const kept = selectKept(body.toString('utf8', 0, completeEnd).split('\n').slice(0, -1), limits);
      // unique without randomness: one compactor per lock, and live compactors differ in pid
      const tmp = `${path}.${process.pid}.tmp`;
      writeFileSync(tmp, kept.map((l) => l + '\n').join(''), { mode: 0o600 });
      renameSync(tmp, path);
      const late = readFrom(fd, completeEnd, fstatSync(fd).size);
      if (late.length > 0) appendLine(path, late.toString('utf8'));
    } finally {
      closeSync(fd);
    }
  } finally {
    try {
      unlinkSync(lockPath);
    } catch {
      /* already gone */
    }
  }
}
