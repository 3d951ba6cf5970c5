#!/usr/bin/env node
// Runs the compiled test files with node's test runner: `unit` (build/test), `smoke`
// (build/smoke), or both (default). Extra arguments filter files by substring.
// Every temp folder the tests make goes under one folder (TMPDIR for the run), removed at the
// end unless HYP_KEEP_TEST_TMP=1.
import { readdirSync, statSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const [kind = 'all', ...filters] = process.argv.slice(2);
const suites =
  kind === 'unit' ? ['test'] : kind === 'smoke' ? ['smoke'] : kind === 'all' ? ['test', 'smoke'] : ['test', 'smoke'];
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

const files = suites
  .flatMap((s) => collect(join(root, 'build', s), s === 'smoke' ? '.smoke.js' : '.test.js'))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)));
if (files.length === 0) {
  console.error('no test files found: run `npm run build` first');
  process.exit(1);
}
console.log(`running ${files.length} test files: ${files.map((f) => relative(root, f)).join(' ')}`);
const runTmp = mkdtempSync(join(tmpdir(), 'hyp-tests-'));
const result = spawnSync(process.execPath, ['--test', '--test-concurrency=2', '--test-timeout=300000', ...files], {
  stdio: 'inherit',
  env: { ...process.env, TMPDIR: runTmp },
});
if (process.env.HYP_KEEP_TEST_TMP === '1') console.log(`test temp files kept in ${runTmp}`);
else {
  try {
    rmSync(runTmp, { recursive: true, force: true, maxRetries: 3 });
  } catch (err) {
    console.error(`could not remove the test temp folder ${runTmp}: ${err.message}`);
  }
}
process.exit(result.status ?? 1);
