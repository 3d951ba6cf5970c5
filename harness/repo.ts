import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';

/** Compiled, this file is build/harness/repo.js; the repo root is two levels up. */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const HYP_BIN = join(REPO_ROOT, 'bin', 'hyp.js');

/** A fresh, empty folder for HYP_HOME (or anything else a test writes). */
export function tempDir(prefix = 'hyp-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}
