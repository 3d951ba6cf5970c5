/**
 * Errors that mean "the database cannot take writes right now" (read-only, full, locked,
 * unopenable): the batch is kept and retried. Anything else is a problem with one exchange.
 */
export function storageFailureReason(err: unknown): string | undefined {
  const { code, kind } = (err ?? {}) as { code?: unknown; kind?: unknown };
  if (typeof kind === 'string' && kind.startsWith('db_')) return kind;
  const c = typeof code === 'string' ? code : '';
  if (c.startsWith('SQLITE_READONLY')) return 'db_readonly';
  if (c === 'SQLITE_FULL' || c === 'ENOSPC') return 'db_full';
  if (c.startsWith('SQLITE_BUSY') || c.startsWith('SQLITE_LOCKED')) return 'db_locked';
  if (c.startsWith('SQLITE_IOERR')) return 'db_io';
  if (c.startsWith('SQLITE_CANTOPEN')) return 'db_unopenable';
  if (c.startsWith('SQLITE_CORRUPT') || c === 'SQLITE_NOTADB') return 'db_corrupt';
  return undefined;
}
