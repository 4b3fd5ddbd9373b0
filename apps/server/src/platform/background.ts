// Work a request or a callback starts and does not wait for (delivering app messages after a commit, a departure's
// policy, a range check a little later). Each piece is tracked so the app's close waits for what is under way and
// starts nothing new: the database is closed after the app, and work outliving it failed against an ended pool.
// What is not started because the app is closing is picked up by the sweeps that already cover a crash.

export type Log = (message: string, error?: unknown) => void;

export function createBackground(log: Log) {
  const running = new Set<Promise<void>>();
  const timers = new Set<NodeJS.Timeout>();
  let closed = false;

  function run(name: string, work: () => unknown): void {
    if (closed) return;
    // Started at once (as a bare call would be): a service's own bookkeeping of it begins before this returns.
    let started: Promise<unknown>;
    try {
      started = Promise.resolve(work());
    } catch (error) {
      started = Promise.reject(error);
    }
    const piece: Promise<void> = started
      .then(
        () => undefined,
        (error) => log(`${name} failed`, error),
      )
      .finally(() => running.delete(piece));
    running.add(piece);
  }

  return {
    /** Starts work now, without waiting for it; a failure is logged. */
    run,
    /** Starts work after a delay (a timer that does not keep the process alive and is dropped on close). */
    later(ms: number, name: string, work: () => unknown): void {
      if (closed) return;
      const timer = setTimeout(() => {
        timers.delete(timer);
        run(name, work);
      }, ms);
      timer.unref();
      timers.add(timer);
    },
    /** Starts nothing more, drops the timers and waits for the work under way. */
    async close(): Promise<void> {
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      while (running.size) await Promise.all([...running]);
    },
  };
}

export type Background = ReturnType<typeof createBackground>;
