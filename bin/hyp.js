#!/usr/bin/env node
// Entry point of `hyp` / `hypaware`. Standalone plugin commands (hooks that must start fast)
// are dispatched from the bundled manifests without booting the kernel.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { exitWhenWritten, quietOnClosedReader } from './exit-when-written.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
/** A source checkout has the kernel's sources; an installed package has only its build. */
const isSourceCheckout = existsSync(join(root, 'hypaware-core', 'src'));

/** Bundled plugins: plugins-workspace/ in a source checkout, node_modules/@hypaware/ in an installed package. */
function bundledPluginsDir() {
  const workspace = join(root, 'plugins-workspace');
  return existsSync(workspace) ? workspace : join(root, 'node_modules', '@hypaware');
}

function standaloneModule(name) {
  const dir = bundledPluginsDir();
  let entries = [];
  try {
    entries = readdirSync(dir);
  } catch {
    return undefined;
  }
  for (const entry of entries) {
    try {
      const manifest = JSON.parse(readFileSync(join(dir, entry, 'hypaware.plugin.json'), 'utf8'));
      const rel = manifest.standalone_commands && manifest.standalone_commands[name];
      if (typeof rel === 'string') return join(dir, entry, rel);
    } catch {
      /* not a plugin folder */
    }
  }
  return undefined;
}

/** One line saying what is missing and the repair that fits this kind of install. */
function notReadyMessage(err) {
  const missing = String(err.message)
    .split('\n')[0]
    .replace(/ imported from .*$/, '');
  if (isSourceCheckout) {
    return `hyp: this source checkout is not built (${missing}); run \`npm install\` in ${root} (it builds), or \`npm run build\`\n`;
  }
  return `hyp: this HypAware installation is incomplete (${missing}); install the package again\n`;
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
    cli = await import('@hypaware/core/cli');
  } catch (err) {
    if (err && err.code === 'ERR_MODULE_NOT_FOUND') {
      process.stderr.write(notReadyMessage(err));
      return 1;
    }
    throw err;
  }
  return cli.main(args);
}

quietOnClosedReader();
run().then(
  (code) => exitWhenWritten(typeof code === 'number' ? code : 0),
  (err) => {
    process.stderr.write(
      `hyp: internal error: ${err && err.message ? String(err.message).split('\n')[0] : String(err)}\n`,
    );
    exitWhenWritten(70);
  },
);
