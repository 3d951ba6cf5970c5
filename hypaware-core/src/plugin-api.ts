/**
 * The plugin contract: everything a plugin may see of the kernel.
 * Plugins import these types (and the few runtime helpers re-exported from
 * `@hypaware/core`) and nothing else of the kernel.
 */
import type { Command } from 'commander';
import type Database from 'better-sqlite3';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** `hypaware.plugin.json`, after validation. */
export interface PluginManifest {
  name: string;
  version: string;
  /** Entry module, relative to the plugin folder; it exports `activate(ctx)`. */
  main: string;
  description?: string;
  /** capability name -> exact semver version provided */
  provides: Record<string, string>;
  /** capability name -> semver range required */
  requires: Record<string, string>;
  /**
   * Standalone commands that run WITHOUT booting the kernel (hooks that must be fast):
   * top-level command name -> module path relative to the plugin folder. The module exports
   * `run(argv: string[]): Promise<number>`.
   */
  standalone_commands?: Record<string, string>;
  /**
   * Sections addressed to other plugins, keyed by a name the receiving plugin defines (for
   * example a capability it provides). The kernel checks only that each is JSON and hands it
   * over unread through `ActivationContext.contributions(key)`.
   */
  contributes?: Record<string, JsonValue>;
}

/** What the kernel was booted for. Plugins use it to skip work that only one role needs. */
export type KernelMode = 'daemon' | 'cli';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

/** Structured logger: one JSONL line per call, `event` is a stable dotted name. */
export interface Logger {
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
}

export type MetricAttributes = Record<string, string | number | boolean>;
export interface Counter {
  add(value: number, attributes?: MetricAttributes): void;
}
export interface Meter {
  counter(name: string): Counter;
}

export type ColumnType = 'string' | 'int' | 'float' | 'boolean' | 'json' | 'timestamp' | 'blob';

export interface ColumnSpec {
  name: string;
  type: ColumnType;
  /** default true */
  nullable?: boolean;
  description?: string;
}

/** A dataset is one SQLite table the kernel creates and migrates for a plugin. */
export interface DatasetSpec {
  name: string;
  description: string;
  columns: ColumnSpec[];
  /** Column used for time windows (retention, export partitions, overview). */
  primaryTime: string;
  /** Columns forming a UNIQUE constraint (dedupe key), if any. */
  uniqueKey?: string[];
  /** Extra indexes, each a list of column names. */
  indexes?: string[][];
  /** Hidden from `hyp query overview` and the README list, still queryable. */
  internal?: boolean;
}

export interface Diagnostic {
  /** Stable identifier, e.g. `client_attach_stale`. */
  kind: string;
  level: 'info' | 'warn' | 'error';
  message: string;
  /** A command line that repairs the condition. */
  repair?: string;
}

export interface SourceStatus {
  state: 'starting' | 'running' | 'degraded' | 'stopped' | 'failed';
  message?: string;
  details?: JsonObject;
}

export interface SourceHandle {
  /** Stop accepting work, drain what is in flight, release resources. */
  stop(): Promise<void>;
  /** Apply a new config slice (SIGHUP). If absent, the kernel restarts the source. */
  reload?(config: JsonObject): Promise<void>;
  status?(): SourceStatus;
}

/** A long-running service started by `hyp daemon run`. */
export interface SourceSpec {
  name: string;
  start(): Promise<SourceHandle>;
}

/** Helpers for plugin CLI commands. */
export interface CommandIO {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export interface CommandSpec {
  /** Top-level command name, e.g. `claude`. */
  name: string;
  description: string;
  /** Add subcommands/options/actions to the commander command. Throw `HypError` for failures. */
  configure(command: Command, io: CommandIO): void;
}

/** What an uninstall step may use: `dryRun` means report what would change and change nothing. */
export interface UninstallIO {
  dryRun: boolean;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/** Work `hyp daemon uninstall` runs in the CLI process once the service is gone. */
export interface UninstallStep {
  /** Short name shown when the step fails, e.g. `detach clients`. */
  name: string;
  /** Throw to report a failure (one line); the other steps still run. */
  run(io: UninstallIO): Promise<void>;
}

export interface StorageAccess {
  /** Read-write connection owned by this thread (opened lazily, WAL). */
  database(): Database.Database;
  /** Absolute path of the SQLite file. */
  readonly path: string;
}

export interface PluginPaths {
  rootDir: string;
  /** `<HYP_HOME>/hypaware/plugins/<name>/`, mode 0700 */
  stateDir: string;
  hypHome: string;
  stateRoot: string;
}

/** One active plugin's manifest section `contributes[key]`, with what the receiver needs to act for it. */
export interface PluginContribution {
  plugin: { name: string; version: string; rootDir: string };
  /** the section as written in the manifest (a copy) */
  value: JsonValue;
  /** the contributing plugin's config slice (without `enabled`) */
  config: JsonObject;
  /** the contributing plugin's state directory */
  stateDir: string;
}

export interface ActivationContext {
  plugin: { name: string; version: string; manifest: PluginManifest; rootDir: string };
  mode: KernelMode;
  /** This plugin's config slice (without `enabled`). */
  config: JsonObject;
  /** Path of the config file in use (may not exist: embedded defaults). */
  configPath: string;
  paths: PluginPaths;
  log: Logger;
  meter: Meter;
  env: NodeJS.ProcessEnv;
  provideCapability<T>(name: string, version: string, value: T): void;
  requireCapability<T>(name: string, range?: string): T;
  registerDataset(spec: DatasetSpec): void;
  registerCommand(spec: CommandSpec): void;
  registerSource(spec: SourceSpec): void;
  /** Contribute findings to `hyp status`. */
  registerDiagnostics(provider: () => Promise<Diagnostic[]> | Diagnostic[]): void;
  /** Undo on `hyp daemon uninstall` what this plugin set up outside HYP_HOME (e.g. settings files it edited). */
  registerUninstallStep(step: UninstallStep): void;
  storage: StorageAccess;
  /** Register work to run when the kernel shuts down (reverse order). */
  onShutdown(fn: () => Promise<void> | void): void;
  /**
   * The `contributes[key]` sections of the plugins activated so far (all of them once
   * activation is over, e.g. when a source starts), in activation order.
   */
  contributions(key: string): PluginContribution[];
}

/** A config problem: `path` is the dotted key inside the plugin's slice. */
export interface ConfigIssue {
  path: string;
  message: string;
}

/** The shape of a plugin's entry module. */
export interface PluginModule {
  activate(ctx: ActivationContext): Promise<void> | void;
  /** Validate this plugin's config slice; an empty list means valid. */
  validateConfig?(slice: JsonObject): ConfigIssue[];
}
