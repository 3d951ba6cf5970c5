import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';

/** Where everything HypAware keeps lives. `HYP_HOME`, default `~/.hyp`. */
export function resolveHypHome(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.HYP_HOME;
  if (fromEnv && fromEnv.trim() !== '') return isAbsolute(fromEnv) ? fromEnv : resolve(fromEnv);
  return join(env.HOME && env.HOME !== '' ? env.HOME : homedir(), '.hyp');
}

export interface HypLayout {
  hypHome: string;
  configPath: string;
  stateRoot: string;
  databasePath: string;
  logsDir: string;
  metricsDir: string;
  pluginsStateDir: string;
  pidFile: string;
  statusFile: string;
}

export function hypLayout(hypHome: string, configPath?: string): HypLayout {
  const stateRoot = join(hypHome, 'hypaware');
  return {
    hypHome,
    configPath: configPath ?? join(hypHome, 'hypaware-config.json'),
    stateRoot,
    databasePath: join(stateRoot, 'hypaware.db'),
    logsDir: join(stateRoot, 'logs'),
    metricsDir: join(stateRoot, 'metrics'),
    pluginsStateDir: join(stateRoot, 'plugins'),
    pidFile: join(stateRoot, 'daemon.pid'),
    statusFile: join(stateRoot, 'daemon.status.json'),
  };
}

/** `@acme/widgets` -> `<pluginsStateDir>/@acme/widgets` (scoped names keep their folder). */
export function pluginStateDir(layout: HypLayout, pluginName: string): string {
  const safe = pluginName
    .split('/')
    .map((seg) => seg.replace(/[^A-Za-z0-9@._-]/g, '_'))
    .join('/');
  return join(layout.pluginsStateDir, safe);
}
