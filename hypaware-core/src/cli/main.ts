import { Command, CommanderError, Option } from 'commander';
import { HypError, UsageError, errorMessage } from '../errors.js';
import { bootKernel, type Kernel, type RegisteredCommand } from '../kernel/boot.js';
import { registerDaemonCommands } from './daemon-commands.js';
import { hypLayout, resolveHypHome } from '../util/hyp-home.js';
import { hypVersion } from '../util/package-root.js';
import { openReadOnlyDatabase } from '../storage/database.js';
import { listStoredDatasets } from '../storage/datasets.js';
import { ROW_FORMATS, type RowFormat } from './format-rows.js';
import { runQuery } from './query-sql.js';
import { runRemoteQuery } from './remote-query.js';
import { describeSchema } from './query-schema.js';
import { buildStatusReport, renderStatus } from './status-report.js';
import { viewsAsDatasets } from '../storage/views.js';
import { defaultExportDataset } from '../query/command-context.js';
import { registerExportCommand } from '../export/export-command.js';
import { registerPruneCommand } from '../retention/prune-command.js';
import type { CommandBuilder, CommandGroup, CommandIO, DatasetSpec } from '../plugin-api.js';

export interface CliIO extends CommandIO {
  env: NodeJS.ProcessEnv;
}

/** `--config <path>` is read before anything else: it decides which plugins exist. */
function preParseConfig(argv: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') break;
    if (a === '--config') return argv[i + 1];
    if (a.startsWith('--config=')) return a.slice('--config='.length);
  }
  return undefined;
}

function commandWord(argv: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--config') {
      i++;
      continue;
    }
    if (!a.startsWith('-')) return a;
  }
  return undefined;
}

function buildProgram(
  io: CliIO,
  kernel: Kernel | undefined,
  bootError: unknown,
  hypHome: string,
  configPath: string | undefined,
  setExitCode: (code: number) => void,
): Command {
  const layout = hypLayout(hypHome, configPath);
  const needKernel = (): Kernel => {
    if (kernel) return kernel;
    throw bootError instanceof HypError ? bootError : new HypError(errorMessage(bootError));
  };
  const program = new Command('hyp')
    .description('HypAware: a local capture proxy for AI coding agents, with your history in SQL')
    .version(hypVersion(), '-V, --version')
    .option('--config <path>', 'config file (default $HYP_HOME/hypaware-config.json)')
    .exitOverride()
    .showSuggestionAfterError(true)
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      // one line: commander's suggestion ("(Did you mean --json?)") joins the error line
      outputError: (s, write) =>
        write(
          `hyp: ${s
            .replace(/^error: /, '')
            .trim()
            .split('\n')
            .map((l) => l.trim())
            .join(' ')}\n`,
        ),
    });

  registerDaemonCommands(program, { io, hypHome, ...(configPath ? { configPath } : {}), setExitCode });

  program
    .command('status')
    .description('is it working? config, daemon, plugins, capabilities, datasets and diagnostics')
    .option('--json', 'machine-readable output (stable keys)')
    .action(async (opts: { json?: boolean }) => {
      const report = await buildStatusReport(layout, kernel, bootError);
      if (opts.json) io.stdout.write(JSON.stringify(report, null, 2) + '\n');
      else renderStatus(report, io.stdout, kernel?.statusSections);
    });

  // the dataset the help texts use as their example (the default export, as plugins declare it)
  const mainDataset = defaultExportDataset(kernel);
  const query = program.command('query').description('ask the captured history');
  query
    .command('sql')
    .description('run one read-only SQL statement (SQLite dialect; JSON functions work on JSON columns)')
    .argument('<sql>', `the statement, e.g. "SELECT count(*) FROM ${mainDataset ?? '_hyp_datasets'}"`)
    .addOption(new Option('--format <format>', 'output format').choices(ROW_FORMATS).default('table'))
    .option('--remote', 'run it on the remote database a plugin is configured for (its SQL dialect), read-only')
    .action(async (sql: string, opts: { format: RowFormat; remote?: boolean }) => {
      const k = needKernel();
      if (opts.remote) {
        await runRemoteQuery(k.remoteQuery?.provider, sql, opts.format, io.stdout);
        return;
      }
      k.database();
      const db = openReadOnlyDatabase(k.layout.databasePath);
      try {
        runQuery(db, sql, opts.format, io.stdout);
      } finally {
        db.close();
      }
    });
  const kernelCommands = { io, kernel: needKernel };
  query
    .command('schema')
    .description('list datasets and views, or the columns of one')
    .argument('[dataset]', `dataset or view name${mainDataset ? `, e.g. ${mainDataset}` : ''}`)
    .option('--json', 'machine-readable output')
    .action((name: string | undefined, opts: { json?: boolean }) => {
      let specs: DatasetSpec[];
      if (kernel) specs = [...kernel.datasets.values()].map((d) => d.spec);
      else {
        const db = openReadOnlyDatabase(layout.databasePath);
        try {
          specs = listStoredDatasets(db).map((d) => d.spec);
        } finally {
          db.close();
        }
      }
      const views = [...(kernel?.views.values() ?? [])].map((v) => v.spec);
      describeSchema(
        [
          ...specs,
          ...viewsAsDatasets(
            views,
            specs.map((s) => s.name),
          ),
        ],
        name,
        Boolean(opts.json),
        io.stdout,
      );
    });

  const exportGroup = registerExportCommand(program, kernelCommands, mainDataset);
  registerPruneCommand(program, kernelCommands);

  // A plugin's command never breaks the others (or hyp status): a taken name or a
  // configure() that throws drops that command only, reported by hyp status.
  const groups: Record<CommandGroup, Command> = { query, export: exportGroup };
  for (const spec of kernel?.commands ?? []) {
    const problem = addPluginCommand(spec.group ? groups[spec.group] : program, program, spec, io);
    if (!problem) continue;
    kernel!.log.error('plugin.command_failed', { plugin: spec.plugin, message: problem });
    kernel!.diagnostics.push({
      plugin: spec.plugin,
      provider: () => [{ kind: 'plugin_command_failed', level: 'error', message: problem }],
    });
  }
  return program;
}

/**
 * Add a plugin's command under `parent` (the program, or a kernel group such as `query`);
 * returns why it was not added, if it was not. The plugin configures it through the kernel's
 * CommandBuilder interface, which commander's Command implements.
 */
function addPluginCommand(parent: Command, program: Command, spec: RegisteredCommand, io: CliIO): string | undefined {
  const path = `hyp ${spec.group ? `${spec.group} ` : ''}${spec.name}`;
  if (parent.commands.some((c) => c.name() === spec.name))
    return `plugin ${spec.plugin}: command ${path} is not added: hyp has a built-in command with that name`;
  const cmd = new Command(spec.name).copyInheritedSettings(program).description(`${spec.description} [${spec.plugin}]`);
  const builder: CommandBuilder = cmd;
  try {
    spec.configure(builder, io);
  } catch (err) {
    return `plugin ${spec.plugin}: command ${path} is not added: ${errorMessage(err)}`;
  }
  parent.addCommand(cmd);
  return undefined;
}

/** Run `hyp` with `argv` (without node and script). Resolves with the exit code. */
export async function main(
  argv: string[],
  io: CliIO = { stdout: process.stdout, stderr: process.stderr, env: process.env },
): Promise<number> {
  const configPath = preParseConfig(argv);
  const word = commandWord(argv);
  const hypHome = resolveHypHome(io.env);
  let kernel: Kernel | undefined;
  let bootError: unknown;
  try {
    if (word !== 'daemon')
      kernel = await bootKernel({ mode: 'cli', hypHome, ...(configPath ? { configPath } : {}), env: io.env });
  } catch (err) {
    bootError = err;
    if (!(err instanceof HypError)) return report(io, err);
    if (word !== 'status' && word !== 'help' && word !== undefined && !argv.includes('--help') && !argv.includes('-h'))
      return report(io, err);
  }
  try {
    let exitCode = 0;
    const program = buildProgram(io, kernel, bootError, hypHome, configPath, (code) => {
      exitCode = code;
    });
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return 0;
      return 2;
    }
    return report(io, err);
  } finally {
    await kernel?.shutdown();
  }
}

function report(io: CliIO, err: unknown): number {
  if (err instanceof HypError) {
    io.stderr.write(`hyp: ${err.message.split('\n')[0]}\n`);
    return err.exitCode;
  }
  io.stderr.write(
    `hyp: internal error: ${errorMessage(err).split('\n')[0]}${io.env.HYP_DEBUG ? '' : ' (set HYP_DEBUG=1 for details)'}\n`,
  );
  if (io.env.HYP_DEBUG && err instanceof Error && err.stack) io.stderr.write(err.stack + '\n');
  return 70;
}
