/** `hyp codex import [--sessions DIR] [--since YYYY-MM-DD] [--json]`. */
import { join } from 'node:path';
import type { AiGatewayApi } from '@hypaware/ai-gateway';
import {
  countSkip,
  importFolder,
  emptySummary,
  importProgress,
  importSummaryText,
  parseDateOption,
  walkFiles,
  type CommandBuilder,
  type CommandIO,
} from '@hypaware/core';
import { codexFiles } from '../codex-home.js';
import { importRollout } from './rollout-import.js';

interface ImportFlags {
  sessions?: string;
  since?: string;
  json?: boolean;
}

export function registerCodexImport(
  command: CommandBuilder,
  io: CommandIO,
  api: AiGatewayApi,
  env: NodeJS.ProcessEnv,
): void {
  command
    .command('import')
    .description('import Codex rollouts into ai_gateway_messages with the ids live capture gives; safe to repeat')
    .option('--sessions <dir>', 'rollouts folder (default $CODEX_HOME/sessions or ~/.codex/sessions)')
    .option('--since <date>', 'only lines from this UTC date on (YYYY-MM-DD)', (v: string) =>
      parseDateOption('--since', v),
    )
    .option('--json', 'machine-readable summary')
    .action(async (flags: ImportFlags) => {
      const dir = await importFolder(flags.sessions, join(codexFiles(env).home, 'sessions'), 'Codex sessions');
      const files: string[] = [];
      for await (const f of walkFiles(dir, {
        maxDepth: 4,
        accept: (name) => name.startsWith('rollout-') && name.endsWith('.jsonl'),
      }))
        files.push(f);
      const summary = emptySummary(`Codex rollouts from ${dir}`, flags.since);
      const writer = api.openHistoryImport();
      const progress = importProgress(io.stderr);
      const sessions = new Set<string>();
      try {
        for (const [i, file] of files.entries()) {
          try {
            const id = await importRollout(writer, file, summary, {
              ...(flags.since ? { since: `${flags.since}T00:00:00.000Z` } : {}),
            });
            if (id) sessions.add(id);
            summary.files++;
          } catch (err) {
            if ((err as NodeJS.ErrnoException).code === undefined) throw err;
            countSkip(summary, 'unreadable_file');
          }
          progress.file(i + 1, files.length);
        }
      } finally {
        progress.done();
      }
      writer.refreshPrices();
      summary.sessions = sessions.size;
      io.stdout.write(flags.json ? JSON.stringify(summary, null, 2) + '\n' : importSummaryText(summary));
    });
}
