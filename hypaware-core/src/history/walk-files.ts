/** Files under a folder, found as the walk goes (one directory handle open at a time per level), sorted per folder. */
import { opendir } from 'node:fs/promises';
import { join } from 'node:path';

export interface WalkOptions {
  /** deepest folder level entered below the root (0: the root only) */
  maxDepth: number;
  /** keep a file by name */
  accept(name: string): boolean;
}

export async function* walkFiles(root: string, options: WalkOptions, depth = 0): AsyncGenerator<string> {
  const files: string[] = [];
  const dirs: string[] = [];
  let dir;
  try {
    dir = await opendir(root);
  } catch {
    return; // gone meanwhile or unreadable: nothing to import there
  }
  for await (const entry of dir) {
    if (entry.isDirectory()) dirs.push(entry.name);
    else if (entry.isFile() && options.accept(entry.name)) files.push(entry.name);
  }
  for (const name of files.sort()) yield join(root, name);
  if (depth >= options.maxDepth) return;
  for (const name of dirs.sort()) yield* walkFiles(join(root, name), options, depth + 1);
}
