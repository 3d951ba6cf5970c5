import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, statSync, unlinkSync, writeSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export interface AtomicWriteOptions {
  /** File mode for a new file. An existing file keeps its own mode. Default 0o600. */
  mode?: number;
}

/**
 * Write `data` to `path` atomically: a temp file in the same folder, fsync, rename.
 * Readers see either the old or the new content, never a torn file. An existing file's
 * permission bits are kept.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): void {
  let mode = options.mode ?? 0o600;
  try {
    mode = statSync(path).mode & 0o7777;
  } catch {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  }
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(tmp, 'wx', mode);
  try {
    writeSync(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      /* already gone */
    }
    throw err;
  }
  closeSync(fd);
  try {
    renameSync(tmp, path);
  } catch (err) {
    try {
      unlinkSync(tmp);
    } catch {
      /* already gone */
    }
    throw err;
  }
}
