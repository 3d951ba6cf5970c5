/**
 * `npm run bench`: proxy overhead against a direct connection and the Node floor, capture
 * completeness, and the history commands. Numbers only: nothing here passes or fails.
 *
 *   node build/bench/run.js [--quick] [--cpu-prof] [--fresh-history] [--only latency,stream,leak,throughput,big-body,writer,history,import,ui,postgres,prices]
 *
 * The synthetic history database is built once and reused from the temp folder
 * (`--fresh-history` rebuilds it).
 * `--cpu-prof` profiles the daemon's threads (bench/results/prof/; read them with
 * `node build/bench/profile-summary.js <file>`).
 * Writes bench/results/<timestamp>.json and prints a table.
 */
import { cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { REPO_ROOT } from '../harness/repo.js';
import { FULL_PLAN, QUICK_PLAN } from './bench-plan.js';
import { capturePhase } from './capture-phase.js';
import { startDriver } from './child-processes.js';
import { historyPhase } from './history-phase.js';
import { importPhase } from './import-phase.js';
import { uiPhase } from './ui-phase.js';
import { postgresPhase } from './postgres-phase.js';
import { priceRefreshPhase } from './price-refresh-phase.js';
import { bigBodyPhase, latencyPhase, leakPhase, streamPhase, throughputPhase, warmUp } from './proxy-phases.js';
import { evaluateTargets, renderReport, writeReport, type BenchReport } from './report.js';
import { startTargets } from './targets.js';
import { writerPhaseInChild } from './writer-phase.js';
import { BATCH_MAX_EXCHANGES } from '@hypaware/ai-gateway/internal/handoff/writer-client.js';

const PHASES = [
  'latency',
  'stream',
  'leak',
  'throughput',
  'big-body',
  'writer',
  'history',
  'import',
  'ui',
  'postgres',
  'prices',
] as const;
type Phase = (typeof PHASES)[number];

/** A mistake on the command line: said in one line, without a stack. */
class UsageError extends Error {}

const USAGE = `usage: node build/bench/run.js [--quick] [--only ${PHASES.join(',')}] [--cpu-prof] [--fresh-history]`;

function parseArgs(argv: string[]): { quick: boolean; cpuProf: boolean; freshHistory: boolean; only: Set<Phase> } {
  const only = new Set<Phase>(PHASES);
  let quick = false;
  let cpuProf = false;
  let freshHistory = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--quick') quick = true;
    else if (a === '--cpu-prof') cpuProf = true;
    else if (a === '--fresh-history') freshHistory = true;
    else if (a === '--only') {
      only.clear();
      for (const p of (argv[++i] ?? '').split(',')) {
        if (!(PHASES as readonly string[]).includes(p))
          throw new UsageError(`unknown phase ${JSON.stringify(p)} (expected ${PHASES.join(', ')})`);
        only.add(p as Phase);
      }
    } else if (a === '--help' || a === '-h') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else throw new UsageError(`unknown argument ${a} (--help lists them)`);
  }
  return { quick, cpuProf, freshHistory, only };
}

const log = (msg: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const plan = args.quick ? QUICK_PLAN : FULL_PLAN;
  const resultsDir = join(REPO_ROOT, 'bench', 'results');
  const started = new Date();
  const report: BenchReport = {
    started_at: started.toISOString(),
    finished_at: '',
    duration_s: 0,
    machine: { cpus: cpus().length, node: process.version, platform: process.platform },
    plan: args.quick ? 'quick' : 'full',
    targets: [],
    notes: [],
  };
  const proxyPhases = [...args.only].some(
    (p) => p !== 'history' && p !== 'writer' && p !== 'import' && p !== 'ui' && p !== 'postgres' && p !== 'prices',
  );
  if (proxyPhases) {
    const preload = fileURLToPath(new URL('./cpu-profile-preload.js', import.meta.url));
    const daemonEnv: Record<string, string> = args.cpuProf
      ? { NODE_OPTIONS: `--require=${preload}`, HYP_BENCH_CPU_PROF_DIR: join(resultsDir, 'prof') }
      : {};
    log('starting the fake upstream, the Node floor proxy and the gateway daemon');
    const targets = await startTargets({ daemonEnv });
    const driver = startDriver();
    try {
      log(`warm-up: ${plan.warmupRequests} requests per target`);
      await warmUp(driver, targets, plan);

      if (args.only.has('latency')) {
        log(`latency: ${plan.latencyTrials} trials x ${plan.latencyRequestsPerTrial} sequential requests per target`);
        report.latency_us = await latencyPhase(driver, targets, plan);
      }
      if (args.only.has('stream')) {
        log(`streaming: ${plan.streamTrials} streams per target`);
        report.streaming = await streamPhase(driver, targets, plan);
      }
      if (args.only.has('leak')) {
        log(
          `leak: ${plan.leakWarmupRequests} + ${plan.leakRequests} requests through the gateway, the writer drained every ${plan.leakChunkRequests}`,
        );
        report.leak = await leakPhase(driver, targets, plan);
      }
      if (args.only.has('throughput')) {
        log(
          `throughput: ${plan.throughputConnections.join(' and ')} connections, ${plan.throughputMs / 1000} s per target`,
        );
        report.throughput = await throughputPhase(driver, targets, plan);
      }
      log('capture completeness: waiting for the writer');
      report.capture = await capturePhase(targets);
      if (args.only.has('big-body')) {
        log(`big body: ${plan.bigBodyBytes} bytes x ${plan.bigBodyTrials} per target`);
        report.big_body = await bigBodyPhase(driver, targets, plan);
      }
      const uncaught = targets.gateway.logLines().filter((l) => l.event === 'daemon.uncaught');
      if (uncaught.length > 0)
        report.notes.push(
          `the daemon logged ${uncaught.length} daemon.uncaught errors, first: ${String(uncaught[0]!.error)}`,
        );
    } finally {
      await driver.stop();
      await targets.stop();
    }
  }
  if (args.only.has('writer')) {
    log(
      `writer alone: ${plan.writerExchanges} exchanges in batches of ${BATCH_MAX_EXCHANGES} (a writer that is behind), in a process with the writer thread's young generation`,
    );
    report.writer = await writerPhaseInChild({ exchanges: plan.writerExchanges, bodyBytes: plan.bodyBytes });
    log(`writer alone again, on a database holding ${plan.writerHistoryRows} rows of history`);
    report.writer_history = await writerPhaseInChild({
      exchanges: plan.writerExchanges,
      bodyBytes: plan.bodyBytes,
      historyRows: plan.writerHistoryRows,
    });
    log('the floor of capture: the same exchanges stored with no projector (no message rows)');
    report.writer_floor = await writerPhaseInChild({
      exchanges: plan.writerExchanges,
      bodyBytes: plan.bodyBytes,
      captureOnly: true,
    });
  }
  if (args.only.has('history')) {
    log(`history: hook x ${plan.hookRuns}, queries on ${plan.historyRows} synthetic rows`);
    report.history = await historyPhase({
      hookRuns: plan.hookRuns,
      rows: plan.historyRows,
      freshHistory: args.freshHistory,
      notes: report.notes,
    });
  }
  if (args.only.has('import')) {
    log(
      `import: ${plan.importClaude.sessions} Claude Code sessions and ${plan.importCodex.sessions} Codex sessions of synthetic history`,
    );
    report.import = await importPhase({ claude: plan.importClaude, codex: plan.importCodex, log });
  }
  if (args.only.has('ui')) {
    log(`ui: search index and hyp ui routes on ${plan.historyRows} synthetic rows, FTS trigger cost`);
    report.ui = await uiPhase({ rows: plan.historyRows, freshHistory: false, notes: report.notes });
  }
  if (args.only.has('postgres')) {
    log(`postgres: drain ${plan.historyRows} synthetic rows into a local PostgreSQL`);
    report.postgres = await postgresPhase({
      rows: plan.historyRows,
      freshHistory: args.freshHistory,
      notes: report.notes,
    });
  }
  if (args.only.has('prices')) {
    const prices = { rows: 5000, intervalMs: 1000, windowMs: args.quick ? 10_000 : 30_000 };
    log(`prices: the daemon's price refresh every ${prices.intervalMs} ms on ${prices.rows} rows, against a control`);
    report.prices = await priceRefreshPhase(prices);
  }
  const finished = new Date();
  report.finished_at = finished.toISOString();
  report.duration_s = Math.round((finished.getTime() - started.getTime()) / 1000);
  report.targets = evaluateTargets(report);
  const file = writeReport(report, resultsDir);
  process.stdout.write(renderReport(report));
  process.stdout.write(`\nJSON: ${file}\n`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    // a usage mistake is one line; a failed phase keeps its stack (it is for whoever runs the bench)
    const text =
      err instanceof UsageError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err);
    process.stderr.write(`bench: ${text}\n`);
    process.exit(1);
  },
);
