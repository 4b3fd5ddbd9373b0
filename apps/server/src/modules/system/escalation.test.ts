// Issue 14, hole 2: the attacks a limited user tried to widen their own access, each refused with nothing changed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { eq, sql } from 'drizzle-orm';
import { sysMenu, sysRole, sysRoleDept, sysRoleMenu, sysUser, sysUserRole } from '../../db/schema/index.ts';
import { createTestApp, type TestApp, type TestClient } from '../../testing/test-app.ts';
import { createDept, createRole, createUser, menuIdsFor, ok, PASSWORD } from './test-fixtures.ts';

describe('privilege escalation through users, roles and menus', () => {
  let t: TestApp;
  let admin: TestClient;
  const dept: Record<string, number> = {};

  before(async () => {
    t = await createTestApp();
    admin = await t.login();
    // root → sales → east; root → support
    dept.root = (await ok(admin.get('/scrm/admin/sys/dept/tree')))[0].id;
    dept.sales = await createDept(admin, 'sales', dept.root);
    dept.east = await createDept(admin, 'east', dept.sales);
    dept.support = await createDept(admin, 'support', dept.root);
  });
  after(() => t.close());

  const rolesOf = async (userId: number) =>
    (await t.db.select({ roleId: sysUserRole.roleId }).from(sysUserRole).where(eq(sysUserRole.userId, userId))).map((r) => r.roleId).sort();
  const roleRow = async (id: number) => (await t.db.select().from(sysRole).where(eq(sysRole.id, id)))[0];
  const menusOf = async (roleId: number) =>
    (await t.db.select({ id: sysRoleMenu.menuId }).from(sysRoleMenu).where(eq(sysRoleMenu.roleId, roleId))).map((r) => r.id).sort();
  const userRow = async (id: number) => (await t.db.select().from(sysUser).where(eq(sysUser.id, id)))[0];

  /** A user in `deptId` holding one role with `perms` and `dataScope`, signed in. */
  async function member(username: string, perms: string[], dataScope: number, deptId: number | null, deptIds?: number[]) {
    const roleId = await createRole(t, admin, { roleKey: `r_${username}`, perms, dataScope, deptIds });
    const id = await createUser(admin, { username, deptId, roleIds: [roleId] });
    return Object.assign(await t.login(username, PASSWORD), { id, roleId });
  }

  test('a self-scope user cannot widen their own role to scope 1 (or custom departments) through sys:role:save', async () => {
    const self = await member('self_widener', ['sys:role:save', 'sys:role:list'], 5, dept.sales);
    const before = await roleRow(self.roleId);
    for (const [dataScope, deptIds] of [[1, undefined], [2, [dept.support]], [4, undefined], [3, undefined]] as const) {
      const response = await self.post('/scrm/admin/sys/role/save', { id: self.roleId, name: before.name, roleKey: before.roleKey, dataScope, deptIds });
      assert.equal(response.status, 403, `scope ${dataScope}: ${response.body.msg}`);
      assert.match(response.body.msg, /不能授予超出自己数据权限的数据范围/);
    }
    assert.deepEqual(await roleRow(self.roleId), before, 'the role is unchanged');
    assert.equal((await ok(self.get('/scrm/admin/sys/user/current'))).dataScope, 5);
    // Narrowing or renaming within what one holds is fine.
    await ok(self.post('/scrm/admin/sys/role/save', { id: self.roleId, name: 'renamed', roleKey: before.roleKey, dataScope: 5 }));
  });

  test('nobody adds menus they lack to a role they hold, or to any other role, through sys:role:grant', async () => {
    const editor = await member('menu_widener', ['sys:role:grant', 'sys:role:list'], 1, dept.sales);
    const own = await menusOf(editor.roleId);
    const extra = await menuIdsFor(t, ['sys:user:grant']);
    const response = await editor.post('/scrm/admin/sys/role/updateMenus', { roleId: editor.roleId, menuIds: [...own, ...extra] }, { 'accept-language': 'en' });
    assert.equal(response.status, 403);
    assert.equal(response.body.msg, `You cannot grant menus you do not hold yourself (menus ${extra[0]})`);
    assert.deepEqual(await menusOf(editor.roleId), own);
    const other = await createRole(t, admin, { roleKey: 'other_target', perms: ['sys:role:list'] });
    assert.equal((await editor.post('/scrm/admin/sys/role/updateMenus', { roleId: other, menuIds: extra })).status, 403);
    // Menus the editor holds may be granted to another role.
    await ok(editor.post('/scrm/admin/sys/role/updateMenus', { roleId: other, menuIds: own }));
    assert.deepEqual(await menusOf(other), own);
  });

  test('a scoped admin cannot grant a role with menus they do not have, nor grant themselves any role', async () => {
    const granter = await member('scoped_granter', ['sys:user:grant', 'sys:user:list', 'sys:user:query'], 4, dept.sales);
    const target = await createUser(admin, { username: 'grant_target', deptId: dept.east });
    const powerful = await createRole(t, admin, { roleKey: 'powerful', perms: ['sys:user:list', 'sys:user:resetPwd'], dataScope: 5 });
    const refused = await granter.post('/scrm/admin/sys/user/grantRoles', { userId: target, roleIds: [powerful] });
    assert.equal(refused.status, 403);
    assert.match(refused.body.msg, /不能授予自己没有的菜单权限/);
    assert.deepEqual(await rolesOf(target), []);

    const self = await granter.post('/scrm/admin/sys/user/grantRoles', { userId: granter.id, roleIds: [granter.roleId, powerful] }, { 'accept-language': 'en' });
    assert.equal(self.status, 403);
    assert.equal(self.body.msg, 'You cannot change your own roles; ask another administrator');
    assert.deepEqual(await rolesOf(granter.id), [granter.roleId]);

    // A role inside what the granter holds (menus and departments) is granted.
    const modest = await createRole(t, admin, { roleKey: 'modest', perms: ['sys:user:list'], dataScope: 3 });
    assert.deepEqual((await ok(granter.post('/scrm/admin/sys/user/grantRoles', { userId: target, roleIds: [modest] }))).roleIds, [modest]);
    // Keeping a role the target already holds is not a new grant, even when the granter could not grant it.
    await t.db.insert(sysUserRole).values({ userId: target, roleId: powerful });
    await ok(granter.post('/scrm/admin/sys/user/grantRoles', { userId: target, roleIds: [modest, powerful] }));
    assert.deepEqual(await rolesOf(target), [modest, powerful].sort());
  });

  test('grants compare the departments covered, not scope numbers; "all" only from "all"', async () => {
    // The granter sees their own department only (scope 3, in sales).
    const granter = await member('dept_granter', ['sys:user:grant', 'sys:user:list'], 3, dept.sales);
    const inSales = await createUser(admin, { username: 'in_sales', deptId: dept.sales });
    const cases: [string, number, number[] | undefined, number][] = [
      ['all_scope', 1, undefined, 403],
      ['below_sales', 4, undefined, 403], // sales and east: wider than sales alone, though 4 > 3
      ['custom_support', 2, [dept.support], 403],
      ['custom_sales', 2, [dept.sales], 200],
      ['own_sales', 3, undefined, 200],
      ['self_only', 5, undefined, 200],
    ];
    for (const [roleKey, dataScope, deptIds, status] of cases) {
      const roleId = await createRole(t, admin, { roleKey, perms: ['sys:user:list'], dataScope, deptIds });
      const response = await granter.post('/scrm/admin/sys/user/grantRoles', { userId: inSales, roleIds: [roleId] });
      assert.equal(response.status, status, `${roleKey}: ${response.body.msg}`);
      if (status === 403) assert.match(response.body.msg, /数据范围/);
    }
    // A granter whose custom scope lists every department still cannot hand out "all".
    const everyDept = Object.values(dept);
    const wide = await member('every_dept_granter', ['sys:user:grant', 'sys:user:list'], 2, dept.sales, everyDept);
    const allRole = await createRole(t, admin, { roleKey: 'all_again', perms: ['sys:user:list'], dataScope: 1 });
    assert.equal((await wide.post('/scrm/admin/sys/user/grantRoles', { userId: inSales, roleIds: [allRole] })).status, 403);
  });

  test('save edits profile fields only: roles, status and the binding are refused there', async () => {
    const saver = await member('profile_saver', ['sys:user:save', 'sys:user:list', 'sys:user:query'], 1, dept.sales);
    const target = await createUser(admin, { username: 'profile_target', deptId: dept.sales });
    const scopeOne = await createRole(t, admin, { roleKey: 'scope_one', perms: ['sys:user:list'], dataScope: 1 });
    const before = await userRow(saver.id);
    for (const extra of [{ roleIds: [scopeOne] }, { status: 1 }, { qwUserid: 'someone_else' }]) {
      for (const id of [saver.id, target]) {
        const username = id === saver.id ? 'profile_saver' : 'profile_target';
        const response = await saver.post('/scrm/admin/sys/user/save', { id, username, nickname: 'x', deptId: dept.sales, ...extra });
        assert.equal(response.status, 400, JSON.stringify(extra));
      }
    }
    assert.deepEqual(await rolesOf(saver.id), [saver.roleId]);
    assert.deepEqual(await userRow(saver.id), before);
    assert.equal((await userRow(target)).status, 0);
    assert.equal((await userRow(target)).qwUserid, null);
    // Creating: status and roles cannot be chosen either; the user starts enabled without roles.
    const created = await ok(saver.post('/scrm/admin/sys/user/save', { username: 'fresh_user', nickname: 'fresh', password: PASSWORD, deptId: dept.sales }));
    assert.equal(created.status, 0);
    assert.deepEqual(created.roleIds, []);
  });

  test('qwUserid: one live user per WeCom employee; rebinding to another employee\'s account is a 409 in words', async () => {
    const binder = await member('binder', ['sys:user:bind', 'sys:user:list'], 1, dept.sales);
    const owner = await createUser(admin, { username: 'employee_owner', deptId: dept.sales });
    const thief = await createUser(admin, { username: 'employee_thief', deptId: dept.sales });
    await ok(admin.post('/scrm/admin/sys/user/bindQwUserid', { userId: owner, qwUserid: 'LiSi' }));

    const stolen = await binder.post('/scrm/admin/sys/user/bindQwUserid', { userId: thief, qwUserid: 'LiSi' });
    assert.equal(stolen.status, 409);
    assert.equal(stolen.body.msg, '该企微账号已绑定其他用户：LiSi');
    const en = await binder.post('/scrm/admin/sys/user/bindQwUserid', { userId: thief, qwUserid: 'LiSi' }, { 'accept-language': 'en' });
    assert.equal(en.body.msg, 'WeCom user LiSi is already bound to another user');
    assert.equal((await userRow(thief)).qwUserid, null);
    assert.equal((await userRow(owner)).qwUserid, 'LiSi');

    // Nobody but the super administrator rebinds themselves.
    const selfBind = await binder.post('/scrm/admin/sys/user/bindQwUserid', { userId: binder.id, qwUserid: 'WangWu' });
    assert.equal(selfBind.status, 403);
    assert.equal((await userRow(binder.id)).qwUserid, null);

    // The database holds the rule too (a concurrent bind cannot slip past the check).
    await assert.rejects(t.db.update(sysUser).set({ qwUserid: 'LiSi' }).where(eq(sysUser.id, thief)));
    // A deleted user's binding does not count.
    await ok(admin.post('/scrm/admin/sys/user/batchDelete', { ids: [owner] }));
    assert.equal((await ok(binder.post('/scrm/admin/sys/user/bindQwUserid', { userId: thief, qwUserid: 'LiSi' }))).qwUserid, 'LiSi');
  });

  test('a scoped admin binds users only to WeCom employees already in their scope (an unbound one widened it), 404 otherwise', async () => {
    // Sees sales and below; may bind.
    const binder = await member('scoped_binder', ['sys:user:bind', 'sys:user:list'], 4, dept.sales);
    const target = await createUser(admin, { username: 'bind_target', deptId: dept.east });
    const inScope = await createUser(admin, { username: 'bound_in_scope', deptId: dept.sales });
    const outside = await createUser(admin, { username: 'bound_outside', deptId: dept.support });
    await ok(admin.post('/scrm/admin/sys/user/bindQwUserid', { userId: inScope, qwUserid: 'SalesEmp' }));
    await ok(admin.post('/scrm/admin/sys/user/bindQwUserid', { userId: outside, qwUserid: 'SupportEmp' }));

    // An employee bound to nobody (its customers seen only with scope "all"), or to someone outside the
    // scope: not found, as for anything out of scope (old code: bound, and its customers came into view).
    for (const qwUserid of ['UnboundEmp', 'SupportEmp']) {
      const response = await binder.post('/scrm/admin/sys/user/bindQwUserid', { userId: target, qwUserid }, { 'accept-language': 'en' });
      assert.equal(response.status, 404, `${qwUserid}: ${response.body.msg}`);
      assert.equal(response.body.msg, `WeCom employee ${qwUserid} not found`);
    }
    assert.equal((await userRow(target)).qwUserid, null);
    // One in scope is still one employee, one user.
    assert.equal((await binder.post('/scrm/admin/sys/user/bindQwUserid', { userId: target, qwUserid: 'SalesEmp' })).status, 409);
    // Only users they manage: a user outside the scope is not found whatever the employee.
    assert.equal((await binder.post('/scrm/admin/sys/user/bindQwUserid', { userId: outside, qwUserid: 'SalesEmp' })).status, 404);
    assert.equal((await binder.post('/scrm/admin/sys/user/bindQwUserid', { userId: outside, qwUserid: null })).status, 404);
    assert.equal((await userRow(outside)).qwUserid, 'SupportEmp');
    // Unbinding someone they manage narrows nobody's view: allowed; the same binding again too.
    assert.equal((await ok(binder.post('/scrm/admin/sys/user/bindQwUserid', { userId: inScope, qwUserid: 'SalesEmp' }))).qwUserid, 'SalesEmp');
    assert.equal((await ok(binder.post('/scrm/admin/sys/user/bindQwUserid', { userId: inScope, qwUserid: null }))).qwUserid, null);
    // Now bound to nobody, the employee is out of the scoped admin's reach; scope "all" binds it.
    assert.equal((await binder.post('/scrm/admin/sys/user/bindQwUserid', { userId: inScope, qwUserid: 'SalesEmp' })).status, 404);
    assert.equal((await ok(admin.post('/scrm/admin/sys/user/bindQwUserid', { userId: target, qwUserid: 'UnboundEmp' }))).qwUserid, 'UnboundEmp');
  });

  test('scoped admins create users only in departments they see, never without one', async () => {
    const creator = await member('scoped_creator', ['sys:user:save', 'sys:user:list'], 4, dept.sales);
    const count = async () => Number((await t.db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM sys_user`)).rows[0].n);
    const before = await count();
    const none = await creator.post('/scrm/admin/sys/user/save', { username: 'homeless', nickname: 'x', password: PASSWORD });
    assert.equal(none.status, 400);
    assert.deepEqual(none.body.date.fields.map((f: any) => f.field), ['deptId']);
    assert.equal((await creator.post('/scrm/admin/sys/user/save', { username: 'homeless', nickname: 'x', password: PASSWORD, deptId: null })).status, 400);
    assert.equal((await creator.post('/scrm/admin/sys/user/save', { username: 'elsewhere', nickname: 'x', password: PASSWORD, deptId: dept.support })).status, 400);
    assert.equal(await count(), before);
    const east = await ok(creator.post('/scrm/admin/sys/user/save', { username: 'east_hire', nickname: 'x', password: PASSWORD, deptId: dept.east }));
    assert.equal(east.deptId, dept.east);
  });

  test('moving a user must not make their roles cover departments outside the mover\'s scope', async () => {
    // The mover sees sales and support (not east, below sales).
    const mover = await member('scoped_mover', ['sys:user:save', 'sys:user:list'], 2, dept.support, [dept.sales, dept.support]);
    const below = await createRole(t, admin, { roleKey: 'below_role', dataScope: 4 });
    const user = await createUser(admin, { username: 'movable', deptId: dept.support, roleIds: [below] });
    // In sales, "own department and below" would cover east too.
    const response = await mover.post('/scrm/admin/sys/user/save', { id: user, username: 'movable', nickname: 'm', deptId: dept.sales });
    assert.equal(response.status, 403, response.body.msg);
    assert.match(response.body.msg, new RegExp(`部门 ${dept.east}`));
    assert.equal((await userRow(user)).deptId, dept.support);
    // A user whose roles cover no department moves freely within the mover's scope.
    const plain = await createUser(admin, { username: 'movable_plain', deptId: dept.support });
    await ok(mover.post('/scrm/admin/sys/user/save', { id: plain, username: 'movable_plain', nickname: 'p', deptId: dept.sales }));
    assert.equal((await userRow(plain)).deptId, dept.sales);
  });

  test('only the super administrator sets or changes menu permission codes', async () => {
    const menuAdmin = await member('menu_admin', ['sys:menu:save', 'sys:menu:list', 'sys:menu:query'], 1, dept.sales);
    const [resetButton] = await t.db.select().from(sysMenu).where(eq(sysMenu.perms, 'sys:user:resetPwd'));
    const body = {
      id: resetButton.id, parentId: resetButton.parentId, name: resetButton.name, nameEn: resetButton.nameEn, menuType: resetButton.menuType,
      orderNum: resetButton.orderNum, visible: resetButton.visible, status: resetButton.status, perms: resetButton.perms,
    };
    // Re-coding a button the caller holds into one they lack (or clearing it) is refused.
    for (const change of [{ perms: 'sys:user:grant2' }, { perms: null }, { status: 1 }]) {
      const response = await menuAdmin.post('/scrm/admin/sys/menu/save', { ...body, ...change });
      assert.equal(response.status, 403, JSON.stringify(change));
      assert.match(response.body.msg, /只有超级管理员/);
    }
    const created = await menuAdmin.post('/scrm/admin/sys/menu/save', { parentId: resetButton.parentId, name: 'x', menuType: 'F', perms: 'sys:new:code' });
    assert.equal(created.status, 403);
    assert.deepEqual((await t.db.select().from(sysMenu).where(eq(sysMenu.id, resetButton.id)))[0], resetButton);
    // Names and order stay editable; the super administrator may change codes.
    await ok(menuAdmin.post('/scrm/admin/sys/menu/save', { ...body, name: '重置密码（改名）' }));
    await ok(admin.post('/scrm/admin/sys/menu/save', { ...body, perms: 'sys:user:resetPwd2' }));
    await ok(admin.post('/scrm/admin/sys/menu/save', { ...body, perms: 'sys:user:resetPwd' }));
  });

  test('a password reset (an account takeover) only for users the caller covers', async () => {
    const resetter = await member('scoped_resetter', ['sys:user:resetPwd', 'sys:user:list'], 4, dept.sales);
    const strong = await createRole(t, admin, { roleKey: 'strong_role', perms: ['sys:user:list', 'sys:user:grant'], dataScope: 5 });
    const strongUser = await createUser(admin, { username: 'strong_user', deptId: dept.east, roleIds: [strong] });
    const before = await userRow(strongUser);
    const refused = await resetter.get('/scrm/admin/sys/user/resetPassword', { id: strongUser });
    assert.equal(refused.status, 403);
    assert.equal(refused.body.msg, '不能重置权限或数据范围超出您自己的用户的密码');
    assert.deepEqual(await userRow(strongUser), before, 'password and tokens unchanged');
    // A user within what the resetter holds can be reset.
    const weak = await createRole(t, admin, { roleKey: 'weak_role', perms: ['sys:user:list'], dataScope: 3 });
    const weakUser = await createUser(admin, { username: 'weak_user', deptId: dept.east, roleIds: [weak] });
    assert.match((await ok(resetter.get('/scrm/admin/sys/user/resetPassword', { id: weakUser }))).password, /^[A-Za-z0-9]{12}$/);
  });

  test('a scoped admin cannot widen "own department and below" by moving departments under their own', async () => {
    const organiser = await member('scoped_organiser', ['sys:dept:save', 'sys:dept:delete', 'sys:dept:list'], 4, dept.sales);
    const deptRow = async (id: number) => ok(admin.get('/scrm/admin/sys/dept/get', { id }));
    const support = await deptRow(dept.support);
    const moved = await organiser.post('/scrm/admin/sys/dept/save', { id: dept.support, name: 'support', parentId: dept.sales });
    assert.equal(moved.status, 403);
    assert.match(moved.body.msg, /部门不在您的数据权限内/);
    assert.deepEqual(await deptRow(dept.support), support);
    assert.equal((await organiser.post('/scrm/admin/sys/dept/save', { name: 'outpost', parentId: dept.support })).status, 403);
    assert.equal((await organiser.post('/scrm/admin/sys/dept/delete', { ids: [dept.support] })).status, 403);
    // Inside their own subtree they organise freely.
    const team = await ok(organiser.post('/scrm/admin/sys/dept/save', { name: 'east team', parentId: dept.east }));
    await ok(organiser.post('/scrm/admin/sys/dept/save', { id: team.id, name: 'east team 2', parentId: dept.sales }));
    await ok(organiser.post('/scrm/admin/sys/dept/delete', { ids: [team.id] }));
  });

  test('the super administrator may grant and shape anything', async () => {
    const target = await createUser(admin, { username: 'super_target', deptId: dept.support });
    const everything = await createRole(t, admin, { roleKey: 'everything', perms: ['sys:user:list', 'sys:user:grant'], dataScope: 1 });
    await ok(admin.post('/scrm/admin/sys/user/grantRoles', { userId: target, roleIds: [everything] }));
    await ok(admin.post('/scrm/admin/sys/role/save', { id: everything, name: 'everything', roleKey: 'everything', dataScope: 2, deptIds: [dept.support] }));
    assert.deepEqual((await t.db.select().from(sysRoleDept).where(eq(sysRoleDept.roleId, everything))).map((r) => r.deptId), [dept.support]);
  });
});
