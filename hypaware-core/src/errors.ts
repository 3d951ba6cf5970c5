/**
 * Errors meant for people: `hyp` prints `message` as one line on stderr (no stack)
 * and exits with `exitCode`. Anything else thrown is a bug and is reported as
 * `internal error: <message>` with exit code 70.
 */
export class HypError extends Error {
  readonly exitCode: number;
  readonly kind: string;
  constructor(message: string, options: { exitCode?: number; kind?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'HypError';
    this.exitCode = options.exitCode ?? 1;
    this.kind = options.kind ?? 'error';
  }
}

/** Wrong flags or arguments: exit 2. */
export class UsageError extends HypError {
  constructor(message: string) {
    super(message, { exitCode: 2, kind: 'usage' });
    this.name = 'UsageError';
  }
}

export function errorMessage(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length > 0) {
    return err.errors.map((e) => errorMessage(e)).join('; ');
  }
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}
