// Issue 21: on PostgreSQL the auth version and signed-out tokens are pushed to every replica (LISTEN scrm_auth)
// instead of read per request. An authenticated request then makes no auth query; a disable, a revoked grant and
// a logout made on one replica hold at once there and within a second on another (its own pool and listener);
// with the listening connection gone a replica reads the database per request until it is back.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../app.ts';
import { openDatabase, type Database } from '../db/database.ts';
import { createTokenService } from './tokens.ts';
import { LISTENER_NAME } from './auth-notifications.ts';
import { createTestApp, type TestApp, type TestClient } from '../../testing/test-app.ts';
import { userWith } from '../../modules/system/test-fixtures.ts';

const onPostgres = Boolean(process.env.DATABASE_URL);

describe('auth state pushed to every replica (PostgreSQL)', { skip: onPostgres ? false : 'LISTEN/NOTIFY needs PostgreSQL: the embedded database reads the auth state per request' }, () => {
  let t: TestApp;
  let admin: TestClient;
  let replicaDb: Database;
  let replica: FastifyInstance;
  /** Reads of the auth state (version, revoked token) per pool, as the fallback makes them. */
  const stateReads = new Map<string, number>();

  const countStateReads = (name: string, database: Database) => {
    stateReads.set(name, 0);
    const original = database.pool.query.bind(database.pool) as (...args: unknown[]) => unknown;
    (database.pool as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
      if (typeof args[0] === 'string' && args[0].includes("key = 'auth_version'")) stateReads.set(name, stateReads.get(name)! + 1);
      return original(...args);
    };
  };

  /** Waits until every app's listener is connected (both replicas answer without a state read). */
  const listeners = async () => {
    for (let i = 0; i < 100; i++) {
      const { rows } = await t.db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = ${LISTENER_NAME} AND datname = current_database() AND state = 'idle'`);
      if (Number(rows[0].n) >= 2) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('the listeners did not connect');
  };

  const current = async (app: FastifyInstance, token: string) =>
    (await app.inject({ method: 'GET', url: '/scrm/admin/sys/user/current', headers: { token } })).statusCode;
  const page = async (app: FastifyInstance, token: string) =>
    (await app.inject({ method: 'POST', url: '/scrm/admin/sys/user/page', payload: { pageNum: 1, pageSize: 10 }, headers: { token } })).statusCode;

  /** The status the app answers within a second (polled), or the last one seen. */
  const within1s = async (ask: () => Promise<number>, expected: number) => {
    const deadline = Date.now() + 1000;
    let status = await ask();
    while (status !== expected && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      status = await ask();
    }
    return status;
  };

  before(async () => {
    t = await createTestApp();
    admin = await t.login();
    // A second replica: its own pool (and so its own notices) and listener on the same database.
    replicaDb = openDatabase(t.database.connection);
    const now = () => t.clock.now;
    replica = await buildApp({
      config: t.config, database: replicaDb, jobs: t.jobs, now, logger: false, eventWorker: false,
      tokens: createTokenService(t.config.JWT_SECRET!, t.config.JWT_TTL_HOURS * 3600, now),
    });
    await replica.ready();
    countStateReads('main', t.database);
    countStateReads('replica', replicaDb);
    await listeners();
  });
  after(async () => {
    await replica.close();
    await replicaDb.close();
    await t.close();
  });

  test('an authenticated request reads no auth state while the listener is up', async () => {
    const user = await userWith(t, admin, 'push_reader', ['sys:user:list']);
    for (const app of [t.app, replica]) assert.equal(await page(app, user.token), 200);
    stateReads.set('main', 0);
    stateReads.set('replica', 0);
    for (let i = 0; i < 5; i++) for (const app of [t.app, replica]) assert.equal(await page(app, user.token), 200);
    assert.deepEqual(Object.fromEntries(stateReads), { main: 0, replica: 0 });
  });

  test('a revoked grant, a disable and a logout hold at once here and within a second on the other replica', async () => {
    const user = await userWith(t, admin, 'push_target', ['sys:user:list']);
    const other = await t.login('push_target', 'Passw0rd1234');
    for (const app of [t.app, replica]) assert.equal(await page(app, user.token), 200);

    // The grant goes: 403 on this replica at once, on the other within a second.
    const r = await admin.post('/scrm/admin/sys/role/updateMenus', { roleId: user.roleId, menuIds: [] });
    assert.equal(r.status, 200);
    assert.equal(await page(t.app, user.token), 403);
    assert.equal(await within1s(() => page(replica, user.token), 403), 403);

    // Logout of one session: refused at once here, within a second there; the other session is not affected.
    assert.equal((await t.client(user.token).post('/scrm/admin/logout')).status, 200);
    assert.equal(await current(t.app, user.token), 401);
    assert.equal(await within1s(() => current(replica, user.token), 401), 401);
    assert.equal(await current(replica, other.token), 200);

    // Disabled: every session refused.
    assert.equal((await admin.get('/scrm/admin/sys/user/updateStatus', { id: user.id, status: 1 })).status, 200);
    assert.equal(await current(t.app, other.token), 401);
    assert.equal(await within1s(() => current(replica, other.token), 401), 401);
  });

  test('with its listening connection gone a replica reads the state per request, and stops once it is back', async () => {
    const user = await userWith(t, admin, 'push_fallback', ['sys:user:list']);
    assert.equal(await page(replica, user.token), 200);
    await t.db.execute(sql`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = ${LISTENER_NAME} AND datname = current_database()`);
    // Once the replica has noticed (within a second), it reads the state until the listener is back (and sees a
    // disable at once, even made elsewhere).
    stateReads.set('replica', 0);
    const deadline = Date.now() + 1000;
    while (stateReads.get('replica') === 0 && Date.now() < deadline) assert.equal(await page(replica, user.token), 200);
    assert.ok(stateReads.get('replica')! >= 1, 'the state was read from the database');
    await replicaDb.db.execute(sql`UPDATE sys_user SET status = 1 WHERE id = ${user.id}`);
    assert.equal(await current(replica, user.token), 401);
    await replicaDb.db.execute(sql`UPDATE sys_user SET status = 0 WHERE id = ${user.id}`);
    // Back within a couple of seconds: no reads again.
    await listeners();
    // pg_stat_activity shows the session idle between its LISTEN and its reads of the state; the replica is back once
    // those are done (at most a second later).
    const back = Date.now() + 1000;
    do {
      stateReads.set('replica', 0);
      assert.equal(await page(replica, user.token), 200);
    } while (stateReads.get('replica')! > 0 && Date.now() < back);
    stateReads.set('replica', 0);
    assert.equal(await page(replica, user.token), 200);
    assert.equal(stateReads.get('replica'), 0);
  });
});
