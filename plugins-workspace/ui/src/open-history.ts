/** The read-only connection the UI and the MCP server read through (the schema made first when no database exists). */
import { existsSync } from 'node:fs';
import type { ActivationContext, ReadOnlySqlDatabase } from '@hypaware/core';

export function openHistoryDatabase(ctx: ActivationContext): ReadOnlySqlDatabase {
  // a fresh HYP_HOME: let the kernel create the database and the gateway's tables, then read only
  if (!existsSync(ctx.storage.path)) ctx.storage.database();
  return ctx.storage.openReadOnly();
}
