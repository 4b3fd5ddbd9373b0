import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { eq } from 'drizzle-orm';
import { sysUser } from '../../db/schema/index.ts';
import { createTestApp, type TestApp, type TestClient } from '../../testing/test-app.ts';
import { createDept, createRole, createUser, ok, PASSWORD } from './test-fixtures.ts';

// root → A → A1, and root → B; one user in each, and viewers (all in A) with data scope 1–5.
describe('data scope on the user page', () => {
  let t: TestApp;
  let admin: TestClient;
  const dept: Record<string, number> = {};
  const user: Record<string, number> = {};
  const viewers: Record<string, TestClient & { id: number }> = {};
  const perms = ['sys:user:list', 'sys:user:query', 'sys:user:save', 'sys:user:resetPwd'];

  before(async () => {
    t = await createTestApp();
    admin = await t.login();
    dept.root = (await ok(admin.get('/scrm/admin/sys/dept/tree')))[0].id;
    dept.A = await createDept(admin, 'A', dept.root);
    dept.A1 = await createDept(admin, 'A1', dept.A);
    dept.B = await createDept(admin, 'B', dept.root);
    for (const name of ['A', 'A1', 'B', 'root']) user[name] = await createUser(admin, { username: `in_${name}`, deptId: dept[name] });
    user.none = await createUser(admin, { username: 'no_dept', deptId: null });
    for (const scope of [1, 2, 3, 4, 5]) {
      const roleId = await createRole(t, admin, { roleKey: `scope${scope}`, perms, dataScope: scope, deptIds: scope === 2 ? [dept.B] : undefined });
      const id = await createUser(admin, { username: `viewer${scope}`, deptId: dept.A, roleIds: [roleId] });
      viewers[scope] = Object.assign(await t.login(`viewer${scope}`, PASSWORD), { id });
    }
  });
  after(() => t.close());

  const usernamesSeenBy = async (viewer: TestClient) =>
    (await ok(viewer.post('/scrm/admin/sys/user/page', { pageSize: 500 }))).records.map((r: any) => r.username).sort();

  test('scope 1 sees everyone', async () => {
    const all = (await t.db.select().from(sysUser).where(eq(sysUser.isDel, 0))).map((u) => u.username).sort();
    assert.deepEqual(await usernamesSeenBy(viewers[1]), all);
  });

  test('scope 2 sees its custom departments and itself', async () => {
    assert.deepEqual(await usernamesSeenBy(viewers[2]), ['in_B', 'viewer2']);
  });

  test('scope 3 sees its own department only (and itself)', async () => {
    assert.deepEqual(await usernamesSeenBy(viewers[3]), ['in_A', 'viewer1', 'viewer2', 'viewer3', 'viewer4', 'viewer5']);
  });

  test('scope 4 sees its department and below', async () => {
    assert.deepEqual(await usernamesSeenBy(viewers[4]), ['in_A', 'in_A1', 'viewer1', 'viewer2', 'viewer3', 'viewer4', 'viewer5']);
  });

  test('scope 5 sees only itself', async () => {
    const page = await ok(viewers[5].post('/scrm/admin/sys/user/page', {}));
    assert.deepEqual(page.records.map((r: any) => r.username), ['viewer5']);
    assert.equal(page.total, 1, 'the total is scoped too');
  });

  test('get, resetPassword and save respect the scope', async () => {
    assert.equal((await ok(viewers[3].get('/scrm/admin/sys/user/get', { id: user.A }))).username, 'in_A');
    assert.equal((await viewers[3].get('/scrm/admin/sys/user/get', { id: user.A1 })).status, 404);
    assert.equal((await viewers[4].get('/scrm/admin/sys/user/get', { id: user.A1 })).status, 200);
    assert.equal((await viewers[5].get('/scrm/admin/sys/user/get', { id: user.A })).status, 404);
    assert.equal((await viewers[2].get('/scrm/admin/sys/user/get', { id: user.B })).status, 200);

    const [before] = await t.db.select().from(sysUser).where(eq(sysUser.id, user.B));
    assert.equal((await viewers[3].get('/scrm/admin/sys/user/resetPassword', { id: user.B })).status, 404);
    const [afterReset] = await t.db.select().from(sysUser).where(eq(sysUser.id, user.B));
    assert.equal(afterReset.passwordHash, before.passwordHash);

    // A scoped user cannot place users where it could not see them.
    const outside = await viewers[3].post('/scrm/admin/sys/user/save', { username: 'placed_b', nickname: 'x', password: PASSWORD, deptId: dept.B });
    assert.equal(outside.status, 400);
    assert.deepEqual(outside.body.date.fields.map((f: any) => f.field), ['deptId']);
    const moveOut = await viewers[3].post('/scrm/admin/sys/user/save', { id: user.A, username: 'in_A', nickname: 'x', deptId: dept.B });
    assert.equal(moveOut.status, 400);
    assert.equal((await t.db.select().from(sysUser).where(eq(sysUser.id, user.A)))[0].deptId, dept.A);
    const inside = await ok(viewers[3].post('/scrm/admin/sys/user/save', { username: 'placed_a', nickname: 'x', password: PASSWORD, deptId: dept.A }));
    assert.equal(inside.deptId, dept.A);
  });

  test('the department filter narrows within the scope', async () => {
    const inA1 = await ok(viewers[1].post('/scrm/admin/sys/user/page', { deptId: dept.A1 }));
    assert.deepEqual(inA1.records.map((r: any) => r.username), ['in_A1']);
    const belowA = await ok(viewers[3].post('/scrm/admin/sys/user/page', { deptId: dept.A, pageSize: 100 }));
    assert.ok(!belowA.records.some((r: any) => r.username === 'in_A1'), 'scope 3 does not widen with the filter');
  });
});
