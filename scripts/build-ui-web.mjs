#!/usr/bin/env node
// Bundles the `hyp ui` front end (plugins-workspace/ui/web: Preact, uPlot, markdown-it) with
// esbuild into static files in plugins-workspace/ui/dist/web/, which the plugin serves and the
// package ships. Run by `npm run build` and `prepare` after tsc (tsc does not bundle).
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const web = join(root, 'plugins-workspace', 'ui', 'web');
const out = join(root, 'plugins-workspace', 'ui', 'dist', 'web');

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
await build({
  entryPoints: { app: join(web, 'main.tsx'), style: join(web, 'style.css') },
  outdir: out,
  bundle: true,
  minify: true,
  format: 'esm',
  target: 'es2020',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  legalComments: 'none',
  logLevel: 'warning',
});
copyFileSync(join(web, 'index.html'), join(out, 'index.html'));
