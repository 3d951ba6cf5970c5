/**
 * Team history shipping: the synthetic history (the history phase's, reused) drained into a
 * local PostgreSQL (harness/postgres.ts) by the plugin's shipper in a child process: rows/s and
 * peak RSS for the whole backlog (1,000,000 rows in the full plan). For comparison, the rate at
 * which this machine's SQLite took the same rows when the synthetic history was built, when it
 * was built in this run.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { postgresSkipReason, startPostgres } from '../harness/postgres.js';
import { tempDir } from '../harness/repo.js';
import { syntheticHome, type FillHistory, type HistoryFigures } from './history-phase.js';
import { round } from './stats.js';

export interface PostgresFigures {
  rows: number;
  seconds: number;
  rows_per_s: number;
  /** CPU seconds of the shipper's process and of the PostgreSQL server during the drain */
  shipper_cpu_s: number;
  server_cpu_s: number;
  /**
   * rows/s the drain would reach with a core each for the shipper and the server (the rows over
   * the larger of the two CPU times): the figure that does not depend on what else the machine runs
   */
  cpu_bound_rows_per_s: number;
  peak_rss_mb: number;
  /** the synthetic history's build rate into SQLite (null when it was reused from an earlier run) */
  sqlite_build_rows_per_s: number | null;
  replica_rows: number;
}

const TICKS_PER_S = 100;

/** CPU seconds used so far by a PostgreSQL cluster: the postmaster, its live children, and the children it reaped. */
function serverCpuSeconds(dataDir: string): number {
  const postmaster = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const fields = (pid: string | number): string[] | undefined => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    } catch {
      return undefined;
    }
  };
  // after the command name: state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14)
  const own = fields(postmaster)!;
  let ticks = Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14]);
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    const f = fields(pid);
    if (f && Number(f[1]) === postmaster) ticks += Number(f[11]) + Number(f[12]);
  }
  return ticks / TICKS_PER_S;
}

function runDrain(
  args: string[],
): Promise<{ rows: number; seconds: number; peak_rss_mb: number; max_rss_mb: number; cpu_s: number }> {
  const script = fileURLToPath(new URL('./postgres-drain.js', import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out.trim())) : reject(new Error(`drain exited ${code}: ${err.slice(-2000)}`)),
    );
  });
}

export async function postgresPhase(options: {
  rows: number;
  freshHistory: boolean;
  notes: string[];
}): Promise<PostgresFigures | undefined> {
  const skip = postgresSkipReason();
  if (skip) {
    options.notes.push(`postgres phase skipped: ${skip}`);
    return undefined;
  }
  const generator = fileURLToPath(new URL('./synthetic-history.js', import.meta.url));
  if (!existsSync(generator)) {
    options.notes.push('postgres phase skipped: bench/synthetic-history.ts is not there');
    return undefined;
  }
  const history = (await import(pathToFileURL(generator).href)) as { fillSyntheticHistory: FillHistory };
  const built = { rows: options.rows, build_s: null } as unknown as HistoryFigures;
  const hypHome = await syntheticHome(history.fillSyntheticHistory, options.rows, options.freshHistory, built);
  const pg = await startPostgres();
  try {
    const work = tempDir('hyp-bench-pg-');
    const passwordFile = join(work, 'pw');
    writeFileSync(passwordFile, pg.password);
    const serverBefore = serverCpuSeconds(pg.dataDir);
    const r = await runDrain([hypHome, pg.url, passwordFile, 'bench', join(work, 'state')]);
    const serverCpu = serverCpuSeconds(pg.dataDir) - serverBefore;
    const replica = await pg.query<{ n: string }>('SELECT count(*) AS n FROM bench.ai_gateway_messages');
    return {
      rows: r.rows,
      seconds: round(r.seconds),
      rows_per_s: Math.round(r.rows / r.seconds),
      shipper_cpu_s: round(r.cpu_s),
      server_cpu_s: round(serverCpu),
      cpu_bound_rows_per_s: Math.round(r.rows / Math.max(r.cpu_s, serverCpu)),
      peak_rss_mb: round(Math.max(r.peak_rss_mb, r.max_rss_mb)),
      sqlite_build_rows_per_s: built.build_s ? Math.round(options.rows / built.build_s) : null,
      replica_rows: Number(replica[0]!.n),
    };
  } finally {
    await pg.close();
  }
}
