import { and, eq, sql } from 'drizzle-orm';
import { menuTree, type MenuSeed } from '@scrm/shared';
import type { Db, DbOrTx } from '../../platform/db/database.ts';
import { hashPassword, verifyPassword } from '../../platform/auth/password.ts';
import { ADMIN_ROLE_KEY } from '../../platform/auth/authenticate.ts';
import { sysConfig, sysDept, sysMenu, sysRole, sysRoleMenu, sysUser, sysUserRole } from '../../db/schema/index.ts';
import { notDeleted } from '../../platform/db/prepared.ts';

const SEED_LOCK = 727_002;
const SEEDED_MENUS_KEY = 'seeded_menus';

export interface SeedResult {
  /** Set when the admin user was created by this call. */
  adminCreated: boolean;
}

/**
 * First start: the root department, the full menu tree, the administrator role (every menu) and the
 * `admin` user. Idempotent and safe when replicas start together. Menus added to the tree later are
 * inserted on the next start and granted to the administrator role; menus an administrator deleted stay deleted.
 */
export async function seedPlatform(db: Db, options: { adminPassword: string; /** The created admin must change the password at first sign-in. */ mustChangePassword?: boolean }): Promise<SeedResult> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`SELECT pg_advisory_xact_lock(${SEED_LOCK})`);
    const [root] = await tx.select({ id: sysDept.id }).from(sysDept).where(eq(sysDept.parentId, 0)).limit(1);
    const rootId = root?.id ?? (await tx.insert(sysDept).values({ name: '总公司', parentId: 0, ancestors: '0', cuser: 'system' }).returning())[0].id;

    const existingMenus = await tx
      .select({ id: sysMenu.id, perms: sysMenu.perms, path: sysMenu.path, parentId: sysMenu.parentId, name: sysMenu.name, extraPerms: sysMenu.extraPerms })
      .from(sysMenu);
    // Menus seeded before are remembered, so one an administrator deleted is not brought back.
    const [seededRow] = await tx.select({ value: sysConfig.value }).from(sysConfig).where(eq(sysConfig.key, SEEDED_MENUS_KEY));
    const seeded = new Set<string>(seededRow ? (JSON.parse(seededRow.value) as string[]) : []);
    const newMenuIds: number[] = [];
    await insertMenus(tx, menuTree, 0, existingMenus, newMenuIds, seeded);
    const value = JSON.stringify([...seeded].sort());
    await tx.insert(sysConfig).values({ key: SEEDED_MENUS_KEY, value }).onConflictDoUpdate({ target: sysConfig.key, set: { value, mtime: new Date() } });

    let [adminRole] = await tx.select({ id: sysRole.id }).from(sysRole).where(eq(sysRole.roleKey, ADMIN_ROLE_KEY)).limit(1);
    if (!adminRole) {
      [adminRole] = await tx
        .insert(sysRole)
        .values({ name: '超级管理员', roleKey: ADMIN_ROLE_KEY, dataScope: 1, orderNum: 0, remark: '内置角色，拥有全部权限', cuser: 'system' })
        .returning({ id: sysRole.id });
    }
    if (newMenuIds.length) {
      await tx.insert(sysRoleMenu).values(newMenuIds.map((menuId) => ({ roleId: adminRole.id, menuId }))).onConflictDoNothing();
    }

    const [admin] = await tx.select({ id: sysUser.id }).from(sysUser).where(eq(sysUser.username, 'admin')).limit(1);
    if (admin) return { adminCreated: false };
    const [created] = await tx
      .insert(sysUser)
      .values({ username: 'admin', nickname: '管理员', passwordHash: await hashPassword(options.adminPassword), mustChangePassword: options.mustChangePassword ?? false, deptId: rootId, cuser: 'system' })
      .returning({ id: sysUser.id });
    await tx.insert(sysUserRole).values({ userId: created.id, roleId: adminRole.id });
    return { adminCreated: true };
  });
}

/**
 * The `admin` user must not keep a well-known password (demo mode reachable from other machines): when its
 * password is still `wellKnown`, it becomes `replacement`, must be changed at the next sign-in, and every
 * session is revoked. Returns whether it was replaced.
 */
export async function retireWellKnownAdminPassword(db: Db, options: { wellKnown: string; replacement: string }): Promise<boolean> {
  const [admin] = await db
    .select({ id: sysUser.id, passwordHash: sysUser.passwordHash })
    .from(sysUser)
    .where(and(eq(sysUser.username, 'admin'), notDeleted(sysUser)))
    .limit(1);
  if (!admin || !(await verifyPassword(admin.passwordHash, options.wellKnown))) return false;
  await db
    .update(sysUser)
    .set({
      passwordHash: await hashPassword(options.replacement),
      mustChangePassword: true,
      tokenVersion: sql`${sysUser.tokenVersion} + 1`,
      muser: 'system',
      mtime: new Date(),
    })
    .where(eq(sysUser.id, admin.id));
  return true;
}

type ExistingMenu = { id: number; perms: string | null; path: string | null; parentId: number; name: string; extraPerms: string[] };

const menuKey = (menu: MenuSeed, parentKey: string) => menu.perms ?? menu.path ?? `${parentKey}/${menu.name}`;

/**
 * Menus are matched by permission code, else by path, else by name under the same parent. A menu is
 * inserted only the first time the seed sees it; its children follow it (a deleted menu's are skipped).
 * A menu's extra codes (the reads its page needs from other modules) follow the tree on every start, so an
 * upgrade that finds a page calling a new API grants it to every role holding the page.
 */
async function insertMenus(
  tx: DbOrTx,
  menus: readonly MenuSeed[],
  parentId: number,
  existing: ExistingMenu[],
  created: number[],
  seeded: Set<string>,
  parentKey = '',
) {
  for (const [index, menu] of menus.entries()) {
    const key = menuKey(menu, parentKey);
    const match = existing.find((row) =>
      menu.perms ? row.perms === menu.perms : menu.path ? row.path === menu.path : row.parentId === parentId && row.name === menu.name,
    );
    let id = match?.id;
    if (!id && !seeded.has(key)) {
      [{ id }] = await tx
        .insert(sysMenu)
        .values({
          parentId,
          name: menu.name,
          nameEn: menu.nameEn,
          menuType: menu.type,
          path: menu.path ?? null,
          icon: menu.icon ?? null,
          perms: menu.perms ?? null,
          extraPerms: [...(menu.extraPerms ?? [])],
          orderNum: index + 1,
          cuser: 'system',
        })
        .returning({ id: sysMenu.id });
      created.push(id!);
    } else if (match && !sameCodes(match.extraPerms, menu.extraPerms ?? [])) {
      await tx.update(sysMenu).set({ extraPerms: [...(menu.extraPerms ?? [])] }).where(eq(sysMenu.id, match.id));
    }
    seeded.add(key);
    if (menu.children) {
      if (id) await insertMenus(tx, menu.children, id, existing, created, seeded, key);
      else markSeeded(menu.children, key, seeded);
    }
  }
}

function markSeeded(menus: readonly MenuSeed[], parentKey: string, seeded: Set<string>) {
  for (const menu of menus) {
    const key = menuKey(menu, parentKey);
    seeded.add(key);
    markSeeded(menu.children ?? [], key, seeded);
  }
}

const sameCodes = (a: readonly string[], b: readonly string[]) => a.length === b.length && [...a].sort().join() === [...b].sort().join();
