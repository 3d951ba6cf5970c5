import { existsSync } from 'node:fs';
import type { Diagnostic, StatusContext } from '../plugin-api.js';
import { HypError, errorMessage } from '../errors.js';
import type { Kernel, RegisteredStatusSection } from '../kernel/boot.js';
import type { HypLayout } from '../util/hyp-home.js';
import { processAlive, readStatusFile, type DaemonStatusFile } from '../daemon/status-file.js';
import { readMetricSnapshots } from '../telemetry/meter.js';
import { hypVersion } from '../util/package-root.js';
import { sourceEndpoints } from '../daemon/daemon-paths.js';

/**
 * Section keys `hyp status --json` always carries, between `counters` and `diagnostics`: null
 * unless an active plugin registers the section. Other plugin sections follow them.
 */
const STABLE_SECTION_KEYS = ['capture'];

export interface StatusReport {
  version: string;
  hyp_home: string;
  config: {
    path: string;
    exists: boolean;
    valid: boolean;
    error?: string;
    issues: Array<{ path: string; message: string }>;
  };
  daemon: {
    state: string;
    pid?: number;
    alive: boolean;
    started_at?: string;
    updated_at?: string;
    endpoint?: string;
    sources: DaemonStatusFile['sources'];
  };
  plugins: Array<{
    name: string;
    version?: string;
    state: 'active' | 'skipped' | 'disabled' | 'failed';
    provides: Record<string, string>;
    requires: Record<string, string>;
    message?: string;
  }>;
  capabilities: Array<{ name: string; version: string; provider: string }>;
  datasets: Array<{ name: string; plugin: string; rows: number | null }>;
  counters: Record<string, number>;
  /** then one key per status section (`capture` always; null when no plugin fills it) */
  [section: string]: unknown;
  diagnostics: Diagnostic[];
}

export function daemonSection(layout: HypLayout): StatusReport['daemon'] {
  const file = readStatusFile(layout.statusFile);
  if (!file) return { state: 'not_running', alive: false, sources: [] };
  const alive = file.state !== 'stopped' && file.state !== 'failed' && processAlive(file.pid);
  // the first source that serves an endpoint (SourceStatus.endpoint)
  const [endpoint] = sourceEndpoints(file.sources);
  return {
    state: alive ? file.state : file.state === 'stopped' || file.state === 'failed' ? file.state : 'dead',
    pid: file.pid,
    alive,
    started_at: file.started_at,
    updated_at: file.updated_at,
    ...(endpoint !== undefined && alive ? { endpoint } : {}),
    sources: file.sources,
  };
}

/** Everything `hyp status` shows; built from a booted CLI kernel, or from the layout alone when boot failed. */
export async function buildStatusReport(
  layout: HypLayout,
  kernel: Kernel | undefined,
  bootError: unknown,
): Promise<StatusReport> {
  const diagnostics: Diagnostic[] = [];
  // Only config problems make the config invalid; another boot failure (HYP_HOME not
  // writable...) is its own diagnostic.
  const bootKind = bootError instanceof HypError ? bootError.kind : 'boot_failed';
  const bootMessage = bootError ? errorMessage(bootError) : undefined;
  const configError = bootKind.startsWith('config_') ? bootMessage : undefined;
  const report: StatusReport = {
    version: hypVersion(),
    hyp_home: layout.hypHome,
    config: {
      path: layout.configPath,
      exists: existsSync(layout.configPath),
      valid: !configError && (kernel?.configIssues.length ?? 0) === 0,
      ...(configError ? { error: configError } : {}),
      issues: kernel?.configIssues.map((i) => ({ path: i.path, message: i.message })) ?? [],
    },
    daemon: daemonSection(layout),
    plugins: [],
    capabilities: [],
    datasets: [],
    counters: {},
    ...Object.fromEntries(STABLE_SECTION_KEYS.map((key) => [key, null])),
    diagnostics,
  };
  if (configError)
    diagnostics.push({
      kind: 'config_invalid',
      level: 'error',
      message: configError,
      repair: `$EDITOR ${layout.configPath}`,
    });
  else if (bootMessage) diagnostics.push({ kind: bootKind, level: 'error', message: bootMessage });
  for (const issue of report.config.issues)
    diagnostics.push({
      kind: 'config_invalid',
      level: 'error',
      message: `${issue.path}: ${issue.message}`,
      repair: `$EDITOR ${layout.configPath}`,
    });
  if (report.daemon.state === 'not_running' || report.daemon.state === 'stopped' || report.daemon.state === 'dead') {
    diagnostics.push({
      kind: 'daemon_not_running',
      level: 'warn',
      message:
        report.daemon.state === 'dead'
          ? `the daemon (pid ${report.daemon.pid}) exited without stopping cleanly`
          : 'the daemon is not running: nothing is being captured',
      repair: 'hyp daemon start',
    });
  }
  for (const c of readMetricSnapshots(layout.metricsDir))
    report.counters[c.name] = (report.counters[c.name] ?? 0) + c.value;
  if (!kernel) return report;

  for (const p of kernel.plugins)
    report.plugins.push({
      name: p.name,
      version: p.version,
      state: 'active',
      provides: p.manifest.provides,
      requires: p.manifest.requires,
    });
  for (const s of kernel.skipped) {
    report.plugins.push({
      name: s.name,
      state: s.kind === 'disabled' ? 'disabled' : 'skipped',
      provides: {},
      requires: {},
      message: s.message,
    });
    if (s.kind !== 'disabled')
      diagnostics.push({
        kind: 'plugin_skipped',
        level: 'warn',
        message: s.message,
        repair: `hyp status  # then edit ${layout.configPath} or the plugin`,
      });
  }
  for (const f of kernel.failed) {
    report.plugins.push({ name: f.name, state: 'failed', provides: {}, requires: {}, message: f.message });
    diagnostics.push({
      kind: 'plugin_failed',
      level: 'error',
      message: f.message,
      repair: f.kind === 'import_failed' ? 'npm run build' : `$EDITOR ${layout.configPath}`,
    });
  }
  report.capabilities = kernel.capabilities.list();
  try {
    if (existsSync(layout.databasePath)) {
      const db = kernel.database();
      for (const [name, ds] of kernel.datasets) {
        const row = db.prepare(`SELECT count(*) AS n FROM "${name}"`).get() as { n: number };
        report.datasets.push({ name, plugin: ds.plugin, rows: row.n });
      }
    } else {
      for (const [name, ds] of kernel.datasets) report.datasets.push({ name, plugin: ds.plugin, rows: null });
    }
  } catch (err) {
    diagnostics.push({ kind: 'database_error', level: 'error', message: errorMessage(err), repair: 'hyp status' });
  }
  for (const d of kernel.diagnostics) {
    try {
      diagnostics.push(...(await d.provider()));
    } catch (err) {
      diagnostics.push({
        kind: 'diagnostics_failed',
        level: 'warn',
        message: `${d.plugin}: diagnostics failed: ${errorMessage(err)}`,
      });
    }
  }
  const context: StatusContext = {
    daemon: {
      alive: report.daemon.alive,
      ...(report.daemon.started_at ? { started_at: report.daemon.started_at } : {}),
      sources: report.daemon.sources,
    },
    database: () => (existsSync(layout.databasePath) ? kernel.database() : undefined),
    logFile: kernel.logSink.path,
  };
  for (const section of kernel.statusSections) {
    try {
      const { data, diagnostics: found } = await section.collect(context);
      report[section.key] = data;
      diagnostics.push(...(found ?? []));
    } catch (err) {
      diagnostics.push({
        kind: 'diagnostics_failed',
        level: 'warn',
        message: `${section.key} status failed: ${errorMessage(err)}`,
      });
    }
  }
  // sections keep their place before `diagnostics` in the JSON
  const { diagnostics: list, ...rest } = report;
  return { ...rest, diagnostics: list } as StatusReport;
}

/** `hyp status` as text; `sections` are the kernel's registered status sections (none without a kernel). */
export function renderStatus(
  r: StatusReport,
  out: NodeJS.WritableStream,
  sections: readonly RegisteredStatusSection[] = [],
): void {
  const w = (s: string) => out.write(s + '\n');
  w(`HypAware ${r.version}  (HYP_HOME ${r.hyp_home})`);
  w(
    `config:  ${r.config.exists ? r.config.path : `${r.config.path} (absent: embedded defaults)`}  ${r.config.valid ? 'valid' : 'INVALID'}`,
  );
  w(
    `daemon:  ${r.daemon.state}${r.daemon.pid ? ` (pid ${r.daemon.pid})` : ''}${r.daemon.endpoint ? `  endpoint ${r.daemon.endpoint}` : ''}`,
  );
  for (const s of r.daemon.sources)
    w(`  source ${s.name} [${s.plugin}]: ${s.state}${s.message ? ` - ${s.message}` : ''}`);
  w('plugins:');
  for (const p of r.plugins) {
    const caps = [
      ...Object.entries(p.provides).map(([c, v]) => `provides ${c} ${v}`),
      ...Object.entries(p.requires).map(([c, v]) => `requires ${c} ${v}`),
    ].join(', ');
    w(
      `  ${p.name}${p.version ? ` ${p.version}` : ''}: ${p.state}${caps ? ` (${caps})` : ''}${p.message ? `\n    ${p.message}` : ''}`,
    );
  }
  if (r.datasets.length > 0) {
    w('datasets:');
    for (const d of r.datasets)
      w(`  ${d.name} [${d.plugin}]: ${d.rows === null ? 'no database yet' : `${d.rows} rows`}`);
  }
  for (const section of sections) {
    const data = r[section.key];
    if (data === null || data === undefined) continue;
    try {
      out.write(section.render(data));
    } catch (err) {
      w(`${section.key}: cannot be shown (${errorMessage(err)})`);
    }
  }
  if (r.diagnostics.length === 0) w('diagnostics: none, all good');
  else {
    w('diagnostics:');
    for (const d of r.diagnostics)
      w(`  ${d.level.toUpperCase()} ${d.kind}: ${d.message}${d.repair ? `\n    repair: ${d.repair}` : ''}`);
  }
}
