/**
 * `hyp daemon status [--json]`: is the daemon of this HYP_HOME running, since when, where it
 * listens and where it logs. Exit 0 while running, 3 when not (LSB / systemctl convention).
 */
import { existsSync } from 'node:fs';
import { hypLayout } from '../util/hyp-home.js';
import { logFilePath, outputLogPath, sourceEndpoints } from './daemon-paths.js';
import { inspectPidFile, staleReason } from './daemon-process.js';
import { servicePlan } from './service-plan.js';
import { readStatusFile } from './status-file.js';

/** `--json` output; the keys are stable. */
export interface DaemonReport {
  running: boolean;
  /** starting | running | stopping (while running), else not_running */
  state: string;
  pid: number | null;
  /** `hyp daemon run` (cli) or a program embedding the daemon (embedded) */
  launched_by: 'cli' | 'embedded' | null;
  started_at: string | null;
  uptime_s: number | null;
  /** the first endpoint a source serves */
  endpoint: string | null;
  endpoints: string[];
  hyp_home: string;
  config_path: string | null;
  log_file: string;
  output_log: string;
  sources: Array<{ name: string; plugin: string; state: string; message?: string }>;
  problems: string[];
  /** why a pid file was found stale (left in place: `hyp daemon start` replaces it) */
  stale_pid_file: string | null;
  service: { manager: string; file: string; installed: boolean } | null;
}

export const EXIT_NOT_RUNNING = 3;

export function daemonReport(
  hypHome: string,
  env: NodeJS.ProcessEnv,
  platform: NodeJS.Platform,
  now = Date.now(),
): DaemonReport {
  const layout = hypLayout(hypHome);
  const verdict = inspectPidFile(layout);
  const status = readStatusFile(layout.statusFile);
  const running = verdict.kind === 'running';
  const mine = running && status?.pid === verdict.pid ? status : undefined;
  const startedMs = mine ? Date.parse(mine.started_at) : Number.NaN;
  const endpoints = mine ? sourceEndpoints(mine.sources) : [];
  const plan = servicePlan({ platform, env, uid: process.getuid?.() ?? 0 });
  return {
    running,
    state: running ? (mine?.state ?? 'running') : 'not_running',
    pid: running ? verdict.pid : null,
    launched_by: running ? verdict.how : null,
    started_at: mine?.started_at ?? null,
    uptime_s: Number.isFinite(startedMs) ? Math.max(0, Math.round((now - startedMs) / 1000)) : null,
    endpoint: endpoints[0] ?? null,
    endpoints,
    hyp_home: hypHome,
    config_path: mine?.config_path ?? null,
    log_file: logFilePath(layout),
    output_log: outputLogPath(layout),
    sources: (mine?.sources ?? []).map((s) => ({
      name: s.name,
      plugin: s.plugin,
      state: s.state,
      ...(s.message ? { message: s.message } : {}),
    })),
    problems: mine?.problems ?? [],
    stale_pid_file: staleReason(verdict) ?? null,
    service: plan ? { manager: plan.manager, file: plan.file, installed: existsSync(plan.file) } : null,
  };
}

function duration(seconds: number): string {
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return d > 0 ? `${d}d ${h}h ${m}m` : h > 0 ? `${h}h ${m}m` : m > 0 ? `${m}m ${s}s` : `${s}s`;
}

export function renderDaemonReport(r: DaemonReport, out: NodeJS.WritableStream): void {
  const lines: string[] = [];
  if (r.running) {
    const extra = [
      `pid ${r.pid}`,
      ...(r.uptime_s !== null ? [`up ${duration(r.uptime_s)}`] : []),
      ...(r.launched_by === 'embedded' ? ['inside another program'] : []),
    ];
    lines.push(`HypAware daemon: ${r.state} (${extra.join(', ')})`);
    for (const e of r.endpoints) lines.push(`  listening: ${e}`);
    if (r.config_path) lines.push(`  config:    ${r.config_path}`);
    for (const s of r.sources) lines.push(`  source ${s.name}: ${s.state}${s.message ? ` - ${s.message}` : ''}`);
    if (r.problems.length > 0) lines.push(`  ${r.problems.length} plugin problem(s): see hyp status`);
  } else {
    lines.push(`HypAware daemon: not running (HYP_HOME ${r.hyp_home})`);
    if (r.stale_pid_file) lines.push(`  stale pid file: ${r.stale_pid_file}`);
    lines.push('  start it: hyp daemon start');
  }
  lines.push(`  log:       ${r.log_file}`);
  lines.push(`  output:    ${r.output_log}`);
  if (r.service)
    lines.push(
      `  service:   ${r.service.installed ? `${r.service.manager}, ${r.service.file}` : 'not installed (hyp daemon install)'}`,
    );
  out.write(lines.join('\n') + '\n');
}
