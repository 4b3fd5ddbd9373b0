import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildEventXml } from '@scrm/wecom';
import { createTestApp } from '../../testing/test-app.ts';
import { openDatabase } from '../../platform/db/database.ts';
import { createUnconfiguredWecom } from '../../platform/wecom.ts';
import { createEventRegistry } from './event-registry.ts';
import { createEventRepository } from './event.repository.ts';
import { createEventWorker } from './event-worker.ts';

test('two replicas\' workers on one database apply every stored event exactly once', async (t) => {
  // The app stores events; its own worker is off so the two "replicas" below do all the work.
  const app = await createTestApp({ deps: { eventWorker: false } });
  t.after(() => app.close());
  const admin = await app.login();

  const applied = new Map<string, number>();
  const claimedBy = new Map<string, number>();
  const replicas = [0, 1].map((index) => {
    // Each replica has its own pool and its own registry, as separate processes would.
    const database = openDatabase(app.database.connection);
    const registry = createEventRegistry();
    registry.registerEventHandler({ event: 'change_contact', changeType: 'update_user' }, {
      async apply(event) {
        const key = `${(event as { userId: string }).userId}@${event.createTime}`;
        applied.set(key, (applied.get(key) ?? 0) + 1);
        claimedBy.set(`replica${index}`, (claimedBy.get(`replica${index}`) ?? 0) + 1);
      },
    });
    const worker = createEventWorker(
      { db: database.db, events: createEventRepository(database.db), registry, wecom: createUnconfiguredWecom(database.db), now: () => app.clock.now },
      { batchSize: 16, concurrency: 2, pollIntervalMs: 20 },
    );
    return { database, worker };
  });
  t.after(async () => {
    for (const replica of replicas) {
      await replica.worker.stop();
      await replica.database.close();
    }
  });

  const COUNT = 200;
  const users = Array.from({ length: 40 }, (_, i) => `user${i}`);
  for (let i = 0; i < COUNT; i++) {
    const xml = buildEventXml({ kind: 'change_contact', changeType: 'update_user', toUserName: 'ww-test', createTime: 1_900_000_000 + i, userId: users[i % users.length] });
    const stored = await admin.post('/scrm/wx/portal/test', { xml });
    assert.equal(stored.status, 200, JSON.stringify(stored.body));
  }
  for (const replica of replicas) replica.worker.start();

  const deadline = Date.now() + 60_000;
  while ([...applied.values()].length < COUNT && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  // Let any late duplicate show itself before counting.
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal(applied.size, COUNT, 'every event applied');
  assert.deepEqual([...new Set(applied.values())], [1], 'no event applied twice');
  const done = await admin.post('/scrm/admin/event/page', { status: 'done', pageNum: 1, pageSize: 1 });
  assert.equal(done.body.date.total, COUNT);
  if (!process.env.DATABASE_URL) return;
  // On PostgreSQL both replicas really work side by side (PGlite is one session: it serialises them).
  assert.equal(claimedBy.size, 2, `both replicas applied events: ${JSON.stringify(Object.fromEntries(claimedBy))}`);
});
