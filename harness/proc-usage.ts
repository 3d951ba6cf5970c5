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

/** Bytes a process has passed to write(2) and its kind (`wchar` of /proc/<pid>/io): files, pipes, sockets. */
export function readWrittenBytes(pid: number): number {
  const m = /^wchar: (\d+)$/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'));
  if (!m) throw new Error(`/proc/${pid}/io has no wchar line`);
  return Number(m[1]);
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

const MAPPING = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/;

/**
 * MB resident by kind of mapping (/proc/<pid>/smaps): `node_binary`, `malloc_main_arena`
 * (`[heap]`), `v8_pages` (256 KiB anonymous mappings), `other_anon` (thread arenas, mapped
 * buffers), `files_and_stacks`; `rss` the total.
 */
export function residentByKind(pid: number): Record<string, number> {
  const kb: Record<string, number> = {};
  let kind = '';
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const m = MAPPING.exec(line);
    if (m) {
      const [from, to] = line
        .split(' ')[0]!
        .split('-')
        .map((x) => parseInt(x, 16)) as [number, number];
      const name = m[1] ?? '';
      if (name === '') kind = to - from === 256 * 1024 ? 'v8_pages' : 'other_anon';
      else if (name === '[heap]') kind = 'malloc_main_arena';
      else if (name.endsWith('/node') || name.includes('/bin/node')) kind = 'node_binary';
      else kind = 'files_and_stacks';
      continue;
    }
    const rss = /^Rss:\s+(\d+)/.exec(line);
    if (rss) kb[kind] = (kb[kind] ?? 0) + Number(rss[1]);
  }
  const total = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  const out: Record<string, number> = { rss: Math.round(total / 1024) };
  for (const [k, v] of Object.entries(kb)) out[k] = Math.round(v / 1024);
  return out;
}
