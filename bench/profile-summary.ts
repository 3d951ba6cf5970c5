/**
 * Read V8 `.cpuprofile` files (pieces of one thread's profile, from the benchmark's
 * `--cpu-prof`) and print where the time went: the functions and the source files with the
 * most self time, idle excluded from the percentages.
 *
 *   node build/bench/profile-summary.js [--top N] [--callers NAME] <file.cpuprofile>...
 *
 * `--callers NAME` also lists the call paths (three frames up) that spent self time in
 * functions named NAME (e.g. writeSync), to see who does the work.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

function shortUrl(url: string): string {
  if (url === '') return '(native)';
  const m = /(node_modules\/.*|plugins-workspace\/.*|hypaware-core\/.*|node:.*)$/.exec(url);
  return m ? m[1]! : url.replace(/^file:\/\//, '');
}

const CALLER_DEPTH = Number(process.env.CALLER_DEPTH ?? 3);

function frameLabel(node: ProfileNode): string {
  return `${node.callFrame.functionName || '(anonymous)'} ${shortUrl(node.callFrame.url)}:${node.callFrame.lineNumber + 1}`;
}

export function summarize(profiles: CpuProfile[], top: number, callersOf?: string): string {
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  const byCallPath = new Map<string, number>();
  let wallUs = 0;
  let idleUs = 0;
  for (const profile of profiles) {
    wallUs += profile.endTime - profile.startTime;
    const parent = new Map<number, ProfileNode>();
    for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node);
    const selfUs = new Map<number, number>();
    for (let i = 0; i < profile.samples.length; i++)
      selfUs.set(profile.samples[i]!, (selfUs.get(profile.samples[i]!) ?? 0) + (profile.timeDeltas[i] ?? 0));
    for (const node of profile.nodes) {
      const us = selfUs.get(node.id) ?? 0;
      if (us === 0) continue;
      if (node.callFrame.functionName === '(idle)') {
        idleUs += us;
        continue;
      }
      const file = shortUrl(node.callFrame.url);
      const fn = `${node.callFrame.functionName || '(anonymous)'}  ${file}:${node.callFrame.lineNumber + 1}`;
      byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
      byFile.set(file, (byFile.get(file) ?? 0) + us);
      if (callersOf !== undefined && node.callFrame.functionName === callersOf) {
        const path: string[] = [];
        for (let p = parent.get(node.id); p && path.length < CALLER_DEPTH; p = parent.get(p.id))
          path.push(frameLabel(p));
        const key = path.join(' <- ');
        byCallPath.set(key, (byCallPath.get(key) ?? 0) + us);
      }
    }
  }
  const busy = [...byFile.values()].reduce((a, b) => a + b, 0);
  const pct = (us: number) => `${((us / busy) * 100).toFixed(1).padStart(5)} %`;
  const list = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, us]) => `${pct(us)}  ${(us / 1000).toFixed(0).padStart(7)} ms  ${k}`);
  return [
    `${profiles.length} profile piece(s): ${(wallUs / 1e6).toFixed(1)} s wall, ${(busy / 1e6).toFixed(1)} s busy, ${(idleUs / 1e6).toFixed(1)} s idle`,
    '',
    'self time by function:',
    ...list(byFunction),
    '',
    'self time by file:',
    ...list(byFile),
    ...(callersOf === undefined ? [] : ['', `callers of ${callersOf}:`, ...list(byCallPath)]),
  ].join('\n');
}

const args = process.argv.slice(2);
const topAt = args.indexOf('--top');
const top = topAt >= 0 ? Number(args.splice(topAt, 2)[1]) : 25;
const callersAt = args.indexOf('--callers');
const callers = callersAt >= 0 ? args.splice(callersAt, 2)[1] : undefined;
if (args.length === 0) {
  process.stderr.write('usage: profile-summary [--top N] <file.cpuprofile>...\n');
  process.exit(2);
}
process.stdout.write(
  summarize(
    args.map((f) => JSON.parse(readFileSync(f, 'utf8')) as CpuProfile),
    top,
    callers,
  ) + '\n',
);
