/**
 * Loaded into the daemon with `NODE_OPTIONS=--require=<this file>` when the benchmark runs
 * with `--cpu-prof` (node refuses `--cpu-prof` itself in NODE_OPTIONS). `--require` also runs
 * in worker threads, so the gateway's writer thread is profiled too. A worker may be
 * terminated without an 'exit' event, so each thread writes its profile in 10 s pieces:
 * `<pid>-<threadId>-<n>.cpuprofile` in HYP_BENCH_CPU_PROF_DIR (profile-summary merges them).
 */
import { Session } from 'node:inspector';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';

const dir = process.env.HYP_BENCH_CPU_PROF_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 500 });
  session.post('Profiler.start');
  let piece = 0;
  // the in-thread inspector session answers synchronously, so this also completes inside 'exit'
  const writePiece = (restart: boolean) => {
    session.post('Profiler.stop', (err, result) => {
      if (!err) {
        mkdirSync(dir, { recursive: true });
        writeFileSync(join(dir, `${process.pid}-${threadId}-${piece++}.cpuprofile`), JSON.stringify(result.profile));
      }
      if (restart) session.post('Profiler.start');
    });
  };
  setInterval(() => writePiece(true), 10_000).unref();
  process.on('exit', () => writePiece(false));
}
