// 线索公海's exact total as it opens and in its views by owner comes from the owners' tally (migration 0038), kept by
// statement triggers on lead. Through HTTP: after every kind of change a lead's count can see (add to the pool or an
// owner, assign, claim, return, merge, delete, a multi-row insert, an edit that moves nothing, truncation), each
// caller's total in each view equals the number of leads the page itself lists, and the tally equals a count.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import { createWecomTestEnv, type WecomTestEnv } from '../../testing/wecom-test-env.ts';
import type { TestClient } from '../../testing/test-app.ts';
import { addLead, department, ok, scopedUser } from './leads.testing.ts';

const PERMS = ['clue:list', 'clue:query', 'clue:add', 'clue:update', 'clue:assign', 'clue:claim', 'clue:return', 'clue:delete', 'clue:merge'];

describe("the leads page's total from the owners' tally", () => {
  let env: WecomTestEnv;
  let admin: TestClient;
  let callers: { name: string; client: TestClient }[];
  let alice: TestClient;
  let e1: string;
  let e2: string;

  before(async () => {
    env = await createWecomTestEnv();
    admin = await env.login();
    await env.syncOrg();
    [e1, e2] = [...env.sim.state.employees.values()]
      .filter((e) => e.resignedAt === undefined && e.status === 1 && env.sim.state.isEmployeeVisible(e))
      .map((e) => e.userid);
    const sales = await department(admin, 'Sales T');
    alice = await scopedUser(env, admin, { username: 'alice_tally', perms: PERMS, dataScope: 5, deptId: sales, qwUserid: e1 });
    const amy = await scopedUser(env, admin, { username: 'amy_tally', perms: PERMS, dataScope: 3, deptId: sales });
    const carol = await scopedUser(env, admin, { username: 'carol_tally', perms: PERMS, dataScope: 5, deptId: sales });
    callers = [
      { name: 'admin (all)', client: admin },
      { name: 'alice (self, e1)', client: alice },
      { name: 'amy (department)', client: amy },
      { name: 'carol (self, unbound)', client: carol },
    ];
  });
  after(() => env.close());

  /**
   * Every caller's total in every view the tally answers equals the leads its page lists (a read of the leads, not of
   * the tally), and the tally holds exactly a count of the live, unmerged leads per owner.
   */
  async function totalsHold(step: string) {
    for (const { name, client } of callers) {
      for (const view of [{}, { pool: true }, { pool: false }, { mine: true }, { ownerUserid: e1 }, { ownerUserid: e2 }]) {
        const page = await ok(client.post('/scrm/admin/clue/page', { pageNum: 1, pageSize: 500, ...view }));
        assert.equal(page.total, page.records.length, `${step}: ${name}, view ${JSON.stringify(view)}`);
        // Past the last page, the total is read alone (no rows to carry it).
        const past = await ok(client.post('/scrm/admin/clue/page', { pageNum: 100, pageSize: 500, ...view }));
        assert.deepEqual([past.total, past.records.length], [page.total, 0], `${step}: ${name}, past the end, view ${JSON.stringify(view)}`);
      }
    }
    const tally = await env.db.execute<{ owner: string; n: number }>(sql`SELECT owner_userid AS owner, leads AS n FROM lead_tally WHERE leads <> 0 ORDER BY 1`);
    const counted = await env.db.execute<{ owner: string; n: number }>(sql`
      SELECT COALESCE(owner_userid, '') AS owner, count(*)::int AS n FROM lead WHERE is_del = 0 AND merged_into_id IS NULL GROUP BY 1 ORDER BY 1`);
    assert.deepEqual(tally.rows.map((row) => [row.owner, Number(row.n)]), counted.rows.map((row) => [row.owner, Number(row.n)]), `${step}: the tally`);
  }

  it('holds through every change a lead can go through', async () => {
    await totalsHold('empty');
    const pool = [];
    for (let i = 0; i < 4; i++) pool.push(await addLead(admin, { name: `公海线索${i}`, phone: `1390000100${i}` }));
    const owned = await addLead(admin, { name: '直接分配', phone: '13900001010', ownerUserid: e1 });
    assert.equal(owned.ownerUserid, e1);
    await totalsHold('added');
    await ok(admin.post('/scrm/admin/clue/batchAssign', { clueIds: [pool[0].id, pool[1].id], userid: e2 }));
    await totalsHold('assigned');
    await ok(alice.post('/scrm/admin/clue/claim', { clueIds: [pool[2].id] }));
    await totalsHold('claimed');
    await ok(admin.post('/scrm/admin/clue/returnPool', { clueIds: [pool[0].id], reason: '客户暂无需求' }));
    await totalsHold('returned');
    await ok(admin.post('/scrm/admin/clue/merge', { targetId: owned.id, sourceIds: [pool[1].id, pool[3].id] }));
    await totalsHold('merged');
    await ok(admin.post('/scrm/admin/clue/delete', { clueIds: [pool[2].id] }));
    await totalsHold('deleted');
    // One statement, many rows and owners (as an import batch writes them).
    await env.db.execute(sql`
      INSERT INTO lead (name, source, status, owner_userid, primary_phone)
      SELECT '批量' || i, 'import', CASE WHEN i % 3 = 0 THEN 'pool' ELSE 'assigned' END,
             CASE i % 3 WHEN 0 THEN NULL WHEN 1 THEN ${e1} ELSE ${e2} END, '1370000' || lpad(i::text, 4, '0')
      FROM generate_series(1, 30) AS i`);
    await totalsHold('inserted in bulk');
    // An edit that moves no lead in or out of a count writes no tally row.
    const before = await env.db.execute<{ xmin: string }>(sql`SELECT xmin::text FROM lead_tally ORDER BY owner_userid`);
    await ok(admin.post('/scrm/admin/clue/update', { clueId: owned.id, remark: '已电话沟通' }));
    await env.db.execute(sql`UPDATE lead SET remark = 'x' WHERE name LIKE '批量%'`);
    const afterEdit = await env.db.execute<{ xmin: string }>(sql`SELECT xmin::text FROM lead_tally ORDER BY owner_userid`);
    assert.deepEqual(afterEdit.rows, before.rows, 'no tally row rewritten');
    // Owners swapped in one statement, and a hard delete.
    await env.db.execute(sql`UPDATE lead SET owner_userid = CASE owner_userid WHEN ${e1} THEN ${e2} ELSE ${e1} END WHERE owner_userid IS NOT NULL AND name LIKE '批量%'`);
    await totalsHold('owners swapped');
    await env.db.execute(sql`DELETE FROM lead WHERE name LIKE '批量%' AND owner_userid = ${e2}`);
    await totalsHold('hard deleted');
    await env.db.execute(sql`TRUNCATE lead CASCADE`);
    await totalsHold('truncated');
  });
});
