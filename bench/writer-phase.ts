/**
 * The writer alone: `ExchangeWriter` in this process over a real kernel database, with the
 * Claude and Codex projector modules loaded as the writer thread loads them, fed the
 * throughput phase's traffic (alternating ~20 KB Anthropic and OpenAI requests of one session
 * each, unique last turn, the fake upstream's JSON replies) in batches as the proxy sends them.
 * CPU time comes from /proc for this thread (and, apart, for the process's other threads:
 * V8's GC helpers), so the rate is what one core gives the writer, whatever else runs on the
 * machine. Pending re-checks (the Claude projector asks for one per exchange while no
 * transcript is known) are run and counted too. `writerPhaseInChild` runs it in a process of its
 * own with the writer thread's young generation (the daemon's setting), so the figures include
 * the garbage collection the daemon's writer pays.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { ExchangeRecord } from '@hypaware/ai-gateway/internal/exchange-record.js';
import type Database from 'better-sqlite3';
import { ExchangeWriter } from '@hypaware/ai-gateway/internal/recorder/exchange-writer.js';
import { newExchangeId } from '@hypaware/ai-gateway/internal/proxy/exchange-id.js';
import { WRITER_YOUNG_GENERATION_MB } from '@hypaware/ai-gateway/internal/handoff/writer-thread.js';
import { BATCH_MAX_EXCHANGES } from '@hypaware/ai-gateway/internal/handoff/writer-client.js';
import { loadProjectors } from '@hypaware/ai-gateway/internal/recorder/projector-loader.js';
import type { Logger } from '@hypaware/core';
import { bootKernel } from '@hypaware/core/boot';
import { readThreadGroupCpu, readWrittenBytes } from '../harness/proc-usage.js';
import {
  PROTOCOL_PATH,
  replyBody,
  requestHeaders,
  requestTemplate,
  type Protocol,
} from '../harness/protocol-samples.js';
import { REPO_ROOT, tempDir } from '../harness/repo.js';
import { round } from './stats.js';
import { fillSyntheticHistory } from './synthetic-history.js';
import { profileHeapAllocation } from './heap-allocation.js';

export interface WriterFigures {
  exchanges: number;
  batch: number;
  /** CPU of the writing thread per exchange (re-checks included), µs */
  thread_cpu_us_per_exchange: number;
  /** CPU of the process's other threads (GC helpers) per exchange, µs */
  other_cpu_us_per_exchange: number;
  /** exchanges per second of the writing thread's CPU: its rate with one core to itself */
  exchanges_per_cpu_s: number;
  /** exchanges per second of wall time (depends on what else runs) */
  exchanges_per_wall_s: number;
  message_rows: number;
  rechecks: number;
  /** database bytes (pages in use, WAL checkpointed) per exchange */
  db_bytes_per_exchange: number;
  /** bytes the writer wrote to its files (write-ahead log, then the checkpoints into the database, the last one included) per exchange */
  written_bytes_per_exchange: number;
  /** bytes of `system_text` + `tools` copied onto the message rows, per exchange */
  request_copies_bytes_per_exchange: number;
  /** batches sent again because the kernel's own work held the database (their CPU is in the figures) */
  retried_batches: number;
  /** rows of synthetic history the database held before the writer started */
  history_rows: number;
  /** JS heap bytes the writing thread allocated per exchange, KB (V8's GC profiler; the same from run to run, unlike CPU) */
  allocated_kb_per_exchange: number;
  /** young- and old-generation collections on the writing thread during the run */
  minor_gcs: number;
  major_gcs: number;
  /** the writing thread's time in those collections per exchange, µs */
  gc_us_per_exchange: number;
}

interface StoredSize {
  rows: number;
  /** bytes of `system_text` + `tools` on the message rows */
  copies: number;
  /** bytes of the pages in use, once the write-ahead log is checkpointed */
  bytes: number;
}

function storedSize(db: Database.Database): StoredSize {
  const rows = db.prepare('SELECT count(*) FROM ai_gateway_messages').pluck().get() as number;
  const copies = db
    .prepare('SELECT coalesce(sum(length(system_text)), 0) + coalesce(sum(length(tools)), 0) FROM ai_gateway_messages')
    .pluck()
    .get() as number;
  db.pragma('wal_checkpoint(TRUNCATE)');
  const pages =
    (db.pragma('page_count', { simple: true }) as number) - (db.pragma('freelist_count', { simple: true }) as number);
  return { rows, copies, bytes: pages * (db.pragma('page_size', { simple: true }) as number) };
}

function minus(a: StoredSize, b: StoredSize): StoredSize {
  return { rows: a.rows - b.rows, copies: a.copies - b.copies, bytes: a.bytes - b.bytes };
}

/** The requests' shape: the default is the throughput traffic's (~20 KB, a small prompt and one tool). */
export interface WriterTraffic {
  bodyBytes: number;
  systemChars?: number;
  tools?: number;
  toolChars?: number;
  /** only Anthropic requests (default: Anthropic and OpenAI alternating) */
  anthropicOnly?: boolean;
}

const quiet: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

function shared(bytes: Buffer): Uint8Array {
  const out = new Uint8Array(new SharedArrayBuffer(bytes.length));
  out.set(bytes);
  return out;
}

function flatHeaders(h: Record<string, string>): string[] {
  return Object.entries(h).flat();
}

/** The records the proxy would hand over for `count` exchanges of the throughput traffic. */
function benchRecords(count: number, traffic: WriterTraffic): ExchangeRecord[] {
  const sessions: Record<Protocol, string> = { anthropic: randomUUID(), openai: randomUUID() };
  const shape = {
    targetBytes: traffic.bodyBytes,
    stream: false,
    ...(traffic.systemChars !== undefined ? { systemChars: traffic.systemChars } : {}),
    ...(traffic.tools !== undefined ? { tools: traffic.tools } : {}),
    ...(traffic.toolChars !== undefined ? { toolChars: traffic.toolChars } : {}),
  };
  const templates = {
    anthropic: requestTemplate('anthropic', { sessionId: sessions.anthropic, ...shape }),
    openai: requestTemplate('openai', { sessionId: sessions.openai, ...shape }),
  };
  const records: ExchangeRecord[] = [];
  for (let i = 0; i < count; i++) {
    const protocol: Protocol = traffic.anthropicOnly || i % 2 === 0 ? 'anthropic' : 'openai';
    const request = templates[protocol].build(i + 1);
    const id = protocol === 'anthropic' ? `msg_bench_${i}` : `resp_bench_${i}`;
    const response = Buffer.from(
      replyBody(protocol, { id, chunks: ['Done: ', `reply ${i} `, 'with a short answer.'] }),
    );
    const now = new Date().toISOString();
    records.push({
      exchange_id: newExchangeId(),
      ts_start: now,
      ts_end: now,
      duration_ms: 2,
      ttfb_ms: 1,
      upstream: protocol === 'anthropic' ? 'anthropic' : 'openai',
      provider: protocol,
      method: 'POST',
      path: PROTOCOL_PATH[protocol],
      status_code: 200,
      request_headers: flatHeaders({
        ...requestHeaders(protocol, sessions[protocol]),
        'content-length': String(request.length),
      }),
      response_headers: flatHeaders({
        'content-type': 'application/json',
        'content-length': String(response.length),
        ...(protocol === 'anthropic' ? { 'request-id': `req_${i}` } : { 'x-request-id': `req_${i}` }),
      }),
      request_body: shared(request),
      response_body: shared(response),
      request_bytes: request.length,
      response_bytes: response.length,
      request_truncated: false,
      response_truncated: false,
      error: null,
      aborted: false,
      reported: false,
    });
  }
  return records;
}

function projectorModule(plugin: string, stateDir: string) {
  const rootDir = join(REPO_ROOT, 'plugins-workspace', plugin);
  mkdirSync(stateDir, { recursive: true });
  return {
    plugin: { name: `@hypaware/${plugin}`, version: '2.0.0', rootDir },
    file: join(rootDir, 'dist', 'projectors.js'),
    config: {},
    stateDir,
  };
}

export async function writerPhase(options: {
  exchanges: number;
  bodyBytes: number;
  batch?: number;
  /** the requests' shape beyond their size (default: the throughput traffic's) */
  traffic?: Omit<WriterTraffic, 'bodyBytes'>;
  /**
   * rows of synthetic history (bench/synthetic-history.ts, 30 days) in the database before the
   * writer starts: a long-lived database, whose indexes are deeper and wider than a new one's
   */
  historyRows?: number;
  /**
   * no projector: the writer decodes, redacts, compresses and stores each exchange and writes
   * no message row (the floor of capture to disk, beside which the projection's cost shows)
   */
  captureOnly?: boolean;
}): Promise<WriterFigures> {
  const traffic: WriterTraffic = { ...options.traffic, bodyBytes: options.bodyBytes };
  // the batches of a daemon's writer that is behind
  const batch = options.batch ?? BATCH_MAX_EXCHANGES;
  const hypHome = tempDir('hyp-bench-writer-');
  const claudeDir = join(hypHome, 'claude-config');
  mkdirSync(join(claudeDir, 'projects'), { recursive: true });
  const env = {
    ...process.env,
    HYP_HOME: hypHome,
    CLAUDE_CONFIG_DIR: claudeDir,
    CODEX_HOME: join(hypHome, 'codex'),
    // the kernel's price refresh (a worker reading the whole history) stays out of the figures
    HYP_PRICE_REFRESH_MS: String(24 * 3600 * 1000),
  };
  writeFileSync(
    join(hypHome, 'hypaware-config.json'),
    JSON.stringify({ plugins: { '@hypaware/claude': { enabled: false }, '@hypaware/codex': { enabled: false } } }),
  );
  const kernel = await bootKernel({ mode: 'daemon', hypHome, env });
  try {
    if (options.historyRows) fillSyntheticHistory(kernel.database(), { rows: options.historyRows, days: 30, seed: 5 });
    const history = storedSize(kernel.database());
    const loaded = await loadProjectors(
      [
        projectorModule('claude', join(hypHome, 'state', 'claude')),
        projectorModule('codex', join(hypHome, 'state', 'codex')),
      ],
      { env, log: quiet, loggerFor: () => quiet },
    );
    const projectors = options.captureOnly ? [] : loaded;
    let rechecks = 0;
    const log: Logger = { ...quiet, info: (event) => void (event === 'aigw.recheck' && rechecks++) };
    const writer = new ExchangeWriter({
      database: () => kernel.database(),
      log,
      meter: kernel.meters.meter({ plugin: '@hypaware/ai-gateway' }),
      projectors: () => projectors,
      settings: { gatewayId: 'bench', redactHeaders: [] },
    });
    // warm the JIT and the caches on traffic of its own
    for (const r of benchRecords(256, traffic)) await writer.writeBatch([r]);
    await writer.flushRechecks();
    rechecks = 0;
    const records = benchRecords(options.exchanges, traffic);
    // the warm-up's pages go into the database first: the bytes counted are this run's alone
    kernel.database().pragma('wal_checkpoint(TRUNCATE)');
    const stopHeapProfile = profileHeapAllocation();
    const before = readThreadGroupCpu(process.pid);
    const writtenBefore = readWrittenBytes(process.pid);
    const started = performance.now();
    let retriedBatches = 0;
    for (let i = 0; i < records.length; i += batch) {
      // the kernel's own background work (the price table) may hold the database a moment:
      // the batch is sent again, as the daemon's writer client does
      const slice = records.slice(i, i + batch);
      for (let attempt = 1; ; attempt++) {
        const outcome = await writer.writeBatch(slice);
        if (outcome.ok) break;
        if (outcome.reason !== 'db_locked' || attempt >= 50)
          throw new Error(`writer bench: batch failed (${outcome.reason}: ${outcome.message})`);
        retriedBatches++;
        const reported = new Set(outcome.reported);
        for (const r of slice) if (reported.has(r.exchange_id)) r.reported = true;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
    await writer.flushRechecks();
    const wallMs = performance.now() - started;
    const after = readThreadGroupCpu(process.pid);
    const heap = stopHeapProfile();
    const threadMs = after.mainMs - before.mainMs;
    const otherMs = after.otherMs + after.nicedMs - before.otherMs - before.nicedMs;
    // storedSize checkpoints: the run's last pages are counted in the bytes written too
    const written = minus(storedSize(kernel.database()), history);
    const writtenBytes = readWrittenBytes(process.pid) - writtenBefore;
    const n = records.length;
    const stored = n + 256; // the warm-up's exchanges are in the database too
    return {
      exchanges: n,
      batch,
      thread_cpu_us_per_exchange: round((threadMs * 1000) / n, 0),
      other_cpu_us_per_exchange: round((otherMs * 1000) / n, 0),
      exchanges_per_cpu_s: round(n / Math.max(0.001, threadMs / 1000), 0),
      exchanges_per_wall_s: round(n / (wallMs / 1000), 0),
      message_rows: written.rows,
      rechecks,
      db_bytes_per_exchange: round(written.bytes / stored, 0),
      written_bytes_per_exchange: round(writtenBytes / n, 0),
      request_copies_bytes_per_exchange: round(written.copies / stored, 0),
      retried_batches: retriedBatches,
      history_rows: history.rows,
      allocated_kb_per_exchange: round(heap.allocatedBytes / 1024 / n, 1),
      minor_gcs: heap.minorGcs,
      major_gcs: heap.majorGcs,
      gc_us_per_exchange: round((heap.gcMs * 1000) / n, 0),
    };
  } finally {
    await kernel.shutdown();
    rmSync(hypHome, { recursive: true, force: true });
  }
}

type WriterPhaseOptions = Parameters<typeof writerPhase>[0];

/**
 * The writer phase in a child process whose heap has the daemon's writer-thread young
 * generation (V8 sizes it as three semi-spaces).
 */
export async function writerPhaseInChild(options: WriterPhaseOptions): Promise<WriterFigures> {
  const semiSpaceMb = Math.max(1, Math.round(WRITER_YOUNG_GENERATION_MB / 3));
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [`--max-semi-space-size=${semiSpaceMb}`, fileURLToPath(import.meta.url), '--child', JSON.stringify(options)],
    { maxBuffer: 1 << 20 },
  );
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as WriterFigures;
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === '--child') {
  const figures = await writerPhase(JSON.parse(process.argv[3]!) as WriterPhaseOptions);
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}
