/**
 * The built front end (dist/web, made by scripts/build-ui-web.mjs): a fixed set of files read
 * once at start, served by name only (no path from the request reaches the file system).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { extname, join } from 'node:path';
import { HypError } from '@hypaware/core';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

export interface StaticFile {
  type: string;
  body: Buffer;
}

export function loadStaticFiles(dir: string): Map<string, StaticFile> {
  if (!existsSync(join(dir, 'index.html'))) {
    throw new HypError(`the UI is not built: ${dir} has no index.html (run npm run build)`, { kind: 'ui_not_built' });
  }
  const files = new Map<string, StaticFile>();
  for (const name of readdirSync(dir)) {
    const type = TYPES[extname(name)];
    if (type) files.set(`/${name}`, { type, body: readFileSync(join(dir, name)) });
  }
  return files;
}
