// The source is formatted by Prettier (config in .prettierrc.json, scope in .prettierignore):
// this test fails, naming the files, when a change was not formatted (`npm run format` fixes it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../../harness/repo.js';

test('every source file is formatted with Prettier', () => {
  const prettier = join(REPO_ROOT, 'node_modules', 'prettier', 'bin', 'prettier.cjs');
  const r = spawnSync(process.execPath, [prettier, '--check', '--log-level', 'warn', '.'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });
  assert.equal(r.error, undefined, String(r.error));
  assert.equal(r.status, 0, `not formatted (run npm run format):\n${r.stderr}${r.stdout}`);
});
