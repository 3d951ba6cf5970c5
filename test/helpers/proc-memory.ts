/** Resident memory of another process, from /proc/<pid>/status (Linux). */
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
