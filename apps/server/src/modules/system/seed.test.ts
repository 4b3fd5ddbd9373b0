import { test } from 'node:test';
import assert from 'node:assert/strict';
import { count, eq } from 'drizzle-orm';
import { allPermissionCodes, menuTree, type MenuSeed } from '@scrm/shared';
import { createTestDatabase } from '../../testing/test-app.ts';
import { seedPlatform } from './seed.ts';
import { sysConfig, sysMenu, sysRole, sysRoleMenu, sysUser } from '../../db/schema/index.ts';

const countMenus = (menus: readonly MenuSeed[]): number => menus.reduce((n, m) => n + 1 + countMenus(m.children ?? []), 0);

test('the seed creates the menu tree, the administrator role with every menu and the admin user, once', async (t) => {
  const { database, close } = await createTestDatabase();
  t.after(close);
  const { db } = database;
  // The test template is already seeded; seeding again changes nothing.
  const result = await seedPlatform(db, { adminPassword: 'Another123' });
  assert.equal(result.adminCreated, false);

  const [{ menus }] = await db.select({ menus: count() }).from(sysMenu);
  assert.equal(menus, countMenus(menuTree));
  const perms = (await db.select({ perms: sysMenu.perms }).from(sysMenu)).map((m) => m.perms).filter(Boolean).sort();
  assert.deepEqual(perms, allPermissionCodes().sort());
  assert.equal(new Set(perms).size, perms.length, 'permission codes are unique');

  const [admin] = await db.select({ id: sysRole.id, dataScope: sysRole.dataScope }).from(sysRole).where(eq(sysRole.roleKey, 'admin'));
  assert.equal(admin.dataScope, 1);
  const [{ grants }] = await db.select({ grants: count() }).from(sysRoleMenu).where(eq(sysRoleMenu.roleId, admin.id));
  assert.equal(grants, menus);
  const users = await db.select({ username: sysUser.username }).from(sysUser).where(eq(sysUser.username, 'admin'));
  assert.equal(users.length, 1);

  // A menu an administrator deleted stays deleted on the next start…
  const [removed] = await db.delete(sysMenu).where(eq(sysMenu.perms, 'sys:user:bind')).returning({ id: sysMenu.id });
  await db.delete(sysRoleMenu).where(eq(sysRoleMenu.menuId, removed.id));
  await seedPlatform(db, { adminPassword: 'Another123' });
  assert.equal((await db.select().from(sysMenu).where(eq(sysMenu.perms, 'sys:user:bind'))).length, 0);

  // …while a menu the seed has never seen (added by an upgrade) is inserted and granted to the administrator.
  const [seededRow] = await db.select().from(sysConfig).where(eq(sysConfig.key, 'seeded_menus'));
  const seeded = (JSON.parse(seededRow.value) as string[]).filter((key) => key !== 'sys:user:bind');
  await db.update(sysConfig).set({ value: JSON.stringify(seeded) }).where(eq(sysConfig.key, 'seeded_menus'));
  await seedPlatform(db, { adminPassword: 'Another123' });
  const [restored] = await db.select({ id: sysMenu.id }).from(sysMenu).where(eq(sysMenu.perms, 'sys:user:bind'));
  assert.ok(restored);
  const granted = await db.select().from(sysRoleMenu).where(eq(sysRoleMenu.menuId, restored.id));
  assert.equal(granted.length, 1);
});

/** Every menu of the tree with its extra codes. */
const withExtras = (menus: readonly MenuSeed[]): MenuSeed[] => menus.flatMap((menu) => [...(menu.extraPerms?.length ? [menu] : []), ...withExtras(menu.children ?? [])]);

test("a menu's extra codes are other menus' own codes, reads only, and follow the tree on every start", async (t) => {
  const codes = new Set(allPermissionCodes());
  const extras = withExtras(menuTree);
  assert.ok(extras.some((menu) => menu.perms === 'cust:info:list' && menu.extraPerms!.includes('cust:emp:list')), '客户列表 reads relations');
  for (const menu of extras) {
    for (const code of menu.extraPerms!) {
      assert.ok(codes.has(code), `${menu.name}: ${code} is a menu's own code`);
      assert.notEqual(code, menu.perms, `${menu.name}: ${code} is not its own code again`);
      // A page may read what another module lists; it never grants that module's writes.
      assert.match(code, /:(list|query|stat)$/, `${menu.name}: ${code} is a read`);
    }
  }

  const { database, close } = await createTestDatabase();
  t.after(close);
  const { db } = database;
  const extrasOf = async (perms: string) => (await db.select({ extraPerms: sysMenu.extraPerms }).from(sysMenu).where(eq(sysMenu.perms, perms)))[0].extraPerms;
  const expected = extras.find((menu) => menu.perms === 'cust:info:list')!.extraPerms!;
  assert.deepEqual(await extrasOf('cust:info:list'), [...expected]);
  // An install from before the codes existed (migration 0016 adds an empty list), or with a code an older tree
  // named: the next start sets them to the tree's.
  await db.update(sysMenu).set({ extraPerms: [] }).where(eq(sysMenu.perms, 'cust:info:list'));
  await db.update(sysMenu).set({ extraPerms: ['sys:user:list'] }).where(eq(sysMenu.perms, 'sys:audit:list'));
  await seedPlatform(db, { adminPassword: 'Another123' });
  assert.deepEqual(await extrasOf('cust:info:list'), [...expected]);
  assert.deepEqual(await extrasOf('sys:audit:list'), []);
});
