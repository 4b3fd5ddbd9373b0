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
