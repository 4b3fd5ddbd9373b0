import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { eq } from 'drizzle-orm';
import { sysDept, sysRoleDept } from '../../db/schema/index.ts';
import { createTestApp, type TestApp, type TestClient } from '../../testing/test-app.ts';
import { createDept, createRole, createUser, ok, userWith } from './test-fixtures.ts';

describe('departments', () => {
  let t: TestApp;
  let admin: TestClient;
  let root: any;
  const ancestorsOf = async (id: number) => (await t.db.select().from(sysDept).where(eq(sysDept.id, id)))[0].ancestors;

  before(async () => {
    t = await createTestApp();
    admin = await t.login();
    [root] = await ok(admin.get('/scrm/admin/sys/dept/tree'));
  });
  after(() => t.close());

  test('save creates under a parent with ancestors; tree nests and orders; get returns one', async () => {
    assert.equal(root.parentId, 0);
    const a = await ok(admin.post('/scrm/admin/sys/dept/save', { name: '销售部', parentId: root.id, orderNum: 2, leader: '张三', phone: '010-12345678' }));
    assert.equal(a.ancestors, `0,${root.id}`);
    assert.equal(a.cuser, 'admin');
    const b = await createDept(admin, '市场部', root.id);
    const a1 = await ok(admin.post('/scrm/admin/sys/dept/save', { name: '华北区', parentId: a.id }));
    assert.equal(a1.ancestors, `0,${root.id},${a.id}`);

    const tree = await ok(admin.get('/scrm/admin/sys/dept/tree'));
    assert.equal(tree.length, 1);
    assert.deepEqual(tree[0].children.map((node: any) => node.id), [b, a.id], 'orderNum 0 before 2');
    assert.deepEqual(tree[0].children[1].children.map((node: any) => node.name), ['华北区']);
    assert.deepEqual(Object.keys(tree[0]).sort(), ['ancestors', 'children', 'id', 'leader', 'name', 'orderNum', 'parentId', 'phone', 'status']);

    assert.equal((await ok(admin.get('/scrm/admin/sys/dept/get', { id: a.id }))).leader, '张三');
    assert.equal((await admin.get('/scrm/admin/sys/dept/get', { id: 999999 })).status, 404);
  });

  test('save refuses a missing parent, a second root, a sibling with the same name and bad fields', async () => {
    const parent = await createDept(admin, '校验部', root.id);
    await createDept(admin, '重名', parent);
    const count = async () => (await t.db.select().from(sysDept)).length;
    const before = await count();
    for (const [body, status] of [
      [{ name: 'x', parentId: 999999 }, 400],
      [{ name: 'x', parentId: 0 }, 400],
      [{ name: '重名', parentId: parent }, 409],
      [{ name: '', parentId: parent, phone: 'abc' }, 400],
    ] as const) {
      const response = await admin.post('/scrm/admin/sys/dept/save', body);
      assert.equal(response.status, status, JSON.stringify(body));
    }
    const invalid = await admin.post('/scrm/admin/sys/dept/save', { name: '', parentId: parent, phone: 'abc' });
    assert.deepEqual(invalid.body.date.fields.map((f: any) => f.field).sort(), ['body.name', 'body.phone']);
    assert.equal(await count(), before);
    // The root may be renamed, not moved.
    assert.equal((await admin.post('/scrm/admin/sys/dept/save', { id: root.id, name: root.name, parentId: parent })).status, 400);
    assert.equal((await ok(admin.post('/scrm/admin/sys/dept/save', { id: root.id, name: '总部', parentId: 0 }))).name, '总部');
  });

  test('moving a department re-computes the ancestors of its whole subtree; not under itself', async () => {
    const x = await createDept(admin, 'X', root.id);
    const x1 = await createDept(admin, 'X1', x);
    const x11 = await createDept(admin, 'X11', x1);
    const y = await createDept(admin, 'Y', root.id);
    const user = await createUser(admin, { username: 'mover', deptId: x11 });

    for (const parentId of [x, x1, x11]) {
      const cycle = await admin.post('/scrm/admin/sys/dept/save', { id: x, name: 'X', parentId });
      assert.equal(cycle.status, 400, `under ${parentId}`);
      assert.equal(cycle.body.msg, '上级部门不正确');
    }
    assert.equal(await ancestorsOf(x), `0,${root.id}`);

    await ok(admin.post('/scrm/admin/sys/dept/save', { id: x, name: 'X', parentId: y }));
    assert.equal(await ancestorsOf(x), `0,${root.id},${y}`);
    assert.equal(await ancestorsOf(x1), `0,${root.id},${y},${x}`);
    assert.equal(await ancestorsOf(x11), `0,${root.id},${y},${x},${x1}`);
    // The user page's department filter (this department and below) follows the move.
    const underY = await ok(admin.post('/scrm/admin/sys/user/page', { deptId: y }));
    assert.deepEqual(underY.records.map((r: any) => r.id), [user]);

    // And back up: a sibling with a longer ancestor chain is untouched.
    await ok(admin.post('/scrm/admin/sys/dept/save', { id: x1, name: 'X1', parentId: root.id }));
    assert.equal(await ancestorsOf(x1), `0,${root.id}`);
    assert.equal(await ancestorsOf(x11), `0,${root.id},${x1}`);
    assert.equal(await ancestorsOf(x), `0,${root.id},${y}`);
    const tree = await ok(admin.get('/scrm/admin/sys/dept/tree'));
    const movedX1 = tree[0].children.find((node: any) => node.id === x1);
    assert.deepEqual(movedX1.children.map((node: any) => node.id), [x11]);
  });

  test('delete refuses the root, departments with children or users, and soft-deletes the rest', async () => {
    const p = await createDept(admin, 'P', root.id);
    const c = await createDept(admin, 'C', p);
    const staffed = await createDept(admin, '有人部门', root.id);
    const userId = await createUser(admin, { username: 'staff', deptId: staffed });
    const scoped = await createRole(t, admin, { roleKey: 'custom_c', dataScope: 2, deptIds: [c, staffed] });

    assert.equal((await admin.post('/scrm/admin/sys/dept/delete', { ids: [root.id] })).status, 409);
    const withChildren = await admin.post('/scrm/admin/sys/dept/delete', { ids: [p] });
    assert.equal(withChildren.status, 409);
    assert.equal(withChildren.body.msg, '部门存在下级部门，不能删除：P');
    const withUsers = await admin.post('/scrm/admin/sys/dept/delete', { ids: [staffed] }, { 'accept-language': 'en' });
    assert.equal(withUsers.status, 409);
    assert.equal(withUsers.body.msg, 'The department still has users: 有人部门');
    assert.equal((await admin.post('/scrm/admin/sys/dept/delete', { ids: [c, 999999] })).status, 404);
    assert.equal((await t.db.select().from(sysDept).where(eq(sysDept.isDel, 1))).length, 0, 'nothing deleted so far');

    // A parent and its child together are fine.
    assert.deepEqual(await ok(admin.post('/scrm/admin/sys/dept/delete', { ids: [p, c] })), { deleted: 2 });
    assert.equal((await admin.get('/scrm/admin/sys/dept/get', { id: p })).status, 404);
    assert.equal((await t.db.select().from(sysDept).where(eq(sysDept.id, c)))[0].isDel, 1, 'soft delete');
    assert.deepEqual((await t.db.select().from(sysRoleDept).where(eq(sysRoleDept.roleId, scoped))).map((r) => r.deptId), [staffed]);
    const ids = (function collect(nodes: any[]): number[] {
      return nodes.flatMap((node) => [node.id, ...collect(node.children)]);
    })(await ok(admin.get('/scrm/admin/sys/dept/tree')));
    assert.ok(!ids.includes(p) && !ids.includes(c));
    // Nobody can be placed in a deleted department; once its user leaves, a department can go.
    assert.equal((await admin.post('/scrm/admin/sys/user/save', { username: 'late', nickname: 'late', password: 'Passw0rd1234', deptId: c })).status, 400);
    await ok(admin.post('/scrm/admin/sys/user/batchDelete', { ids: [userId] }));
    await ok(admin.post('/scrm/admin/sys/dept/delete', { ids: [staffed] }));
  });

  test('department endpoints need their permissions; the tree only a sign-in', async () => {
    const clerk = await userWith(t, admin, 'dept_clerk', []);
    assert.equal((await clerk.get('/scrm/admin/sys/dept/tree')).status, 200);
    assert.equal((await clerk.get('/scrm/admin/sys/dept/get', { id: root.id })).status, 403);
    assert.equal((await clerk.post('/scrm/admin/sys/dept/save', { name: 'nope', parentId: root.id })).status, 403);
    assert.equal((await clerk.post('/scrm/admin/sys/dept/delete', { ids: [root.id] })).status, 403);
    assert.equal((await t.db.select().from(sysDept).where(eq(sysDept.name, 'nope'))).length, 0);
    assert.equal((await t.anonymous.get('/scrm/admin/sys/dept/tree')).status, 401);
  });
});
