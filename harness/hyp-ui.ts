/** `hyp ui --listen 127.0.0.1:0` as a real process, and a headless Chromium (playwright-core) to look at it. */
import { spawn, type ChildProcess } from 'node:child_process';
import { chromium, type BrowserContext } from 'playwright-core';
import { HYP_BIN, tempDir } from './repo.js';

export interface HypUi {
  url: string;
  proc: ChildProcess;
  stop(): Promise<void>;
}

export function startHypUi(hypHome: string, env: NodeJS.ProcessEnv = {}): Promise<HypUi> {
  const proc = spawn(process.execPath, [HYP_BIN, 'ui', '--listen', '127.0.0.1:0'], {
    env: { ...process.env, ...env, HYP_HOME: hypHome },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  proc.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const stop = () =>
    new Promise<void>((resolve) => {
      if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
      proc.once('exit', () => resolve());
      proc.kill('SIGTERM');
    });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`hyp ui printed no URL in 20 s: ${stdout} ${stderr}`));
    }, 20_000);
    proc.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      const m = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(stdout);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1]!, proc, stop });
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`hyp ui exited (${code}): ${stderr}`));
    });
  });
}

export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Debian's Chromium, headless, with a fresh profile folder. */
export function launchChromium(): Promise<BrowserContext> {
  return chromium.launchPersistentContext(tempDir('hyp-chromium-profile-'), {
    executablePath: CHROMIUM_PATH,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
