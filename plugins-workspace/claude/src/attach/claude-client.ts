import type { AttachContext, ClientAttachState, ClientRegistration, DetachContext } from '@hypaware/ai-gateway';
import { applyAttach, applyDetach, readMarker, type AttachMarker } from './settings-edit.js';
import { SettingsBackups, sameSettings } from './settings-backup.js';
import { claudeSettingsPath, readSettings, renderJson, writeSettings } from './settings-file.js';
import { sessionContextHookCommand } from './hook-command.js';

export interface ClaudeClientOptions {
  env: NodeJS.ProcessEnv;
  version: string;
  /** the session-context file the hooks append to */
  stateFile: string;
  /** how hooks start `hyp claude-hook` (see hookInvocation) */
  hookInvocation: string;
  /** plugin state folder (settings backups) */
  stateDir: string;
  now?: () => Date;
}

function describe(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function writeJson(out: NodeJS.WritableStream, value: unknown): void {
  out.write(JSON.stringify(value, null, 2) + '\n');
}

export type ClaudeClient = ClientRegistration & { status(): Promise<ClientAttachState> };

/** The `claude` client: attach/detach Claude Code through its user settings.json. */
export function createClaudeClient(options: ClaudeClientOptions): ClaudeClient {
  const backups = new SettingsBackups(options.stateDir);
  const settingsPath = (): string => claudeSettingsPath(options.env);

  async function attach(ctx: AttachContext): Promise<void> {
    const doc = readSettings(settingsPath());
    const hookCommand = sessionContextHookCommand(options.hookInvocation, options.stateFile);
    const before = readMarker(doc.data);
    const { settings, marker } = applyAttach(doc.data, {
      endpoint: ctx.endpoint,
      stateFile: options.stateFile,
      hookCommand,
      version: options.version,
      now: (options.now?.() ?? new Date()).toISOString(),
    });
    const text = renderJson(settings, doc.style);
    const changed = text !== doc.text;
    if (!ctx.dryRun && changed) {
      if (!before) backups.save(doc.path, doc.text);
      writeSettings(doc, text);
    }
    const previousBaseUrl = marker.previous_env.ANTHROPIC_BASE_URL;
    if (ctx.json) {
      writeJson(ctx.stdout, {
        status: 'ok', action: 'attach', client: 'claude', dry_run: ctx.dryRun, settings_path: doc.path, changed,
        endpoint: ctx.endpoint, state_file: options.stateFile, previous_env: marker.previous_env,
      });
      return;
    }
    const head = ctx.dryRun ? `(dry-run) Would attach Claude Code via ${doc.path}` : changed ? `✓ Claude Code attached (${doc.path})` : `✓ Claude Code already attached (${doc.path})`;
    const lines = [head, `  ANTHROPIC_BASE_URL = ${ctx.endpoint}`];
    if (previousBaseUrl !== undefined) lines.push(`  (previous ANTHROPIC_BASE_URL was ${describe(previousBaseUrl)}; detach restores it)`);
    lines.push(`  hooks record sessions to ${options.stateFile}`);
    ctx.stdout.write(lines.join('\n') + '\n');
  }

  async function detach(ctx: DetachContext): Promise<void> {
    const doc = readSettings(settingsPath());
    const undo = applyDetach(doc.data);
    if (!undo) {
      if (ctx.json) writeJson(ctx.stdout, { status: 'ok', action: 'detach', client: 'claude', dry_run: ctx.dryRun, settings_path: doc.path, changed: false });
      else ctx.stdout.write(`No HypAware attach marker in ${doc.path}; nothing to do.\n`);
      return;
    }
    const original = backups.load(doc.path);
    const verbatim = original !== undefined && sameSettings(original, undo.settings);
    const text = verbatim ? original : renderJson(undo.settings, doc.style);
    if (!ctx.dryRun) {
      writeSettings(doc, text);
      backups.remove(doc.path);
    }
    if (ctx.json) {
      writeJson(ctx.stdout, {
        status: 'ok', action: 'detach', client: 'claude', dry_run: ctx.dryRun, settings_path: doc.path, changed: true,
        restored: undo.restored, kept: undo.kept, original_bytes_restored: verbatim,
      });
      return;
    }
    const lines = [ctx.dryRun ? `(dry-run) Would detach Claude Code from ${doc.path}` : `✓ Claude Code detached (${doc.path})`];
    for (const [key, value] of Object.entries(undo.restored)) {
      lines.push(value === null ? `  removed ${key}` : `  restored ${key} = ${describe(value)}`);
    }
    for (const key of undo.kept) lines.push(`  warning: ${key} was changed after attach; left as it is`);
    ctx.stdout.write(lines.join('\n') + '\n');
  }

  async function status(): Promise<ClientAttachState> {
    const path = settingsPath();
    let marker: AttachMarker | undefined;
    let baseUrl: unknown;
    try {
      const doc = readSettings(path);
      marker = readMarker(doc.data);
      baseUrl = (doc.data.env as Record<string, unknown> | undefined)?.ANTHROPIC_BASE_URL;
    } catch (err) {
      return { attached: false, settings_path: path, detail: (err as Error).message };
    }
    if (!marker) return { attached: false, settings_path: path };
    const state: ClientAttachState = { attached: true, endpoint: marker.endpoint, settings_path: path };
    if (baseUrl !== marker.endpoint) state.detail = `ANTHROPIC_BASE_URL is ${describe(baseUrl ?? 'unset')}, not the attached ${marker.endpoint}`;
    return state;
  }

  return { name: 'claude', defaultUpstream: 'anthropic', attach, detach, status };
}
