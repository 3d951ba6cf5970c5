/**
 * `hyp privacy ignore <path>`, `hyp privacy unignore <path>`, `hyp privacy ignored`, and
 * `hyp privacy purge --session ID | --cwd PATH | --before DATE [--yes] [--json]`.
 * Without `--yes` a purge only counts what it would delete (a purge cannot be undone).
 */
import { existsSync, statSync } from 'node:fs';
import {
  HypError,
  parseDateOption,
  UsageError,
  type ActivationContext,
  type CommandBuilder,
  type CommandIO,
} from '@hypaware/core';
import { MESSAGES_DATASET } from '../datasets.js';
import { ignoreListPath, isUnder, normalizeFolder, readIgnoreList, writeIgnoreList } from './ignore-list.js';
import { purgeHistory, type PurgeCounts, type PurgeSelection } from './purge.js';

interface PurgeFlags {
  session?: string;
  cwd?: string;
  before?: string;
  yes?: boolean;
  json?: boolean;
}

const n = (v: number): string => v.toLocaleString('en-US');

function selectionOf(flags: PurgeFlags): PurgeSelection {
  const given = (['session', 'cwd', 'before'] as const).filter((k) => flags[k] !== undefined);
  if (given.length !== 1)
    throw new UsageError('hyp privacy purge: give exactly one of --session ID, --cwd PATH, --before DATE');
  if (flags.session !== undefined) {
    if (flags.session.trim() === '') throw new UsageError('--session must not be empty');
    return { session: flags.session };
  }
  if (flags.cwd !== undefined) return { cwd: normalizeFolder(flags.cwd, process.cwd(), true) };
  return { before: flags.before! };
}

function describe(selection: PurgeSelection): string {
  if ('session' in selection) return `session ${selection.session}`;
  if ('cwd' in selection) return `sessions under ${selection.cwd}`;
  return `history before ${selection.before} (UTC)`;
}

function purgeSummary(selection: PurgeSelection, counts: PurgeCounts, dryRun: boolean): string {
  const what = `${n(counts.message_rows)} message rows, ${n(counts.exchanges)} raw exchanges, ${n(counts.provisional_rows)} settlement records`;
  const sessions =
    counts.sessions === null ? '' : ` in ${n(counts.sessions)} session${counts.sessions === 1 ? '' : 's'}`;
  return dryRun
    ? `would delete ${what}${sessions} (${describe(selection)}); nothing deleted: run again with --yes to delete for good\n`
    : `deleted ${what}${sessions} (${describe(selection)})\n`;
}

/** Rows of sessions already stored under `folder` (for the hint after `ignore`). */
function storedUnder(ctx: ActivationContext, folder: string): number {
  if (!existsSync(ctx.storage.path)) return 0;
  const db = ctx.storage.openReadOnly();
  try {
    const found = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(MESSAGES_DATASET);
    if (!found) return 0;
    return (
      db
        .prepare(
          `SELECT count(DISTINCT COALESCE(session_id, conversation_id)) AS n FROM ${MESSAGES_DATASET}
WHERE cwd = @root OR substr(cwd, 1, length(@prefix)) = @prefix`,
        )
        .get({ root: folder, prefix: folder === '/' ? '/' : `${folder}/` }) as { n: number }
    ).n;
  } finally {
    db.close();
  }
}

function addIgnoreCommands(privacy: CommandBuilder, io: CommandIO, ctx: ActivationContext): void {
  const file = ignoreListPath(ctx.paths.stateDir);
  privacy
    .command('ignore <path>')
    .description(
      'never store sessions whose working directory is this folder or inside it (the proxy still forwards them)',
    )
    .action((path: string) => {
      const folder = normalizeFolder(path, process.cwd(), true);
      if (existsSync(folder) && !statSync(folder).isDirectory())
        throw new UsageError(`${folder} is not a folder: hyp privacy ignore takes a folder`);
      const list = readIgnoreList(file);
      if (list.some((root) => isUnder(folder, root))) {
        io.stdout.write(`already ignored: ${folder}\n`);
        return;
      }
      writeIgnoreList(file, [...list.filter((root) => !isUnder(root, folder)), folder]);
      io.stdout.write(`ignoring sessions under ${folder} (the running daemon applies it within a second)\n`);
      const stored = storedUnder(ctx, folder);
      if (stored > 0)
        io.stdout.write(
          `${n(stored)} session${stored === 1 ? ' is' : 's are'} already stored from there: hyp privacy purge --cwd ${JSON.stringify(folder)} deletes them\n`,
        );
    });
  privacy
    .command('unignore <path>')
    .description('store sessions under this folder again (from now on)')
    .action((path: string) => {
      const list = readIgnoreList(file);
      const wanted = new Set([normalizeFolder(path, process.cwd()), normalizeFolder(path, process.cwd(), true)]);
      const kept = list.filter((root) => !wanted.has(root));
      if (kept.length === list.length)
        throw new HypError(`not in the ignore list: ${[...wanted][0]} (hyp privacy ignored)`);
      writeIgnoreList(file, kept);
      io.stdout.write(`no longer ignoring ${[...wanted].filter((w) => list.includes(w)).join(', ')}\n`);
    });
  privacy
    .command('ignored')
    .description('list the ignored folders')
    .option('--json', 'machine-readable output')
    .action((flags: { json?: boolean }) => {
      const list = readIgnoreList(file);
      if (flags.json) io.stdout.write(JSON.stringify({ ignored_paths: list, file }, null, 2) + '\n');
      else io.stdout.write(list.length === 0 ? 'no folder is ignored\n' : list.map((p) => `${p}\n`).join(''));
    });
}

export function registerPrivacyCommands(ctx: ActivationContext): void {
  ctx.registerCommand({
    name: 'privacy',
    description: 'keep folders out of the history (ignore) and delete stored history for good (purge)',
    configure(privacy, io) {
      addIgnoreCommands(privacy, io, ctx);
      privacy
        .command('purge')
        .description(
          'delete stored message rows and raw exchanges of a session, of every session under a folder, or before a date; counts only unless --yes',
        )
        .option('--session <id>', 'one session (or conversation) id')
        .option('--cwd <path>', 'every session that ran in this folder or inside it')
        .option('--before <date>', 'everything before this UTC date (YYYY-MM-DD)', (v: string) =>
          parseDateOption('--before', v),
        )
        .option('--yes', 'delete for good (without it: count only)')
        .option('--json', 'machine-readable output')
        .action((flags: PurgeFlags) => {
          const selection = selectionOf(flags);
          const dryRun = !flags.yes;
          const counts = existsSync(ctx.storage.path)
            ? purgeHistory(ctx.storage.database(), selection, { dryRun })
            : { sessions: 'before' in selection ? null : 0, message_rows: 0, exchanges: 0, provisional_rows: 0 };
          io.stdout.write(
            flags.json
              ? JSON.stringify({ selection, dry_run: dryRun, ...counts }, null, 2) + '\n'
              : purgeSummary(selection, counts, dryRun),
          );
        });
    },
  });
}
