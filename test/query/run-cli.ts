import { Writable } from 'node:stream';
import { main } from '@hypaware/core/cli';
import type { HypResult } from '../../harness/daemon.js';

function collector(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer | string, _enc, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, text: () => text };
}

/** `hyp <args>` in this process (the real CLI entry, without a process start per call). */
export async function runCli(args: string[], hypHome: string, env: Record<string, string> = {}): Promise<HypResult> {
  const stdout = collector();
  const stderr = collector();
  const code = await main(args, {
    stdout: stdout.stream,
    stderr: stderr.stream,
    env: { ...process.env, HYP_HOME: hypHome, ...env },
  });
  return { code, signal: null, stdout: stdout.text(), stderr: stderr.text() };
}
