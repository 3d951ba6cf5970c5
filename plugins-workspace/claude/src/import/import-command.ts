/** `hyp claude import [--projects DIR] [--since YYYY-MM-DD] [--json]`. */
import { join } from 'node:path';
import type { AiGatewayApi } from '@hypaware/ai-gateway';
import {
  emptySummary,
  importFolder,
  importProgress,
  importSummaryText,
  parseDateOption,
  type CommandBuilder,
  type CommandIO,
} from '@hypaware/core';
import { claudeConfigDir } from '../attach/settings-file.js';
import { fileCount, sessionFiles } from './session-files.js';
import { importSession } from './transcript-import.js';

interface ImportFlags {
  projects?: string;
  since?: string;
  json?: boolean;
}

export function registerClaudeImport(
  command: CommandBuilder,
  io: CommandIO,
  api: AiGatewayApi,
  env: NodeJS.ProcessEnv,
): void {
  command
    .command('import')
    .description(
      'import Claude Code transcripts (main and sub-agent) into ai_gateway_messages with the ids live capture gives; safe to repeat',
    )
    .option('--projects <dir>', 'transcripts folder (default $CLAUDE_CONFIG_DIR/projects or ~/.claude/projects)')
    .option('--since <date>', 'only lines from this UTC date on (YYYY-MM-DD)', (v: string) =>
      parseDateOption('--since', v),
    )
    .option('--json', 'machine-readable summary')
    .action(async (flags: ImportFlags) => {
      const dir = await importFolder(flags.projects, join(claudeConfigDir(env), 'projects'), 'Claude Code projects');
      const sessions = await sessionFiles(dir);
      const total = fileCount(sessions);
      const summary = emptySummary(`Claude Code transcripts from ${dir}`, flags.since);
      const writer = api.openHistoryImport();
      const progress = importProgress(io.stderr);
      let done = 0;
      try {
        for (const session of sessions) {
          await importSession(writer, session, summary, {
            ...(flags.since ? { since: `${flags.since}T00:00:00.000Z` } : {}),
            onFile: () => progress.file(++done, total),
          });
        }
      } finally {
        progress.done();
      }
      writer.refreshPrices();
      io.stdout.write(flags.json ? JSON.stringify(summary, null, 2) + '\n' : importSummaryText(summary));
    });
}
