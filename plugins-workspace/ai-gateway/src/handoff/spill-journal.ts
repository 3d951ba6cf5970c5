/**
 * Exchanges the writer has not taken yet, on disk instead of in memory: append-only files
 * `<dir>/<seq>.spill` (owner-only) of frames (spill-frame.ts), read back in order once the
 * writer has room, deleted once every record read from them is written (or given up). Files
 * left by a stopped or killed daemon are read first at the next start, so a backlog survives
 * a restart; a frame cut short by a crash ends its file's reading.
 *
 * All file I/O is asynchronous and off the event loop: appends are batched into one `writev`
 * at a time, in order.
 */
import { mkdirSync, readdirSync, statSync, unlinkSync } from 'node:fs';
import { open, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { errorMessage, type Logger } from '@hypaware/core';
import type { ExchangeRecord } from '../exchange-record.js';
import { releaseBodies } from '../shared-slab.js';
import { decodeFrame, encodeFrame, FRAME_HEAD_BYTES, readFrameHead, type EncodedFrame } from './spill-frame.js';

export interface SpillJournalOptions {
  dir: string;
  /** appends are refused (the caller keeps or drops the record) beyond this many bytes on disk */
  maxBytes: number;
  /** a new file is started past this size, so read files can be deleted while appends go on */
  fileBytes?: number;
  log: Logger;
  secrets(): ReadonlySet<string>;
  /** records whose append failed (disk full, I/O error): they are the caller's again */
  onAppendFailed(records: ExchangeRecord[], reason: string): void;
}

interface SpillFile {
  seq: number;
  path: string;
  /** open for appends: only the newest file */
  appender: FileHandle | undefined;
  reader: FileHandle | undefined;
  /** bytes of complete frames */
  writeEnd: number;
  /** no more appends */
  sealed: boolean;
  readOffset: number;
  /** records read back, and those of them written or given up since */
  read: number;
  settled: number;
}

interface PendingFrame {
  record: ExchangeRecord;
  frame: EncodedFrame;
}

const FILE_NAME = /^(\d{12})\.spill$/;
const FIRST_SEQ = 100_000_000_000;
/** parts per writev stay under IOV_MAX (1024): a frame has at most 4 */
const MAX_FRAMES_PER_WRITE = 250;
const READ_BLOCK_BYTES = 4 * 1024 * 1024;
const WRITE_MAX_BYTES = 8 * 1024 * 1024;
/** after a failed append, refuse new ones this long (the disk is likely full) */
const FAILED_APPEND_PAUSE_MS = 5000;

const fileName = (seq: number) => `${String(seq).padStart(12, '0')}.spill`;

/** The spill files in `dir`, oldest first (none when the folder does not exist). */
function listSpillFiles(dir: string): Array<{ seq: number; path: string; size: number }> {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const out: Array<{ seq: number; path: string; size: number }> = [];
  for (const name of names) {
    const m = FILE_NAME.exec(name);
    if (m) out.push({ seq: Number(m[1]), path: join(dir, name), size: statSync(join(dir, name)).size });
  }
  return out.sort((a, b) => a.seq - b.seq);
}

/** The spill files in `dir` and their bytes (for `hyp status`, from any process). */
export function spillFilesIn(dir: string): { files: number; bytes: number } {
  const files = listSpillFiles(dir);
  return { files: files.length, bytes: files.reduce((n, f) => n + f.size, 0) };
}

export class SpillJournal {
  readonly #options: Required<SpillJournalOptions>;
  /** in read order */
  readonly #files: SpillFile[] = [];
  readonly #origin = new WeakMap<ExchangeRecord, SpillFile>();
  #pending: PendingFrame[] = [];
  #pendingBytes = 0;
  #diskBytes = 0;
  #nextSeq = FIRST_SEQ;
  #appending: Promise<void> | undefined;
  #refuseUntil = 0;
  #closed = false;
  /** records appended in this process, for status */
  appended = 0;

  /** Opens (creating, owner-only) the folder and picks up the files a previous run left. */
  constructor(options: SpillJournalOptions) {
    this.#options = { fileBytes: 64 * 1024 * 1024, ...options };
    mkdirSync(options.dir, { recursive: true, mode: 0o700 });
    const found = listSpillFiles(options.dir).filter((f) => {
      if (f.size > 0) return true;
      unlinkSync(f.path); // an empty file holds nothing to read
      return false;
    });
    for (const { seq, size } of found) {
      this.#files.push(this.#newFile(seq, size, true));
      this.#diskBytes += size;
    }
    if (found.length > 0) {
      this.#nextSeq = found[found.length - 1]!.seq + 1;
      options.log.info('aigw.spill_recovered', { files: found.length, bytes: this.#diskBytes, dir: options.dir });
    }
  }

  /** Bytes waiting: on disk not read back yet, plus appends not on disk yet. */
  get backlogBytes(): number {
    let unread = 0;
    for (const f of this.#files) unread += f.writeEnd - f.readOffset;
    return unread + this.#pendingBytes;
  }

  /** Bytes of spill files on disk (read or not). */
  get diskBytes(): number {
    return this.#diskBytes;
  }

  /** True while records wait in the journal: new records must queue behind them. */
  get active(): boolean {
    return this.backlogBytes > 0 || this.#appending !== undefined;
  }

  /** Queue `record` for an append; false when the journal is full or failing (the record stays the caller's). */
  append(record: ExchangeRecord): boolean {
    if (this.#closed || Date.now() < this.#refuseUntil) return false;
    const frame = encodeFrame(record, this.#options.secrets());
    if (this.#diskBytes + this.#pendingBytes + frame.bytes > this.#options.maxBytes) return false;
    this.#pending.push({ record, frame });
    this.#pendingBytes += frame.bytes;
    this.appended++;
    this.#appending ??= this.#appendPending().finally(() => {
      this.#appending = undefined;
    });
    return true;
  }

  /**
   * At stop: `records` (older than anything in the journal) go to a file read before the
   * others. Waits for every append.
   */
  async appendFront(records: ExchangeRecord[]): Promise<number> {
    await this.#appending;
    if (records.length === 0) return 0;
    const seq = this.#files.length > 0 ? this.#files[0]!.seq - 1 : this.#nextSeq++;
    const file = this.#newFile(seq, 0, false);
    this.#files.unshift(file);
    const frames = records.map((record) => ({ record, frame: encodeFrame(record, this.#options.secrets()) }));
    let written = 0;
    for (let i = 0; i < frames.length; i += MAX_FRAMES_PER_WRITE) {
      if (!(await this.#write(file, frames.slice(i, i + MAX_FRAMES_PER_WRITE)))) break;
      written += Math.min(MAX_FRAMES_PER_WRITE, frames.length - i);
    }
    await this.#seal(file);
    return written;
  }

  /**
   * Read back the oldest records, at most `maxRecords` and (past the first) `maxBytes` of frames.
   * Only one read at a time; records appended but not on disk yet are not returned.
   */
  async readNext(maxRecords: number, maxBytes: number): Promise<ExchangeRecord[]> {
    const out: ExchangeRecord[] = [];
    for (const file of [...this.#files]) {
      if (out.length >= maxRecords) break;
      if (file.readOffset >= file.writeEnd) {
        await this.#deleteIfDone(file);
        if (file.sealed) continue;
        break; // the newest file: nothing more on disk yet
      }
      try {
        await this.#readFrames(file, out, maxRecords, maxBytes);
      } catch (err) {
        this.#options.log.warn('aigw.spill_unreadable', {
          file: file.path,
          offset: file.readOffset,
          error: errorMessage(err),
          message: 'the rest of this spill file is skipped',
        });
        file.readOffset = file.writeEnd;
      }
      if (file.readOffset < file.writeEnd) break;
    }
    return out;
  }

  /** A record read from the journal was written, or given up: its file goes once all of them are. */
  settle(record: ExchangeRecord): void {
    const file = this.#origin.get(record);
    if (!file) return;
    this.#origin.delete(record);
    file.settled++;
    void this.#deleteIfDone(file);
  }

  /** True for a record that came from the journal (it stays on disk until settled). */
  holds(record: ExchangeRecord): boolean {
    return this.#origin.has(record);
  }

  /** Wait for appends, close the files; what is unread stays for the next start. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#appending;
    for (const file of [...this.#files]) {
      await this.#seal(file);
      await file.reader?.close().catch(() => undefined);
      file.reader = undefined;
      await this.#deleteIfDone(file);
    }
  }

  #newFile(seq: number, size: number, sealed: boolean): SpillFile {
    return {
      seq,
      path: join(this.#options.dir, fileName(seq)),
      appender: undefined,
      reader: undefined,
      writeEnd: size,
      sealed,
      readOffset: 0,
      read: 0,
      settled: 0,
    };
  }

  async #appendPending(): Promise<void> {
    while (this.#pending.length > 0) {
      const file = await this.#appendFile();
      // one writev: whole frames, at most MAX_FRAMES_PER_WRITE / WRITE_MAX_BYTES, not past the file's size
      let count = 0;
      let bytes = 0;
      for (const p of this.#pending) {
        const room = Math.min(WRITE_MAX_BYTES - bytes, this.#options.fileBytes - file.writeEnd - bytes);
        if (count > 0 && (count >= MAX_FRAMES_PER_WRITE || p.frame.bytes > room)) break;
        count++;
        bytes += p.frame.bytes;
      }
      const batch = this.#pending.splice(0, count);
      const ok = await this.#write(file, batch);
      this.#pendingBytes -= bytes;
      if (!ok) {
        this.#refuseUntil = Date.now() + FAILED_APPEND_PAUSE_MS;
        const failed = [...batch, ...this.#pending].map((p) => p.record);
        this.#pending = [];
        this.#pendingBytes = 0;
        this.#options.onAppendFailed(failed, 'spill_failed');
        return;
      }
      // on disk now: the memory copies go back to the shared blocks for the next bodies
      // (otherwise every spilled body kept a block from reuse, and a burst allocated a fresh one per ~10 exchanges)
      for (const p of batch) releaseBodies(p.record);
    }
  }

  /** The newest file, open for appends; a new one when there is none or it is full. */
  async #appendFile(): Promise<SpillFile> {
    let file: SpillFile | undefined = this.#files[this.#files.length - 1];
    if (file && !file.sealed && file.writeEnd >= this.#options.fileBytes) {
      await this.#seal(file);
      file = undefined;
    }
    if (!file || file.sealed) {
      file = this.#newFile(this.#nextSeq++, 0, false);
      this.#files.push(file);
    }
    return file;
  }

  /** One writev of whole frames at the end of `file`; false (and the file sealed) when it fails. */
  async #write(file: SpillFile, frames: PendingFrame[]): Promise<boolean> {
    const parts = frames.flatMap((p) => p.frame.parts);
    const bytes = frames.reduce((n, p) => n + p.frame.bytes, 0);
    try {
      file.appender ??= await open(file.path, 'a', 0o600);
      const { bytesWritten } = await file.appender.writev(parts);
      if (bytesWritten !== bytes) throw new Error(`short write: ${bytesWritten} of ${bytes} bytes`);
      file.writeEnd += bytes;
      this.#diskBytes += bytes;
      return true;
    } catch (err) {
      this.#options.log.error('aigw.spill_append_failed', {
        file: file.path,
        exchanges: frames.length,
        error: errorMessage(err),
      });
      await this.#seal(file);
      return false;
    }
  }

  async #seal(file: SpillFile): Promise<void> {
    file.sealed = true;
    const appender = file.appender;
    file.appender = undefined;
    await appender?.close().catch(() => undefined);
  }

  async #readFrames(file: SpillFile, out: ExchangeRecord[], maxRecords: number, maxBytes: number): Promise<void> {
    file.reader ??= await open(file.path, 'r');
    const available = file.writeEnd - file.readOffset;
    let block = Buffer.allocUnsafe(Math.min(available, READ_BLOCK_BYTES, Math.max(maxBytes, FRAME_HEAD_BYTES)));
    let { bytesRead } = await file.reader.read(block, 0, block.length, file.readOffset);
    let at = 0;
    let taken = 0;
    while (out.length < maxRecords && bytesRead - at >= FRAME_HEAD_BYTES) {
      const head = readFrameHead(block, at);
      if (file.readOffset + at + head.frameBytes > file.writeEnd)
        throw new Error('frame cut short (the daemon stopped while writing it)');
      if (at + head.frameBytes > bytesRead) {
        if (at > 0) break; // the next read starts with it
        // one frame bigger than the block: read it whole
        block = Buffer.allocUnsafe(head.frameBytes);
        ({ bytesRead } = await file.reader.read(block, 0, block.length, file.readOffset));
        if (bytesRead < head.frameBytes) throw new Error('frame cut short');
      }
      const record = decodeFrame(block, at, head);
      this.#origin.set(record, file);
      file.read++;
      out.push(record);
      at += head.frameBytes;
      taken += head.frameBytes;
      if (taken >= maxBytes) break;
    }
    if (at === 0 && bytesRead < FRAME_HEAD_BYTES) throw new Error('frame cut short');
    file.readOffset += at;
  }

  async #deleteIfDone(file: SpillFile): Promise<void> {
    if (file.readOffset < file.writeEnd || file.settled < file.read) return;
    // the newest file is done once nothing more waits to be appended to it
    if (!file.sealed) {
      if (this.#pending.length > 0 || this.#appending !== undefined || this.#files[this.#files.length - 1] !== file)
        return;
      await this.#seal(file);
    }
    const at = this.#files.indexOf(file);
    if (at < 0) return;
    this.#files.splice(at, 1);
    this.#diskBytes -= file.writeEnd;
    await file.reader?.close().catch(() => undefined);
    file.reader = undefined;
    try {
      await unlink(file.path); // async: freeing a 64 MiB file's blocks is not the proxy thread's work
    } catch (err) {
      this.#options.log.warn('aigw.spill_delete_failed', { file: file.path, error: errorMessage(err) });
    }
  }
}
