/**
 * Entry of the writer thread. Boots its own kernel in writer mode (so adapters register
 * their projectors into this thread's gateway instance), then writes batches one at a time.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { bootKernel, errorMessage, type Kernel } from '@hypaware/core';
import { AI_GATEWAY_CAPABILITY } from '../api-types.js';
import { gatewayStateOf, projectorsInOrder } from '../gateway-state.js';
import { ExchangeWriter, type BatchOutcome } from './exchange-writer.js';
import { lowerThisThreadPriority } from './thread-priority.js';
import { WRITER_ERROR, type FromWriter, type ToWriter, type WriterWorkerData } from '../handoff/writer-protocol.js';

const PRUNE_INTERVAL_MS = 60 * 60 * 1000;
const WAL_SIZE_LIMIT_BYTES = 4 * 1024 * 1024;
/** Capture yields the CPU to the proxy thread (nice 0) and to the agent. */
const WRITER_NICE = 10;

const port = parentPort!;
const send = (msg: FromWriter) => port.postMessage(msg);

async function main(data: WriterWorkerData): Promise<void> {
  lowerThisThreadPriority(WRITER_NICE);
  let kernel: Kernel;
  try {
    kernel = await bootKernel({ mode: 'writer', hypHome: data.hypHome, configPath: data.configPath });
  } catch (err) {
    send({ type: 'fatal', reason: 'writer_boot_failed', message: errorMessage(err) });
    return;
  }
  const state = gatewayStateOf(kernel.capabilities.get(AI_GATEWAY_CAPABILITY)?.value);
  if (!state) {
    const failure = kernel.failed.find((f) => f.name === '@hypaware/ai-gateway');
    send({ type: 'fatal', reason: 'gateway_inactive_in_writer', message: failure?.message ?? 'the gateway plugin did not activate in the writer thread' });
    await kernel.shutdown();
    return;
  }
  const { ctx } = state;
  const writer = new ExchangeWriter({
    database: () => ctx.storage.database(),
    log: ctx.log,
    meter: ctx.meter,
    projectors: () => projectorsInOrder(state),
    settings: data.settings,
  });
  try {
    // create and migrate the tables now, so a running daemon has them; keep the write-ahead
    // log small once checkpointed (it otherwise stays at its largest size, which matters on a full disk)
    ctx.storage.database().pragma(`journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
  } catch (err) {
    ctx.log.error('aigw.database_unavailable', { error: errorMessage(err), message: 'exchanges are queued in memory until the database takes writes' });
  }
  writer.prune();
  const pruneTimer = setInterval(() => writer.prune(), PRUNE_INTERVAL_MS);
  pruneTimer.unref();

  const handle = async (msg: ToWriter): Promise<void> => {
    switch (msg.type) {
      case 'batch': {
        let outcome: BatchOutcome;
        try {
          outcome = await writer.writeBatch(msg.records);
        } catch (err) {
          ctx.log.error('aigw.writer_batch_failed', { exchanges: msg.records.length, error: errorMessage(err) });
          outcome = { ok: false, reason: WRITER_ERROR, message: errorMessage(err), reported: [] };
        }
        send({ type: 'batch_done', id: msg.id, outcome });
        return;
      }
      case 'settings':
        writer.updateSettings(msg.settings);
        return;
      case 'shutdown':
        clearInterval(pruneTimer);
        await writer.flushRechecks();
        await kernel.shutdown();
        send({ type: 'shutdown_done' });
        port.close();
        return;
    }
  };
  // one message at a time, in order: a batch is fully written before the next starts
  let chain = Promise.resolve();
  port.on('message', (msg: ToWriter) => {
    chain = chain.then(() => handle(msg)).catch((err) => {
      ctx.log.error('aigw.writer_message_failed', { type: msg.type, error: errorMessage(err) });
    });
  });
  send({ type: 'ready', projectors: state.projectors.map((p) => p.projector.name) });
}

void main(workerData as WriterWorkerData);
