/**
 * Helpers for the kernel tests: the fixture plugins of test/fixtures/plugins and in-process
 * boots over them (a temp HYP_HOME, a config file, a fixture folder standing in for the
 * bundled plugins).
 */
import { readdirSync, readFileSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { KernelMode } from '@hypaware/core';
import { bootKernel, type Kernel } from '@hypaware/core/boot';
import { REPO_ROOT, tempDir } from '../../harness/repo.js';

export const FIXTURE_PLUGINS = join(REPO_ROOT, 'test', 'fixtures', 'plugins');

export function fixturePlugin(...parts: string[]): string {
  return join(FIXTURE_PLUGINS, ...parts);
}

/** Names of the plugins shipped in plugins-workspace/ (read from their manifests). */
export function bundledPluginNames(): string[] {
  const dir = join(REPO_ROOT, 'plugins-workspace');
  return readdirSync(dir)
    .sort()
    .filter((entry) => existsSync(join(dir, entry, 'hypaware.plugin.json')))
    .map(
      (entry) => (JSON.parse(readFileSync(join(dir, entry, 'hypaware.plugin.json'), 'utf8')) as { name: string }).name,
    );
}

/** The gateway is written concurrently; once its build output exists, tests expect it to run. */
export const GATEWAY_BUILT = existsSync(join(REPO_ROOT, 'plugins-workspace', 'ai-gateway', 'dist', 'index.js'));

export interface FixtureConfig {
  plugins?: Record<string, Record<string, unknown>>;
  plugin_dirs?: string[];
  [key: string]: unknown;
}

/**
 * A config for real processes (`hyp ...`) that switches every bundled plugin off, so the
 * test only sees its fixture plugins, whatever state the bundled plugins are in.
 */
export function configWithoutBundled(config: FixtureConfig = {}): FixtureConfig {
  const plugins: Record<string, Record<string, unknown>> = {};
  for (const name of bundledPluginNames()) plugins[name] = { enabled: false };
  return { ...config, plugins: { ...plugins, ...config.plugins } };
}

export function writeConfig(hypHome: string, config: unknown): string {
  const path = join(hypHome, 'hypaware-config.json');
  writeFileSync(path, typeof config === 'string' ? config : JSON.stringify(config, null, 2));
  return path;
}

export interface Booted {
  kernel: Kernel;
  hypHome: string;
  /** fixture plugins that ran activate(), in order */
  activations: string[];
}

declare global {
  // filled by test/fixtures/plugins/shared/fixture-plugin.js
  var __hypFixtureActivations: string[] | undefined;
}

/**
 * Boot a kernel in this process over `bundled` (a fixture folder standing in for
 * plugins-workspace/), with `config` written to the temp HYP_HOME unless undefined.
 * The caller shuts the kernel down.
 */
export async function bootFixtures(options: {
  bundled: string;
  config?: unknown;
  mode?: KernelMode;
  hypHome?: string;
  env?: Record<string, string>;
}): Promise<Booted> {
  const hypHome = options.hypHome ?? tempDir('hyp-kernel-');
  if (options.config !== undefined) writeConfig(hypHome, options.config);
  globalThis.__hypFixtureActivations = [];
  const kernel = await bootKernel({
    mode: options.mode ?? 'cli',
    hypHome,
    bundledDir: options.bundled,
    env: { ...process.env, HYP_HOME: hypHome, ...options.env },
  });
  return { kernel, hypHome, activations: [...globalThis.__hypFixtureActivations] };
}

/** Permission bits of a path (e.g. 0o600). */
export function modeOf(path: string): number {
  return statSync(path).mode & 0o777;
}
