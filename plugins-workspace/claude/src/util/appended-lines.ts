import { statSync } from 'node:fs';
import { open } from 'node:fs/promises';

const CHUNK = 1024 * 1024;
const NEWLINE = 0x0a;

export interface AppendedLinesResult {
  lines: string[];
  /** the file was replaced (new inode) or truncated: what was derived from earlier lines is stale */
  reset: boolean;
  /** the file does not exist (or cannot be read) */
  missing: boolean;
}

/**
 * Reads a JSONL file incrementally: each call returns only the complete lines appended since
 * the previous call, so its cost follows the new bytes, not the file size. A replaced file
 * (compaction by rename) or a truncated one is detected by inode and size and read again.
 */
export class AppendedLines {
  private ino: number | undefined;
  private offset = 0;
  private partial: Buffer = Buffer.alloc(0);

  constructor(readonly path: string) {}

  async read(): Promise<AppendedLinesResult> {
    // the common case (nothing appended since the last call, or no file) costs one stat, no
    // open, no buffer; a synchronous one that does not throw for a missing file (a promise,
    // a thread-pool hop and an exception per exchange cost more than the stat itself)
    let seen;
    try {
      seen = statSync(this.path, { throwIfNoEntry: false });
    } catch {
      seen = undefined;
    }
    if (!seen) return this.gone();
    if (seen.ino === this.ino && seen.size === this.offset) return { lines: [], reset: false, missing: false };
    let handle;
    try {
      handle = await open(this.path, 'r');
    } catch {
      return this.gone();
    }
    try {
      const st = await handle.stat(); // the file actually opened (it may have been replaced since)
      let reset = false;
      if (this.ino !== undefined && (st.ino !== this.ino || st.size < this.offset)) {
        this.forget();
        reset = true;
      }
      this.ino = st.ino;
      const lines: string[] = [];
      const buf = Buffer.allocUnsafe(Math.min(CHUNK, Math.max(0, st.size - this.offset)));
      while (this.offset < st.size) {
        const { bytesRead } = await handle.read(buf, 0, Math.min(buf.length, st.size - this.offset), this.offset);
        if (bytesRead <= 0) break;
        this.offset += bytesRead;
        this.takeLines(buf.subarray(0, bytesRead), lines);
      }
      return { lines, reset, missing: false };
    } finally {
      await handle.close();
    }
  }

  private gone(): AppendedLinesResult {
    const reset = this.ino !== undefined;
    this.forget();
    return { lines: [], reset, missing: true };
  }

  private takeLines(chunk: Buffer, out: string[]): void {
    const data = this.partial.length > 0 ? Buffer.concat([this.partial, chunk]) : chunk;
    let start = 0;
    for (let nl = data.indexOf(NEWLINE, start); nl !== -1; nl = data.indexOf(NEWLINE, start)) {
      const line = data.toString('utf8', start, nl).trim();
      if (line !== '') out.push(line);
      start = nl + 1;
    }
    this.partial = Buffer.from(data.subarray(start));
  }

  private forget(): void {
    this.ino = undefined;
    this.offset = 0;
    this.partial = Buffer.alloc(0);
  }
}
