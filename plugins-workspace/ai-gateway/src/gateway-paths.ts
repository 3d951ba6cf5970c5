/** Where the gateway keeps its files inside its plugin state folder. */
import { join } from 'node:path';

/** The spill journal: exchanges captured but not written to the database yet. */
export function spillDirOf(stateDir: string): string {
  return join(stateDir, 'spill');
}
