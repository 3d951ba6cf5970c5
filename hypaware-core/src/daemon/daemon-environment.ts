/**
 * The C allocator settings the daemon process starts with (glibc reads them at start only, so
 * they are set where the daemon is spawned: `hyp daemon start`, the systemd unit, the launchd
 * plist). The daemon's threads (proxy, capture writer) allocate and free many buffers of
 * 64-256 KiB in bursts; with glibc's defaults each thread gets its own arena and the dynamic
 * mmap threshold soon serves those buffers from the arenas, which then stay at their largest
 * size after the burst (~100 MB measured after 3,000 exchanges). A fixed threshold of 128 KiB
 * maps such buffers on their own and gives them back when freed; one arena holds the rest (a
 * second one, the writer thread's, kept 15-42 MB of freed chunks after a burst that the first
 * could have reused: the bench's parked daemon 141 and 158 MB with one arena, 178-183 MB with two).
 * Other allocators ignore these variables. A value the user set wins.
 */
export const DAEMON_ALLOCATOR_ENV: Readonly<Record<string, string>> = {
  MALLOC_ARENA_MAX: '1',
  MALLOC_MMAP_THRESHOLD_: '131072',
};

/** `env` plus the allocator settings it does not set itself. */
export function withDaemonAllocatorEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...env };
  for (const [name, value] of Object.entries(DAEMON_ALLOCATOR_ENV)) if (out[name] === undefined) out[name] = value;
  return out;
}
