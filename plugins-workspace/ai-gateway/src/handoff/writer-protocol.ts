/** Messages between the proxy (daemon main thread) and the writer thread. */
import type { ExchangeRecord } from '../exchange-record.js';
import type { BatchOutcome, WriterSettings } from '../recorder/exchange-writer.js';

/** Batch failure reason for an unexpected error in the writer (treated like a crash for those records). */
export const WRITER_ERROR = 'writer_error';

export interface WriterWorkerData {
  hypHome: string;
  configPath: string;
  settings: WriterSettings;
}

export type ToWriter =
  | { type: 'batch'; id: number; records: ExchangeRecord[] }
  | { type: 'settings'; settings: WriterSettings }
  | { type: 'shutdown' };

export type FromWriter =
  | { type: 'ready'; projectors: string[] }
  | { type: 'batch_done'; id: number; outcome: BatchOutcome }
  | { type: 'fatal'; reason: string; message: string }
  | { type: 'shutdown_done' };
