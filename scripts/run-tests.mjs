#!/usr/bin/env node
// Runs the compiled test files with node's test runner: `unit` (build/test), `smoke`
// (build/smoke), or both (default). Extra arguments filter files by substring.
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const [kind = 'all', ...filters] = process.argv.slice(2);
const suites = kind === 'unit' ? ['test'] : kind === 'smoke' ? ['smoke'] : kind === 'all' ? ['test', 'smoke'] : ['test', 'smoke'];
if (!['unit', 'smoke', 'all'].includes(kind)) filters.unshift(kind);

function collect(dir, suffix) {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const entry of readdirSync(dir)) {
    const p = join(dir, entry);
    if (statSync(p).isDirectory()) out.push(...collect(p, suffix));
    else if (entry.endsWith(suffix)) out.push(p);
  }
  return out.sort();
}

const files = suites.flatMap((s) => collect(join(root, 'build', s), s === 'smoke' ? '.smoke.js' : '.test.js'))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)));
if (files.length === 0) {
  console.error('no test files found: run `npm run build` first');
  process.exit(1);
}
console.log(`running ${files.length} test files: ${files.map((f) => relative(root, f)).join(' ')}`);
const result = spawnSync(process.execPath, ['--test', '--test-concurrency=2', '--test-timeout=300000', ...files], { stdio: 'inherit' });
process.exit(result.status ?? 1);
