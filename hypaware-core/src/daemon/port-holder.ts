/**
 * Which process listens on a TCP port (Linux): the listening socket's inode from
 * /proc/net/tcp{,6}, then the process holding `socket:[inode]` among /proc/<pid>/fd. Used to
 * name the other program when a daemon source cannot bind. Best effort: undefined when the
 * answer cannot be read (not Linux, or another user's process without permission).
 */
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { describeCommand, processCommandLine } from './daemon-process.js';

export interface PortHolder {
  pid: number;
  command: string;
}

const TCP_LISTEN = '0A';

/** Inodes of sockets listening on `port` (any address, IPv4 and IPv6). */
export function listeningInodes(port: number, tables: string[] = ['/proc/net/tcp', '/proc/net/tcp6']): Set<string> {
  const inodes = new Set<string>();
  for (const table of tables) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
      if (f.length < 10 || f[3] !== TCP_LISTEN) continue;
      const localPort = Number.parseInt(f[1]!.split(':')[1] ?? '', 16);
      if (localPort === port && f[9] !== '0') inodes.add(f[9]!);
    }
  }
  return inodes;
}

export function findPortHolder(port: number): PortHolder | undefined {
  const inodes = listeningInodes(port);
  if (inodes.size === 0) return undefined;
  const wanted = new Set([...inodes].map((i) => `socket:[${i}]`));
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return undefined;
  }
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      if (!wanted.has(target)) continue;
      const argv = processCommandLine(Number(pid));
      return { pid: Number(pid), command: argv ? describeCommand(argv) : '(command unknown)' };
    }
  }
  return undefined;
}

/** `port 18521 is held by pid 4242 (python3 -m http.server 18521)`, or undefined. */
export function describePortHolder(port: number): string | undefined {
  const holder = findPortHolder(port);
  return holder ? `port ${port} is held by pid ${holder.pid} (${holder.command})` : undefined;
}

/**
 * The port of an "address in use" failure, if `err` is one: Node's own error (`code`
 * EADDRINUSE with `port`) anywhere in the cause chain, else a message saying a port is in use
 * (`cannot listen on 127.0.0.1:18521: the port is already in use`).
 */
export function portInUse(err: unknown): number | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const { code, port } = e as { code?: unknown; port?: unknown };
    if (code === 'EADDRINUSE' && typeof port === 'number') return port;
  }
  const message = err instanceof Error ? err.message : String(err);
  if (!/\b(in use|EADDRINUSE)\b/i.test(message)) return undefined;
  const m = /(?:\]|\b[\w.-]+|\*):(\d{1,5})\b/.exec(message);
  const port = m ? Number(m[1]) : Number.NaN;
  return port > 0 && port < 65536 ? port : undefined;
}
