/** Resident memory and CPU time of another process, from /proc (Linux). */
import { readFileSync, writeFileSync } from 'node:fs';

export interface MemorySample {
  /** current resident set, MB */
  rssMb: number;
  /** peak resident set since start (or since the last `resetPeak`), MB */
  hwmMb: number;
}

export function readMemory(pid: number): MemorySample {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(text)?.[1] ?? Number.NaN);
  return { rssMb: kb('VmRSS') / 1024, hwmMb: kb('VmHWM') / 1024 };
}

/** Reset VmHWM to the current RSS (writing 5 to clear_refs); false where the kernel refuses. */
export function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** Sample RSS every `everyMs` while `work` runs; returns its result and the highest RSS seen. */
export async function withPeakRss<T>(pid: number, everyMs: number, work: () => Promise<T>): Promise<{ result: T; peakRssMb: number }> {
  let peak = readMemory(pid).rssMb;
  const timer = setInterval(() => {
    try { peak = Math.max(peak, readMemory(pid).rssMb); } catch { /* process gone */ }
  }, everyMs);
  try {
    const result = await work();
    peak = Math.max(peak, readMemory(pid).rssMb);
    return { result, peakRssMb: peak };
  } finally {
    clearInterval(timer);
  }
}

export interface CpuSample {
  /** user + system CPU of every thread of the process, ms */
  totalMs: number;
  /** user + system CPU of the main thread (the event loop), ms */
  mainMs: number;
}

const TICK_MS = 10; // USER_HZ is 100 on Linux

function ticks(statFile: string): number {
  const stat = readFileSync(statFile, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime, stime
}

export function readCpu(pid: number): CpuSample {
  return { totalMs: ticks(`/proc/${pid}/stat`) * TICK_MS, mainMs: ticks(`/proc/${pid}/task/${pid}/stat`) * TICK_MS };
}
