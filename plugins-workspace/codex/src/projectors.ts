/**
 * The projector module of `@hypaware/codex` (manifest `contributes["hypaware.ai-gateway"]`):
 * the gateway's writer thread imports it, and `activate()` registers the same projector.
 * The Codex projector is pure: it needs nothing from the context.
 */
import type { ExchangeProjector, ProjectorModuleContext } from '@hypaware/ai-gateway';
import { createCodexProjector } from './projector.js';

export function createProjectors(_ctx: ProjectorModuleContext): ExchangeProjector[] {
  return [createCodexProjector()];
}
