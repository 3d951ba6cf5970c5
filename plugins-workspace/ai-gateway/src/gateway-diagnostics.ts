/**
 * What `hyp status` shows about the gateway: configuration findings computed from this
 * process's registrations, and runtime conditions of the daemon read from its listener file.
 */
import type { Diagnostic, Logger } from '@hypaware/core';
import type { GatewayConfig } from './config.js';
import { projectorsInOrder, type GatewayState } from './gateway-state.js';
import { isLoopbackHost } from './listen-address.js';
import { readListenerFile } from './listener-file.js';
import { probeSet, projectorOverlaps, routeOverlaps, type Overlap } from './overlap-probe.js';
import { compileRoutingTable } from './proxy/routing.js';
import { spillDirOf } from './gateway-paths.js';
import { spillFilesIn } from './handoff/spill-journal.js';

const CONFIG_KEY = 'plugins["@hypaware/ai-gateway"]';

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function overlapText(kind: string, o: Overlap): string {
  return `${kind} ${o.winner} and ${o.other} both take ${o.example} at priority ${o.priority}; ${o.winner} wins only because it registered first`;
}

export interface ConfigFindings {
  noProjectors: boolean;
  noUpstreams: boolean;
  routeOverlaps: Overlap[];
  projectorOverlaps: Overlap[];
}

export function configFindings(state: GatewayState, config: GatewayConfig): ConfigFindings {
  const table = compileRoutingTable(config.upstreams, state.presets.values());
  const probes = probeSet([...state.presets.values()].map((entry) => entry.preset));
  return {
    noProjectors: state.projectors.length === 0,
    noUpstreams: table.upstreams.length === 0,
    routeOverlaps: routeOverlaps(table, probes),
    projectorOverlaps: projectorOverlaps(projectorsInOrder(state), probes),
  };
}

/** Log the findings at source start (one line each). */
export function logConfigFindings(findings: ConfigFindings, log: Logger): void {
  if (findings.noProjectors)
    log.warn('aigw.no_projectors', {
      message:
        'no projector is registered: exchanges are recorded but no messages are written; enable the adapter plugin of your client',
    });
  if (findings.noUpstreams)
    log.warn('aigw.no_upstreams', {
      message: `no upstream is configured: every request gets a 502; add ${CONFIG_KEY}.upstreams or enable an adapter plugin`,
    });
  for (const o of findings.routeOverlaps)
    log.warn('aigw.route_overlap', { winner: o.winner, other: o.other, priority: o.priority, example: o.example });
  for (const o of findings.projectorOverlaps)
    log.warn('aigw.projector_overlap', { winner: o.winner, other: o.other, priority: o.priority, example: o.example });
}

export function gatewayDiagnostics(state: GatewayState, config: GatewayConfig): Diagnostic[] {
  const findings = configFindings(state, config);
  const out: Diagnostic[] = [];
  if (findings.noProjectors) {
    out.push({
      kind: 'gateway_no_projectors',
      level: 'warn',
      message: 'no projector is registered: exchanges are recorded in ai_gateway_exchanges but no messages are written',
      repair: 'hyp status  # enable the adapter plugin of your client in the config',
    });
  }
  if (findings.noUpstreams) {
    out.push({
      kind: 'gateway_no_upstreams',
      level: 'warn',
      message: 'no upstream is configured: every request gets a 502',
      repair: `$EDITOR ${state.ctx.configPath}  # add ${CONFIG_KEY}.upstreams`,
    });
  }
  for (const o of findings.routeOverlaps)
    out.push({
      kind: 'gateway_route_overlap',
      level: 'warn',
      message: overlapText('upstreams', o),
      repair: `$EDITOR ${state.ctx.configPath}  # give one of them a higher priority`,
    });
  for (const o of findings.projectorOverlaps)
    out.push({ kind: 'gateway_projector_overlap', level: 'warn', message: overlapText('projectors', o) });
  if (!isLoopbackHost(config.listen.host)) {
    out.push({
      kind: 'gateway_listen_not_loopback',
      level: 'warn',
      message: `the gateway listens on ${config.listen.host}: other machines can reach it and its upstream credentials`,
      repair: `$EDITOR ${state.ctx.configPath}  # set ${CONFIG_KEY}.listen to 127.0.0.1:18521`,
    });
  }
  const running = readListenerFile(state.ctx.paths.stateDir);
  const alive = running !== undefined && processAlive(running.pid);
  const spill = spillFilesIn(spillDirOf(state.ctx.paths.stateDir));
  if (spill.bytes > 0) {
    const size =
      spill.bytes < 1024 * 1024
        ? `${Math.ceil(spill.bytes / 1024)} KB`
        : `${(spill.bytes / 1024 / 1024).toFixed(1)} MB`;
    out.push(
      alive
        ? {
            kind: 'gateway_spill_backlog',
            level: 'info',
            message: `${size} of exchanges wait in the spill journal (${spill.files} file${spill.files === 1 ? '' : 's'}); the writer is catching up`,
          }
        : {
            kind: 'gateway_spill_backlog',
            level: 'warn',
            message: `${size} of captured exchanges wait in the spill journal (${spill.files} file${spill.files === 1 ? '' : 's'}) and are not in the database yet`,
            repair: 'hyp daemon start  # the gateway writes them when it starts',
          },
    );
  }
  if (running && alive) {
    if (running.port_fallback) {
      out.push({
        kind: 'gateway_port_fallback',
        level: 'warn',
        message: `port ${running.port_fallback.requested} was busy (${running.port_fallback.reason}); the gateway listens on ${running.host}:${running.port}, so clients attached to :${running.port_fallback.requested} are not captured`,
        repair: `free port ${running.port_fallback.requested} and restart the daemon, or set ${CONFIG_KEY}.listen`,
      });
    }
    if (running.write_failing) {
      out.push({
        kind: 'gateway_write_failing',
        level: 'error',
        message: `the gateway cannot write to the database since ${running.write_failing.since} (${running.write_failing.reason}: ${running.write_failing.message}); traffic still flows, exchanges wait in memory and then in the spill journal on disk`,
        repair: 'check free disk space and the permissions of $HYP_HOME/hypaware/hypaware.db',
      });
    }
  }
  return out;
}
