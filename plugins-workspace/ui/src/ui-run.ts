/** What `hyp ui` runs (loaded only when the command runs): the server over the history until SIGINT/SIGTERM. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { ActivationContext, CommandIO } from '@hypaware/core';
import type { AiGatewayApi } from '@hypaware/ai-gateway';
import { HistoryReader } from './history/history-reader.js';
import { parseListen } from './listen-option.js';
import { openHistoryDatabase } from './open-history.js';
import { openSearchIndex } from './open-search.js';
import { apiRoutes } from './server/api-routes.js';
import { startUiServer } from './server/http-server.js';
import { loadStaticFiles } from './server/static-files.js';

function openBrowser(url: string): void {
  const opener = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  try {
    const child = spawn(opener, [url], { detached: true, stdio: 'ignore' });
    child.on('error', () => undefined);
    child.unref();
  } catch {
    // no opener: the URL is printed anyway
  }
}

function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    process.on('SIGINT', done);
    process.on('SIGTERM', done);
  });
}

export async function runUi(
  ctx: ActivationContext,
  api: AiGatewayApi,
  opts: { listen: string; open?: boolean },
  io: CommandIO,
): Promise<void> {
  const { host, port } = parseListen(opts.listen);
  const files = loadStaticFiles(join(ctx.plugin.rootDir, 'dist', 'web'));
  const db = openHistoryDatabase(ctx);
  const search = openSearchIndex(ctx, db);
  const reader = new HistoryReader(db, api.history, search);
  const server = await startUiServer({ host, port, routes: apiRoutes(reader), files, log: ctx.log });
  io.stdout.write(`HypAware UI: ${server.url} (Ctrl-C to stop)\n`);
  if (opts.open) openBrowser(server.url);
  await untilSignal();
  await server.close();
  search?.close();
  db.close();
}
