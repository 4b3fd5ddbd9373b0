import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { streamFromWorker } from './worker.ts';

const FIXTURE = new URL('./worker.fixture.ts', import.meta.url);
const counter = () => new Int32Array(new SharedArrayBuffer(4));

describe('streams from a worker thread', () => {
  it('yields every value in order, the worker reading at most one value ahead of the consumer', async () => {
    const produced = counter();
    const seen: number[] = [];
    for await (const { i } of streamFromWorker<{ i: number }>(FIXTURE, { workerData: { count: 6, counter: produced } })) {
      seen.push(i);
      // A slow consumer: the worker must wait instead of producing everything.
      await sleep(60);
      assert.ok(Atomics.load(produced, 0) <= i + 1, `produced ${Atomics.load(produced, 0)} while the consumer was at ${i}`);
    }
    assert.deepEqual(seen, [1, 2, 3, 4, 5, 6]);
  });

  it("throws the worker's error after the values before it", async () => {
    const seen: number[] = [];
    await assert.rejects(async () => {
      for await (const { i } of streamFromWorker<{ i: number }>(FIXTURE, { workerData: { count: 5, counter: counter(), failAt: 3 } })) seen.push(i);
    }, /failed at 3/);
    assert.deepEqual(seen, [1, 2]);
  });

  it('stops the worker when the consumer stops early', async () => {
    const produced = counter();
    for await (const { i } of streamFromWorker<{ i: number }>(FIXTURE, { workerData: { count: 1000, counter: produced } })) {
      if (i === 2) break;
    }
    const stoppedAt = Atomics.load(produced, 0);
    await sleep(100);
    assert.equal(Atomics.load(produced, 0), stoppedAt);
    assert.ok(stoppedAt <= 3);
  });

  it('throws when the worker runs out of its heap limit', async () => {
    await assert.rejects(async () => {
      for await (const value of streamFromWorker(FIXTURE, { workerData: { count: 1, counter: counter(), hog: true }, resourceLimits: { maxOldGenerationSizeMb: 16 } })) {
        assert.fail(`unexpected ${JSON.stringify(value)}`);
      }
    }, /memory limit/);
  });
});
