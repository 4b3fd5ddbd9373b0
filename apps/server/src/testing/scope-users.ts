/**
 * Scoped users for the per-resource data-scope tests: a role with exactly some permissions and a data scope,
 * a user in a department holding it, bound to a WeCom employee, signed in. Roles and the WeCom binding go
 * through their own endpoints (grantRoles, bindQwUserid), as the administrator.
 */
import assert from 'node:assert/strict';
import { inArray } from 'drizzle-orm';
import { sysMenu } from '../db/schema/index.ts';
import type { TestApp, TestClient } from './test-app.ts';

/** Long enough for every password rule the API applies. */
export const SCOPE_USER_PASSWORD = 'Scoped-Passw0rd-1';

export async function okDate<T = any>(response: Promise<{ status: number; body: { date: T; msg: string } }>): Promise<T> {
  const { status, body } = await response;
  assert.equal(status, 200, `expected 200, got ${status}: ${body.msg} ${JSON.stringify(body)}`);
  return body.date;
}

/** A system department under the root; its id. */
export async function departmentUnderRoot(admin: TestClient, name: string): Promise<number> {
  const rootId = (await okDate(admin.get('/scrm/admin/sys/dept/tree')))[0].id;
  return (await okDate(admin.post('/scrm/admin/sys/dept/save', { name, parentId: rootId }))).id;
}

export interface ScopedUserOptions {
  username: string;
  perms: string[];
  /** 1 all, 2 custom departments, 3 own department, 4 own department and below, 5 self. */
  dataScope: number;
  deptId?: number | null;
  /** The WeCom employee the user is bound to. */
  qwUserid?: string;
  /** Departments of a custom (2) scope. */
  deptIds?: number[];
}

export type ScopedClient = TestClient & { id: number };

/** Creates the role and the user, grants, binds and signs in. */
export async function createScopedUser(t: TestApp, admin: TestClient, options: ScopedUserOptions): Promise<ScopedClient> {
  const menus = await t.db.select({ id: sysMenu.id, perms: sysMenu.perms }).from(sysMenu).where(inArray(sysMenu.perms, options.perms));
  assert.equal(menus.length, options.perms.length, `menus for ${options.perms.join(', ')}`);
  const role = await okDate(
    admin.post('/scrm/admin/sys/role/save', { name: options.username, roleKey: `r_${options.username}`, dataScope: options.dataScope, deptIds: options.deptIds }),
  );
  await okDate(admin.post('/scrm/admin/sys/role/updateMenus', { roleId: role.id, menuIds: menus.map((menu) => menu.id) }));
  const user = await okDate(
    admin.post('/scrm/admin/sys/user/save', {
      username: options.username,
      nickname: options.username,
      password: SCOPE_USER_PASSWORD,
      deptId: options.deptId ?? null,
    }),
  );
  await okDate(admin.post('/scrm/admin/sys/user/grantRoles', { userId: user.id, roleIds: [role.id] }));
  if (options.qwUserid) await okDate(admin.post('/scrm/admin/sys/user/bindQwUserid', { userId: user.id, qwUserid: options.qwUserid }));
  return Object.assign(await t.login(options.username, SCOPE_USER_PASSWORD), { id: user.id as number });
}
