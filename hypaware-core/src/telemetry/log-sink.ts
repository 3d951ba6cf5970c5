import { closeSync, mkdirSync, openSync, renameSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { LogLevel } from '../plugin-api.js';

const ROTATE_BYTES = 32 * 1024 * 1024;
const FLUSH_BYTES = 64 * 1024;

export interface LogRecord {
  ts: string;
  level: LogLevel;
  event: string;
  [key: string]: unknown;
}

/**
 * Appends JSONL records to `<logsDir>/hypaware.jsonl` (0600). Lines are buffered and written
 * with one `write` per flush (O_APPEND, so threads and processes sharing the file interleave
 * whole lines); flushes happen on a short timer, when the buffer is large, and on close.
 * The file is rotated once it exceeds 32 MiB (one previous generation kept).
 */
export class LogSink {
  readonly path: string;
  #fd: number | undefined;
  #buffer: string[] = [];
  #bufferedBytes = 0;
  #timer: NodeJS.Timeout | undefined;
  #echo: ((record: LogRecord) => void) | undefined;

  constructor(logsDir: string, echo?: (record: LogRecord) => void) {
    this.path = join(logsDir, 'hypaware.jsonl');
    this.#echo = echo;
    try {
      mkdirSync(logsDir, { recursive: true, mode: 0o700 });
      try {
        if (statSync(this.path).size > ROTATE_BYTES) renameSync(this.path, join(logsDir, 'hypaware.1.jsonl'));
      } catch {
        /* no file yet */
      }
      this.#fd = openSync(this.path, 'a', 0o600);
    } catch {
      this.#fd = undefined; // logging must never break the caller
    }
  }

  write(record: LogRecord): void {
    this.#echo?.(record);
    if (this.#fd === undefined) return;
    let line: string;
    try {
      line = JSON.stringify(record, safeReplacer) + '\n';
    } catch {
      line =
        JSON.stringify({ ts: record.ts, level: record.level, event: record.event, note: 'unserializable fields' }) +
        '\n';
    }
    this.#buffer.push(line);
    this.#bufferedBytes += line.length;
    if (record.level === 'error' || this.#bufferedBytes >= FLUSH_BYTES) this.flush();
    else if (!this.#timer) {
      this.#timer = setTimeout(() => this.flush(), 50);
      this.#timer.unref();
    }
  }

  flush(): void {
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (this.#fd === undefined || this.#buffer.length === 0) return;
    const data = this.#buffer.join('');
    this.#buffer = [];
    this.#bufferedBytes = 0;
    try {
      writeSync(this.#fd, data);
    } catch {
      /* disk full etc.: drop log lines rather than break capture */
    }
  }

  close(): void {
    this.flush();
    if (this.#fd !== undefined) {
      try {
        closeSync(this.#fd);
      } catch {
        /* ignore */
      }
      this.#fd = undefined;
    }
  }
}

function safeReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) return value.message;
  if (typeof value === 'bigint') return value.toString();
  return value;
}
