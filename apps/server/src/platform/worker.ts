// Async iterables across a worker thread. Work that allocates a lot and keeps little — reading a large
// upload — runs in a worker with a bounded heap: this thread's heap (whose size V8 lets grow far beyond
// what is alive before collecting it) stays small, and the worker's limit makes its garbage collected early.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { parentPort, Worker, type ResourceLimits } from 'node:worker_threads';

type ToParent<T> = { value: T } | { done: true } | { error: string };

/**
 * Runs `script` (a TypeScript module that calls `streamToParent`; loaded as CommonJS, so without top-level
 * await) in a worker thread and yields what it streams. The
 * worker reads ahead by at most one value: the next is sent only once the consumer has taken the one before
 * and asked for more, so a slow consumer (the database) holds the reader back. The worker is stopped when
 * the consumer stops early or fails; the worker's failure (an exception, running out of its heap) is thrown.
 */
export async function* streamFromWorker<T>(script: URL, options: { workerData: unknown; resourceLimits?: ResourceLimits }): AsyncGenerator<T> {
  // A worker does not inherit the loader hooks tsx installed in this thread: it registers tsx itself, for
  // require() — in its own thread; tsx's import() hooks would start one more thread with a heap of its own.
  const bootstrap = `require(${JSON.stringify(createRequire(import.meta.url).resolve('tsx/cjs/api'))}).register(); require(${JSON.stringify(fileURLToPath(script))});`;
  const worker = new Worker(bootstrap, { eval: true, workerData: options.workerData, resourceLimits: options.resourceLimits });
  const queue: ToParent<T>[] = [];
  let failure: Error | null = null;
  let exited = false;
  let wake: (() => void) | null = null;
  const notify = () => {
    wake?.();
    wake = null;
  };
  worker.on('message', (message: ToParent<T>) => {
    queue.push(message);
    notify();
  });
  worker.on('error', (error) => {
    failure = error;
    notify();
  });
  worker.on('exit', () => {
    exited = true;
    notify();
  });
  try {
    for (;;) {
      const message = queue.shift();
      if (message) {
        if ('error' in message) throw new Error(message.error);
        if ('done' in message) return;
        yield message.value;
        worker.postMessage('next');
        continue;
      }
      if (failure) throw failure;
      if (exited) throw new Error('worker exited before it finished');
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    await worker.terminate();
  }
}

/** The worker's side of `streamFromWorker`: sends `source`'s values to the parent as it asks for them. */
export async function streamToParent<T>(source: AsyncIterable<T>): Promise<void> {
  const port = parentPort!;
  let credits = 1;
  let wake: (() => void) | null = null;
  port.on('message', () => {
    credits++;
    wake?.();
    wake = null;
  });
  try {
    for await (const value of source) {
      while (credits === 0) await new Promise<void>((resolve) => (wake = resolve));
      credits--;
      port.postMessage({ value } satisfies ToParent<T>);
    }
    port.postMessage({ done: true } satisfies ToParent<T>);
  } catch (error) {
    port.postMessage({ error: error instanceof Error ? error.message : String(error) } satisfies ToParent<T>);
  }
}
