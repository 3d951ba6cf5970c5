/**
 * Where rows come from: a machine id and a user name chosen at the first start and kept in the
 * plugin's state folder (in HYP_HOME), so every row this home ships carries the same origin and
 * several machines share one database without colliding. Copying a HYP_HOME copies its identity.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import { isPlainObject, writeFileAtomic } from '@hypaware/core';

export interface MachineIdentity {
  machine_id: string;
  user_name: string;
  hostname: string;
  created_at: string;
}

export const IDENTITY_FILE = 'identity.json';

/** The login name: `USER` / `LOGNAME` as the session sets them, else the account's. */
function currentUser(env: NodeJS.ProcessEnv): string {
  const fromEnv = env.USER ?? env.LOGNAME;
  if (fromEnv) return fromEnv;
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

/** The identity stored in `stateDir`, or undefined when none was made yet. */
export function readIdentity(stateDir: string): MachineIdentity | undefined {
  try {
    const raw: unknown = JSON.parse(readFileSync(join(stateDir, IDENTITY_FILE), 'utf8'));
    if (isPlainObject(raw) && typeof raw.machine_id === 'string' && typeof raw.user_name === 'string')
      return raw as unknown as MachineIdentity;
  } catch {
    /* none yet (or unreadable: a new one is made) */
  }
  return undefined;
}

/** The stored identity, made and stored on first use. */
export function ensureIdentity(stateDir: string, env: NodeJS.ProcessEnv): MachineIdentity {
  const existing = readIdentity(stateDir);
  if (existing) return existing;
  const identity: MachineIdentity = {
    machine_id: randomUUID(),
    user_name: currentUser(env),
    hostname: hostname(),
    created_at: new Date().toISOString(),
  };
  writeFileAtomic(join(stateDir, IDENTITY_FILE), JSON.stringify(identity, null, 2) + '\n');
  return identity;
}
