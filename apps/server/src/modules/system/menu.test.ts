import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { eq } from 'drizzle-orm';
import { sysMenu, sysRoleMenu } from '../../db/schema/index.ts';
import { createTestApp, type TestApp, type TestClient } from '../../testing/test-app.ts';
import { menuIdsFor, ok, userWith } from './test-fixtures.ts';

const NODE_KEYS = ['children', 'extraPerms', 'icon', 'id', 'menuType', 'name', 'nameEn', 'orderNum', 'parentId', 'path', 'perms', 'status', 'visible'];

function flatten(nodes: any[]): any[] {
  return nodes.flatMap((node) => [node, ...flatten(node.children)]);
}

describe('menus', () => {
  let t: TestApp;
  let admin: TestClient;
  let systemDir: any;

  before(async () => {
    t = await createTestApp();
    admin = await t.login();
    systemDir = (await ok(admin.get('/scrm/admin/sys/menu/tree'))).find((node: any) => node.path === '/system');
  });
  after(() => t.close());

  test('tree holds every menu once, as nodes of the documented shape, siblings by orderNum', async () => {
    const tree = await ok(admin.get('/scrm/admin/sys/menu/tree'));
    const all = flatten(tree);
    assert.equal(all.length, (await t.db.select().from(sysMenu)).length);
    assert.deepEqual(Object.keys(all[0]).sort(), NODE_KEYS);
    for (const node of all) {
      const orders = node.children.map((child: any) => child.orderNum);
      assert.deepEqual(orders, [...orders].sort((a: number, b: number) => a - b));
      for (const child of node.children) assert.equal(child.parentId, node.id);
    }
    assert.ok(tree.every((node: any) => node.parentId === 0));
    const users = systemDir.children.find((node: any) => node.path === '/system/user');
    assert.equal(users.menuType, 'C');
    assert.ok(users.children.some((node: any) => node.perms === 'sys:user:save' && node.menuType === 'F'));

    // Reordering is reflected.
    const [last] = tree.slice(-1);
    await ok(admin.post('/scrm/admin/sys/menu/save', { ...editable(await ok(admin.get('/scrm/admin/sys/menu/get', { id: last.id }))), orderNum: 0 }));
    const reordered = await ok(admin.get('/scrm/admin/sys/menu/tree'));
    assert.equal(reordered[0].id, last.id);
  });

  test('get returns one menu; 404 when missing', async () => {
    const menu = await ok(admin.get('/scrm/admin/sys/menu/get', { id: systemDir.id }));
    assert.equal(menu.name, '系统管理');
    assert.equal(menu.menuType, 'M');
    const missing = await admin.get('/scrm/admin/sys/menu/get', { id: 999999 }, { 'accept-language': 'en' });
    assert.equal(missing.status, 404);
    assert.equal(missing.body.msg, 'Menu 999999 not found');
  });

  test('save validates parent, type and permission codes, writing nothing when refused', async () => {
    const page = await ok(
      admin.post('/scrm/admin/sys/menu/save', { parentId: systemDir.id, name: '测试页', nameEn: 'Test page', menuType: 'C', path: '/system/test', perms: 'test:page' }),
    );
    assert.equal(page.parentId, systemDir.id);
    assert.equal(page.cuser, 'admin');
    assert.equal(page.visible, true);
    const button = await ok(admin.post('/scrm/admin/sys/menu/save', { parentId: page.id, name: '测试按钮', menuType: 'F', perms: 'test:button' }));
    const count = async () => (await t.db.select().from(sysMenu)).length;
    const before = await count();

    const refusals: [unknown, number, string][] = [
      [{ parentId: page.id, name: 'x', menuType: 'F', perms: 'test:button' }, 409, '权限标识已存在：test:button'],
      [{ parentId: page.id, name: 'x', menuType: 'F' }, 400, '按钮必须填写权限标识'],
      [{ parentId: 999999, name: 'x', menuType: 'C' }, 400, '上级菜单不正确'],
      [{ parentId: button.id, name: 'x', menuType: 'F', perms: 'under:button' }, 400, '上级菜单不正确'],
      [{ parentId: 0, name: 'x', menuType: 'X' }, 400, 'menuType'],
      [{ parentId: 0, name: '   ', menuType: 'C' }, 400, 'name'],
      [{ parentId: 0, name: 'x', menuType: 'C', perms: 'bad code!' }, 400, 'perms'],
    ];
    for (const [body, status, message] of refusals) {
      const response = await admin.post('/scrm/admin/sys/menu/save', body);
      assert.equal(response.status, status, JSON.stringify(body));
      assert.ok(response.body.msg.includes(message), `${response.body.msg} should mention ${message}`);
    }
    assert.equal(await count(), before);

    // Not under itself or its own descendant.
    for (const parentId of [page.id, button.id]) {
      const cycle = await admin.post('/scrm/admin/sys/menu/save', { ...editable(page), parentId });
      assert.equal(cycle.status, 400);
    }
    const dirBelow = await ok(admin.post('/scrm/admin/sys/menu/save', { parentId: page.id, name: '子目录', menuType: 'M' }));
    const moveUnderChild = await admin.post('/scrm/admin/sys/menu/save', { ...editable(page), parentId: dirBelow.id });
    assert.equal(moveUnderChild.status, 400);
    assert.deepEqual(moveUnderChild.body.date.fields.map((f: any) => f.field), ['parentId']);
    assert.equal((await ok(admin.get('/scrm/admin/sys/menu/get', { id: page.id }))).parentId, systemDir.id);

    // Keeping its own code is not a conflict; moving to the top level is fine.
    const moved = await ok(admin.post('/scrm/admin/sys/menu/save', { ...editable(page), parentId: 0, name: '测试页2' }));
    assert.equal(moved.parentId, 0);
    assert.equal(moved.perms, 'test:page');
    assert.equal((await admin.post('/scrm/admin/sys/menu/save', { ...editable(page), id: 999999 })).status, 404);
  });

  test('delete refuses a menu with children and removes a leaf with its grants', async () => {
    const dir = await ok(admin.post('/scrm/admin/sys/menu/save', { parentId: 0, name: '临时目录', menuType: 'M' }));
    const leaf = await ok(admin.post('/scrm/admin/sys/menu/save', { parentId: dir.id, name: '临时按钮', menuType: 'F', perms: 'tmp:button' }));
    const holder = await userWith(t, admin, 'menu_holder', ['sys:user:list']);
    await ok(admin.post('/scrm/admin/sys/role/updateMenus', { roleId: holder.roleId, menuIds: [leaf.id, ...(await menuIdsFor(t, ['sys:user:list']))] }));

    const refused = await admin.get('/scrm/admin/sys/menu/delete', { id: dir.id });
    assert.equal(refused.status, 409);
    assert.equal(refused.body.msg, '存在子菜单，不允许删除');
    assert.ok(await ok(admin.get('/scrm/admin/sys/menu/get', { id: dir.id })));

    assert.deepEqual(await ok(admin.get('/scrm/admin/sys/menu/delete', { id: leaf.id })), { id: leaf.id });
    assert.equal((await t.db.select().from(sysMenu).where(eq(sysMenu.id, leaf.id))).length, 0, 'hard delete');
    assert.equal((await t.db.select().from(sysRoleMenu).where(eq(sysRoleMenu.menuId, leaf.id))).length, 0, 'grants removed');
    assert.deepEqual(await ok(admin.get('/scrm/admin/sys/role/menuIds', { roleId: holder.roleId })), await menuIdsFor(t, ['sys:user:list']));
    await ok(admin.get('/scrm/admin/sys/menu/delete', { id: dir.id }));
    assert.equal((await admin.get('/scrm/admin/sys/menu/delete', { id: dir.id })).status, 404);
  });

  test('userTree: granted menus with their ancestors, no buttons, and the permission codes', async () => {
    const clerk = await userWith(t, admin, 'tree_clerk', ['sys:role:query']);
    const tree = await ok(clerk.get('/scrm/admin/sys/menu/userTree'));
    assert.equal(tree.isAdmin, false);
    assert.deepEqual(tree.permissions, ['sys:role:query']);
    assert.equal(tree.menus.length, 1);
    assert.equal(tree.menus[0].path, '/system');
    assert.deepEqual(tree.menus[0].children.map((node: any) => node.path), ['/system/role']);
    assert.deepEqual(tree.menus[0].children[0].children, [], 'the granted button itself is not navigation');
    assert.equal((await clerk.get('/scrm/admin/sys/menu/tree')).status, 403);

    const full = await ok(admin.get('/scrm/admin/sys/menu/userTree'));
    assert.equal(full.isAdmin, true);
    const nav = flatten(full.menus);
    assert.ok(nav.length > 20);
    assert.ok(nav.every((node: any) => node.menuType !== 'F'));
    assert.equal(nav.length, (await t.db.select().from(sysMenu)).filter((menu) => menu.menuType !== 'F' && menu.status === 0).length);
    assert.ok(full.permissions.includes('sys:user:save') && full.permissions.includes('cust:link:delete'));

    // A disabled directory hides its subtree; a hidden page is kept with visible=false.
    const customers = full.menus.find((node: any) => node.path === '/customer');
    const tags = full.menus.find((node: any) => node.path === '/tag');
    await ok(admin.post('/scrm/admin/sys/menu/save', { ...editable(await ok(admin.get('/scrm/admin/sys/menu/get', { id: customers.id }))), status: 1 }));
    const corp = tags.children.find((node: any) => node.path === '/tag/corp');
    await ok(admin.post('/scrm/admin/sys/menu/save', { ...editable(await ok(admin.get('/scrm/admin/sys/menu/get', { id: corp.id }))), visible: false }));
    const after = flatten((await ok(admin.get('/scrm/admin/sys/menu/userTree'))).menus);
    assert.ok(!after.some((node: any) => node.path?.startsWith('/customer')));
    assert.equal(after.find((node: any) => node.id === corp.id).visible, false);
  });

  test('menu endpoints need their permissions; userTree needs only a sign-in', async () => {
    const nobody = await userWith(t, admin, 'menu_nobody', []);
    assert.deepEqual((await ok(nobody.get('/scrm/admin/sys/menu/userTree'))).menus, []);
    assert.equal((await nobody.get('/scrm/admin/sys/menu/get', { id: systemDir.id })).status, 403);
    assert.equal((await nobody.post('/scrm/admin/sys/menu/save', { parentId: 0, name: 'x', menuType: 'M' })).status, 403);
    assert.equal((await nobody.get('/scrm/admin/sys/menu/delete', { id: systemDir.id })).status, 403);
    assert.ok(await ok(admin.get('/scrm/admin/sys/menu/get', { id: systemDir.id })));
    assert.equal((await t.anonymous.get('/scrm/admin/sys/menu/userTree')).status, 401);
  });

  test("a page's menu grants the reads its page makes in other modules (extraPerms), and nothing more", async () => {
    // 客户列表 lists relations (cust:emp:list) and offers employee, department, tag, channel and stage filters.
    const operator = await userWith(t, admin, 'menu_customer_list', ['cust:info:list']);
    const { permissions } = await ok(operator.get('/scrm/admin/sys/menu/userTree'));
    assert.deepEqual(permissions, ['cust:channel:list', 'cust:emp:list', 'cust:info:list', 'qw:dept:list', 'qw:emp:list', 'stage:list', 'tag:corp:list', 'tag:self:list']);
    await ok(operator.post('/scrm/admin/cust/emp/page', { pageNum: 1, pageSize: 10 }));
    await ok(operator.get('/scrm/admin/qw/emp/listByName', { name: '' }));
    // Reads only: the relation page's buttons (export, save) and the pickers' modules' writes stay refused.
    assert.equal((await operator.post('/scrm/admin/cust/emp/export', {})).status, 403);
    assert.equal((await operator.post('/scrm/admin/tag/corp/sync')).status, 403);
    // A disabled menu grants none of its codes.
    const [page] = await menuIdsFor(t, ['cust:info:list']);
    await t.db.update(sysMenu).set({ status: 1 }).where(eq(sysMenu.id, page));
    assert.equal((await operator.post('/scrm/admin/cust/emp/page', { pageNum: 1, pageSize: 10 })).status, 403);
    await t.db.update(sysMenu).set({ status: 0 }).where(eq(sysMenu.id, page));
  });

  test('a refused request names the missing grant in words, the code on the details line', async () => {
    const operator = await userWith(t, admin, 'menu_no_relations', ['cust:channel:list']);
    const zh = await operator.post('/scrm/admin/cust/emp/page', { pageNum: 1, pageSize: 10 });
    assert.equal(zh.status, 403);
    assert.equal(zh.body.msg, '缺少「客户员工关系」权限，请联系管理员授予');
    assert.deepEqual(zh.body.date, { permission: 'cust:emp:list', detail: 'cust:emp:list' });
    // A button: its page and its name.
    const en = await operator.post('/scrm/admin/cust/emp/export', {}, { 'accept-language': 'en' });
    assert.equal(en.body.msg, 'Missing the "Customer relations › Export relations" permission; ask an administrator to grant it');
    // Renamed by an administrator: the name the role editor shows.
    const [relations] = await menuIdsFor(t, ['cust:emp:list']);
    await t.db.update(sysMenu).set({ name: '客户关系' }).where(eq(sysMenu.id, relations));
    assert.equal((await operator.post('/scrm/admin/cust/emp/page', { pageNum: 1, pageSize: 10 })).body.msg, '缺少「客户关系」权限，请联系管理员授予');
    // Deleted: the product's name for it.
    await ok(admin.get('/scrm/admin/sys/menu/delete', { id: (await menuIdsFor(t, ['cust:emp:stat']))[0] }));
    const deleted = await operator.post('/scrm/admin/cust/emp/stat', {});
    assert.equal(deleted.body.msg, '缺少「客户统计 › 客户统计明细」权限，请联系管理员授予');
  });
});

function editable(menu: any) {
  const { id, parentId, name, nameEn, menuType, path, component, icon, perms, orderNum, visible, status } = menu;
  return { id, parentId, name, nameEn, menuType, path, component, icon, perms, orderNum, visible, status };
}
