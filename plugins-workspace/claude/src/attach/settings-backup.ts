import { existsSync, readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '@hypaware/core';
import { sha256Hex } from '../wire/content-keys.js';

/**
 * The bytes of settings.json before the first attach, kept in the plugin's state folder.
 * Detach writes them back verbatim when the undone settings equal them as JSON, so a
 * round trip reproduces the file byte for byte whatever its formatting.
 */
export class SettingsBackups {
  constructor(private readonly dir: string) {}

  private fileFor(settingsPath: string): string {
    return join(this.dir, `claude-settings-${sha256Hex(settingsPath).slice(0, 16)}.json`);
  }

  save(settingsPath: string, originalText: string | null): void {
    writeFileAtomic(
      this.fileFor(settingsPath),
      JSON.stringify({ settings_path: settingsPath, original_text: originalText }) + '\n',
    );
  }

  /** The original text; null when there was no file; undefined when nothing was saved. */
  load(settingsPath: string): string | null | undefined {
    const file = this.fileFor(settingsPath);
    if (!existsSync(file)) return undefined;
    try {
      const saved = JSON.parse(readFileSync(file, 'utf8')) as { settings_path?: unknown; original_text?: unknown };
      if (saved.settings_path !== settingsPath) return undefined;
      return typeof saved.original_text === 'string' ? saved.original_text : null;
    } catch {
      return undefined;
    }
  }

  remove(settingsPath: string): void {
    try {
      unlinkSync(this.fileFor(settingsPath));
    } catch {
      /* nothing saved */
    }
  }
}

/** Whether `originalText` (null: no file) holds exactly `data` as JSON, key order included. */
export function sameSettings(originalText: string | null, data: Record<string, unknown>): boolean {
  if (originalText === null || originalText.trim() === '') return Object.keys(data).length === 0;
  try {
    return JSON.stringify(JSON.parse(originalText)) === JSON.stringify(data);
  } catch {
    return false;
  }
}
