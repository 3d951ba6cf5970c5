/**
 * Streaming reads of JSON Lines files (client transcripts, rollouts) for history imports: one
 * line in memory at a time, never the whole file. A last line without its newline is flagged
 * (the client may still be writing it, or crashed mid-line).
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';

export interface JsonlLine {
  /** 1-based line number */
  n: number;
  text: string;
  /** the file's last line, not ended by a newline */
  unterminated: boolean;
}

async function endsWithNewline(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    if (size === 0) return true;
    const byte = Buffer.alloc(1);
    await handle.read(byte, 0, 1, size - 1);
    return byte[0] === 0x0a;
  } finally {
    await handle.close();
  }
}

/** The non-blank lines of a file, in order. Throws only when the file cannot be opened. */
export async function* jsonlLines(path: string): AsyncGenerator<JsonlLine> {
  const terminated = await endsWithNewline(path);
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  let n = 0;
  let pending: JsonlLine | undefined;
  for await (const text of lines) {
    n++;
    if (pending) yield pending;
    pending = text.trim() === '' ? undefined : { n, text, unterminated: false };
  }
  if (pending) yield { ...pending, unterminated: !terminated };
}

/** `JSON.parse` of a line that must hold an object; undefined otherwise. */
export function parseJsonlObject(text: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
