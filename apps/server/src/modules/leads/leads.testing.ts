/** Helpers for the leads module's tests. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { openRequestHeaders } from '../../platform/open-signature.ts';
import type { Db } from '../../platform/db/database.ts';
import type { TestApp, TestClient } from '../../testing/test-app.ts';
import { createDept, createRole, createUser, PASSWORD } from '../system/test-fixtures.ts';

export async function ok<T = any>(response: Promise<{ status: number; body: { date: T; msg: string } }>): Promise<T> {
  const { status, body } = await response;
  assert.equal(status, 200, `expected 200, got ${status}: ${body.msg} ${JSON.stringify(body)}`);
  return body.date;
}

export async function fails(response: Promise<{ status: number; body: { msg: string } }>, status: number, message?: RegExp): Promise<string> {
  const { status: actual, body } = await response;
  assert.equal(actual, status, `expected ${status}, got ${actual}: ${JSON.stringify(body)}`);
  if (message) assert.match(body.msg, message);
  return body.msg;
}

/** An SCRM ("self") tag group with tags, straight into the tags module's storage; returns the tag ids. */
export async function selfTags(db: Db, groupName: string, names: string[]): Promise<number[]> {
  const group = await db.execute<{ id: number }>(sql`INSERT INTO tag_group (type, name) VALUES ('self', ${groupName}) RETURNING id`);
  const ids: number[] = [];
  for (const [index, name] of names.entries()) {
    const row = await db.execute<{ id: number }>(sql`INSERT INTO tag (group_id, type, name, order_num) VALUES (${group.rows[0].id}, 'self', ${name}, ${names.length - index}) RETURNING id`);
    ids.push(Number(row.rows[0].id));
  }
  return ids;
}

/** An enabled open API app; returns its credentials. */
export async function openApp(db: Db, name = 'landing-page'): Promise<{ appKey: string; secret: string }> {
  const appKey = `ak_${randomBytes(6).toString('hex')}`;
  const secret = randomBytes(24).toString('hex');
  await db.execute(sql`INSERT INTO open_app (name, app_key, secret, rate_limit) VALUES (${name}, ${appKey}, ${secret}, 1000)`);
  return { appKey, secret };
}

/** A signed POST to an open endpoint. */
export async function signedPost(app: FastifyInstance, credentials: { appKey: string; secret: string }, url: string, body: unknown, now = Date.now()) {
  const payload = JSON.stringify(body);
  const headers = openRequestHeaders(credentials, { method: 'POST', target: url, body: payload, timestamp: Math.floor(now / 1000) });
  const response = await app.inject({ method: 'POST', url, payload, headers: { ...headers, 'content-type': 'application/json' } });
  return { status: response.statusCode, body: response.json() as { code: string; msg: string; date: any } };
}

export const addLead = (client: TestClient, body: Record<string, unknown>) => ok(client.post('/scrm/admin/clue/add', body));

/**
 * Console users to test data scope with: each in a system department, with a role of `dataScope` holding `perms`,
 * optionally bound to a WeCom employee (the way a lead's owner and a customer's relations reach a user), signed in.
 */
export async function scopedUser(
  t: TestApp,
  admin: TestClient,
  options: { username: string; perms: string[]; dataScope: number; deptId: number; qwUserid?: string },
): Promise<TestClient & { id: number; token: string; username: string }> {
  const roleId = await createRole(t, admin, { roleKey: `r_${options.username}`, perms: options.perms, dataScope: options.dataScope });
  const id = await createUser(admin, { username: options.username, deptId: options.deptId, roleIds: [roleId] });
  if (options.qwUserid) await t.db.execute(sql`UPDATE sys_user SET qw_userid = ${options.qwUserid} WHERE id = ${id}`);
  const client = await t.login(options.username, PASSWORD);
  return Object.assign(client, { id, username: options.username });
}

/** A system department under the root. */
export async function department(admin: TestClient, name: string): Promise<number> {
  const root = (await ok(admin.get('/scrm/admin/sys/dept/tree')))[0].id;
  return createDept(admin, name, root);
}

/** A WeCom employee in the org mirror (qw_emp), as the org sync stores one; optionally bound to a console user. */
export async function employee(db: Db, userid: string, name: string, options: { boundTo?: number; status?: number } = {}): Promise<string> {
  await db.execute(sql`INSERT INTO qw_emp (userid, name, status) VALUES (${userid}, ${name}, ${options.status ?? 1})`);
  if (options.boundTo !== undefined) await db.execute(sql`UPDATE sys_user SET qw_userid = ${userid} WHERE id = ${options.boundTo}`);
  return userid;
}
