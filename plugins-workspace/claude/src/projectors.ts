/**
 * The projector module of `@hypaware/claude` (manifest `contributes["hypaware.ai-gateway"]`):
 * the gateway's writer thread imports it, and `activate()` registers the same projector.
 * The Claude projector reads the hook's session-context file (in this plugin's state
 * directory) and Claude Code's transcripts (`<claude config dir>/projects`, from the environment).
 */
import { join } from 'node:path';
import type { ExchangeProjector, ProjectorModuleContext } from '@hypaware/ai-gateway';
import { claudeConfigDir } from './attach/settings-file.js';
import { createClaudeProjector } from './projector/claude-projector.js';
import { STATE_FILE_NAME } from './session-context/record.js';

export function createProjectors(ctx: ProjectorModuleContext): ExchangeProjector[] {
  return [
    createClaudeProjector({
      stateFile: join(ctx.stateDir, STATE_FILE_NAME),
      projectsDir: join(claudeConfigDir(ctx.env), 'projects'),
    }),
  ];
}
