import { accessSync, constants, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type Database from 'better-sqlite3';
import type {
  ActivationContext,
  CommandSpec,
  ConfigIssue,
  DatasetSpec,
  Diagnostic,
  JsonObject,
  KernelMode,
  Logger,
  PluginContribution,
  PluginManifest,
  PluginModule,
  ReadOnlySqlDatabase,
  RemoteQueryProvider,
  RetentionHold,
  SourceSpec,
  StatusSectionSpec,
  UninstallStep,
  ViewSpec,
} from '../plugin-api.js';
import { HypError, errorMessage } from '../errors.js';
import { configSection, loadConfig, pluginSlice, type HypConfig } from '../config/config-file.js';
import { discoverPlugins } from './discovery.js';
import { resolvePlugins, type SkippedPlugin } from './resolve.js';
import { CapabilityRegistry } from './capabilities.js';
import { LogSink, type LogRecord } from '../telemetry/log-sink.js';
import { createLogger, logLevelFromEnv } from '../telemetry/logger.js';
import { MeterRegistry } from '../telemetry/meter.js';
import {
  busyTimeoutMs,
  explainDatabaseError,
  openDatabase,
  openReadOnlyDatabase,
  restrictDatabaseFiles,
} from '../storage/database.js';
import { ensureDatasetTable, validateDatasetSpec, type RegisteredDataset } from '../storage/datasets.js';
import { ensureViews, validateViewSpec, type RegisteredView } from '../storage/views.js';
import { validateRetentionSpec } from '../retention/retention-policy.js';
import { hypLayout, pluginStateDir, resolveHypHome, type HypLayout } from '../util/hyp-home.js';
import { bundledPluginsDir } from '../util/package-root.js';

export interface BootOptions {
  mode: KernelMode;
  hypHome?: string;
  /** config file path; default `<HYP_HOME>/hypaware-config.json` */
  configPath?: string;
  env?: NodeJS.ProcessEnv;
  /** folder holding bundled plugins; default the install's `plugins-workspace/` */
  bundledDir?: string;
  /** echo log records (the foreground daemon prints them) */
  echoLog?: (record: LogRecord) => void;
}

export interface ActivePlugin {
  name: string;
  version: string;
  rootDir: string;
  manifest: PluginManifest;
  config: JsonObject;
  /** the plugin's own slice check, kept to validate a reloaded config */
  validateConfig?: PluginModule['validateConfig'];
}

/** A plugin's verdict on a config slice, with paths from the file's root (`plugins.<name>.…`). */
export function pluginConfigIssues(
  name: string,
  validate: PluginModule['validateConfig'],
  slice: JsonObject,
): ConfigIssue[] {
  if (!validate) return [];
  let issues: ConfigIssue[];
  try {
    issues = validate(slice);
  } catch (err) {
    issues = [{ path: '(root)', message: `validation failed: ${errorMessage(err)}` }];
  }
  return issues.map((i) => ({ path: `plugins.${name}.${i.path}`, message: i.message }));
}

export interface FailedPlugin {
  name: string;
  rootDir: string;
  kind:
    | 'manifest_invalid'
    | 'config_invalid'
    | 'import_failed'
    | 'activate_missing'
    | 'activate_failed'
    | 'dependency_failed';
  message: string;
}

export interface RegisteredSource extends SourceSpec {
  plugin: string;
}
export interface RegisteredCommand extends CommandSpec {
  plugin: string;
}
export interface RegisteredUninstallStep extends UninstallStep {
  plugin: string;
}
export interface RegisteredStatusSection extends StatusSectionSpec {
  plugin: string;
}
export interface RegisteredRetentionHold extends RetentionHold {
  plugin: string;
}
export interface RegisteredRemoteQuery {
  plugin: string;
  provider: RemoteQueryProvider;
}

export interface Kernel {
  mode: KernelMode;
  layout: HypLayout;
  config: HypConfig;
  log: Logger;
  logSink: LogSink;
  meters: MeterRegistry;
  capabilities: CapabilityRegistry;
  plugins: ActivePlugin[];
  skipped: SkippedPlugin[];
  failed: FailedPlugin[];
  configIssues: Array<ConfigIssue & { plugin: string }>;
  datasets: Map<string, RegisteredDataset>;
  /** views plugins registered, kept in the database by `database()` */
  views: Map<string, RegisteredView>;
  sources: RegisteredSource[];
  commands: RegisteredCommand[];
  diagnostics: Array<{ plugin: string; provider: () => Promise<Diagnostic[]> | Diagnostic[] }>;
  /** run by `hyp daemon uninstall`, in activation order */
  uninstallSteps: RegisteredUninstallStep[];
  /** sections of `hyp status`, in activation order */
  statusSections: RegisteredStatusSection[];
  /** what retention must keep for now (see `RetentionHold`) */
  retentionHolds: RegisteredRetentionHold[];
  /** the plugin answering `hyp query sql --remote`, if one registered */
  remoteQuery: RegisteredRemoteQuery | undefined;
  /** The read-write database of this thread, opened on first use (datasets ensured). */
  database(): Database.Database;
  shutdown(): Promise<void>;
}

/** `hyp status --json` keys of the kernel's own: a status section cannot take them. */
const RESERVED_STATUS_KEYS = new Set([
  'version',
  'hyp_home',
  'config',
  'daemon',
  'plugins',
  'capabilities',
  'datasets',
  'counters',
  'diagnostics',
]);

function ensureWritableHome(layout: HypLayout): void {
  try {
    mkdirSync(layout.stateRoot, { recursive: true, mode: 0o700 });
    mkdirSync(layout.pluginsStateDir, { recursive: true, mode: 0o700 });
    accessSync(layout.stateRoot, constants.W_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new HypError(`HYP_HOME ${layout.hypHome} is not writable (${code}); set HYP_HOME to a folder you own`, {
      kind: 'hyp_home_unwritable',
    });
  }
}

/**
 * Boot the kernel: load config, discover and resolve plugins, activate them in dependency
 * order. Problems with one plugin never stop the others; they are collected in `skipped`,
 * `failed` and `configIssues` and logged.
 */
export async function bootKernel(options: BootOptions): Promise<Kernel> {
  const env = options.env ?? process.env;
  const hypHome = options.hypHome ?? resolveHypHome(env);
  const layout = hypLayout(hypHome, options.configPath);
  ensureWritableHome(layout);
  const config = loadConfig(layout.configPath);

  const logSink = new LogSink(layout.logsDir, options.echoLog);
  const minLevel = logLevelFromEnv(env);
  const log = createLogger(logSink, { mode: options.mode }, minLevel);
  const meters = new MeterRegistry(options.mode === 'cli' ? undefined : layout.metricsDir, options.mode);
  const capabilities = new CapabilityRegistry();
  const datasets = new Map<string, RegisteredDataset>();
  const views = new Map<string, RegisteredView>();
  const sources: RegisteredSource[] = [];
  const commands: RegisteredCommand[] = [];
  const diagnostics: Kernel['diagnostics'] = [];
  const uninstallSteps: RegisteredUninstallStep[] = [];
  const statusSections: RegisteredStatusSection[] = [];
  const retentionHolds: RegisteredRetentionHold[] = [];
  let remoteQuery: RegisteredRemoteQuery | undefined;
  const failed: FailedPlugin[] = [];
  const configIssues: Kernel['configIssues'] = [];
  const shutdownHooks: Array<{ plugin: string; fn: () => Promise<void> | void }> = [];
  const plugins: ActivePlugin[] = [];

  let db: Database.Database | undefined;
  const database = (): Database.Database => {
    if (!db) {
      // Until every dataset is ensured the connection is not handed out: a failure here is
      // reported again on the next call instead of yielding a half-migrated database.
      const opened = openDatabase(layout.databasePath, busyTimeoutMs(env));
      try {
        for (const ds of datasets.values()) ensureDatasetTable(opened, ds);
      } catch (err) {
        opened.close();
        throw err instanceof HypError ? err : explainDatabaseError(layout.databasePath, err);
      }
      for (const problem of ensureViews(
        opened,
        [...views.values()].map((v) => v.spec),
      ))
        log.warn('query.view_failed', { message: problem });
      restrictDatabaseFiles(layout.databasePath);
      db = opened;
    }
    return db;
  };

  const contributionsTo = (key: string): PluginContribution[] =>
    plugins.flatMap((p) => {
      const value = p.manifest.contributes?.[key];
      if (value === undefined) return [];
      return [
        {
          plugin: { name: p.name, version: p.version, rootDir: p.rootDir },
          value: structuredClone(value),
          config: structuredClone(p.config),
          stateDir: pluginStateDir(layout, p.name),
        },
      ];
    });

  const discovered = discoverPlugins(options.bundledDir ?? bundledPluginsDir(), config.pluginDirs);
  for (const d of discovered) {
    if (!d.ok) {
      failed.push({
        name: d.rootDir,
        rootDir: d.rootDir,
        kind: 'manifest_invalid',
        message: `plugin in ${d.rootDir} is not loaded: ${d.error}`,
      });
    }
  }
  const candidates = discovered.flatMap((d) =>
    d.ok ? [{ manifest: d.manifest, rootDir: d.rootDir, enabled: pluginSlice(config, d.manifest.name).enabled }] : [],
  );
  const known = new Set(candidates.map((c) => c.manifest.name));
  for (const name of Object.keys(config.plugins)) {
    if (!known.has(name))
      configIssues.push({
        plugin: name,
        path: `plugins.${name}`,
        message: `no plugin named ${name} was found (known: ${[...known].join(', ') || 'none'})`,
      });
  }
  const { order, skipped } = resolvePlugins(candidates);

  for (const candidate of order) {
    const { manifest, rootDir } = candidate;
    const name = manifest.name;
    const missingProvider = Object.keys(manifest.requires).find((cap) => !capabilities.get(cap));
    if (missingProvider) {
      failed.push({
        name,
        rootDir,
        kind: 'dependency_failed',
        message: `plugin ${name} is not activated: the plugin providing ${missingProvider} failed to activate`,
      });
      continue;
    }
    let mod: PluginModule;
    try {
      mod = (await import(pathToFileURL(join(rootDir, manifest.main)).href)) as PluginModule;
    } catch (err) {
      failed.push({
        name,
        rootDir,
        kind: 'import_failed',
        message: `plugin ${name}: cannot load ${manifest.main} (${errorMessage(err)}); run npm run build`,
      });
      continue;
    }
    if (typeof mod.activate !== 'function') {
      failed.push({
        name,
        rootDir,
        kind: 'activate_missing',
        message: `plugin ${name}: ${manifest.main} does not export activate()`,
      });
      continue;
    }
    const { slice } = pluginSlice(config, name);
    const validateConfig = typeof mod.validateConfig === 'function' ? mod.validateConfig : undefined;
    const issues = pluginConfigIssues(name, validateConfig, slice);
    if (issues.length > 0) {
      for (const issue of issues) configIssues.push({ plugin: name, ...issue });
      failed.push({
        name,
        rootDir,
        kind: 'config_invalid',
        message: `plugin ${name} is not activated: invalid config: ${issues[0]!.path}: ${issues[0]!.message}`,
      });
      continue;
    }
    const stateDir = pluginStateDir(layout, name);
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    const pluginLog = createLogger(logSink, { mode: options.mode, plugin: name }, minLevel);
    const ctx: ActivationContext = {
      plugin: { name, version: manifest.version, manifest, rootDir },
      mode: options.mode,
      config: slice,
      configPath: layout.configPath,
      paths: { rootDir, stateDir, hypHome: layout.hypHome, stateRoot: layout.stateRoot },
      log: pluginLog,
      meter: meters.meter({ plugin: name }),
      env,
      provideCapability: (cap, version, value) => {
        if (manifest.provides[cap] === undefined)
          throw new Error(
            `plugin ${name} provides capability ${cap} but its manifest does not declare it in "provides"`,
          );
        if (manifest.provides[cap] !== version)
          throw new Error(
            `plugin ${name} provides ${cap} ${version} but its manifest declares ${manifest.provides[cap]}`,
          );
        capabilities.provide(name, cap, version, value);
        log.debug('cap.provide', { plugin: name, capability: cap, version });
      },
      requireCapability: <T>(cap: string, range?: string): T =>
        capabilities.require<T>(name, cap, range ?? manifest.requires[cap] ?? '*'),
      registerDataset: (spec: DatasetSpec) => {
        const problem = validateDatasetSpec(spec);
        if (problem) throw new TypeError(`registerDataset: ${problem}`);
        const existing = datasets.get(spec.name);
        if (existing && existing.plugin !== name)
          throw new TypeError(`registerDataset: dataset ${spec.name} is already registered by ${existing.plugin}`);
        if (views.has(spec.name))
          throw new TypeError(`registerDataset: ${spec.name} is already a view of ${views.get(spec.name)!.plugin}`);
        const retentionProblem =
          spec.retention === undefined ? undefined : validateRetentionSpec(spec.name, spec.retention);
        if (retentionProblem) throw new TypeError(`registerDataset: ${retentionProblem}`);
        datasets.set(spec.name, { spec, plugin: name });
        if (db) ensureDatasetTable(db, { spec, plugin: name });
      },
      registerView: (spec: ViewSpec) => {
        const problem = validateViewSpec(spec);
        if (problem) throw new TypeError(`registerView: ${problem}`);
        const owner = views.get(spec.name)?.plugin ?? datasets.get(spec.name)?.plugin;
        if (owner !== undefined) throw new TypeError(`registerView: ${spec.name} is already registered by ${owner}`);
        views.set(spec.name, { spec, plugin: name });
        if (db) for (const p of ensureViews(db, [spec])) log.warn('query.view_failed', { message: p });
      },
      registerCommand: (spec: CommandSpec) => {
        if (spec.group !== undefined && spec.group !== 'query' && spec.group !== 'export')
          throw new TypeError(`registerCommand: ${spec.name}: group must be query or export`);
        if (commands.some((c) => c.name === spec.name && c.group === spec.group))
          throw new TypeError(
            `registerCommand: command ${spec.group ? `${spec.group} ` : ''}${spec.name} is already registered`,
          );
        commands.push({ ...spec, plugin: name });
      },
      registerSource: (spec: SourceSpec) => {
        if (sources.some((s) => s.name === spec.name))
          throw new TypeError(`registerSource: source ${spec.name} is already registered`);
        sources.push({ ...spec, plugin: name });
      },
      registerDiagnostics: (provider) => {
        diagnostics.push({ plugin: name, provider });
      },
      registerStatusSection: <T>(spec: StatusSectionSpec<T>) => {
        if (!spec || typeof spec.key !== 'string' || !/^[a-z][a-z0-9_]*$/.test(spec.key))
          throw new TypeError('registerStatusSection: key must be a lower-case JSON key');
        if (RESERVED_STATUS_KEYS.has(spec.key) || statusSections.some((s) => s.key === spec.key))
          throw new TypeError(`registerStatusSection: key ${spec.key} is already taken`);
        if (typeof spec.collect !== 'function' || typeof spec.render !== 'function')
          throw new TypeError(`registerStatusSection '${spec.key}': collect and render must be functions`);
        statusSections.push({
          key: spec.key,
          collect: (status) => spec.collect(status),
          render: (data) => spec.render(data as T),
          plugin: name,
        });
      },
      configSection: (key) => configSection(config, key),
      registerUninstallStep: (step: UninstallStep) => {
        if (!step || typeof step.name !== 'string' || step.name.trim() === '')
          throw new TypeError('registerUninstallStep: name is required');
        if (typeof step.run !== 'function')
          throw new TypeError(`registerUninstallStep '${step.name}': run must be a function`);
        uninstallSteps.push({ name: step.name, run: (io) => step.run(io), plugin: name });
      },
      registerRemoteQuery: (provider: RemoteQueryProvider) => {
        if (!provider || typeof provider.query !== 'function' || typeof provider.describe !== 'function')
          throw new TypeError('registerRemoteQuery: describe and query must be functions');
        if (remoteQuery)
          throw new TypeError(`registerRemoteQuery: ${remoteQuery.plugin} already answers hyp query sql --remote`);
        remoteQuery = { plugin: name, provider };
      },
      registerRetentionHold: (hold: RetentionHold) => {
        if (!hold || typeof hold.dataset !== 'string' || typeof hold.keepAfterRowid !== 'function')
          throw new TypeError('registerRetentionHold: dataset and keepAfterRowid() are required');
        if (typeof hold.reason !== 'string' || hold.reason.trim() === '')
          throw new TypeError('registerRetentionHold: reason is required');
        retentionHolds.push({
          dataset: hold.dataset,
          reason: hold.reason,
          keepAfterRowid: () => hold.keepAfterRowid(),
          plugin: name,
        });
      },
      storage: {
        database,
        openReadOnly: (): ReadOnlySqlDatabase => {
          database(); // tables and views exist before the read-only connection looks
          return openReadOnlyDatabase(layout.databasePath);
        },
        driverDatabase: <T>() => database() as unknown as T,
        path: layout.databasePath,
        datasets: () => [...datasets.values()].map((d) => structuredClone(d.spec)),
      },
      onShutdown: (fn) => {
        shutdownHooks.push({ plugin: name, fn });
      },
      contributions: (key) => contributionsTo(key),
    };
    const registeredBefore = {
      sources: sources.length,
      commands: commands.length,
      diagnostics: diagnostics.length,
      uninstallSteps: uninstallSteps.length,
      statusSections: statusSections.length,
      retentionHolds: retentionHolds.length,
      remoteQuery,
    };
    try {
      await mod.activate(ctx);
      plugins.push({
        name,
        version: manifest.version,
        rootDir,
        manifest,
        config: slice,
        ...(validateConfig ? { validateConfig } : {}),
      });
      log.debug('plugin.activated', { plugin: name, version: manifest.version });
    } catch (err) {
      // Nothing a failed plugin registered stays visible (its dependents see the capability
      // missing); its shutdown hooks stay, to release what it opened before failing.
      sources.splice(registeredBefore.sources);
      commands.splice(registeredBefore.commands);
      diagnostics.splice(registeredBefore.diagnostics);
      uninstallSteps.splice(registeredBefore.uninstallSteps);
      statusSections.splice(registeredBefore.statusSections);
      retentionHolds.splice(registeredBefore.retentionHolds);
      remoteQuery = registeredBefore.remoteQuery;
      for (const [dataset, entry] of datasets) if (entry.plugin === name) datasets.delete(dataset);
      for (const [view, entry] of views) if (entry.plugin === name) views.delete(view);
      capabilities.withdraw(name);
      failed.push({
        name,
        rootDir,
        kind: 'activate_failed',
        message: `plugin ${name} failed to activate: ${errorMessage(err)}`,
      });
    }
  }

  for (const s of skipped)
    if (s.kind !== 'disabled') log.warn('plugin.skipped', { plugin: s.name, kind: s.kind, message: s.message });
  for (const f of failed) log.error('plugin.failed', { plugin: f.name, kind: f.kind, message: f.message });

  let closed = false;
  return {
    mode: options.mode,
    layout,
    config,
    log,
    logSink,
    meters,
    capabilities,
    plugins,
    skipped,
    failed,
    configIssues,
    datasets,
    views,
    sources,
    commands,
    diagnostics,
    uninstallSteps,
    statusSections,
    retentionHolds,
    get remoteQuery() {
      return remoteQuery;
    },
    database,
    async shutdown() {
      if (closed) return;
      closed = true;
      for (const hook of [...shutdownHooks].reverse()) {
        try {
          await hook.fn();
        } catch (err) {
          log.error('plugin.shutdown_failed', { plugin: hook.plugin, error: errorMessage(err) });
        }
      }
      meters.persist();
      if (db) {
        try {
          db.close();
        } catch {
          /* already closed */
        }
        db = undefined;
      }
      logSink.close();
    },
  };
}
