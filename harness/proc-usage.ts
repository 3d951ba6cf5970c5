/** Resident memory and CPU time of another process, from /proc (Linux). */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';

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
export async function withPeakRss<T>(
  pid: number,
  everyMs: number,
  work: () => Promise<T>,
): Promise<{ result: T; peakRssMb: number }> {
  let peak = readMemory(pid).rssMb;
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, readMemory(pid).rssMb);
    } catch {
      /* process gone */
    }
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

/** CPU time of a process's threads in three groups, ms: the main thread, threads at a positive nice value (the gateway's writer), the rest (GC, thread pool, other workers). */
export interface ThreadGroupCpu {
  mainMs: number;
  nicedMs: number;
  otherMs: number;
}

export function readThreadGroupCpu(pid: number): ThreadGroupCpu {
  const out: ThreadGroupCpu = { mainMs: 0, nicedMs: 0, otherMs: 0 };
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    } catch {
      continue; // the thread ended between the listing and the read
    }
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ms = (Number(fields[11]) + Number(fields[12])) * TICK_MS;
    if (tid === String(pid)) out.mainMs += ms;
    else if (Number(fields[16]) > 0)
      out.nicedMs += ms; // field 19 of stat: nice
    else out.otherMs += ms;
  }
  return out;
}
