/**
 * Helpers for the background daemon and service tests: fake service manager tools on PATH,
 * process checks that see through zombies, loopback port checks, and the compiled kernel
 * modules the unit tests call directly.
 */
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT, tempDir } from '../../harness/repo.js';

/** A compiled kernel module (hypaware-core/dist/<rel>), for tests of functions the CLI does not expose. */
export function kernelModule<T>(rel: string): Promise<T> {
  return import(pathToFileURL(join(REPO_ROOT, 'hypaware-core', 'dist', rel)).href) as Promise<T>;
}

export interface FakeTool {
  /** put this folder first on PATH */
  dir: string;
  /** one line per call: the arguments joined by spaces */
  calls(): string[];
}

/**
 * A shell script named `name` that logs its arguments and exits 0; with `noManager` its
 * reachability probe (`--user show-environment` / `print`) fails like a container's does.
 */
export function fakeServiceTool(name: 'systemctl' | 'launchctl', options: { noManager?: boolean } = {}): FakeTool {
  const dir = tempDir(`hyp-fake-${name}-`);
  const log = join(dir, 'calls.log');
  const probe = name === 'systemctl' ? '*show-environment*' : 'print*';
  writeFileSync(
    join(dir, name),
    [
      '#!/bin/sh',
      `printf '%s\\n' "$*" >> '${log}'`,
      options.noManager
        ? `case "$*" in ${probe}) echo 'Failed to connect to bus: No medium found' >&2; exit 1;; esac`
        : '',
      'exit 0',
      '',
    ].join('\n'),
  );
  chmodSync(join(dir, name), 0o755);
  return {
    dir,
    calls: () =>
      existsSync(log)
        ? readFileSync(log, 'utf8')
            .split('\n')
            .filter((l) => l !== '')
        : [],
  };
}

export function pathWith(dir: string): string {
  return `${dir}:${process.env.PATH ?? ''}`;
}

/** True while `pid` runs; a zombie (exited, not yet reaped by its new parent) counts as gone. */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2));
  } catch {
    return false;
  }
}

export function acceptsConnections(endpoint: string): Promise<boolean> {
  const url = new URL(endpoint);
  return new Promise((resolve) => {
    const socket = connect({ host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port) }, () => {
      socket.end();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

/** Kill a background daemon a failed test left behind. */
export function killIfRunning(pid: number | undefined): void {
  if (pid !== undefined && isRunning(pid)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}

export function pidFileOf(hypHome: string): string {
  return join(hypHome, 'hypaware', 'daemon.pid');
}

export function readPid(hypHome: string): number | undefined {
  try {
    return Number.parseInt(readFileSync(pidFileOf(hypHome), 'utf8'), 10);
  } catch {
    return undefined;
  }
}
