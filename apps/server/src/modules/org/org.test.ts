import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import type { Employee } from '@scrm/wecom-sim';
import { createWecomTestEnv, type WecomTestEnv } from '../../testing/wecom-test-env.ts';

let env: WecomTestEnv;
let admin: Awaited<ReturnType<WecomTestEnv['login']>>;

/** The simulator's visible departments and active members, as the mirror should hold them. */
function expectedDepartments() {
  const { state } = env.sim;
  return [...state.departments.values()]
    .filter((department) => state.isDepartmentVisible(department.id))
    .map((department) => ({
      deptId: department.id,
      name: department.name,
      nameEn: department.name_en || null,
      parentId: department.parentid,
      orderNum: department.order,
      leaders: department.department_leader,
      isDel: 0,
    }))
    .sort((a, b) => a.deptId - b.deptId);
}

function expectedEmployee(employee: Employee) {
  const empty = (value: string) => (value === '' ? null : value);
  return {
    userid: employee.userid,
    name: employee.name,
    mobile: empty(employee.mobile),
    position: empty(employee.position),
    department: employee.department,
    deptOrder: employee.order,
    isLeaderInDept: employee.is_leader_in_dept,
    mainDepartment: employee.main_department,
    directLeader: employee.direct_leader,
    gender: Number(employee.gender),
    email: empty(employee.email),
    bizMail: empty(employee.biz_mail),
    avatar: empty(employee.avatar),
    thumbAvatar: empty(employee.thumb_avatar),
    telephone: empty(employee.telephone),
    alias: empty(employee.alias),
    address: empty(employee.address),
    openUserid: empty(employee.open_userid),
    externalPosition: empty(employee.external_position),
    status: employee.status,
    leftAt: null,
  };
}

function expectedEmployees() {
  const { state } = env.sim;
  return [...state.employees.values()]
    .filter((employee) => employee.resignedAt === undefined && state.isEmployeeVisible(employee))
    .map(expectedEmployee)
    .sort((a, b) => a.userid.localeCompare(b.userid));
}

async function mirroredDepartments() {
  const result = await admin.post('/scrm/admin/qw/dept/page', { pageNum: 1, pageSize: 500 });
  assert.equal(result.status, 200, JSON.stringify(result.body));
  return (result.body.date.records as Array<Record<string, unknown>>)
    .map(({ deptId, name, nameEn, parentId, orderNum, leaders, isDel }) => ({ deptId, name, nameEn, parentId, orderNum, leaders, isDel }))
    .sort((a, b) => (a.deptId as number) - (b.deptId as number));
}

async function mirroredEmployees(filter: object = {}) {
  const result = await admin.post('/scrm/admin/qw/emp/page', { pageNum: 1, pageSize: 500, ...filter });
  assert.equal(result.status, 200, JSON.stringify(result.body));
  return result.body.date.records as Array<Record<string, unknown>>;
}

const pick = (record: Record<string, unknown>, keys: string[]) => Object.fromEntries(keys.map((key) => [key, record[key]]));

async function employee(userid: string) {
  const response = await admin.get('/scrm/admin/qw/emp/getByUserid', { userid });
  return response.status === 200 ? (response.body.date as Record<string, unknown>) : null;
}

before(async () => {
  env = await createWecomTestEnv({ sizes: { departments: 6, employees: 15 } });
  admin = await env.login();
});

after(async () => {
  await env?.close();
});

describe('organisation sync', () => {
  test('department and employee sync jobs reproduce the simulator exactly', async () => {
    const deptJob = await admin.post('/scrm/admin/qw/dept/sync');
    assert.equal(deptJob.status, 200);
    const done = await env.jobs.waitFor(deptJob.body.date.id);
    assert.equal(done.state, 'completed', done.error ?? '');
    assert.equal(done.progress, done.total);
    const progress = await admin.get('/scrm/admin/job/get', { id: deptJob.body.date.id });
    assert.equal(progress.body.date.state, 'completed');

    const empJob = await admin.post('/scrm/admin/qw/emp/sync');
    const empDone = await env.jobs.waitFor(empJob.body.date.id);
    assert.equal(empDone.state, 'completed', empDone.error ?? '');
    assert.ok((empDone.total ?? 0) > 0);

    assert.deepEqual(await mirroredDepartments(), expectedDepartments());
    const expected = expectedEmployees();
    const records = await mirroredEmployees();
    assert.equal(records.length, expected.length);
    const keys = Object.keys(expected[0]);
    assert.deepEqual(
      records.map((record) => pick(record, keys)).sort((a, b) => String(a.userid).localeCompare(String(b.userid))),
      expected,
    );
    // A second sync changes nothing.
    await env.syncOrg();
    assert.equal((await mirroredEmployees()).length, expected.length);
  });

  test('a sync in progress is returned instead of starting a second one', async () => {
    const responses = await Promise.all(Array.from({ length: 5 }, () => admin.post('/scrm/admin/qw/emp/sync')));
    for (const response of responses) assert.equal(response.status, 200, JSON.stringify(response.body));
    const ids = [...new Set(responses.map((response) => response.body.date.id as number))];
    const jobs = await Promise.all(ids.map((id) => env.jobs.waitFor(id)));
    for (const job of jobs) assert.equal(job.state, 'completed', job.error ?? '');
    // Never two at once: a later one started only after an earlier one was finished.
    const sorted = jobs.sort((a, b) => a.startedAt!.getTime() - b.startedAt!.getTime());
    for (let index = 1; index < sorted.length; index++) assert.ok(sorted[index].ctime >= sorted[index - 1].ctime);
    assert.ok(ids.length < responses.length, 'concurrent requests joined one job');
  });
});

describe('change_contact events from the simulator', () => {
  test('departments created, renamed, moved and deleted', async () => {
    const created = env.sim.actions.createDepartment({ name: '华东大区', parentid: 1, order: 5 });
    const child = env.sim.actions.createDepartment({ name: '上海办', parentid: created.id });
    await env.settle();
    let depts = await mirroredDepartments();
    assert.deepEqual(
      depts.find((d) => d.deptId === child.id),
      { deptId: child.id, name: '上海办', nameEn: null, parentId: created.id, orderNum: 0, leaders: [], isDel: 0 },
    );
    env.sim.actions.updateDepartment({ id: child.id, name: '上海分公司', parentid: 1 });
    await env.settle();
    depts = await mirroredDepartments();
    assert.deepEqual(pick(depts.find((d) => d.deptId === child.id)!, ['name', 'parentId']), { name: '上海分公司', parentId: 1 });
    env.sim.actions.deleteDepartment({ id: child.id });
    await env.settle();
    assert.equal((await mirroredDepartments()).some((d) => d.deptId === child.id), false);
    const withDeleted = await admin.post('/scrm/admin/qw/dept/page', { pageNum: 1, pageSize: 500, includeDeleted: true });
    assert.equal(withDeleted.body.date.records.find((d: { deptId: number }) => d.deptId === child.id).isDel, 1, 'kept, flagged');
    assert.deepEqual(await mirroredDepartments(), expectedDepartments());
  });

  test('members created, updated, moved, renamed (NewUserID) and deleted', async () => {
    const departmentId = [...env.sim.state.departments.keys()].find((id) => id !== 1)!;
    const created = env.sim.actions.createEmployee({ userid: 'event_user', name: '事件测试', department: [1, departmentId], position: '顾问', mobile: '13900001111', gender: '2' });
    await env.settle();
    assert.deepEqual(pick((await employee('event_user'))!, Object.keys(expectedEmployee(created))), expectedEmployee(env.sim.state.employees.get('event_user')!));

    env.sim.actions.updateEmployee({ userid: 'event_user', position: '高级顾问', mobile: '13900002222' });
    env.sim.actions.moveEmployee({ userid: 'event_user', department: [departmentId] });
    await env.settle();
    let row = (await employee('event_user'))!;
    assert.deepEqual(pick(row, ['position', 'mobile', 'department', 'mainDepartment']), {
      position: '高级顾问',
      mobile: '13900002222',
      department: [departmentId],
      mainDepartment: departmentId,
    });
    const byDept = await mirroredEmployees({ deptId: departmentId });
    assert.ok(byDept.some((record) => record.userid === 'event_user'));
    const byRoot = await mirroredEmployees({ deptId: 1, includeSubDepts: true });
    assert.ok(byRoot.some((record) => record.userid === 'event_user'));
    const id = row.id;

    env.sim.actions.updateEmployee({ userid: 'event_user', new_userid: 'event_user_2', name: '事件测试二' });
    await env.settle();
    assert.equal(await employee('event_user'), null);
    row = (await employee('event_user_2'))!;
    assert.equal(row.id, id, 'the same row, renamed');
    assert.equal(row.name, '事件测试二');

    env.sim.actions.deleteEmployee({ userid: 'event_user_2' });
    await env.settle();
    row = (await employee('event_user_2'))!;
    assert.equal(row.status, 5, 'kept, marked left');
    assert.ok(row.leftAt);
    const listed = await admin.get('/scrm/admin/qw/emp/listByName', { name: '事件测试' });
    assert.equal(listed.body.date.length, 0, 'left members are not offered for picking');

    // After all that, the mirror still equals WeCom.
    const records = await mirroredEmployees({ status: 1 });
    const active = expectedEmployees().filter((e) => e.status === 1);
    assert.deepEqual(records.map((record) => record.userid).sort(), active.map((e) => e.userid));
    const events = await env.eventCounts();
    assert.equal(events.failed ?? 0, 0);
    assert.equal(events.dead ?? 0, 0);
  });

  test('a full sync marks members WeCom no longer lists as left, never erasing them', async () => {
    await env.syncOrg();
    const userid = expectedEmployees().find((e) => e.status === 1)!.userid;
    // Deleted while callbacks are lost: only the next sync can notice.
    env.sim.setCallbackUrl(undefined);
    env.sim.actions.deleteEmployee({ userid });
    env.sim.setCallbackUrl(env.portalUrl);
    assert.equal((await employee(userid))!.status, 1);
    await env.syncOrg();
    const row = (await employee(userid))!;
    assert.equal(row.status, 5);
    assert.ok(row.leftAt);
  });
});

describe('organisation endpoints', () => {
  test('page, get, getByUserid, listByName, save', async () => {
    const depts = await admin.post('/scrm/admin/qw/dept/page', { pageNum: 1, pageSize: 2 });
    assert.equal(depts.body.date.records.length, 2);
    assert.ok(depts.body.date.total >= 2);
    const dept = await admin.get('/scrm/admin/qw/dept/get', { id: depts.body.date.records[0].id });
    assert.equal(dept.body.date.deptId, depts.body.date.records[0].deptId);
    assert.equal((await admin.get('/scrm/admin/qw/dept/get', { id: 999999 })).status, 404);

    const savedDept = await admin.post('/scrm/admin/qw/dept/save', { deptId: 9001, name: '本地部门', parentId: 1 });
    assert.equal(savedDept.status, 200, JSON.stringify(savedDept.body));
    assert.equal((await admin.post('/scrm/admin/qw/dept/save', { deptId: 9001, name: '重复', parentId: 1 })).status, 409);
    const renamed = await admin.post('/scrm/admin/qw/dept/save', { id: savedDept.body.date.id, name: '本地部门2', parentId: 1 });
    assert.equal(renamed.body.date.name, '本地部门2');

    const emp = expectedEmployees().find((e) => e.status === 1)!;
    const byName = await admin.get('/scrm/admin/qw/emp/listByName', { name: emp.name.slice(0, 1) });
    assert.ok(byName.body.date.some((record: { userid: string }) => record.userid === emp.userid));
    const got = await employee(emp.userid);
    assert.ok(got);
    assert.equal(got.departmentNames instanceof Array, true);
    const byId = await admin.get('/scrm/admin/qw/emp/get', { id: got.id as number });
    assert.equal(byId.body.date.userid, emp.userid);
    const saved = await admin.post('/scrm/admin/qw/emp/save', { id: got.id, name: '改名', position: '经理' });
    assert.equal(saved.status, 200, JSON.stringify(saved.body));
    assert.equal(saved.body.date.name, '改名');
    const createdEmp = await admin.post('/scrm/admin/qw/emp/save', { userid: 'local_only', name: '本地员工', department: [1] });
    assert.equal(createdEmp.status, 200);
    assert.equal((await admin.post('/scrm/admin/qw/emp/save', { userid: 'local_only', name: '重复' })).status, 409);
    assert.equal((await admin.post('/scrm/admin/qw/emp/save', { name: '无账号' })).status, 400);
    const page = await mirroredEmployees({ userid: 'local_' });
    assert.deepEqual(
      page.map((record) => record.userid),
      ['local_only'],
    );
    assert.equal((await admin.get('/scrm/admin/qw/emp/getByUserid', { userid: 'nobody' })).status, 404);
    // WeCom stays the authority: the next sync restores its values.
    await env.syncOrg();
    assert.equal((await employee(emp.userid))!.name, emp.name);
  });

  test('endpoints need their permissions', async () => {
    assert.equal((await env.anonymous.post('/scrm/admin/qw/emp/page', { pageNum: 1, pageSize: 10 })).status, 401);
  });
});

describe('eligible employees (who can take customers)', () => {
  const simEligible = () =>
    [...env.sim.state.employees.values()]
      .filter((e) => e.resignedAt === undefined && e.status === 1 && e.customerContact && env.sim.state.isEmployeeVisible(e))
      .map((e) => e.userid)
      .sort();
  const listed = async (query: Record<string, string> = {}) => {
    const response = await admin.get('/scrm/admin/qw/emp/listByName', { name: '', ...query });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    return response.body.date as Array<{ userid: string; customerContact: boolean | null; eligible: boolean }>;
  };

  test('listByName?eligible=true offers exactly the active, activated members with 客户联系, as WeCom has them after a sync', async () => {
    const [noContact, disabled, inactive] = simEligible();
    env.sim.actions.updateEmployee({ userid: noContact, customerContact: false });
    env.sim.actions.updateEmployee({ userid: disabled, status: 2 });
    env.sim.actions.updateEmployee({ userid: inactive, status: 4 });
    await env.syncOrg();
    const eligible = await listed({ eligible: 'true' });
    assert.deepEqual(eligible.map((e) => e.userid).sort(), simEligible());
    for (const userid of [noContact, disabled, inactive]) assert.ok(!eligible.some((e) => e.userid === userid), userid);
    assert.ok(eligible.every((e) => e.eligible && e.customerContact === true));
    // Without the parameter every member still in the corp is listed, each saying whether it can take customers.
    const all = await listed();
    assert.equal(all.find((e) => e.userid === noContact)?.customerContact, false);
    assert.equal(all.find((e) => e.userid === noContact)?.eligible, false);
    assert.equal(all.find((e) => e.userid === disabled)?.eligible, false);
    assert.equal((await listed({ eligible: 'false' })).length, all.length);
    // The paged list has the same filter.
    const paged = await mirroredEmployees({ eligible: true });
    assert.deepEqual(paged.map((record) => record.userid).sort(), simEligible());

    // 客户联系 granted again in WeCom: offered after the next sync.
    env.sim.actions.updateEmployee({ userid: noContact, customerContact: true });
    await env.syncOrg();
    assert.ok((await listed({ eligible: 'true' })).some((e) => e.userid === noContact));
    assert.equal((await admin.get('/scrm/admin/qw/emp/listByName', { eligible: 'yes please' })).status, 400);
  });

  test('a member WeCom was never asked about (a mirror row made here) is not held back for want of 客户联系', async () => {
    await admin.post('/scrm/admin/qw/emp/save', { userid: 'unknown_contact', name: '未知权限', department: [1] });
    const row = (await listed()).find((e) => e.userid === 'unknown_contact')!;
    assert.equal(row.customerContact, null);
    assert.ok((await listed({ eligible: 'true' })).some((e) => e.userid === 'unknown_contact'));
  });
});
