/** Helpers shared by the system module's HTTP tests: create departments, roles and users through the API. */
import assert from 'node:assert/strict';
import { inArray } from 'drizzle-orm';
import { sysMenu } from '../../db/schema/index.ts';
import type { TestApp, TestClient } from '../../testing/test-app.ts';

export const PASSWORD = 'Passw0rd1234';

export async function ok<T = any>(response: Promise<{ status: number; body: { date: T; msg: string } }>): Promise<T> {
  const { status, body } = await response;
  assert.equal(status, 200, `expected 200, got ${status}: ${body.msg} ${JSON.stringify(body)}`);
  return body.date;
}

export async function menuIdsFor(t: TestApp, perms: string[]): Promise<number[]> {
  const rows = await t.db.select({ id: sysMenu.id, perms: sysMenu.perms }).from(sysMenu).where(inArray(sysMenu.perms, perms));
  assert.equal(rows.length, perms.length, `menus for ${perms.join(', ')}`);
  return rows.map((r) => r.id);
}

export async function createDept(admin: TestClient, name: string, parentId: number): Promise<number> {
  return (await ok(admin.post('/scrm/admin/sys/dept/save', { name, parentId }))).id;
}

export async function createRole(
  t: TestApp,
  admin: TestClient,
  options: { roleKey: string; perms?: string[]; dataScope?: number; deptIds?: number[]; name?: string },
): Promise<number> {
  const role = await ok(
    admin.post('/scrm/admin/sys/role/save', {
      name: options.name ?? options.roleKey,
      roleKey: options.roleKey,
      dataScope: options.dataScope ?? 1,
      deptIds: options.deptIds,
    }),
  );
  if (options.perms?.length) {
    await ok(admin.post('/scrm/admin/sys/role/updateMenus', { roleId: role.id, menuIds: await menuIdsFor(t, options.perms) }));
  }
  return role.id;
}

export async function createUser(
  admin: TestClient,
  options: { username: string; roleIds?: number[]; deptId?: number | null; password?: string; nickname?: string },
): Promise<number> {
  const user = await ok(
    admin.post('/scrm/admin/sys/user/save', {
      username: options.username,
      nickname: options.nickname ?? options.username,
      password: options.password ?? PASSWORD,
      deptId: options.deptId ?? null,
    }),
  );
  // Roles have their own endpoint (save edits profile fields only).
  if (options.roleIds?.length) await ok(admin.post('/scrm/admin/sys/user/grantRoles', { userId: user.id, roleIds: options.roleIds }));
  return user.id;
}

/** A user holding exactly `perms` (data scope 1 unless said), signed in. */
export async function userWith(t: TestApp, admin: TestClient, username: string, perms: string[], dataScope = 1) {
  const roleId = await createRole(t, admin, { roleKey: `r_${username}`, perms, dataScope });
  const id = await createUser(admin, { username, roleIds: [roleId] });
  return Object.assign(await t.login(username, PASSWORD), { id, roleId });
}
