import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import type { TestApp } from '../../testing/test-app.ts';
import { createNexusTestApp, nexusClient, type NexusClient } from './nexus.testing.ts';

describe('Nexus users', () => {
  let t: TestApp;
  let nexus: NexusClient;
  const deptIds: Record<string, number> = {};

  type Row = { emp_no: string; username: string; nickname: string; dept_id: number | null; status: number; is_del: number; password_hash: string };
  const userRow = async (empNo: string): Promise<Row | undefined> =>
    (await t.db.execute<Row>(sql`SELECT emp_no, username, nickname, dept_id, status, is_del, password_hash FROM sys_user WHERE emp_no = ${empNo}`)).rows[0];
  const snapshot = async () =>
    (await t.db.execute(sql`SELECT id, username, nickname, emp_no, dept_id, status, token_version, is_del FROM sys_user ORDER BY id`)).rows;
  const auditCount = async () => Number((await t.db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM sys_audit_log`)).rows[0].n);
  const ssoToken = async (empNo: string) => {
    const response = await nexus('/sso', { nexusToken: `token-of-${empNo}-${Math.random()}`, empNo });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    return response.body.date.token as string;
  };
  const current = (token: string) => t.client(token).get('/scrm/admin/sys/user/current');

  before(async () => {
    t = await createNexusTestApp();
    nexus = nexusClient(t);
    for (const [deptId, parentId] of [['HQ', null], ['SALES', 'HQ'], ['DEV', 'HQ']]) {
      const response = await nexus('/dept/save', { deptId, parentId, name: deptId });
      deptIds[deptId as string] = response.body.date.id;
    }
  });
  after(() => t.close());

  test('add: a user keyed by empNo, in a Nexus department, with an unusable password and no roles', async () => {
    const response = await nexus('/user/add', { empNo: 'E001', nickname: '张三', deptId: 'SALES', phone: '13800000001', email: 'zs@example.com', nexusUserId: 'nx-1' });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    assert.deepEqual({ ...response.body.date, id: 0 }, {
      id: 0, username: 'E001', nickname: '张三', empNo: 'E001', phone: '13800000001', email: 'zs@example.com', deptId: deptIds.SALES, status: 0,
    });
    const row = (await userRow('E001'))!;
    assert.match(row.password_hash, /^\$argon2id\$/);
    const login = await t.anonymous.post('/scrm/admin/login', { username: 'E001', password: 'E001' });
    assert.equal(login.status, 401);
    // Signed in through SSO, a user without roles may still see who they are.
    const me = await current(await ssoToken('E001'));
    assert.equal(me.status, 200);
    assert.deepEqual(me.body.date.roles, []);
    const [map] = (await t.db.execute<{ nexus_user_id: string }>(sql`SELECT nexus_user_id FROM nexus_user_map WHERE user_id = ${response.body.date.id}`)).rows;
    assert.equal(map.nexus_user_id, 'nx-1');
  });

  test('add with role keys and a username of its own', async () => {
    const response = await nexus('/user/add', { empNo: 'E002', nickname: '李四', username: 'lisi', deptId: 'DEV', roleKeys: ['admin'] });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    const me = await current(await ssoToken('E002'));
    assert.equal(me.status, 200, JSON.stringify(me.body));
    assert.equal(me.body.date.isAdmin, true);
    assert.equal(me.body.date.username, 'lisi');
  });

  test('add: conflicts and bad bodies change nothing', async () => {
    const before = await snapshot();
    const audits = await auditCount();
    const cases: [unknown, number, string?][] = [
      [{ empNo: 'E001', nickname: 'dup' }, 409, '工号已存在：E001'],
      [{ empNo: 'E009', nickname: 'x', username: 'lisi' }, 409, '用户名已存在：lisi'],
      [{ empNo: 'E009', nickname: 'x', nexusUserId: 'nx-1' }, 409, 'Nexus 用户 ID 已绑定其他用户：nx-1'],
      [{ empNo: 'E009', nickname: 'x', deptId: 'NOPE' }, 400, 'Nexus 部门不存在：NOPE'],
      [{ empNo: 'E009', nickname: 'x', roleKeys: ['admin', 'no-such-role'] }, 400, '角色不存在：no-such-role'],
      [{ empNo: 'E009' }, 400],
      [{ empNo: '', nickname: 'x' }, 400],
      [{ empNo: 'E009', nickname: 'x', email: 'not-an-email' }, 400],
      [{ empNo: 'E009', nickname: 'x', username: 'has space' }, 400],
      [{ empNo: 'E009', nickname: 'x', status: 3 }, 400],
      [{ empNo: 'E009', nickname: 'x', password: 'secret123' }, 400],
      [[{ empNo: 'E009', nickname: 'x' }], 400],
    ];
    for (const [body, status, msg] of cases) {
      const response = await nexus('/user/add', body);
      assert.equal(response.status, status, JSON.stringify([body, response.body]));
      if (msg) assert.equal(response.body.msg, msg);
    }
    assert.deepEqual(await snapshot(), before);
    assert.equal(await auditCount(), audits);
  });

  test('update by empNo: fields, department, empNo change; audited with before and after', async () => {
    const response = await nexus('/user/update', { empNo: 'E001', nickname: '张三丰', deptId: 'DEV', phone: null, newEmpNo: 'E001A' });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    assert.equal(response.body.date.nickname, '张三丰');
    assert.equal(response.body.date.deptId, deptIds.DEV);
    assert.equal(response.body.date.phone, null);
    assert.equal(response.body.date.email, 'zs@example.com', 'fields left out keep their value');
    assert.equal(response.body.date.empNo, 'E001A');
    const [audit] = (
      await t.db.execute<{ actor: string; target_id: string; before: { nickname: string; empNo: string }; after: { nickname: string; empNo: string } }>(
        sql`SELECT actor, target_id, before, after FROM sys_audit_log WHERE action = 'nexus.user.update' ORDER BY id DESC LIMIT 1`,
      )
    ).rows;
    assert.equal(audit.actor, 'nexus-test-app');
    assert.equal(audit.target_id, String(response.body.date.id));
    assert.deepEqual([audit.before.nickname, audit.before.empNo, audit.after.nickname, audit.after.empNo], ['张三', 'E001', '张三丰', 'E001A']);
    assert.equal((await nexus('/user/update', { empNo: 'E001A', newEmpNo: 'E001' })).status, 200);
  });

  test('update: unknown empNo 404, conflicts 409, bad bodies 400, nothing changes', async () => {
    const before = await snapshot();
    const cases: [unknown, number][] = [
      [{ empNo: 'NOBODY', nickname: 'x' }, 404],
      [{ empNo: 'E001', newEmpNo: 'E002' }, 409],
      [{ empNo: 'E001', username: 'lisi' }, 409],
      [{ empNo: 'E001', deptId: 'NOPE' }, 400],
      [{ empNo: 'E001', nickname: '' }, 400],
      [{ nickname: 'x' }, 400],
      [{ empNo: 'E001', roleKeys: ['no-such-role'] }, 400],
    ];
    for (const [body, status] of cases) assert.equal((await nexus('/user/update', body)).status, status, JSON.stringify(body));
    assert.deepEqual(await snapshot(), before);
  });

  test('update status 1 disables and signs the user out; status 0 lets them sign in again', async () => {
    const token = await ssoToken('E001');
    assert.equal((await current(token)).status, 200);
    assert.equal((await nexus('/user/update', { empNo: 'E001', status: 1 })).status, 200);
    assert.equal((await current(token)).status, 401);
    const refused = await nexus('/sso', { nexusToken: 'while-disabled', empNo: 'E001' });
    assert.equal(refused.status, 403);
    assert.equal(refused.body.msg, '账号已停用');
    assert.equal((await nexus('/user/update', { empNo: 'E001', status: 0 })).status, 200);
    const [audit] = (await t.db.execute<{ action: string }>(sql`SELECT action FROM sys_audit_log ORDER BY id DESC LIMIT 1`)).rows;
    assert.equal(audit.action, 'nexus.user.enable');
    assert.equal((await current(token)).status, 401, 'old tokens stay revoked');
    assert.equal((await current(await ssoToken('E001'))).status, 200);
  });

  test('batchUpdateDept moves employees; an unknown empNo changes nothing', async () => {
    assert.equal((await nexus('/user/add', { empNo: 'E003', nickname: '王五' })).status, 200);
    const missing = await nexus('/user/batchUpdateDept', { empNos: ['E001', 'E003', 'GHOST'], deptId: 'HQ' });
    assert.equal(missing.status, 404);
    assert.equal(missing.body.msg, '工号对应的用户不存在：GHOST');
    assert.equal((await userRow('E003'))!.dept_id, null);
    assert.equal((await nexus('/user/batchUpdateDept', { empNos: ['E001'], deptId: 'NOPE' })).status, 400);
    assert.equal((await nexus('/user/batchUpdateDept', { empNos: [], deptId: 'HQ' })).status, 400);

    const moved = await nexus('/user/batchUpdateDept', { empNos: ['E001', 'E003', 'E003'], deptId: 'HQ' });
    assert.equal(moved.status, 200, JSON.stringify(moved.body));
    assert.deepEqual(moved.body.date, { updated: 2 });
    assert.equal(Number((await userRow('E001'))!.dept_id), deptIds.HQ);
    assert.equal(Number((await userRow('E003'))!.dept_id), deptIds.HQ);
    const again = await nexus('/user/batchUpdateDept', { empNos: ['E001'], deptId: 'HQ' });
    assert.deepEqual(again.body.date, { updated: 0 });
    const audits = await t.db.execute(sql`SELECT 1 FROM sys_audit_log WHERE action = 'nexus.user.move'`);
    assert.equal(audits.rows.length, 2);
  });

  test('deleteByEmpNo disables (never erases) and their existing tokens get 401', async () => {
    const token1 = await ssoToken('E001');
    const token3 = await ssoToken('E003');
    const response = await nexus('/user/deleteByEmpNo', { empNos: ['E001', 'E003', 'GHOST'] });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    assert.deepEqual(response.body.date, { disabled: 2, missing: ['GHOST'] });
    for (const token of [token1, token3]) {
      const refused = await current(token);
      assert.equal(refused.status, 401);
    }
    for (const empNo of ['E001', 'E003']) {
      const row = (await userRow(empNo))!;
      assert.deepEqual([Number(row.status), Number(row.is_del)], [1, 0]);
    }
    // Repeating it is harmless: nothing left to change, nothing audited.
    const audits = await auditCount();
    const again = await nexus('/user/deleteByEmpNo', { empNos: ['E001'] });
    assert.deepEqual(again.body.date, { disabled: 0, missing: [] });
    assert.equal(await auditCount(), audits);
    assert.equal((await nexus('/user/deleteByEmpNo', { empNos: 'E001' })).status, 400);
  });

  test('the last active administrator cannot be disabled from Nexus', async () => {
    await t.db.execute(sql`UPDATE sys_user SET emp_no = 'ADMIN-1' WHERE username = 'admin'`);
    assert.equal((await nexus('/user/deleteByEmpNo', { empNos: ['E002'] })).status, 200);
    const before = await snapshot();
    const refused = await nexus('/user/deleteByEmpNo', { empNos: ['ADMIN-1'] });
    assert.equal(refused.status, 409);
    assert.equal(refused.body.msg, '至少需要保留一名可用的超级管理员');
    assert.equal((await nexus('/user/update', { empNo: 'ADMIN-1', status: 1 })).status, 409);
    assert.deepEqual(await snapshot(), before);
  });

  test('the audit log pages for administrators only', async () => {
    const admin = await t.login();
    const page = await admin.post('/scrm/admin/sys/audit/page', { pageNum: 1, pageSize: 5, action: 'nexus.user.' });
    assert.equal(page.status, 200, JSON.stringify(page.body));
    assert.ok(page.body.date.total >= 8);
    assert.equal(page.body.date.records.length, 5);
    assert.ok(page.body.date.records.every((row: { action: string; actor: string }) => row.action.startsWith('nexus.user.') && row.actor === 'nexus-test-app'));
    const ids = page.body.date.records.map((row: { id: number }) => row.id);
    assert.deepEqual(ids, [...ids].sort((a: number, b: number) => b - a), 'newest first');

    const exact = await admin.post('/scrm/admin/sys/audit/page', { pageNum: 1, pageSize: 50, action: 'nexus.user.create', targetType: 'user' });
    assert.equal(exact.status, 200, JSON.stringify(exact.body));
    assert.equal(exact.body.date.total, 3);
    const later = await admin.post('/scrm/admin/sys/audit/page', { beginTime: new Date(t.clock.now + 3600_000).toISOString() });
    assert.equal(later.status, 200, JSON.stringify(later.body));
    assert.equal(later.body.date.total, 0);

    assert.equal((await nexus('/user/add', { empNo: 'E004', nickname: '赵六' })).status, 200);
    const plain = await t.client(await ssoToken('E004')).post('/scrm/admin/sys/audit/page', {});
    assert.equal(plain.status, 403);
  });
});
