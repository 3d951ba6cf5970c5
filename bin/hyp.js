#!/usr/bin/env node
// Entry point of `hyp` / `hypaware`. Standalone plugin commands (hooks that must start fast)
// are dispatched from the bundled manifests without booting the kernel.
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);

function standaloneModule(name) {
  const dir = join(root, 'plugins-workspace');
  let entries = [];
  try { entries = readdirSync(dir); } catch { return undefined; }
  for (const entry of entries) {
    try {
      const manifest = JSON.parse(readFileSync(join(dir, entry, 'hypaware.plugin.json'), 'utf8'));
      const rel = manifest.standalone_commands && manifest.standalone_commands[name];
      if (typeof rel === 'string') return join(dir, entry, rel);
    } catch { /* not a plugin folder */ }
  }
  return undefined;
}

async function run() {
  const first = args[0];
  const standalone = first && !first.startsWith('-') ? standaloneModule(first) : undefined;
  if (standalone) {
    const mod = await import(pathToFileURL(standalone).href);
    return mod.run(args.slice(1));
  }
  let cli;
  try {
    cli = await import(pathToFileURL(join(root, 'hypaware-core', 'dist', 'cli', 'main.js')).href);
  } catch (err) {
    if (err && err.code === 'ERR_MODULE_NOT_FOUND') {
      process.stderr.write('hyp: HypAware is not built yet; run `npm run build` (or `npm install`) first\n');
      return 1;
    }
    throw err;
  }
  return cli.main(args);
}

run().then(
  (code) => process.exit(typeof code === 'number' ? code : 0),
  (err) => {
    process.stderr.write(`hyp: internal error: ${err && err.message ? err.message : String(err)}\n`);
    process.exit(70);
  },
);
