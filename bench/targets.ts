/**
 * The four things the benchmark compares, all in front of the same fake upstream:
 * `direct` (the upstream itself), `floor` (the Node floor: node:http + undici `request()`
 * piped), `minimal` (the minimal undici proxy: node:http + undici `stream()`, no capture) and
 * `gateway` (the real `hyp daemon run --foreground`, Claude and Codex plugins active, capture on).
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as DaemonEnvironment from '../hypaware-core/src/daemon/daemon-environment.js';
import { startDaemon, type DaemonHandle } from '../harness/daemon.js';
import { REPO_ROOT } from '../harness/repo.js';
import { startFloorProxy, startMinimalProxy, startUpstreamProcess, type ListeningChild } from './child-processes.js';

export type TargetName = 'direct' | 'floor' | 'minimal' | 'gateway';
export const TARGET_NAMES: TargetName[] = ['direct', 'floor', 'minimal', 'gateway'];
/** the proxies (every target but direct), each in its own process */
export type ProxyName = Exclude<TargetName, 'direct'>;
export const PROXY_NAMES: ProxyName[] = ['floor', 'minimal', 'gateway'];

export interface Targets {
  origin: Record<TargetName, string>;
  upstream: ListeningChild;
  floor: ListeningChild;
  minimal: ListeningChild;
  gateway: DaemonHandle;
  gatewayPid: number;
  /** requests the driver completed against the gateway (for capture completeness) */
  gatewayRequests: number;
  stop(): Promise<void>;
}

/**
 * Gateway config: operator upstreams named like the presets (`anthropic`, `openai`) shadow
 * them, so nothing can reach the real APIs; both point at the fake upstream.
 */
export function gatewayConfig(upstreamOrigin: string, extra: Record<string, unknown> = {}): unknown {
  return {
    plugins: {
      '@hypaware/ai-gateway': {
        ...extra,
        listen: '127.0.0.1:0',
        upstreams: [
          { name: 'anthropic', base_url: upstreamOrigin, path_prefix: '/v1/messages', provider: 'anthropic' },
          { name: 'openai', base_url: upstreamOrigin, path_prefix: '/v1', provider: 'openai' },
        ],
      },
    },
  };
}

export async function startTargets(
  options: { daemonEnv?: Record<string, string>; gatewayConfig?: Record<string, unknown> } = {},
): Promise<Targets> {
  const { DAEMON_ALLOCATOR_ENV } = (await import(
    pathToFileURL(join(REPO_ROOT, 'hypaware-core', 'dist', 'daemon', 'daemon-environment.js')).href
  )) as typeof DaemonEnvironment;
  const upstream = await startUpstreamProcess();
  const floor = await startFloorProxy(upstream.origin);
  const minimal = await startMinimalProxy(upstream.origin);
  const gateway = await startDaemon({
    config: gatewayConfig(upstream.origin, options.gatewayConfig),
    // the allocator settings `hyp daemon start` and the service files give the daemon
    env: { HYP_LOG_LEVEL: 'info', ...DAEMON_ALLOCATOR_ENV, ...options.daemonEnv },
    timeoutMs: 30_000,
  });
  if (!gateway.endpoint || !gateway.proc.pid) {
    await gateway.stop('SIGKILL');
    throw new Error(`the daemon started without a gateway endpoint: ${JSON.stringify(gateway.status().sources)}`);
  }
  return {
    origin: { direct: upstream.origin, floor: floor.origin, minimal: minimal.origin, gateway: gateway.endpoint },
    upstream,
    floor,
    minimal,
    gateway,
    gatewayPid: gateway.proc.pid,
    gatewayRequests: 0,
    stop: async () => {
      await gateway.stop('SIGTERM', 30_000);
      await floor.stop();
      await minimal.stop();
      await upstream.stop();
      rmSync(gateway.hypHome, { recursive: true, force: true });
    },
  };
}

/** The process id of a proxy target. */
export function proxyPid(targets: Targets, name: ProxyName): number {
  return name === 'gateway' ? targets.gatewayPid : targets[name].proc.pid!;
}
