import { readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';

const MAX_DEPTH = 64;

function gitDirFor(dir: string): string | undefined {
  const dotGit = join(dir, '.git');
  let st;
  try {
    st = statSync(dotGit);
  } catch {
    return undefined;
  }
  if (st.isDirectory()) return dotGit;
  // worktrees and submodules: `.git` is a file `gitdir: <path>`
  const m = /^gitdir:\s*(.+)$/m.exec(readFileSync(dotGit, 'utf8'));
  if (!m) return undefined;
  const target = m[1]!.trim();
  return isAbsolute(target) ? target : resolve(dir, target);
}

/**
 * The branch checked out in the repository containing `cwd`, or the short commit when HEAD
 * is detached, read from `.git/HEAD` (no git process: the hook must stay fast).
 * Undefined outside a repository or when HEAD cannot be read.
 */
export function gitBranchAt(cwd: string): string | undefined {
  let dir = resolve(cwd);
  for (let depth = 0; depth < MAX_DEPTH; depth++) {
    try {
      const gitDir = gitDirFor(dir);
      if (gitDir) {
        const head = readFileSync(join(gitDir, 'HEAD'), 'utf8').trim();
        const ref = /^ref:\s*refs\/heads\/(.+)$/.exec(head);
        if (ref) return ref[1]!;
        return /^[0-9a-f]{40,64}$/i.test(head) ? head.slice(0, 7) : undefined;
      }
    } catch {
      return undefined;
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
  return undefined;
}
