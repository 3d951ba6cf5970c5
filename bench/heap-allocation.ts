/**
 * Bytes a run allocated on the JS heap, from V8's GC profiler: what each collection found in
 * use beyond what the one before left, plus what was added after the last one. Allocation is
 * what the young generation's collections pay for, and unlike CPU time on a shared VM it is
 * the same from run to run of the same code.
 */
import { GCProfiler } from 'node:v8';

export interface HeapAllocation {
  /** bytes allocated on this thread's heap while the profiler ran (approximate: objects made and freed between two collections of another space are not seen) */
  allocatedBytes: number;
  /** young-generation collections (scavenges) */
  minorGcs: number;
  /** old-generation collections (mark-compact) */
  majorGcs: number;
  /** time V8 reports spent in the collections on this thread, ms */
  gcMs: number;
}

interface GcStatistic {
  gcType: string;
  cost: number;
  beforeGC: { heapStatistics: { usedHeapSize: number } };
  afterGC: { heapStatistics: { usedHeapSize: number } };
}

/** Start profiling this thread's heap; the returned function stops it and sums up. */
export function profileHeapAllocation(): () => HeapAllocation {
  const profiler = new GCProfiler();
  const startUsed = process.memoryUsage().heapUsed;
  profiler.start();
  return () => {
    const endUsed = process.memoryUsage().heapUsed;
    const result = profiler.stop() as unknown as { statistics: GcStatistic[] } | undefined;
    const stats = result?.statistics ?? [];
    let allocated = 0;
    let previousAfter = startUsed;
    let minorGcs = 0;
    let majorGcs = 0;
    let gcUs = 0;
    for (const gc of stats) {
      allocated += Math.max(0, gc.beforeGC.heapStatistics.usedHeapSize - previousAfter);
      previousAfter = gc.afterGC.heapStatistics.usedHeapSize;
      if (gc.gcType === 'Scavenge' || gc.gcType === 'MinorMarkSweep') minorGcs++;
      else if (gc.gcType === 'MarkSweepCompact') majorGcs++;
      gcUs += gc.cost;
    }
    allocated += Math.max(0, endUsed - previousAfter);
    return { allocatedBytes: allocated, minorGcs, majorGcs, gcMs: gcUs / 1000 };
  };
}
