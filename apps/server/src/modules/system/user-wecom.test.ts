// Console users and WeCom employees: the binding shown by name, the employees one may bind, and users created from
// employees in bulk (one-time passwords, all or nothing, the same trust rules as save, grantRoles and bindQwUserid).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { eq, inArray, sql } from 'drizzle-orm';
import { qwEmp, sysAuditLog, sysUser, sysUserRole } from '../../db/schema/index.ts';
import { createTestApp, type TestApp, type TestClient } from '../../testing/test-app.ts';
import { createDept, createRole, createUser, ok, PASSWORD } from './test-fixtures.ts';

describe('users and WeCom employees', () => {
  let t: TestApp;
  let admin: TestClient;
  const dept: Record<string, number> = {};
  let salesRole: number;

  before(async () => {
    t = await createTestApp();
    admin = await t.login();
    dept.root = (await ok(admin.get('/scrm/admin/sys/dept/tree')))[0].id;
    dept.sales = await createDept(admin, 'sales', dept.root);
    dept.support = await createDept(admin, 'support', dept.root);
    salesRole = await createRole(t, admin, { roleKey: 'sales_rep', name: '销售', perms: ['cust:emp:list'], dataScope: 5 });
    // The org mirror as a sync leaves it: active members, one disabled, one departed.
    const employee = (userid: string, name: string, extra: Partial<typeof qwEmp.$inferInsert> = {}) => ({ userid, name, department: [1], mobile: '13800000000', ...extra });
    await t.db.insert(qwEmp).values([
      employee('zhangsan', '张三', { email: 'zhangsan@example.com' }),
      employee('lisi', '李四'),
      employee('wangwu', '王五'),
      employee('zhaoliu', '赵六'),
      employee('sunqi', '孙七'),
      employee('zhouba', '周八'),
      employee('disabled_emp', '停用员工', { status: 2 }),
      employee('gone_emp', '离职员工', { status: 5, leftAt: new Date() }),
      employee('a', '短账号'),
      employee('wu.jiu', '吴九'),
    ]);
  });
  after(() => t.close());

  const userByName = async (username: string) => (await t.db.select().from(sysUser).where(eq(sysUser.username, username)))[0];
  const liveUsers = async () => Number((await t.db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM sys_user WHERE is_del = 0`)).rows[0].n);

  /** A user in `deptId` holding one role with `perms` and `dataScope`, signed in. */
  async function member(username: string, perms: string[], dataScope: number, deptId: number | null) {
    const roleId = await createRole(t, admin, { roleKey: `r_${username}`, perms, dataScope });
    const id = await createUser(admin, { username, deptId, roleIds: [roleId] });
    return Object.assign(await t.login(username, PASSWORD), { id, roleId });
  }

  test('the user list shows the bound employee by name; bindableEmployees lists members bound to nobody, by name or userid', async () => {
    const bound = await createUser(admin, { username: 'bound_user', deptId: dept.sales });
    const before = await ok(admin.get('/scrm/admin/sys/user/bindableEmployees'));
    assert.ok(before.some((e: any) => e.userid === 'zhangsan' && e.name === '张三' && e.status === 1));
    assert.ok(before.some((e: any) => e.userid === 'disabled_emp' && e.status === 2), 'a disabled member can still be bound (status shown)');
    assert.ok(!before.some((e: any) => e.userid === 'gone_emp'), 'departed members are not offered');

    await ok(admin.post('/scrm/admin/sys/user/bindQwUserid', { userId: bound, qwUserid: 'zhangsan' }));
    const page = await ok(admin.post('/scrm/admin/sys/user/page', { username: 'bound_user' }));
    assert.equal(page.records[0].qwUserid, 'zhangsan');
    assert.equal(page.records[0].qwEmpName, '张三');
    assert.equal((await ok(admin.get('/scrm/admin/sys/user/get', { id: bound }))).qwEmpName, '张三');
    const after = await ok(admin.get('/scrm/admin/sys/user/bindableEmployees'));
    assert.ok(!after.some((e: any) => e.userid === 'zhangsan'), 'a bound member is no longer offered');
    assert.deepEqual((await ok(admin.get('/scrm/admin/sys/user/bindableEmployees', { name: '李' }))).map((e: any) => e.userid), ['lisi']);
    assert.deepEqual((await ok(admin.get('/scrm/admin/sys/user/bindableEmployees', { name: 'wangw' }))).map((e: any) => e.userid), ['wangwu']);

    // The binding is audited, with what it was before.
    const [audit] = await t.db.select().from(sysAuditLog).where(eq(sysAuditLog.action, 'sys.user.bindQwUserid'));
    assert.deepEqual([audit.actor, audit.targetId, audit.before, audit.after], ['admin', String(bound), { qwUserid: null }, { qwUserid: 'zhangsan' }]);

    // Needs the bind permission; a scoped binder sees no member bound to nobody (their customers are seen only with scope "all").
    const lister = await member('user_lister', ['sys:user:list'], 1, dept.sales);
    assert.equal((await lister.get('/scrm/admin/sys/user/bindableEmployees')).status, 403);
    const scoped = await member('scoped_binder', ['sys:user:list', 'sys:user:bind'], 4, dept.sales);
    assert.deepEqual(await ok(scoped.get('/scrm/admin/sys/user/bindableEmployees')), []);
    // Unbinding makes the member bindable again.
    await ok(admin.post('/scrm/admin/sys/user/bindQwUserid', { userId: bound, qwUserid: null }));
    assert.ok((await ok(admin.get('/scrm/admin/sys/user/bindableEmployees'))).some((e: any) => e.userid === 'zhangsan'));
    assert.equal((await ok(admin.get('/scrm/admin/sys/user/get', { id: bound }))).qwEmpName, null);
  });

  test('createFromWecom: users bound to the employees, with the role and department, one-time passwords changed at first sign-in, audited', async () => {
    const response = await admin.post('/scrm/admin/sys/user/createFromWecom', {
      employees: [{ qwUserid: 'lisi' }, { qwUserid: 'wangwu', username: 'wang.wu' }],
      roleIds: [salesRole],
      deptId: dept.sales,
    });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    assert.equal(response.raw.headers['cache-control'], 'no-store', 'the passwords are never cached');
    const created = response.body.date.users;
    assert.deepEqual(created.map((u: any) => [u.username, u.nickname, u.qwUserid]), [['lisi', '李四', 'lisi'], ['wang.wu', '王五', 'wangwu']]);
    assert.notEqual(created[0].password, created[1].password);
    for (const user of created) {
      assert.match(user.password, /^[A-Za-z0-9]{12}$/);
      const row = await userByName(user.username);
      assert.equal(row.qwUserid, user.qwUserid);
      assert.equal(row.deptId, dept.sales);
      assert.equal(row.mustChangePassword, true);
      assert.equal(row.cuser, 'admin');
      assert.notEqual(row.passwordHash, user.password);
      const roles = await t.db.select({ roleId: sysUserRole.roleId }).from(sysUserRole).where(eq(sysUserRole.userId, user.id));
      assert.deepEqual(roles.map((r) => r.roleId), [salesRole]);
    }
    assert.equal((await userByName('lisi')).phone, '13800000000', "the employee's mobile is the user's phone");

    // The one-time password signs in and must be changed first.
    const login = await t.anonymous.post('/scrm/admin/login', { username: 'lisi', password: created[0].password });
    assert.equal(login.status, 200);
    assert.equal(login.body.date.mustChangePassword, true);
    const first = t.client(login.body.date.token);
    assert.equal((await first.post('/scrm/admin/sys/user/updateAvatar', { avatar: 'https://example.com/a.png' })).status, 403);
    await ok(first.post('/scrm/admin/sys/user/updatePassword', { oldPassword: created[0].password, newPassword: 'MyOwnPassw0rd' }));
    assert.equal((await userByName('lisi')).mustChangePassword, false);

    // Shown in the list by the employee's name; audited one row per user.
    const listed = await ok(admin.post('/scrm/admin/sys/user/page', { username: 'wang.wu' }));
    assert.equal(listed.records[0].qwEmpName, '王五');
    const audits = await t.db
      .select()
      .from(sysAuditLog)
      .where(inArray(sysAuditLog.targetId, created.map((u: any) => String(u.id))));
    assert.deepEqual(
      audits.map((a) => [a.action, a.actor, a.targetType, (a.after as any).qwUserid, (a.after as any).roleIds]).sort(),
      [['sys.user.createFromWecom', 'admin', 'sys_user', 'lisi', [salesRole]], ['sys.user.createFromWecom', 'admin', 'sys_user', 'wangwu', [salesRole]]],
    );
  });

  test('all or nothing: each refused row is named with why, and no user is created', async () => {
    const before = await liveUsers();
    const response = await admin.post('/scrm/admin/sys/user/createFromWecom', {
      employees: [
        { qwUserid: 'zhaoliu' },
        { qwUserid: 'lisi' },
        { qwUserid: 'gone_emp' },
        { qwUserid: 'nobody_here' },
        { qwUserid: 'zhaoliu', username: 'zhaoliu2' },
        { qwUserid: 'a' },
        { qwUserid: 'sunqi', username: 'wang.wu' },
        { qwUserid: 'zhouba', username: 'system' },
      ],
      roleIds: [salesRole],
      deptId: dept.sales,
    });
    assert.equal(response.status, 400);
    assert.equal(response.body.msg, '有 7 行无法创建，未创建任何用户：请按各行提示修改后重试');
    assert.deepEqual(response.body.date.fields, [
      { field: 'employees[1].qwUserid', message: '第 2 行：李四已绑定用户 lisi' },
      { field: 'employees[2].qwUserid', message: '第 3 行：离职员工已离职' },
      { field: 'employees[3].qwUserid', message: '第 4 行：企微员工 nobody_here 不存在或不在您的数据权限内' },
      { field: 'employees[4].qwUserid', message: '第 5 行：赵六在本次请求中重复' },
      { field: 'employees[5].username', message: '第 6 行：短账号的企微账号不能直接作为用户名，请填写用户名（2–32 位字母、数字或 _ . @ -）' },
      { field: 'employees[6].username', message: '第 7 行：用户名 wang.wu 已存在' },
      { field: 'employees[7].username', message: '第 8 行：用户名 system 已存在' },
    ]);
    assert.equal(await liveUsers(), before);
    assert.equal(await userByName('zhaoliu'), undefined, 'the valid row was not created either');

    const en = await admin.post(
      '/scrm/admin/sys/user/createFromWecom',
      { employees: [{ qwUserid: 'lisi' }], roleIds: [], deptId: dept.sales },
      { 'accept-language': 'en' },
    );
    assert.equal(en.body.msg, '1 row(s) cannot be created, so no user was created: fix the rows as described and try again');
    assert.deepEqual(en.body.date.fields, [{ field: 'employees[0].qwUserid', message: 'Row 1: 李四 is already bound to user lisi' }]);

    // Fixed as told, the same request goes through.
    const fixed = await ok(admin.post('/scrm/admin/sys/user/createFromWecom', { employees: [{ qwUserid: 'a', username: 'duan' }, { qwUserid: 'wu.jiu' }], roleIds: [], deptId: null }));
    assert.deepEqual(fixed.users.map((u: any) => u.username), ['duan', 'wu.jiu']);
  });

  test('limited and hostile callers: the save, grant and bind permissions, role coverage, department and employee scope', async () => {
    const before = await liveUsers();
    const body = { employees: [{ qwUserid: 'zhouba' }], roleIds: [salesRole], deptId: dept.sales };

    // Without sys:user:save the route refuses; with save alone, the grant and bind permissions are named.
    const noSave = await member('no_save', ['sys:user:list', 'sys:user:grant', 'sys:user:bind'], 1, dept.sales);
    assert.equal((await noSave.post('/scrm/admin/sys/user/createFromWecom', body)).status, 403);
    const saveOnly = await member('save_only', ['sys:user:list', 'sys:user:save'], 1, dept.sales);
    const refused = await saveOnly.post('/scrm/admin/sys/user/createFromWecom', body);
    assert.equal(refused.status, 403);
    assert.match(refused.body.msg, /还需要「分配角色」和「绑定企微账号」权限（缺少 sys:user:grant, sys:user:bind）/);
    const noBind = await member('no_bind', ['sys:user:list', 'sys:user:save', 'sys:user:grant'], 1, dept.sales);
    assert.match((await noBind.post('/scrm/admin/sys/user/createFromWecom', body)).body.msg, /缺少 sys:user:bind）/);

    // Holding all three: a role with menus the caller lacks, or the administrator role, is not theirs to give.
    const creator = await member('bulk_creator', ['sys:user:list', 'sys:user:save', 'sys:user:grant', 'sys:user:bind'], 1, dept.sales);
    const wider = await creator.post('/scrm/admin/sys/user/createFromWecom', body);
    assert.equal(wider.status, 403);
    assert.match(wider.body.msg, /不能授予自己没有的菜单权限/);
    const adminRole = (await ok(admin.get('/scrm/admin/sys/role/list'))).find((r: any) => r.roleKey === 'admin').id;
    assert.equal((await creator.post('/scrm/admin/sys/user/createFromWecom', { ...body, roleIds: [adminRole] })).status, 403);
    assert.equal((await creator.post('/scrm/admin/sys/user/createFromWecom', { ...body, roleIds: [999999] })).status, 400);
    // A role within what they hold goes through (scope "all": every unbound member is theirs to bind).
    const ownRole = await createRole(t, admin, { roleKey: 'bulk_sub', perms: ['sys:user:list'], dataScope: 5 });
    await ok(creator.post('/scrm/admin/sys/user/createFromWecom', { ...body, roleIds: [ownRole] }));
    assert.equal((await userByName('zhouba')).qwUserid, 'zhouba');

    // A caller scoped to sales: no department, or one outside it, is refused; unbound members are outside their scope.
    const scoped = await member('scoped_creator', ['sys:user:list', 'sys:user:save', 'sys:user:grant', 'sys:user:bind'], 4, dept.sales);
    const scopedRole = await createRole(t, admin, { roleKey: 'scoped_sub', perms: ['sys:user:list'], dataScope: 5 });
    const noDept = await scoped.post('/scrm/admin/sys/user/createFromWecom', { employees: [{ qwUserid: 'sunqi' }], roleIds: [scopedRole], deptId: null });
    assert.equal(noDept.status, 400);
    assert.equal((await scoped.post('/scrm/admin/sys/user/createFromWecom', { employees: [{ qwUserid: 'sunqi' }], roleIds: [scopedRole], deptId: dept.support })).status, 400);
    const unseen = await scoped.post('/scrm/admin/sys/user/createFromWecom', { employees: [{ qwUserid: 'sunqi' }], roleIds: [scopedRole], deptId: dept.sales });
    assert.equal(unseen.status, 400);
    assert.deepEqual(unseen.body.date.fields, [{ field: 'employees[0].qwUserid', message: '第 1 行：企微员工 sunqi 不存在或不在您的数据权限内' }]);
    assert.equal(await userByName('sunqi'), undefined);

    // Hostile bodies: 400, nothing created.
    for (const hostile of [
      { employees: [], roleIds: [], deptId: null },
      { employees: Array.from({ length: 101 }, (_, index) => ({ qwUserid: `e${index}` })), roleIds: [] },
      { employees: [{ qwUserid: 'sunqi', username: 'bad name!' }], roleIds: [] },
      { employees: [{ qwUserid: 'sun\u0000qi' }], roleIds: [] },
      { employees: [{ qwUserid: 'sunqi' }], roleIds: ['1'] },
      { employees: 'sunqi', roleIds: [] },
    ]) {
      const response = await admin.post('/scrm/admin/sys/user/createFromWecom', hostile);
      assert.equal(response.status, 400, JSON.stringify(hostile).slice(0, 80));
    }
    assert.equal(await liveUsers(), before + 1 + 5, 'only zhouba (and the callers made for this test)');
  });

  test('two requests for the same employee at once: one user, the other refused in words', async () => {
    const responses = await Promise.all(
      ['race_a', 'race_b'].map((username) =>
        admin.post('/scrm/admin/sys/user/createFromWecom', { employees: [{ qwUserid: 'sunqi', username }], roleIds: [], deptId: null }),
      ),
    );
    assert.equal(responses.filter((r) => r.status === 200).length, 1, JSON.stringify(responses.map((r) => r.body)));
    const loser = responses.find((r) => r.status !== 200)!;
    assert.ok([400, 409].includes(loser.status));
    assert.match(`${loser.body.msg} ${JSON.stringify(loser.body.date)}`, /孙七已绑定用户|刚被其他操作占用/);
    const bound = await t.db.select().from(sysUser).where(eq(sysUser.qwUserid, 'sunqi'));
    assert.equal(bound.filter((u) => u.isDel === 0).length, 1);
  });
});
