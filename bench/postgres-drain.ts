/**
 * Child process of the postgres bench phase: drains a HYP_HOME's history into PostgreSQL with
 * the plugin's shipper (the daemon's worker runs the same code) and prints one JSON line:
 * rows, seconds, peak RSS (sampled, and the kernel's maxRSS). Alone in its process, so the
 * memory figure is the shipper's.
 *
 *   node build/bench/postgres-drain.js <hypHome> <url> <passwordFile> <schema> <stateDir>
 */
import Database from 'better-sqlite3';
import type { DatasetSpec, Logger } from '@hypaware/core';
import { parseConfig } from '@hypaware/postgres/config';
import { Shipper } from '@hypaware/postgres/shipper';
import { join } from 'node:path';

const [hypHome, url, passwordFile, schema, stateDir] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
];
const db = new Database(join(hypHome, 'hypaware', 'hypaware.db'), { readonly: true, fileMustExist: true });
const specs = (db.prepare('SELECT spec_json FROM _hyp_datasets').pluck().all() as string[]).map(
  (s) => JSON.parse(s) as DatasetSpec,
);
const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const shipper = new Shipper({
  config: parseConfig({ url, schema, password_file: passwordFile }, process.env)!,
  env: {},
  specs,
  identity: {
    machine_id: 'bench-machine',
    user_name: 'bench',
    hostname: 'bench',
    created_at: new Date().toISOString(),
  },
  stateDir,
  db,
  log: quiet,
  version: 'bench',
});
let peak = process.memoryUsage().rss;
const sampler = setInterval(() => {
  peak = Math.max(peak, process.memoryUsage().rss);
}, 200);
const start = performance.now();
const cpuBefore = process.cpuUsage();
const rows = await shipper.drain();
const seconds = (performance.now() - start) / 1000;
const cpu = process.cpuUsage(cpuBefore);
await shipper.stop();
clearInterval(sampler);
peak = Math.max(peak, process.memoryUsage().rss);
process.stdout.write(
  JSON.stringify({
    rows,
    seconds,
    cpu_s: (cpu.user + cpu.system) / 1e6,
    peak_rss_mb: peak / 1048576,
    max_rss_mb: process.resourceUsage().maxRSS / 1024,
  }) + '\n',
);
db.close();
