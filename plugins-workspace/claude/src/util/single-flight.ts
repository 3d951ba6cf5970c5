/** Wrap an async job so concurrent callers share one run instead of starting another. */
export function singleFlight<T>(job: () => Promise<T>): () => Promise<T> {
  let running: Promise<T> | undefined;
  return () => {
    running ??= job().finally(() => {
      running = undefined;
    });
    return running;
  };
}
