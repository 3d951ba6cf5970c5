/**
 * Forking the benchmark's helper processes (fake upstream, reference proxies, load driver)
 * and talking to them over IPC.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Task, TaskResult } from './load-tasks.js';

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

export interface ListeningChild {
  proc: ChildProcess;
  port: number;
  origin: string;
  stop(): Promise<void>;
}

function stopChild(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
    proc.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    if (proc.connected) proc.disconnect();
    else proc.kill('SIGTERM');
  });
}

/** Fork a script that sends `{ port }` once listening. */
export function forkListening(script: string, args: string[] = []): Promise<ListeningChild> {
  const proc = fork(here(script), args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} did not start within 10 s`)), 10_000);
    proc.once('exit', (code) => reject(new Error(`${script} exited during start (code ${code})`)));
    proc.once('message', (msg: { port: number }) => {
      clearTimeout(timer);
      resolve({ proc, port: msg.port, origin: `http://127.0.0.1:${msg.port}`, stop: () => stopChild(proc) });
    });
  });
}

export const startUpstreamProcess = () => forkListening('./upstream-process.js');
export const startFloorProxy = (upstreamOrigin: string) => forkListening('./floor-proxy.js', [upstreamOrigin]);
export const startMinimalProxy = (upstreamOrigin: string) => forkListening('./minimal-proxy.js', [upstreamOrigin]);

export interface Driver {
  run<R extends TaskResult>(task: Task, timeoutMs?: number): Promise<R>;
  stop(): Promise<void>;
}

export function startDriver(): Driver {
  const proc = fork(here('./driver-process.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let nextId = 0;
  const pending = new Map<number, { resolve: (r: TaskResult) => void; reject: (e: Error) => void }>();
  proc.on('message', (msg: { id: number; result?: TaskResult; error?: string }) => {
    const p = pending.get(msg.id);
    pending.delete(msg.id);
    if (msg.error !== undefined) p?.reject(new Error(msg.error));
    else p?.resolve(msg.result!);
  });
  proc.on('exit', () => {
    for (const p of pending.values()) p.reject(new Error('load driver exited'));
    pending.clear();
  });
  return {
    run: <R extends TaskResult>(task: Task, timeoutMs = 120_000) =>
      new Promise<R>((resolve, reject) => {
        const id = nextId++;
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`driver task ${task.kind} took over ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(id, {
          resolve: (r) => {
            clearTimeout(timer);
            resolve(r as R);
          },
          reject: (e) => {
            clearTimeout(timer);
            reject(e);
          },
        });
        proc.send({ id, task });
      }),
    stop: () => stopChild(proc),
  };
}
