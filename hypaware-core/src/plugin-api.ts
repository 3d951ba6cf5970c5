/**
 * The plugin contract: everything a plugin can do, in one file. A plugin is a folder with
 * `hypaware.plugin.json` (PluginManifest) whose entry module exports `activate(ctx)`; the
 * ActivationContext below lists every service the kernel offers, one member each.
 *
 * Plugins import these types from `@hypaware/core`, plus its few runtime helpers: `HypError`
 * and `UsageError` (exit 1 and 2), `errorMessage`, `isPlainObject`, `writeFileAtomic`,
 * `parseDateOption`, `progressLine`, `writeRows`, `LruCache`, `queryReadOnly` (the read-only guard of
 * `hyp query sql`), and `workerServices` (log,
 * counters and the database for a plugin's own worker thread). No library type of the kernel's
 * (commander, better-sqlite3) appears here: commands and SQL go through the small interfaces
 * below; `StorageAccess.driverDatabase` is the opt-in for a plugin that depends on the driver.
 */

// ---------------------------------------------------------------------------------------------
// The entry module and what `activate` receives
// ---------------------------------------------------------------------------------------------

/** The shape of a plugin's entry module. */
export interface PluginModule {
  /** Register what the plugin offers; throwing withdraws everything it registered. */
  activate(ctx: ActivationContext): Promise<void> | void;
  /** Check this plugin's config slice; an empty list means valid (run at boot and on reload). */
  validateConfig?(slice: JsonObject): ConfigIssue[];
}

export interface ActivationContext {
  /** Who is being activated: name, version, manifest and folder. */
  plugin: { name: string; version: string; manifest: PluginManifest; rootDir: string };
  /** What this process is for (`daemon` starts sources; `cli` runs one command). */
  mode: KernelMode;
  /** This plugin's config slice (without `enabled`); updated in place on a reload. */
  config: JsonObject;
  /** Path of the config file in use (may not exist: embedded defaults). */
  configPath: string;
  /** The plugin's folder, its own state folder and HYP_HOME. */
  paths: PluginPaths;
  /** JSONL logger; records carry `plugin` and `mode`. */
  log: Logger;
  /** Counters tagged with `plugin`, summed by `hyp status`. */
  meter: Meter;
  /** The process environment (tests pass their own). */
  env: NodeJS.ProcessEnv;
  /** Offer a capability the manifest's `provides` declares, at exactly that version. */
  provideCapability<T>(name: string, version: string, value: T): void;
  /** Take a capability the manifest `requires` (range defaults to the manifest's). */
  requireCapability<T>(name: string, range?: string): T;
  /** The `contributes[key]` sections of the plugins activated so far (all of them once activation is over). */
  contributions(key: string): PluginContribution[];
  /** Declare a table: created or migrated (additive columns) when the database opens. */
  registerDataset(spec: DatasetSpec): void;
  /** Keep an SQL view over datasets in the database; listed by `hyp query schema`. */
  registerView(spec: ViewSpec): void;
  /** Add a `hyp` command, top level or under a kernel group (`hyp query <name>`). */
  registerCommand(spec: CommandSpec): void;
  /** Add a long-running service to the daemon (`hyp daemon run`). */
  registerSource(spec: SourceSpec): void;
  /** Contribute findings to `hyp status`. */
  registerDiagnostics(provider: () => Promise<Diagnostic[]> | Diagnostic[]): void;
  /** Contribute a section to `hyp status` (a JSON key and its text). */
  registerStatusSection<T>(spec: StatusSectionSpec<T>): void;
  /** Undo on `hyp daemon uninstall` what this plugin set up outside HYP_HOME (e.g. settings files it edited). */
  registerUninstallStep(step: UninstallStep): void;
  /** Answer `hyp query sql --remote` (one provider per installation: a second is refused). */
  registerRemoteQuery(provider: RemoteQueryProvider): void;
  /** Keep rows of a dataset from retention until this plugin is done with them (e.g. shipped them elsewhere). */
  registerRetentionHold(hold: RetentionHold): void;
  /** A top-level object of the config file besides `plugins` (e.g. `prices`), as read at boot. */
  configSection(key: string): JsonObject | undefined;
  /** The SQLite database of HYP_HOME. */
  storage: StorageAccess;
  /** Register work to run when the kernel shuts down (reverse order). */
  onShutdown(fn: () => Promise<void> | void): void;
}

/** What the kernel was booted for. Plugins use it to skip work that only one role needs. */
export type KernelMode = 'daemon' | 'cli';

export interface PluginPaths {
  /** The plugin's folder (where its manifest is). */
  rootDir: string;
  /** `<HYP_HOME>/hypaware/plugins/<name>/`, mode 0700: the plugin's own files. */
  stateDir: string;
  /** HYP_HOME (default `~/.hyp`). */
  hypHome: string;
  /** `<HYP_HOME>/hypaware/`: the database, logs, pid and status files. */
  stateRoot: string;
}

/** A config problem: `path` is the dotted key inside the plugin's slice. */
export interface ConfigIssue {
  /** e.g. `listen` or `upstreams[1].base_url` */
  path: string;
  /** One sentence: what is wrong and what is expected. */
  message: string;
}

// ---------------------------------------------------------------------------------------------
// The manifest and capabilities
// ---------------------------------------------------------------------------------------------

/** `hypaware.plugin.json`, after validation. */
export interface PluginManifest {
  /** Unique among loaded plugins, e.g. `@acme/widgets`. */
  name: string;
  /** A semver version. */
  version: string;
  /** Entry module, relative to the plugin folder; it exports `activate(ctx)`. */
  main: string;
  /** One line for `hyp status`. */
  description?: string;
  /** capability name -> exact semver version provided */
  provides: Record<string, string>;
  /** capability name -> semver range required (activation order follows these edges) */
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

/** One active plugin's manifest section `contributes[key]`, with what the receiver needs to act for it. */
export interface PluginContribution {
  /** The contributing plugin. */
  plugin: { name: string; version: string; rootDir: string };
  /** the section as written in the manifest (a copy) */
  value: JsonValue;
  /** the contributing plugin's config slice (without `enabled`) */
  config: JsonObject;
  /** the contributing plugin's state directory */
  stateDir: string;
}

// ---------------------------------------------------------------------------------------------
// Telemetry
// ---------------------------------------------------------------------------------------------

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

/** Structured logger: one JSONL line per call, `event` is a stable dotted name. */
export interface Logger {
  /** Detail for debugging (`HYP_LOG_LEVEL=debug`). */
  debug(event: string, fields?: LogFields): void;
  /** Something happened as expected. */
  info(event: string, fields?: LogFields): void;
  /** Something is off but work goes on. */
  warn(event: string, fields?: LogFields): void;
  /** Something failed (flushed at once; `hyp status` counts the daemon's). */
  error(event: string, fields?: LogFields): void;
}

export type MetricAttributes = Record<string, string | number | boolean>;
export interface Counter {
  /** Add to the counter (persisted every 2 s while it changes). */
  add(value: number, attributes?: MetricAttributes): void;
}
export interface Meter {
  /** The counter of that name (created on first use). */
  counter(name: string): Counter;
}

// ---------------------------------------------------------------------------------------------
// Storage: datasets, views, retention, SQL
// ---------------------------------------------------------------------------------------------

export type ColumnType = 'string' | 'int' | 'float' | 'boolean' | 'json' | 'timestamp' | 'blob';

export interface ColumnSpec {
  /** An SQL identifier. */
  name: string;
  /** Stored as TEXT, INTEGER, REAL, INTEGER (0/1), TEXT (JSON), TEXT (ISO-8601) or BLOB. */
  type: ColumnType;
  /** default true (columns added by a migration are always nullable) */
  nullable?: boolean;
  /** One phrase for `hyp query schema`. */
  description?: string;
}

/** A dataset is one SQLite table the kernel creates and migrates for a plugin. */
export interface DatasetSpec {
  /** Table name, an SQL identifier (`_hyp_` is reserved). */
  name: string;
  /** One sentence for `hyp query schema`. */
  description: string;
  /** Columns, in order; missing ones are added to an existing table. */
  columns: ColumnSpec[];
  /** Column used for time windows (retention, export partitions, overview). */
  primaryTime: string;
  /** Columns forming a UNIQUE constraint (dedupe key), if any. */
  uniqueKey?: string[];
  /** Extra indexes, each a list of column names. */
  indexes?: string[][];
  /** Hidden from `hyp query overview` and the README list, still queryable. */
  internal?: boolean;
  /** How long rows are kept: one setting per dataset (absent: kept until deleted by hand). */
  retention?: RetentionSpec;
  /** `hyp export parquet` exports this dataset when `--dataset` is not given (the first registered wins). */
  defaultExport?: boolean;
}

/**
 * A dataset's retention, read from the config's top-level `retention` object. First match wins:
 * `retention.<configKey>` (0 or null keeps everything), then `plugins.<owner>.<pluginKey>`, then
 * `defaultDays`. The daemon prunes every 10 minutes (oldest first, bounded); `hyp prune` now.
 */
export interface RetentionSpec {
  /** Key under `retention`, e.g. `events_days`; datasets may share one. */
  configKey: string;
  /** Days kept when the config says nothing; null keeps everything. */
  defaultDays: number | null;
  /** An older name of the setting in the owning plugin's own config slice (0 keeps everything). */
  pluginKey?: string;
}

/**
 * Rows retention must keep for now: those with a rowid above `keepAfterRowid()` (a replicator's
 * cursor). Asked before each prune; expired rows it keeps are counted as `held`, logged and
 * shown by `hyp prune`, and deleted by a later run once the hold moves past them.
 */
export interface RetentionHold {
  /** The dataset whose rows are held. */
  dataset: string;
  /** One phrase for the log and `hyp prune`, e.g. `not yet shipped to the team database`. */
  reason: string;
  /** Rows with a rowid above this are kept; undefined holds nothing now. A throw holds everything. */
  keepAfterRowid(): number | undefined;
}

/** An SQL view the kernel keeps in the database (created at open) while every table it reads exists. */
export interface ViewSpec {
  /** View name, an SQL identifier. */
  name: string;
  /** One sentence for `hyp query schema`. */
  description: string;
  /** The tables (datasets) it reads; it exists only while all of them do. */
  requires: string[];
  /** Its columns as `hyp query schema` describes them. */
  columns: ColumnSpec[];
  /** The column to window by. */
  primaryTime: string;
  /** The SELECT statement (SQLite); a changed text re-creates the view. */
  select: string;
}

export interface StorageAccess {
  /** This thread's read-write connection (opened lazily, WAL; datasets and views ensured first). */
  database(): SqlDatabase;
  /** A new read-only (`query_only`) connection, e.g. for a command that reads while the daemon writes. */
  openReadOnly(): ReadOnlySqlDatabase;
  /**
   * The same connection as `database()`, as the driver's own object (better-sqlite3's
   * `Database`), typed by the caller: only for a plugin that depends on better-sqlite3 itself.
   */
  driverDatabase<T>(): T;
  /** Absolute path of the SQLite file. */
  readonly path: string;
  /** The datasets registered so far (every one once activation is over), as declared; copies. */
  datasets(): DatasetSpec[];
}

/** The kernel's SQLite connection as plugins see it (a subset of the driver's API, driver-neutral). */
export interface SqlDatabase {
  /** Compile one statement. */
  prepare(sql: string): SqlStatement;
  /** Run statements without results (DDL). */
  exec(sql: string): unknown;
  /** Wrap `fn` so each call runs in one transaction (rolled back if it throws). */
  transaction<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R;
}

/** A connection of its own that only reads; close it when done. */
export interface ReadOnlySqlDatabase extends SqlDatabase {
  /** Release the connection. */
  close(): void;
}

/** A prepared statement; parameters are positional values or one object of named ones. */
export interface SqlStatement {
  /** Execute; how many rows changed. */
  run(...params: unknown[]): SqlRunResult;
  /** The first row, or undefined. */
  get(...params: unknown[]): unknown;
  /** Every row. */
  all(...params: unknown[]): unknown[];
  /** The rows one at a time. */
  iterate(...params: unknown[]): IterableIterator<unknown>;
}

/** A result of `SqlStatement.run`. */
export interface SqlRunResult {
  /** Rows inserted, updated or deleted. */
  changes: number;
  /** rowid of the last inserted row. */
  lastInsertRowid: number | bigint;
}

// ---------------------------------------------------------------------------------------------
// Commands
// ---------------------------------------------------------------------------------------------

export interface CommandSpec {
  /** Command name, e.g. `reproject` (`hyp reproject`), or `overview` in the `query` group. */
  name: string;
  /** The kernel group it goes under; top level when absent. */
  group?: CommandGroup;
  /** One-line help (the plugin's name is appended). */
  description: string;
  /** Add arguments, options, subcommands and the action. Throw `HypError` for failures. */
  configure(command: CommandBuilder, io: CommandIO): void;
}

/** The kernel command groups a plugin may add subcommands to (`hyp query <name>`, `hyp export <name>`). */
export type CommandGroup = 'query' | 'export';

/** A CLI command under construction (the kernel's CLI library implements it). */
export interface CommandBuilder {
  /** Add a subcommand (`'show <id>'` also names its arguments) and return it. */
  command(nameAndArgs: string): CommandBuilder;
  /** Its one-line help. */
  description(text: string): CommandBuilder;
  /** A positional argument: `<name>` required, `[name]` optional. */
  argument(name: string, description?: string): CommandBuilder;
  /** A flag (`--json`, `--out <dir>`) with an optional default. */
  option(flags: string, description?: string, defaultValue?: string | boolean): CommandBuilder;
  /** A flag whose value `parse` converts (throw `UsageError` to refuse it). */
  option<T>(
    flags: string,
    description: string,
    parse: (value: string, previous: T) => T,
    defaultValue?: T,
  ): CommandBuilder;
  /** A flag that must be given. */
  requiredOption(flags: string, description?: string, defaultValue?: string | boolean): CommandBuilder;
  /** What runs: the positional arguments, then the options object. Throw `HypError` (exit 1) or `UsageError` (exit 2). */
  action(fn: (...args: any[]) => void | Promise<void>): CommandBuilder;
}

/** Where a plugin command writes. */
export interface CommandIO {
  /** Results. */
  stdout: NodeJS.WritableStream;
  /** Progress and warnings (errors: throw instead). */
  stderr: NodeJS.WritableStream;
}

/**
 * Where `hyp query sql --remote` runs: a database a plugin connects to (a team's server). The
 * kernel prints the result in the format asked, like a local query.
 */
export interface RemoteQueryProvider {
  /** Short name for messages, e.g. `PostgreSQL at db.example.com:5432/team`. */
  describe(): string;
  /**
   * Run one read-only statement (the provider enforces it, e.g. a read-only transaction); throw
   * `HypError` with one line for a refused statement, a connection failure or an SQL error.
   * Cells: strings, numbers, bigints, booleans, Buffers or null (timestamps as ISO text, JSON as text).
   */
  query(sql: string): Promise<{ columns: string[]; rows: Array<Record<string, unknown>> }>;
}

/** Work `hyp daemon uninstall` runs in the CLI process once the service is gone. */
export interface UninstallStep {
  /** Short name shown when the step fails, e.g. `detach clients`. */
  name: string;
  /** Throw to report a failure (one line); the other steps still run. */
  run(io: UninstallIO): Promise<void>;
}

/** What an uninstall step may use. */
export interface UninstallIO {
  /** Report what would change and change nothing. */
  dryRun: boolean;
  /** What was (or would be) done. */
  stdout: NodeJS.WritableStream;
  /** Warnings. */
  stderr: NodeJS.WritableStream;
}

// ---------------------------------------------------------------------------------------------
// Sources (the daemon's services)
// ---------------------------------------------------------------------------------------------

/** A long-running service started by `hyp daemon run`. */
export interface SourceSpec {
  /** Unique source name, shown by `hyp status` and the daemon status file. */
  name: string;
  /** Start serving; resolve once ready (a throw marks the source failed). */
  start(): Promise<SourceHandle>;
}

export interface SourceHandle {
  /** Stop accepting work, drain what is in flight, release resources. */
  stop(): Promise<void>;
  /** Apply a new config slice (SIGHUP). If absent, the kernel restarts the source. */
  reload?(config: JsonObject): Promise<void>;
  /**
   * SIGHUP arrived and this source's slice did not change: re-read what it reads besides the
   * config (a password file, a certificate) and retry what failed now rather than after a backoff.
   */
  refresh?(): Promise<void>;
  /** The current status, asked every few seconds for the daemon status file. */
  status?(): SourceStatus;
}

export interface SourceStatus {
  /** Lifecycle state shown by `hyp status` and the daemon status file. */
  state: 'starting' | 'running' | 'degraded' | 'stopped' | 'failed';
  /** One line on what is wrong or notable. */
  message?: string;
  /** The URL clients reach this source at, if it serves one (`hyp status`, `hyp daemon start`, the library). */
  endpoint?: string;
  /** Anything else the source reports (JSON, written to the daemon status file). */
  details?: JsonObject;
}

// ---------------------------------------------------------------------------------------------
// `hyp status`
// ---------------------------------------------------------------------------------------------

export interface Diagnostic {
  /** Stable identifier, e.g. `client_attach_stale`. */
  kind: string;
  /** `error` and `warn` are problems; `info` a hint. */
  level: 'info' | 'warn' | 'error';
  /** One sentence naming what is wrong. */
  message: string;
  /** A command line that repairs the condition. */
  repair?: string;
}

/** A section of `hyp status`: its JSON under `key` (between `counters` and `diagnostics`) and its text. */
export interface StatusSectionSpec<T = unknown> {
  /** Key in `hyp status --json`, unique among sections. */
  key: string;
  /** Gather the section and the findings it raises (a throw is a `diagnostics_failed` warning). */
  collect(
    status: StatusContext,
  ): Promise<{ data: T; diagnostics?: Diagnostic[] }> | { data: T; diagnostics?: Diagnostic[] };
  /** The section as text (whole lines), printed after the datasets. */
  render(data: T): string;
}

/** What a `hyp status` section may read; built once per `hyp status`. */
export interface StatusContext {
  /** The daemon as its status file says (`sources` are the last reported statuses). */
  daemon: { alive: boolean; started_at?: string; sources: StatusSourceView[] };
  /** This process's read-write connection; undefined when no database exists yet (status never creates one). */
  database(): SqlDatabase | undefined;
  /** The JSONL log file every HypAware process writes. */
  logFile: string;
}

/** One source as the daemon status file reports it. */
export interface StatusSourceView extends SourceStatus {
  /** Its `SourceSpec.name`. */
  name: string;
  /** The plugin that registered it. */
  plugin: string;
}

// ---------------------------------------------------------------------------------------------
// JSON
// ---------------------------------------------------------------------------------------------

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };
