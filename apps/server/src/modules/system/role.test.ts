import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { eq } from 'drizzle-orm';
import { sysRole, sysRoleDept, sysRoleMenu, sysUserRole } from '../../db/schema/index.ts';
import { createTestApp, type TestApp, type TestClient } from '../../testing/test-app.ts';
import { createDept, createRole, createUser, menuIdsFor, ok, PASSWORD, userWith } from './test-fixtures.ts';

describe('roles', () => {
  let t: TestApp;
  let admin: TestClient;
  let rootId: number;
  let adminRoleId: number;

  before(async () => {
    t = await createTestApp();
    admin = await t.login();
    rootId = (await ok(admin.get('/scrm/admin/sys/dept/tree')))[0].id;
    adminRoleId = (await ok(admin.get('/scrm/admin/sys/role/list'))).find((r: any) => r.roleKey === 'admin').id;
  });
  after(() => t.close());

  test('a role saved without 权限字符 gets a generated one, kept by later saves without it', async () => {
    const created = await ok(admin.post('/scrm/admin/sys/role/save', { name: '电销', dataScope: 5 }));
    assert.match(created.roleKey, /^role_[0-9a-f]{6}$/);
    const blank = await ok(admin.post('/scrm/admin/sys/role/save', { name: '电销二组', roleKey: '', dataScope: 5 }));
    assert.match(blank.roleKey, /^role_[0-9a-f]{6}$/);
    assert.notEqual(blank.roleKey, created.roleKey);
    const renamed = await ok(admin.post('/scrm/admin/sys/role/save', { id: created.id, name: '电销一组', dataScope: 5 }));
    assert.equal(renamed.roleKey, created.roleKey, 'an update without roleKey keeps it');
    const rekeyed = await ok(admin.post('/scrm/admin/sys/role/save', { id: created.id, name: '电销一组', roleKey: 'telesales', dataScope: 5 }));
    assert.equal(rekeyed.roleKey, 'telesales');
    assert.equal((await admin.post('/scrm/admin/sys/role/save', { name: '重复', roleKey: 'telesales', dataScope: 5 })).status, 409);
  });

  test('save creates and updates; get returns menuIds and deptIds; audit fields come from the token', async () => {
    const deptA = await createDept(admin, 'Role dept A', rootId);
    const created = await ok(
      admin.post('/scrm/admin/sys/role/save', { name: '销售', roleKey: 'sales', dataScope: 2, deptIds: [deptA], remark: ' front line ', cuser: 'evil' }),
    );
    assert.equal(created.roleKey, 'sales');
    assert.equal(created.dataScope, 2);
    assert.deepEqual(created.deptIds, [deptA]);
    assert.deepEqual(created.menuIds, []);
    assert.equal(created.remark, 'front line');
    assert.equal(created.cuser, 'admin');
    assert.equal(created.status, 0);

    const updated = await ok(admin.post('/scrm/admin/sys/role/save', { id: created.id, name: '销售部', roleKey: 'sales2', dataScope: 3, orderNum: 7 }));
    assert.equal(updated.name, '销售部');
    assert.equal(updated.roleKey, 'sales2');
    assert.equal(updated.orderNum, 7);
    assert.deepEqual(updated.deptIds, [], 'leaving custom scope drops the departments');
    assert.equal((await t.db.select().from(sysRoleDept).where(eq(sysRoleDept.roleId, created.id))).length, 0);

    const fetched = await ok(admin.get('/scrm/admin/sys/role/get', { id: created.id }));
    assert.equal(fetched.name, '销售部');
    assert.equal(fetched.remark, null, 'an omitted remark is cleared');
    const missing = await admin.get('/scrm/admin/sys/role/get', { id: 999999 });
    assert.equal(missing.status, 404);
    assert.match(missing.body.msg, /角色不存在：999999/);
  });

  test('roleKey is unique among live roles; scope 2 needs existing departments', async () => {
    await createRole(t, admin, { roleKey: 'dup' });
    const taken = await admin.post('/scrm/admin/sys/role/save', { name: 'x', roleKey: 'dup', dataScope: 1 });
    assert.equal(taken.status, 409);
    assert.match(taken.body.msg, /角色标识已存在：dup/);

    const before = await t.db.select().from(sysRole);
    const noDepts = await admin.post('/scrm/admin/sys/role/save', { name: 'x', roleKey: 'scope2', dataScope: 2 });
    assert.equal(noDepts.status, 400);
    assert.deepEqual(noDepts.body.date.fields.map((f: any) => f.field), ['deptIds']);
    const badDept = await admin.post('/scrm/admin/sys/role/save', { name: 'x', roleKey: 'scope2', dataScope: 2, deptIds: [rootId, 424242] });
    assert.equal(badDept.status, 400);
    assert.match(badDept.body.msg, /424242/);
    const badScope = await admin.post('/scrm/admin/sys/role/save', { name: '', roleKey: '1bad', dataScope: 6 });
    assert.equal(badScope.status, 400);
    assert.deepEqual(badScope.body.date.fields.map((f: any) => f.field).sort(), ['body.dataScope', 'body.name', 'body.roleKey']);
    assert.equal((await t.db.select().from(sysRole)).length, before.length, 'no role was written');
  });

  test('the administrator role keeps its key, status and scope', async () => {
    const rekey = await admin.post('/scrm/admin/sys/role/save', { id: adminRoleId, name: 'Boss', roleKey: 'boss', dataScope: 1 });
    assert.equal(rekey.status, 409);
    const disable = await admin.post('/scrm/admin/sys/role/save', { id: adminRoleId, name: 'Boss', roleKey: 'admin', dataScope: 1, status: 1 });
    assert.equal(disable.status, 409);
    const narrow = await admin.post('/scrm/admin/sys/role/save', { id: adminRoleId, name: 'Boss', roleKey: 'admin', dataScope: 5 });
    assert.equal(narrow.status, 409);
    const [row] = await t.db.select().from(sysRole).where(eq(sysRole.id, adminRoleId));
    assert.equal(row.roleKey, 'admin');
    assert.equal(row.name, '超级管理员');
    const rename = await ok(admin.post('/scrm/admin/sys/role/save', { id: adminRoleId, name: 'Boss', roleKey: 'admin', dataScope: 1 }));
    assert.equal(rename.name, 'Boss');
  });

  test('page filters by name, roleKey and status; list returns every live role', async () => {
    await createRole(t, admin, { roleKey: 'pg_alpha', name: 'Alpha 页' });
    const beta = await createRole(t, admin, { roleKey: 'pg_beta', name: 'Beta 页' });
    await ok(admin.post('/scrm/admin/sys/role/save', { id: beta, name: 'Beta 页', roleKey: 'pg_beta', dataScope: 1, status: 1 }));

    const byName = await ok(admin.post('/scrm/admin/sys/role/page', { name: '页' }));
    assert.deepEqual(byName.records.map((r: any) => r.roleKey).sort(), ['pg_alpha', 'pg_beta']);
    assert.equal(byName.total, 2);
    const byKey = await ok(admin.post('/scrm/admin/sys/role/page', { roleKey: 'PG_AL' }));
    assert.deepEqual(byKey.records.map((r: any) => r.roleKey), ['pg_alpha']);
    const disabled = await ok(admin.post('/scrm/admin/sys/role/page', { status: 1, roleKey: 'pg_' }));
    assert.deepEqual(disabled.records.map((r: any) => r.roleKey), ['pg_beta']);
    const paged = await ok(admin.post('/scrm/admin/sys/role/page', { pageNum: 2, pageSize: 1, name: '页' }));
    assert.equal(paged.records.length, 1);
    assert.equal(paged.total, 2);
    assert.equal(paged.pageNum, 2);
    const wildcard = await ok(admin.post('/scrm/admin/sys/role/page', { name: '%' }));
    assert.equal(wildcard.total, 0, 'LIKE wildcards are matched literally');

    const list = await ok(admin.get('/scrm/admin/sys/role/list'));
    const keys = list.map((r: any) => r.roleKey);
    assert.ok(keys.includes('admin') && keys.includes('pg_alpha') && keys.includes('pg_beta'));
    const liveCount = (await t.db.select().from(sysRole).where(eq(sysRole.isDel, 0))).length;
    assert.equal(list.length, liveCount);
  });

  test('updateMenus stores exactly the ids sent, validates them, and takes effect on the next request', async () => {
    const viewer = await userWith(t, admin, 'menu_viewer', ['sys:user:list']);
    assert.equal((await viewer.post('/scrm/admin/sys/user/page', {})).status, 200);
    assert.equal((await viewer.get('/scrm/admin/sys/role/list')).status, 403);

    const [roleList] = await menuIdsFor(t, ['sys:role:list']);
    const granted = await ok(admin.post('/scrm/admin/sys/role/updateMenus', { roleId: viewer.roleId, menuIds: [roleList, roleList] }));
    assert.deepEqual(granted.menuIds, [roleList], 'only the button sent, no parents, no duplicates');
    assert.deepEqual(await ok(admin.get('/scrm/admin/sys/role/menuIds', { roleId: viewer.roleId })), [roleList]);
    // Same token: permissions are loaded per request.
    assert.equal((await viewer.get('/scrm/admin/sys/role/list')).status, 200);
    assert.equal((await viewer.post('/scrm/admin/sys/user/page', {})).status, 403, 'the old grant is gone');

    const invalid = await admin.post('/scrm/admin/sys/role/updateMenus', { roleId: viewer.roleId, menuIds: [987654] });
    assert.equal(invalid.status, 400);
    assert.match(invalid.body.msg, /987654/);
    assert.deepEqual(
      (await t.db.select().from(sysRoleMenu).where(eq(sysRoleMenu.roleId, viewer.roleId))).map((r) => r.menuId),
      [roleList],
      'a refused update changes nothing',
    );
    assert.equal((await admin.post('/scrm/admin/sys/role/updateMenus', { roleId: 999999, menuIds: [] })).status, 404);
    assert.equal((await admin.get('/scrm/admin/sys/role/menuIds', { roleId: 999999 })).status, 404);

    // Disabling the role withdraws what it grants at once.
    const role = await ok(admin.get('/scrm/admin/sys/role/get', { id: viewer.roleId }));
    await ok(admin.post('/scrm/admin/sys/role/save', { ...pick(role), status: 1 }));
    assert.equal((await viewer.get('/scrm/admin/sys/role/list')).status, 403);
  });

  test('delete refuses the administrator role and roles in use (naming them), and soft-deletes the rest', async () => {
    const builtin = await admin.post('/scrm/admin/sys/role/delete', { ids: [adminRoleId] });
    assert.equal(builtin.status, 409);

    const used = await createRole(t, admin, { roleKey: 'used', name: '在用角色' });
    const userId = await createUser(admin, { username: 'role_holder', roleIds: [used] });
    const free = await createRole(t, admin, { roleKey: 'free', perms: ['sys:user:list'], dataScope: 2, deptIds: [rootId] });
    const inUse = await admin.post('/scrm/admin/sys/role/delete', { ids: [free, used] });
    assert.equal(inUse.status, 409);
    assert.match(inUse.body.msg, /在用角色/);
    const en = await admin.post('/scrm/admin/sys/role/delete', { ids: [used] }, { 'accept-language': 'en' });
    assert.equal(en.body.msg, 'The role is assigned to users: 在用角色');
    assert.equal((await ok(admin.get('/scrm/admin/sys/role/get', { id: free }))).id, free, 'nothing deleted with a refused batch');

    assert.equal((await admin.post('/scrm/admin/sys/role/delete', { ids: [free, 999999] })).status, 404);

    assert.deepEqual(await ok(admin.post('/scrm/admin/sys/role/delete', { ids: [free] })), { deleted: 1 });
    assert.equal((await admin.get('/scrm/admin/sys/role/get', { id: free })).status, 404);
    const [row] = await t.db.select().from(sysRole).where(eq(sysRole.id, free));
    assert.equal(row.isDel, 1, 'soft delete');
    assert.equal((await t.db.select().from(sysRoleMenu).where(eq(sysRoleMenu.roleId, free))).length, 0);
    assert.equal((await t.db.select().from(sysRoleDept).where(eq(sysRoleDept.roleId, free))).length, 0);
    // Its key is free again.
    await createRole(t, admin, { roleKey: 'free' });

    // A role held only by deleted users can go.
    await ok(admin.post('/scrm/admin/sys/user/batchDelete', { ids: [userId] }));
    await ok(admin.post('/scrm/admin/sys/role/delete', { ids: [used] }));
    assert.equal((await t.db.select().from(sysUserRole).where(eq(sysUserRole.roleId, used))).length, 0);
  });

  test('role endpoints need their permissions', async () => {
    const reader = await userWith(t, admin, 'role_reader', ['sys:role:list']);
    assert.equal((await reader.post('/scrm/admin/sys/role/page', {})).status, 200);
    for (const [method, url, payload] of [
      ['GET', '/scrm/admin/sys/role/get', { id: reader.roleId }],
      ['GET', '/scrm/admin/sys/role/menuIds', { roleId: reader.roleId }],
      ['POST', '/scrm/admin/sys/role/save', { name: 'x', roleKey: 'x', dataScope: 1 }],
      ['POST', '/scrm/admin/sys/role/updateMenus', { roleId: reader.roleId, menuIds: [] }],
      ['POST', '/scrm/admin/sys/role/delete', { ids: [reader.roleId] }],
    ] as const) {
      const response = method === 'GET' ? await reader.get(url, payload as never) : await reader.post(url, payload);
      assert.equal(response.status, 403, `${url} → ${response.status}`);
    }
    assert.equal((await ok(admin.get('/scrm/admin/sys/role/get', { id: reader.roleId }))).status, 0, 'still there');
    const login = await t.anonymous.post('/scrm/admin/login', { username: 'role_reader', password: PASSWORD });
    assert.equal(login.status, 200);
  });
});

const pick = (role: any) => ({ id: role.id, name: role.name, roleKey: role.roleKey, dataScope: role.dataScope, deptIds: role.deptIds });
