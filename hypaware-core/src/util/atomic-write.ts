import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, statSync, unlinkSync, writeSync, mkdirSync } from 'node:fs';
import { mkdir, open, rename, stat, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface AtomicWriteOptions {
  /** File mode for a new file. An existing file keeps its own mode. Default 0o600. */
  mode?: number;
  /**
   * fsync the content before the rename (default true). False for files rewritten every few
   * seconds that a crash may lose (status and counter snapshots): an fsync blocks the calling
   * thread for as long as the disk takes to flush, which on the daemon's main thread is time
   * the proxy does not serve.
   */
  durable?: boolean;
}

/**
 * Write `data` to `path` atomically: a temp file in the same folder, fsync (unless
 * `durable: false`), rename.
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
    if (options.durable !== false) fsyncSync(fd);
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

/**
 * `writeFileAtomic` on the thread pool: the calling thread never waits for the disk (the
 * daemon's main thread serves the proxy). Callers must not start a second write of the same
 * path before the first settled (the renames could land in either order).
 */
export async function writeFileAtomicAsync(
  path: string,
  data: string | Uint8Array,
  options: AtomicWriteOptions = {},
): Promise<void> {
  let mode = options.mode ?? 0o600;
  try {
    mode = (await stat(path)).mode & 0o7777;
  } catch {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  }
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const file = await open(tmp, 'wx', mode);
  try {
    await file.writeFile(typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    if (options.durable !== false) await file.sync();
    await file.close();
    await rename(tmp, path);
  } catch (err) {
    await file.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}
