/**
 * Entry of the writer thread. Runs no kernel: it opens the database the kernel's way (the
 * kernel in the main thread has created the tables), logs into the kernel's log, builds the
 * projectors from the adapters' projector modules, then writes batches one at a time.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import { errorMessage, workerServices, type WorkerServices } from '@hypaware/core';
import { EXCHANGES_DATASET, MESSAGES_DATASET, PROVISIONAL_DATASET } from '../datasets.js';
import { WRITER_ERROR, type FromWriter, type ToWriter, type WriterWorkerData } from '../handoff/writer-protocol.js';
import { ExchangeWriter, type BatchOutcome } from './exchange-writer.js';
import { IdleCollection } from './idle-collection.js';
import { loadProjectors } from './projector-loader.js';
import { lowerThisThreadPriority } from './thread-priority.js';

const WAL_SIZE_LIMIT_BYTES = 4 * 1024 * 1024;
/** Capture yields the CPU to the proxy thread (nice 0) and to the agent. */
const WRITER_NICE = 10;
/** Names this thread's log lines (`mode`) and its counters' snapshot file. */
const ROLE = 'writer';
const TABLES = [MESSAGES_DATASET, EXCHANGES_DATASET, PROVISIONAL_DATASET];
/** After this many exchanges, the heap is collected once the writer has had no batch for IDLE_COLLECT_MS. */
const IDLE_COLLECT_AFTER_EXCHANGES = 256;
const IDLE_COLLECT_MS = 2000;

const port = parentPort!;
const send = (msg: FromWriter) => port.postMessage(msg);

/**
 * The connection, opened on first use and again after a failure. Tables the main thread has
 * not created yet are a storage condition (`db_schema_missing`): the batch waits and is retried.
 */
function databaseOpener(services: WorkerServices): { database(): Database.Database; close(): void } {
  let db: Database.Database | undefined;
  return {
    database() {
      if (db) return db;
      const opened = services.openDatabase<Database.Database>();
      try {
        const present = new Set(
          opened
            .prepare(
              `SELECT name FROM sqlite_master WHERE type = 'table' AND name IN (${TABLES.map(() => '?').join(',')})`,
            )
            .pluck()
            .all(...TABLES),
        );
        const missing = TABLES.filter((t) => !present.has(t));
        if (missing.length > 0)
          throw Object.assign(new Error(`tables not created yet: ${missing.join(', ')}`), {
            kind: 'db_schema_missing',
          });
        // keep the write-ahead log small once checkpointed (it otherwise stays at its largest size, which matters on a full disk)
        opened.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
      } catch (err) {
        opened.close();
        throw err;
      }
      db = opened;
      return db;
    },
    close() {
      try {
        db?.close();
      } catch {
        /* already closed */
      }
      db = undefined;
    },
  };
}

async function main(data: WriterWorkerData): Promise<void> {
  lowerThisThreadPriority(WRITER_NICE);
  const env = data.env ?? process.env;
  let services: WorkerServices;
  try {
    services = workerServices({ hypHome: data.hypHome, role: ROLE, env });
  } catch (err) {
    send({ type: 'fatal', reason: 'writer_boot_failed', message: errorMessage(err) });
    return;
  }
  const log = services.logger({ mode: ROLE, plugin: data.plugin });
  const projectors = await loadProjectors(data.projectorModules, {
    env,
    log,
    loggerFor: (plugin) => services.logger({ mode: ROLE, plugin }),
  });
  const storage = databaseOpener(services);
  const writer = new ExchangeWriter({
    database: () => storage.database(),
    log,
    meter: services.meter({ plugin: data.plugin }),
    projectors: () => projectors,
    settings: data.settings,
  });
  try {
    storage.database();
  } catch (err) {
    log.error('aigw.database_unavailable', {
      error: errorMessage(err),
      message: 'exchanges are queued in memory until the database takes writes',
    });
  }

  const idle = new IdleCollection(IDLE_COLLECT_MS, IDLE_COLLECT_AFTER_EXCHANGES);
  const handle = async (msg: ToWriter): Promise<void> => {
    switch (msg.type) {
      case 'batch': {
        let outcome: BatchOutcome;
        try {
          outcome = await writer.writeBatch(msg.records);
        } catch (err) {
          log.error('aigw.writer_batch_failed', { exchanges: msg.records.length, error: errorMessage(err) });
          outcome = { ok: false, reason: WRITER_ERROR, message: errorMessage(err), reported: [] };
        }
        send({ type: 'batch_done', id: msg.id, outcome });
        idle.worked(msg.records.length);
        return;
      }
      case 'settings':
        writer.updateSettings(msg.settings);
        return;
      case 'park': {
        // the message chain runs one message at a time: no batch is being written now; a
        // re-check (waiting or running) keeps the thread
        const parked = writer.pendingRechecks === 0;
        try {
          if (parked) {
            idle.stop();
            storage.close();
            services.close();
          }
        } finally {
          send({ type: 'park_done', parked });
          if (parked) port.close();
        }
        return;
      }
      case 'shutdown':
        idle.stop();
        await writer.flushRechecks();
        storage.close();
        services.close();
        send({ type: 'shutdown_done' });
        port.close();
        return;
    }
  };
  // one message at a time, in order: a batch is fully written before the next starts
  let chain = Promise.resolve();
  port.on('message', (msg: ToWriter) => {
    chain = chain
      .then(() => handle(msg))
      .catch((err) => {
        log.error('aigw.writer_message_failed', { type: msg.type, error: errorMessage(err) });
      });
  });
  send({ type: 'ready', projectors: projectors.map((p) => p.projector.name) });
}

void main(workerData as WriterWorkerData);
