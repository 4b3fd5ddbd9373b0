import { test } from 'node:test';
import assert from 'node:assert/strict';
import { groupCommit } from './group-commit.ts';

/** A run whose batches finish when released, recording what each batch held. */
function recorder() {
  const batches: Array<{ key: string; items: number[] }> = [];
  const releases: Array<() => void> = [];
  const run = async (key: string, items: number[]) => {
    batches.push({ key, items: [...items] });
    await new Promise<void>((resolve) => releases.push(resolve));
    if (items.includes(-1)) throw new Error('batch failed');
    return items.map((item) => item * 10);
  };
  const releaseNext = async () => {
    while (releases.length === 0) await new Promise((resolve) => setImmediate(resolve));
    releases.shift()!();
  };
  return { batches, run, releaseNext };
}

test('group commit: alone, an item runs at once; what arrives meanwhile goes, in order, into the next batch; each gets its own answer', async () => {
  const { batches, run, releaseNext } = recorder();
  const call = groupCommit(run);
  const first = call('a', 1);
  const rest = [2, 3, 4].map((item) => call('a', item));
  assert.deepEqual(batches, [{ key: 'a', items: [1] }], 'the first did not wait for company');
  await releaseNext();
  assert.equal(await first, 10);
  await releaseNext();
  assert.deepEqual(await Promise.all(rest), [20, 30, 40]);
  assert.deepEqual(batches.map((batch) => batch.items), [[1], [2, 3, 4]]);
  // Idle again: the next item runs alone at once.
  const later = call('a', 5);
  await releaseNext();
  assert.equal(await later, 50);
  assert.deepEqual(batches.map((batch) => batch.items), [[1], [2, 3, 4], [5]]);
});

test('group commit: keys do not wait for each other; batches hold at most maxBatch; a failed batch fails its items only', async () => {
  const { batches, run, releaseNext } = recorder();
  const call = groupCommit(run, { maxBatch: 2 });
  const a1 = call('a', 1);
  const b1 = call('b', 7);
  assert.deepEqual(batches.map((batch) => batch.key), ['a', 'b'], 'b ran beside a');
  const queued = [2, -1, 3, 4].map((item) => call('a', item).then((value) => ({ value }), (error: Error) => ({ error: error.message })));
  for (let i = 0; i < 4; i++) await releaseNext(); // a: [1], [2, -1], [3, 4]; b: [7]
  assert.equal(await a1, 10);
  assert.equal(await b1, 70);
  assert.deepEqual(await Promise.all(queued), [{ error: 'batch failed' }, { error: 'batch failed' }, { value: 30 }, { value: 40 }]);
  assert.deepEqual(batches.filter((batch) => batch.key === 'a').map((batch) => batch.items), [[1], [2, -1], [3, 4]]);
});
