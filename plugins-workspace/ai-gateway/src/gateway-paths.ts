/** Where the gateway keeps its files inside its plugin state folder, and the name of its daemon source. */
import { join } from 'node:path';

/** The daemon source's name (the daemon status file, `hyp status`, `startGateway`). */
export const GATEWAY_SOURCE_NAME = 'ai-gateway';

/** The spill journal: exchanges captured but not written to the database yet. */
export function spillDirOf(stateDir: string): string {
  return join(stateDir, 'spill');
}
