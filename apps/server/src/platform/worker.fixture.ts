// A worker for worker.test.ts. workerData: { count, counter (Int32Array on a SharedArrayBuffer: values
// produced so far), failAt? (throws there), hog? (allocates until its heap limit stops it) }.
import { workerData } from 'node:worker_threads';
import { streamToParent } from './worker.ts';

const input = workerData as { count: number; counter: Int32Array; failAt?: number; hog?: boolean };

async function* values() {
  if (input.hog) {
    const kept: number[][] = [];
    for (;;) kept.push(Array.from({ length: 100_000 }, (_, i) => i + kept.length));
  }
  for (let i = 1; i <= input.count; i++) {
    if (i === input.failAt) throw new Error(`failed at ${i}`);
    Atomics.store(input.counter, 0, i);
    yield { i };
  }
}

void streamToParent(values());
