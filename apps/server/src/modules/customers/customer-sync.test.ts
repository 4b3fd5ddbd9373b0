import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import type { BatchGetByUserRequest } from '@scrm/wecom';
import { createWecomTestEnv, type WecomTestEnv } from '../../testing/wecom-test-env.ts';
import { createCustomerWriteRepository } from './customer-writes.repository.ts';
import { runCustomerSync, type SyncCheckpoint } from './customer-sync.ts';
import { simRelations } from './customers.testing.ts';
import { createRole, createUser, PASSWORD } from '../system/test-fixtures.ts';

describe('customer sync: checkpoints and resumption', () => {
  let env: WecomTestEnv;

  before(async () => {
    env = await createWecomTestEnv({ sizes: { employees: 10, customers: 300 } });
  });
  after(() => env?.close());

  /** The real client, counting batch calls and failing the `failAt`-th one (a crash mid-sync). */
  const flakyClient = (failAt?: number) => {
    const calls: BatchGetByUserRequest[] = [];
    const real = env.wecom.client.externalContact;
    const client = {
      externalContact: {
        getFollowUserList: () => real.getFollowUserList(),
        batchGetByUser: async (request: BatchGetByUserRequest) => {
          calls.push(request);
          if (calls.length === failAt) throw new Error('connection reset');
          return real.batchGetByUser(request);
        },
      },
    };
    return { client: client as never, calls };
  };

  /** A job's progress and checkpoint kept in memory, like sys_job.payload. */
  const jobStub = () => {
    let checkpoint: SyncCheckpoint | null = null;
    const progress: number[] = [];
    return {
      progress: async (done: number) => void progress.push(done),
      checkpoint: async <T>() => structuredClone(checkpoint) as T | null,
      saveCheckpoint: async (value: unknown) => void (checkpoint = structuredClone(value) as SyncCheckpoint),
      get saved() {
        return checkpoint;
      },
      reported: progress,
    };
  };

  test('a crash mid-sync resumes after the last persisted page and ends with exactly WeCom state', async () => {
    const expected = simRelations(env.sim);
    const pages = Math.ceil(expected.length / 100);
    assert.ok(pages >= 4, `enough pages to crash in the middle (${pages})`);
    const writes = createCustomerWriteRepository(env.db);
    const job = jobStub();

    const crashing = flakyClient(4);
    await assert.rejects(runCustomerSync({ wecom: crashing.client, writes, departures: async () => new Map(), now: () => env.clock.now }, job, { batchSize: 100, concurrency: 1 }), /connection reset/);
    assert.equal(job.saved!.relations, 300, 'the three pages fetched before the crash were written and checkpointed');
    assert.ok(job.saved!.chunks[0].cursor, 'with the cursor of the next page');
    const persisted = await env.db.execute<{ n: number }>(sql`SELECT count(*) AS n FROM customer_relation`);
    assert.equal(Number(persisted.rows[0].n), 300);

    const resumeCursor = job.saved!.chunks[0].cursor;
    const resumed = flakyClient();
    const result = await runCustomerSync({ wecom: resumed.client, writes, departures: async () => new Map(), now: () => env.clock.now }, job, { batchSize: 100, concurrency: 1 });
    assert.equal(resumed.calls.length, pages - 3, 'only the pages not yet persisted are fetched again');
    assert.equal(resumed.calls[0].cursor, resumeCursor);
    assert.equal(result.resumed, true);
    assert.equal(result.relations, expected.length);
    assert.equal(result.lost, 0, 'rows written before the crash count as seen by this run');
    const active = await env.db.execute<{ n: number }>(sql`SELECT count(*) AS n FROM customer_relation WHERE status = 'active'`);
    assert.equal(Number(active.rows[0].n), expected.length);
    assert.ok(job.reported.at(-1)! >= expected.length, 'progress reached the end');
  });

  test('batches of 100 userids per call, cursor paging with limit 100', async () => {
    const { client, calls } = flakyClient();
    const job = jobStub();
    await runCustomerSync({ wecom: client, writes: createCustomerWriteRepository(env.db), departures: async () => new Map(), now: () => env.clock.now }, job);
    assert.ok(calls.every((call) => call.userid_list.length <= 100 && call.limit === 100));
    assert.equal(calls.filter((call) => !call.cursor).length, Math.ceil(job.saved!.userids.length / 100), 'one cursor chain per chunk of userids');
  });

  test("the per-employee tally and the sharded total (客户列表's unfiltered totals) stay the count of relations through syncs, callbacks, moves, deletes and truncation", async () => {
    const tallyDiff = async () =>
      (await env.db.execute<{ userid: string; counted: number; tallied: number }>(sql`
        SELECT coalesce(c.userid, t.userid) AS userid, coalesce(c.n, 0)::int AS counted, coalesce(t.relations, 0)::int AS tallied
        FROM (SELECT userid, count(*) AS n FROM customer_relation GROUP BY userid) c
        FULL JOIN customer_relation_tally t ON t.userid = c.userid
        WHERE coalesce(c.n, 0) <> coalesce(t.relations, 0)`)).rows;
    const total = async () => Number((await env.db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM customer_relation`)).rows[0].n);
    // The sharded total (migration 0039), summed: each connection writes its own shard.
    const sharded = async () => Number((await env.db.execute<{ n: number }>(sql`SELECT COALESCE(sum(relations), 0)::int AS n FROM customer_relation_total`)).rows[0].n);
    assert.ok((await total()) > 100, 'the syncs above wrote relations');
    assert.deepEqual(await tallyDiff(), []);
    assert.equal(await sharded(), await total());
    // Callbacks: an add, a customer leaving (the relation stays, lost), the employee deleting one.
    const [employee] = [...env.sim.state.employees.values()].filter((e) => e.customerContact && e.resignedAt === undefined);
    const added = env.sim.actions.addCustomer({ userid: employee.userid });
    const [first, second] = env.sim.state.relationList(employee.userid).filter((r) => r.external_userid !== added.external_userid);
    env.sim.actions.customerDeletesEmployee({ userid: employee.userid, external_userid: first.external_userid });
    env.sim.actions.employeeDeletesCustomer({ userid: employee.userid, external_userid: second.external_userid });
    await env.settle();
    assert.deepEqual(await tallyDiff(), []);
    assert.equal(await sharded(), await total());
    // A row moved to another employee, rows deleted, and the admin's page total (no filter) is the count.
    await env.db.execute(sql`UPDATE customer_relation SET userid = 'tally_other' WHERE id = (SELECT min(id) FROM customer_relation)`);
    await env.db.execute(sql`DELETE FROM customer_relation WHERE id IN (SELECT id FROM customer_relation ORDER BY id DESC LIMIT 3)`);
    assert.deepEqual(await tallyDiff(), []);
    assert.equal(await sharded(), await total());
    const admin = await env.login();
    const page = await admin.post('/scrm/admin/cust/emp/page', { pageNum: 1, pageSize: 10 });
    assert.equal(page.body.date.total, await total());
    const mine = await admin.post('/scrm/admin/cust/emp/page', { pageNum: 1, pageSize: 10, userIds: [employee.userid] });
    const counted = await env.db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM customer_relation WHERE userid = ${employee.userid}`);
    assert.equal(mine.body.date.total, Number(counted.rows[0].n), 'a filtered total is counted');
    // A caller who sees only some employees reads their tally rows: a self-scope user bound to the employee.
    const roleId = await createRole(env, admin, { roleKey: 'tally_self', perms: ['cust:emp:list'], dataScope: 5 });
    const userId = await createUser(admin, { username: 'tally_self', roleIds: [roleId] });
    await env.db.execute(sql`UPDATE sys_user SET qw_userid = ${employee.userid} WHERE id = ${userId}`);
    const self = await env.login('tally_self', PASSWORD);
    const own = await self.post('/scrm/admin/cust/emp/page', { pageNum: 1, pageSize: 10 });
    assert.equal(own.body.date.total, Number(counted.rows[0].n), "the self-scope total is the employee's own count");
    await env.db.execute(sql`TRUNCATE customer_relation CASCADE`);
    assert.deepEqual([await sharded(), await total()], [0, 0]);
    assert.equal((await admin.post('/scrm/admin/cust/emp/page', { pageNum: 1, pageSize: 10 })).body.date.total, 0);
  });
});
