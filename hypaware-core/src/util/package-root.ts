import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Name of the distribution package (the repository root, and what `npm pack` builds). */
const PACKAGE_NAME = 'hypaware';

function packageNameAt(dir: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown }).name as
      string | undefined;
  } catch {
    return undefined;
  }
}

let cachedRoot: string | undefined;
/**
 * The HypAware install folder: the nearest folder above this module whose package.json is the
 * `hypaware` package. In a source checkout that is the repository root (the kernel is
 * `hypaware-core/`); in an installed package the kernel is `node_modules/@hypaware/core/` below it.
 */
export function packageRoot(): string {
  if (cachedRoot !== undefined) return cachedRoot;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    if (packageNameAt(dir) === PACKAGE_NAME) return (cachedRoot = dir);
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new Error(
    `cannot locate the HypAware install folder (no package.json named ${PACKAGE_NAME} above ${fileURLToPath(import.meta.url)})`,
  );
}

/**
 * Folder of the bundled plugins: `plugins-workspace/` in a source checkout; in an installed
 * package, where npm put the bundled workspace packages (`node_modules/@hypaware/`).
 */
export function bundledPluginsDir(): string {
  const root = packageRoot();
  const workspace = join(root, 'plugins-workspace');
  return existsSync(workspace) ? workspace : join(root, 'node_modules', '@hypaware');
}

let cachedVersion: string | undefined;
/** Version of the installed `hypaware` package. */
export function hypVersion(): string {
  if (cachedVersion === undefined) {
    const pkg = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version?: string };
    cachedVersion = pkg.version ?? '0.0.0';
  }
  return cachedVersion;
}
