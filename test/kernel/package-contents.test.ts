// The installable package (`npm pack` at the root): the dependency declarations that make the
// bundled workspace packages resolve and the third-party packages install, and the tarball's
// file list (`npm pack --dry-run`) against the built folders on disk. The install itself is
// smoke/packed_install.smoke.ts.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../../harness/repo.js';

interface PackageJson {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  bundleDependencies?: string[];
  exports?: Record<string, string | Record<string, string>>;
}

interface Workspace {
  dir: string;
  pkg: PackageJson;
  manifest?: { main: string; standalone_commands?: Record<string, string> };
}

const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;
const root = readJson<PackageJson>(join(REPO_ROOT, 'package.json'));

function workspaces(): Workspace[] {
  const dirs = [
    'hypaware-core',
    ...readdirSync(join(REPO_ROOT, 'plugins-workspace')).map((d) => join('plugins-workspace', d)),
  ];
  return dirs
    .filter((d) => existsSync(join(REPO_ROOT, d, 'package.json')))
    .map((dir) => {
      const manifestPath = join(REPO_ROOT, dir, 'hypaware.plugin.json');
      return {
        dir,
        pkg: readJson<PackageJson>(join(REPO_ROOT, dir, 'package.json')),
        ...(existsSync(manifestPath) ? { manifest: readJson<Workspace['manifest']>(manifestPath) } : {}),
      };
    });
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((entry) => {
    const p = join(dir, entry);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

/** Package names a source file imports at run time (type-only imports are erased). */
function runtimeImports(source: string): string[] {
  const names: string[] = [];
  const patterns = [
    /^\s*import\s+(?!type\b)[^'"]*?from\s+'([^'.][^']*)'/gm,
    /^\s*export\s+(?!type\b)[^'"]*?from\s+'([^'.][^']*)'/gm,
    /^\s*import\s+'([^'.][^']*)'/gm,
    /\bimport\(\s*'([^'.][^']*)'\s*\)/g,
  ];
  for (const re of patterns) for (const m of source.matchAll(re)) names.push(m[1]!);
  return names.map((s) => (s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]!));
}

const isBuiltin = (name: string) => name.startsWith('node:') || builtinModules.includes(name);

describe('dependency declarations', () => {
  const ws = workspaces();

  test('the root bundles every workspace package and depends on it at its exact version', () => {
    assert.deepEqual([...(root.bundleDependencies ?? [])].sort(), ws.map((w) => w.pkg.name).sort());
    for (const w of ws) assert.equal(root.dependencies?.[w.pkg.name], w.pkg.version, w.pkg.name);
  });

  test('workspace packages depend only on each other: npm would treat any other dependency (or peer) as part of the bundle', () => {
    for (const w of ws) {
      assert.equal(w.pkg.peerDependencies, undefined, `${w.pkg.name} has peerDependencies`);
      assert.equal(w.pkg.optionalDependencies, undefined, `${w.pkg.name} has optionalDependencies`);
      for (const dep of Object.keys(w.pkg.dependencies ?? {}))
        assert.ok(
          ws.some((o) => o.pkg.name === dep),
          `${w.pkg.name} depends on ${dep}: declare it in the root package.json`,
        );
    }
  });

  test('every package the shipped sources import is a root dependency, and every root dependency is imported', () => {
    const imported = new Map<string, string>();
    for (const w of ws) {
      for (const file of filesUnder(join(REPO_ROOT, w.dir, 'src')).filter((f) => f.endsWith('.ts'))) {
        for (const name of runtimeImports(readFileSync(file, 'utf8')))
          if (!isBuiltin(name)) imported.set(name, relative(REPO_ROOT, file));
      }
    }
    for (const [name, file] of imported)
      assert.ok(
        root.dependencies?.[name],
        `${file} imports ${name}, which the root package.json does not list in dependencies`,
      );
    const thirdParty = Object.keys(root.dependencies ?? {}).filter((name) => !ws.some((w) => w.pkg.name === name));
    for (const name of thirdParty)
      assert.ok(imported.has(name), `the root depends on ${name}, which no shipped source imports`);
  });
});

describe('npm pack file list', () => {
  let files: Set<string>;
  const ws = workspaces();

  before(async () => {
    const { stdout } = await promisify(execFile)(
      process.platform === 'win32' ? 'npm.cmd' : 'npm',
      ['pack', '--dry-run', '--json', '--ignore-scripts'],
      { cwd: REPO_ROOT, maxBuffer: 64 * 1024 * 1024 },
    );
    const [packed] = JSON.parse(stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    assert.equal(packed!.filename, `hypaware-${root.version}.tgz`);
    files = new Set(packed!.files.map((f) => f.path));
  });

  test('the entry points and the root library', () => {
    for (const f of ['package.json', 'bin/hyp.js', 'lib/library.js', 'lib/library.d.ts']) assert.ok(files.has(f), f);
    for (const f of readdirSync(join(REPO_ROOT, 'bin'))) assert.ok(files.has(`bin/${f}`), `bin/${f}`);
  });

  test('each workspace package is bundled with its whole build: every dist file, every exports target, the manifest and its entries', () => {
    for (const w of ws) {
      const base = `node_modules/${w.pkg.name}`;
      assert.ok(files.has(`${base}/package.json`), `${base}/package.json`);
      const built = filesUnder(join(REPO_ROOT, w.dir, 'dist')).map((f) =>
        relative(join(REPO_ROOT, w.dir), f).split('\\').join('/'),
      );
      const shipped = built.filter((f) => !f.endsWith('.map') && !f.endsWith('.tsbuildinfo'));
      assert.ok(
        shipped.some((f) => f.endsWith('.js')),
        `${w.dir} is built`,
      );
      for (const f of shipped) assert.ok(files.has(`${base}/${f}`), `${base}/${f}`);
      for (const target of Object.values(w.pkg.exports ?? {}).flatMap((e) =>
        typeof e === 'string' ? [e] : Object.values(e),
      )) {
        if (!target.includes('*'))
          assert.ok(files.has(`${base}/${target.replace(/^\.\//, '')}`), `${w.pkg.name} exports ${target}`);
      }
      if (w.manifest) {
        assert.ok(files.has(`${base}/hypaware.plugin.json`), `${base}/hypaware.plugin.json`);
        for (const entry of [w.manifest.main, ...Object.values(w.manifest.standalone_commands ?? {})])
          assert.ok(files.has(`${base}/${entry}`), `${w.pkg.name}: ${entry}`);
      }
    }
  });

  test("the Claude hook's CommonJS entry and its build", () => {
    const claude = ws.find((w) => w.dir === join('plugins-workspace', 'claude'));
    assert.ok(claude, 'plugins-workspace/claude');
    const cjs = filesUnder(join(REPO_ROOT, claude.dir, 'cjs'))
      .map((f) => relative(join(REPO_ROOT, claude.dir), f).split('\\').join('/'))
      .filter((f) => !f.endsWith('.tsbuildinfo'));
    assert.ok(cjs.includes('cjs/claude-hook') && cjs.includes('cjs/dist/hook/cli.js'), 'the hook is built');
    for (const f of cjs) assert.ok(files.has(`node_modules/${claude.pkg.name}/${f}`), f);
  });

  test('no sources, tests, benchmarks, source maps, build info or third-party packages', () => {
    const bundled = new Set(ws.map((w) => `node_modules/${w.pkg.name}/`));
    for (const f of files) {
      assert.doesNotMatch(f, /(^|\/)(src|test|smoke|bench|scripts)\//, f);
      assert.doesNotMatch(f, /\.map$|tsbuildinfo|(^|\/)tsconfig[^/]*\.json$/, f);
      assert.ok(!/\.tsx?$/.test(f) || f.endsWith('.d.ts'), f);
      if (f.startsWith('node_modules/'))
        assert.ok(
          [...bundled].some((b) => f.startsWith(b)),
          `${f} is not a bundled workspace package`,
        );
    }
  });
});
