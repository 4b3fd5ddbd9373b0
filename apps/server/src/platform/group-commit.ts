/**
 * Group commit: work on one key runs one batch at a time, and what arrives for the key meanwhile waits and goes,
 * all of it, into the next batch (at most `maxBatch`). Without contention a batch is one item, as if called
 * directly; under load one statement or transaction serves many callers instead of each waiting its turn on the
 * same row (a hot counter). `run` answers each item of its batch, in order; a failure fails the whole batch.
 */
export function groupCommit<K, I, R>(run: (key: K, items: I[]) => Promise<R[]>, options: { maxBatch?: number } = {}): (key: K, item: I) => Promise<R> {
  const maxBatch = options.maxBatch ?? 500;
  const queues = new Map<K, Array<{ item: I; resolve(result: R): void; reject(error: unknown): void }>>();

  async function drain(key: K, waiting: Array<{ item: I; resolve(result: R): void; reject(error: unknown): void }>) {
    while (waiting.length) {
      const batch = waiting.splice(0, maxBatch);
      try {
        const results = await run(key, batch.map((entry) => entry.item));
        batch.forEach((entry, index) => entry.resolve(results[index]));
      } catch (error) {
        for (const entry of batch) entry.reject(error);
      }
    }
    queues.delete(key);
  }

  return (key, item) =>
    new Promise<R>((resolve, reject) => {
      const waiting = queues.get(key);
      if (waiting) {
        waiting.push({ item, resolve, reject });
        return;
      }
      const opened = [{ item, resolve, reject }];
      queues.set(key, opened);
      void drain(key, opened);
    });
}
