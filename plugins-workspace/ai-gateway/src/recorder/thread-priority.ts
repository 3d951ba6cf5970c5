/**
 * The writer is background work. On Linux, lower the calling thread's scheduling priority
 * (its own nice value; threads have their own) so that the proxy's event loop, and the agent
 * itself, win the CPU when the machine is busy. Elsewhere this does nothing.
 */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

export function lowerThisThreadPriority(nice: number): boolean {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (!Number.isInteger(tid) || tid <= 0) return false;
    setPriority(tid, nice);
    return true;
  } catch {
    return false;
  }
}
