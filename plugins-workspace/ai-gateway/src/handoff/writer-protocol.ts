/** Messages between the proxy (daemon main thread) and the writer thread. */
import type { ExchangeRecord } from '../exchange-record.js';
import type { BatchOutcome, WriterSettings } from '../recorder/exchange-writer.js';
import type { ProjectorModuleRef } from './projector-modules.js';

/** Batch failure reason for an unexpected error in the writer (treated like a crash for those records). */
export const WRITER_ERROR = 'writer_error';

/** Everything the writer thread starts from: it boots no kernel. */
export interface WriterWorkerData {
  /** HYP_HOME: the database, the log and the counters live under it */
  hypHome: string;
  /** the gateway plugin's name: the `plugin` tag of the writer's log lines and counters */
  plugin: string;
  /** the daemon's environment (projectors read it; default: the thread's own copy) */
  env?: NodeJS.ProcessEnv;
  settings: WriterSettings;
  /** the adapters' projector modules, in activation order */
  projectorModules: ProjectorModuleRef[];
}

export type ToWriter =
  | { type: 'batch'; id: number; records: ExchangeRecord[] }
  | { type: 'settings'; settings: WriterSettings }
  /** idle: end the thread to give its memory back, unless it still has work (pending re-checks) */
  | { type: 'park' }
  | { type: 'shutdown' };

export type FromWriter =
  | { type: 'ready'; projectors: string[] }
  | { type: 'batch_done'; id: number; outcome: BatchOutcome }
  | { type: 'fatal'; reason: string; message: string }
  /** answer to `park`: `parked` (the thread is ending) or not (it keeps running) */
  | { type: 'park_done'; parked: boolean }
  | { type: 'shutdown_done' };
