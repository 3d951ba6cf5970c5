/** A small deterministic PRNG (mulberry32) so fixtures and property tests repeat exactly. */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** uniform in [0, 1) */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** integer in [0, n) */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
}

const WORDS = [
  'the',
  'file',
  'function',
  'returns',
  'a',
  'value',
  'test',
  'error',
  'build',
  'list',
  'read',
  'write',
  'config',
  'path',
  'module',
  'import',
  'export',
  'type',
  'string',
  'number',
  'array',
  'object',
  'check',
  'run',
];

/** Deterministic prose of about `bytes` ASCII characters. */
export function fillerText(random: SeededRandom, bytes: number): string {
  const parts: string[] = [];
  let size = 0;
  while (size < bytes) {
    const word = random.pick(WORDS);
    parts.push(word);
    size += word.length + 1;
  }
  return parts.join(' ');
}
