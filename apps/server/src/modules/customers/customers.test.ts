import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import { createWecomTestEnv, type WecomTestEnv } from '../../testing/wecom-test-env.ts';
import type { TestClient } from '../../testing/test-app.ts';
import { expectedCustomer, expectedRelation, ok, pick, readXlsx, scopedUser, simRelations } from './customers.testing.ts';
import { EXPORT_COLUMNS } from './relation-export.ts';

const CUSTOMER_PERMS = ['cust:info:list', 'cust:info:query', 'cust:emp:list', 'cust:emp:query', 'cust:emp:export', 'cust:emp:stat', 'cust:info:stat'];

describe('customers, end to end through the simulator', () => {
  let env: WecomTestEnv;
  let admin: TestClient;

  const relationsOf = async (externalUserid: string) =>
    (await ok(admin.post('/scrm/admin/cust/emp/page', { externalUserid, pageSize: 100 }))).records as any[];
  const countRows = async (query: ReturnType<typeof sql>) => Number((await env.db.execute<{ n: number }>(query)).rows[0].n);

  before(async () => {
    env = await createWecomTestEnv({ sizes: { employees: 10, customers: 60 } });
    admin = await env.login();
    await env.syncOrg();
    const started = await ok(admin.post('/scrm/admin/cust/info/sync'));
    assert.equal(started.type, 'customers.sync');
    const job = await env.jobs.waitFor(started.id, 60_000);
    assert.equal(job.state, 'completed', job.error ?? '');
  });
  after(() => env?.close());

  test('a sync reproduces the simulator: counts, and every field of a sample', async () => {
    const expected = simRelations(env.sim);
    const page = await ok(admin.post('/scrm/admin/cust/emp/page', { status: 'active', pageSize: 1 }));
    assert.equal(page.total, expected.length);
    assert.equal(await countRows(sql`SELECT count(*) AS n FROM customer_relation`), expected.length, 'nothing but the active relations');
    const customers = new Set(expected.map((relation) => relation.external_userid));
    assert.equal((await ok(admin.post('/scrm/admin/cust/info/page', { pageSize: 1 }))).total, customers.size);

    for (const relation of expected.filter((_, index) => index % 7 === 0)) {
      const [stored] = (await relationsOf(relation.external_userid)).filter((row) => row.userid === relation.userid);
      const want = expectedRelation(env.sim, relation.userid, relation.external_userid);
      assert.deepEqual(pick(stored, want), want);
      assert.equal(stored.employeeName, env.sim.state.employees.get(relation.userid)!.name);
      const customer = await ok(admin.get('/scrm/admin/cust/info/getByExternalUserid', { externalUserid: relation.external_userid }));
      const wantCustomer = expectedCustomer(env.sim, relation.external_userid);
      assert.deepEqual(pick(customer, wantCustomer), wantCustomer);
      assert.equal(customer.relations.length, expected.filter((other) => other.external_userid === relation.external_userid).length);
    }

    const job = await ok(admin.get('/scrm/admin/job/get', { id: (await env.db.execute<{ id: number }>(sql`SELECT max(id) AS id FROM sys_job WHERE type = 'customers.sync'`)).rows[0].id }));
    assert.equal(job.state, 'completed');
    assert.equal(job.progress, expected.length);
    assert.equal((job.result as any).relations, expected.length);
  });

  test('one sync at a time: a second start returns the running job', async () => {
    const first = await ok(admin.post('/scrm/admin/cust/info/sync'));
    const second = await ok(admin.post('/scrm/admin/cust/info/sync'));
    assert.equal(second.id, first.id);
    assert.equal((await env.jobs.waitFor(first.id, 60_000)).state, 'completed');
  });

  test('a customer added by a simulator action appears with the right employee, state and add way', async () => {
    const way = [...env.sim.state.contactWays.values()][0];
    const scanned = env.sim.actions.scanContactWay({ config_id: way.config_id, customer: { name: '扫码客户' } });
    const searched = env.sim.actions.addCustomer({ userid: scanned.userid, add_way: 2, customer: { name: '搜索客户', type: 2, corp_name: '腾讯' } });
    await env.settle();

    const [viaQr] = await relationsOf(scanned.external_userid);
    assert.equal(viaQr.userid, scanned.userid);
    assert.equal(viaQr.state, way.state);
    assert.equal(viaQr.addWay, 1);
    assert.equal(viaQr.customerName, '扫码客户');
    assert.equal(viaQr.status, 'active');
    const [viaSearch] = await relationsOf(searched.external_userid);
    assert.equal(viaSearch.userid, scanned.userid);
    assert.equal(viaSearch.addWay, 2);
    assert.equal(viaSearch.state, '');
    assert.equal(viaSearch.customerCorpName, '腾讯');
    assert.equal(viaSearch.employeeName, env.sim.state.employees.get(scanned.userid)!.name);
  });

  test('deletions on either side mark the relation lost with the right side; replays change nothing; a re-add is a new period', async () => {
    const userid = simRelations(env.sim)[0].userid;
    const byCustomer = env.sim.actions.addCustomer({ userid, customer: { name: '删员工的客户' } });
    const byEmployee = env.sim.actions.addCustomer({ userid, customer: { name: '被员工删的客户' } });
    await env.settle();

    env.sim.actions.customerDeletesEmployee({ userid, external_userid: byCustomer.external_userid });
    const customerDeletedAt = Math.floor(env.clock.now / 1000);
    env.sim.actions.employeeDeletesCustomer({ userid, external_userid: byEmployee.external_userid });
    await env.settle();

    const [lostToCustomer] = await relationsOf(byCustomer.external_userid);
    assert.equal(lostToCustomer.status, 'lost');
    assert.equal(lostToCustomer.lostBy, 'customer');
    assert.ok(Math.abs(Date.parse(lostToCustomer.lostAt) / 1000 - customerDeletedAt) <= 1, 'lost at the event time');
    const [lostToEmployee] = await relationsOf(byEmployee.external_userid);
    assert.equal(lostToEmployee.status, 'lost');
    assert.equal(lostToEmployee.lostBy, 'employee');

    // Replaying every stored event (late redeliveries) changes nothing.
    const before = await countRows(sql`SELECT count(*) AS n FROM customer_relation WHERE status = 'active'`);
    const events = await env.db.execute<{ id: number }>(sql`SELECT id FROM wx_event WHERE event = 'change_external_contact'`);
    const replay = await admin.post('/scrm/admin/event/replay', { ids: events.rows.map((row) => Number(row.id)) });
    assert.equal(replay.status, 200, JSON.stringify(replay.body));
    await env.settle();
    assert.equal(await countRows(sql`SELECT count(*) AS n FROM customer_relation WHERE status = 'active'`), before);
    assert.deepEqual(await relationsOf(byCustomer.external_userid).then((rows) => rows.map((row) => [row.status, row.lostBy])), [['lost', 'customer']]);

    // Adding the customer again starts a new period; the lost one stays as history.
    env.clock.now += 5000;
    env.sim.actions.addCustomer({ userid, external_userid: byCustomer.external_userid });
    await env.settle();
    const periods = await relationsOf(byCustomer.external_userid);
    assert.deepEqual(periods.map((row) => row.status), ['active', 'lost']);
    const listed = await ok(admin.get('/scrm/admin/cust/emp/listByUser', { userId: userid }));
    assert.ok(listed.some((row: any) => row.externalUserid === byCustomer.external_userid));
    assert.ok(!listed.some((row: any) => row.externalUserid === byEmployee.external_userid), 'only active relations');
  });

  test('an on-the-job transfer ends the old relation as transferred, not lost; the takeover relation appears', async () => {
    const [handover, takeover] = [...env.sim.state.employees.values()].filter((employee) => employee.customerContact && employee.resignedAt === undefined);
    const added = env.sim.actions.addCustomer({ userid: handover.userid, customer: { name: '转接客户' } });
    const refusing = env.sim.actions.addCustomer({ userid: handover.userid, customer: { name: '拒绝转接的客户' } });
    await env.settle();
    const response = await env.wecom.client.transfers.transferCustomers({
      handover_userid: handover.userid,
      takeover_userid: takeover.userid,
      external_userid: [added.external_userid, refusing.external_userid],
    });
    assert.deepEqual(response.customer.map((customer) => customer.errcode), [0, 0]);
    env.sim.actions.refuseTransfer({ external_userid: refusing.external_userid, reason: 'customer_refused' });
    env.clock.now += 25 * 3600 * 1000;
    env.sim.settle();
    await env.settle();
    const rows = await relationsOf(added.external_userid);
    const old = rows.find((row) => row.userid === handover.userid);
    const taken = rows.find((row) => row.userid === takeover.userid);
    assert.equal(old.status, 'transferred');
    assert.equal(old.lostBy, null);
    assert.equal(taken.status, 'active');
    assert.equal(taken.addWay, 202);
    // transfer_fail: the customer stays with the handover employee, and the reason is recorded there.
    const [stayed, ...others] = await relationsOf(refusing.external_userid);
    assert.equal(others.length, 0);
    assert.equal(stayed.userid, handover.userid);
    assert.equal(stayed.status, 'active');
    assert.equal(stayed.transferFailReason, 'customer_refused');
  });

  test('a half add (add_half_external_contact) appears as an active relation', async () => {
    const userid = simRelations(env.sim)[0].userid;
    const half = env.sim.actions.addCustomer({ userid, halfAdd: true, state: 'half-state', customer: { name: '免验证客户' } });
    await env.settle();
    const changeTypes = await env.db.execute<{ change_type: string }>(sql`SELECT change_type FROM wx_event WHERE payload->>'externalUserId' = ${half.external_userid}`);
    assert.deepEqual(changeTypes.rows.map((row) => row.change_type), ['add_half_external_contact']);
    const [relation] = await relationsOf(half.external_userid);
    assert.equal(relation.status, 'active');
    assert.equal(relation.state, 'half-state');
  });

  test('the next sync marks relations WeCom no longer has as lost (side unknown), never deleting them', async () => {
    const [gone] = simRelations(env.sim);
    env.sim.state.removeRelation(gone.userid, gone.external_userid); // no callback: only a sync can notice
    const total = await countRows(sql`SELECT count(*) AS n FROM customer_relation`);
    const job = await env.runJob('customers.sync');
    assert.ok((job.result as any).lost >= 1);
    const [row] = (await relationsOf(gone.external_userid)).filter((relation) => relation.userid === gone.userid);
    assert.equal(row.status, 'lost');
    assert.equal(row.lostBy, null);
    assert.equal(await countRows(sql`SELECT count(*) AS n FROM customer_relation`), total);
    assert.equal((await ok(admin.post('/scrm/admin/cust/emp/page', { status: 'active', pageSize: 1 }))).total, simRelations(env.sim).length);
  });

  test('realtime reads WeCom live and refreshes the stored copy', async () => {
    const [relation] = simRelations(env.sim);
    env.sim.state.customers.get(relation.external_userid)!.name = '改过名的客户';
    const live = await ok(admin.get('/scrm/admin/cust/info/realtime', { externalUserid: relation.external_userid }));
    assert.equal(live.name, '改过名的客户');
    const stored = await ok(admin.get('/scrm/admin/cust/info/get', { id: live.id }));
    assert.equal(stored.name, '改过名的客户');
    assert.equal((await admin.get('/scrm/admin/cust/info/realtime', { externalUserid: 'wmUnknownCustomer0000' })).status, 404);
  });

  test('saving a relation writes the remark to WeCom and stores it', async () => {
    const [relation] = simRelations(env.sim);
    const [stored] = (await relationsOf(relation.external_userid)).filter((row) => row.userid === relation.userid && row.status === 'active');
    const saved = await ok(admin.post('/scrm/admin/cust/emp/save', { id: stored.id, remark: '王总', description: '采购负责人', remarkMobiles: ['13800000001'] }));
    assert.equal(saved.remark, '王总');
    assert.deepEqual(saved.remarkMobiles, ['13800000001']);
    const inWecom = env.sim.state.relation(relation.userid, relation.external_userid)!;
    assert.equal(inWecom.remark, '王总');
    assert.equal(inWecom.description, '采购负责人');
    assert.equal((await admin.post('/scrm/admin/cust/emp/save', { id: stored.id, remark: 'x'.repeat(21) })).status, 400);
  });

  test('page filters: employee, department, add time, add way, state, status, name', async () => {
    const all = simRelations(env.sim);
    const userid = all[0].userid;
    const mine = await ok(admin.post('/scrm/admin/cust/emp/page', { userIds: [userid], status: 'active', pageSize: 500 }));
    assert.equal(mine.total, env.sim.state.relationList(userid).length);
    assert.ok(mine.records.every((row: any) => row.userid === userid));
    const times = mine.records.map((row: any) => row.createtime);
    assert.deepEqual(times, [...times].sort().reverse(), 'newest first');

    const department = env.sim.state.employees.get(userid)!.department[0];
    const inDepartment = new Set(env.sim.state.employeesInDepartments([department]).map((employee) => employee.userid));
    const byDept = await ok(admin.post('/scrm/admin/cust/emp/page', { deptIds: [department], status: 'active', pageSize: 500 }));
    assert.ok(byDept.total > 0);
    assert.ok(byDept.records.every((row: any) => inDepartment.has(row.userid)));

    const pivot = all[Math.floor(all.length / 2)].createtime;
    const day = new Date((pivot + 8 * 3600) * 1000).toISOString().slice(0, 10);
    const dayStart = Date.parse(`${day}T00:00:00+08:00`) / 1000;
    const onDay = await ok(admin.post('/scrm/admin/cust/emp/page', { addTimeStart: day, addTimeEnd: day, status: 'active', pageSize: 500 }));
    assert.equal(onDay.total, all.filter((relation) => relation.createtime >= dayStart && relation.createtime < dayStart + 86400).length);
    const after = await ok(admin.post('/scrm/admin/cust/emp/page', { addTimeStart: new Date(pivot * 1000).toISOString(), status: 'active', pageSize: 1 }));
    assert.equal(after.total, all.filter((relation) => relation.createtime >= pivot).length);

    const withState = all.find((relation) => relation.state)!;
    const byState = await ok(admin.post('/scrm/admin/cust/emp/page', { state: withState.state, status: 'active', pageSize: 1 }));
    assert.equal(byState.total, all.filter((relation) => relation.state === withState.state).length);
    const byWay = await ok(admin.post('/scrm/admin/cust/emp/page', { addWay: 1, status: 'active', pageSize: 1 }));
    assert.equal(byWay.total, all.filter((relation) => relation.add_way === 1).length);

    const customer = env.sim.state.customers.get(all[3].external_userid)!;
    const byName = await ok(admin.post('/scrm/admin/cust/emp/page', { name: customer.name, status: 'active', pageSize: 500 }));
    assert.ok(byName.records.some((row: any) => row.externalUserid === customer.external_userid));
    assert.ok(byName.records.every((row: any) => row.customerName.includes(customer.name) || row.remark.includes(customer.name)));
    assert.equal((await ok(admin.post('/scrm/admin/cust/emp/page', { name: '%' }))).total, 0, 'wildcards match literally');
    const customers = await ok(admin.post('/scrm/admin/cust/info/page', { userIds: [userid], pageSize: 500 }));
    assert.ok(customers.records.every((row: any) => env.sim.state.relation(userid, row.externalUserid) || true));
    assert.ok(customers.total >= env.sim.state.relationList(userid).length);
  });

  test('totals by employee and channel agree with the pages; pageByChannel groups by state', async () => {
    await env.runJob('tags.corp.sync'); // byTag counts the corp tags the tag mirror knows
    const totals = await ok(admin.post('/scrm/admin/cust/emp/stat', {}));
    const active = await ok(admin.post('/scrm/admin/cust/emp/page', { status: 'active', pageSize: 1 }));
    const everything = await ok(admin.post('/scrm/admin/cust/emp/page', { pageSize: 1 }));
    assert.equal(totals.total.active, active.total);
    assert.equal(totals.total.total, everything.total);
    assert.equal(totals.byEmployee.reduce((sum: number, row: any) => sum + row.total, 0), everything.total);
    for (const row of totals.byEmployee.slice(0, 3)) {
      assert.equal((await ok(admin.post('/scrm/admin/cust/emp/page', { userIds: [row.userid], status: 'active', pageSize: 1 }))).total, row.active);
    }
    assert.equal(totals.byChannel.reduce((sum: number, row: any) => sum + row.total, 0), everything.total);
    const tagged = simRelations(env.sim).flatMap((relation) => relation.tag_ids);
    if (tagged.length) assert.ok(totals.byTag.length > 0);
    const groups = await ok(admin.post('/scrm/admin/cust/emp/pageByChannel', { pageSize: 100 }));
    assert.equal(groups.total, totals.byChannel.length);
    assert.equal(groups.records.reduce((sum: number, row: any) => sum + row.total, 0), everything.total);
  });

  test('a self-scope user sees and exports only their own customers', async () => {
    const userid = simRelations(env.sim)[0].userid;
    const own = env.sim.state.relationList(userid).map((relation) => relation.external_userid);
    const self = await scopedUser(env, admin, { username: 'sales_self', perms: CUSTOMER_PERMS, dataScope: 5, qwUserid: userid });

    const page = await ok(self.post('/scrm/admin/cust/emp/page', { pageSize: 500 }));
    assert.ok(page.total >= own.length);
    assert.ok(page.records.every((row: any) => row.userid === userid));
    const customers = await ok(self.post('/scrm/admin/cust/info/page', { pageSize: 500 }));
    assert.ok(own.every((id) => customers.records.some((row: any) => row.externalUserid === id)));
    for (const customer of customers.records) assert.ok((await relationsOf(customer.externalUserid)).some((row) => row.userid === userid));

    const everyRelation = (await ok(admin.post('/scrm/admin/cust/emp/page', { pageSize: 500 }))).records;
    const other = everyRelation.find((row: any) => row.userid !== userid);
    assert.equal((await self.get('/scrm/admin/cust/emp/get', { id: other.id })).status, 404);
    const stranger = everyRelation.find((row: any) => !everyRelation.some((mine: any) => mine.userid === userid && mine.externalUserid === row.externalUserid));
    assert.equal((await self.get('/scrm/admin/cust/info/getByExternalUserid', { externalUserid: stranger.externalUserid })).status, 404);
    const stat = await ok(self.post('/scrm/admin/cust/emp/stat', {}));
    assert.deepEqual(stat.byEmployee.map((row: any) => row.userid), [userid]);

    const exported = await self.post('/scrm/admin/cust/emp/export', {});
    assert.equal(exported.status, 200);
    assert.match(String(exported.raw.headers['content-type']), /spreadsheetml/);
    const rows = await readXlsx(exported.raw.rawPayload);
    assert.deepEqual(rows[0], EXPORT_COLUMNS.map((column) => column.header));
    assert.equal(rows.length - 1, page.total);
    const useridColumn = rows[0].indexOf('员工账号');
    assert.ok(rows.slice(1).every((row) => row[useridColumn] === userid));

    // Without a bound WeCom account a self-scope user sees nothing; without the permission, nothing at all.
    const unbound = await scopedUser(env, admin, { username: 'sales_unbound', perms: CUSTOMER_PERMS, dataScope: 5 });
    assert.equal((await ok(unbound.post('/scrm/admin/cust/emp/page', {}))).total, 0);
    assert.equal((await ok(unbound.post('/scrm/admin/cust/info/page', {}))).total, 0);
    assert.equal((await unbound.post('/scrm/admin/cust/info/sync')).status, 403);
  });

  test('a department-scope user sees the relations of employees bound to users of that department', async () => {
    // Employees no other test user is bound to.
    const [, , first, second] = [...new Set(simRelations(env.sim).map((relation) => relation.userid))];
    const rootId = (await ok(admin.get('/scrm/admin/sys/dept/tree')))[0].id;
    const dept = (await ok(admin.post('/scrm/admin/sys/dept/save', { name: '销售一部', parentId: rootId }))).id;
    await scopedUser(env, admin, { username: 'dept_member', perms: ['cust:emp:list'], dataScope: 5, qwUserid: first, deptId: dept });
    await scopedUser(env, admin, { username: 'elsewhere', perms: ['cust:emp:list'], dataScope: 5, qwUserid: second, deptId: rootId });
    const lead = await scopedUser(env, admin, { username: 'dept_lead', perms: ['cust:emp:list', 'cust:emp:stat'], dataScope: 3, deptId: dept });
    const page = await ok(lead.post('/scrm/admin/cust/emp/page', { pageSize: 500 }));
    assert.ok(page.total > 0);
    assert.deepEqual([...new Set(page.records.map((row: any) => row.userid))], [first]);
    const stat = await ok(lead.post('/scrm/admin/cust/emp/stat', {}));
    assert.deepEqual(stat.byEmployee.map((row: any) => row.userid), [first]);
  });

  test('the admin export has every row of the page with Chinese headers', async () => {
    const filters = { status: 'active' };
    const page = await ok(admin.post('/scrm/admin/cust/emp/page', { ...filters, pageSize: 500 }));
    const exported = await admin.post('/scrm/admin/cust/emp/export', filters);
    const rows = await readXlsx(exported.raw.rawPayload);
    assert.equal(rows.length - 1, page.total);
    const idColumn = rows[0].indexOf('客户ID');
    assert.deepEqual(rows.slice(1).map((row) => row[idColumn]), page.records.map((row: any) => row.externalUserid), 'same order as the page');
    assert.ok(rows.slice(1).every((row) => row[rows[0].indexOf('状态')] === '正常'));
  });
});
