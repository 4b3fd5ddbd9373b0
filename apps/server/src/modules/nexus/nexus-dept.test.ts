import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import type { TestApp } from '../../testing/test-app.ts';
import { createNexusTestApp, nexusClient, type NexusClient } from './nexus.testing.ts';

describe('Nexus departments', () => {
  let t: TestApp;
  let nexus: NexusClient;

  /** SCRM dept rows by Nexus id: parent's Nexus id and ancestors as Nexus ids ("0,A,B"). */
  async function tree(): Promise<Record<string, { parent: string; ancestors: string; name: string }>> {
    const result = await t.db.execute<{ nexus_dept_id: string; id: number; parent_id: number; ancestors: string; name: string }>(
      sql`SELECT m.nexus_dept_id, d.id, d.parent_id, d.ancestors, d.name FROM nexus_dept_map m JOIN sys_dept d ON d.id = m.dept_id WHERE d.is_del = 0`,
    );
    const byId = new Map(result.rows.map((row) => [Number(row.id), row.nexus_dept_id]));
    const name = (id: string) => (id === '0' ? '0' : Number(id) === rootId ? 'ROOT' : (byId.get(Number(id)) ?? `?${id}`));
    return Object.fromEntries(
      result.rows.map((row) => [
        row.nexus_dept_id,
        { parent: name(String(row.parent_id)), ancestors: row.ancestors.split(',').map(name).join(','), name: row.name },
      ]),
    );
  }

  const auditCount = async (action: string) =>
    Number((await t.db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM sys_audit_log WHERE action = ${action}`)).rows[0].n);

  let rootId: number;
  before(async () => {
    t = await createNexusTestApp();
    nexus = nexusClient(t);
    rootId = Number((await t.db.execute<{ id: number }>(sql`SELECT id FROM sys_dept WHERE parent_id = 0`)).rows[0].id);
  });
  after(() => t.close());

  test('a tree is pushed top-down under the SCRM root; ids may be numbers or strings', async () => {
    for (const body of [
      { deptId: 'A', name: '集团' },
      { deptId: 'B', parentId: 'A', name: '销售部', orderNum: 2, leader: '张三' },
      { deptId: 'C', parentId: 'B', name: '华东销售' },
      { deptId: 'D', parentId: 'C', name: '上海组' },
      { deptId: 'E', parentId: '0', name: '研发中心' },
      { deptId: 7, parentId: 'E', name: '前端组' },
    ]) {
      const response = await nexus('/dept/save', body);
      assert.equal(response.status, 200, JSON.stringify(response.body));
    }
    assert.deepEqual(await tree(), {
      A: { parent: 'ROOT', ancestors: '0,ROOT', name: '集团' },
      B: { parent: 'A', ancestors: '0,ROOT,A', name: '销售部' },
      C: { parent: 'B', ancestors: '0,ROOT,A,B', name: '华东销售' },
      D: { parent: 'C', ancestors: '0,ROOT,A,B,C', name: '上海组' },
      E: { parent: 'ROOT', ancestors: '0,ROOT', name: '研发中心' },
      7: { parent: 'E', ancestors: '0,ROOT,E', name: '前端组' },
    });
    assert.equal(await auditCount('nexus.dept.create'), 6);
    // The console's tree shows them under the one root.
    const admin = await t.login();
    const consoleTree = await admin.get('/scrm/admin/sys/dept/tree');
    assert.equal(consoleTree.status, 200, JSON.stringify(consoleTree.body));
    assert.equal(consoleTree.body.date.length, 1);
    assert.deepEqual(consoleTree.body.date[0].children.map((node: { name: string }) => node.name).sort(), ['研发中心', '集团']);
  });

  test('the response describes the saved department', async () => {
    const response = await nexus('/dept/save', { deptId: 'B', parentId: 'A', name: '销售部', orderNum: 3 });
    const [a] = (await t.db.execute<{ dept_id: number }>(sql`SELECT dept_id FROM nexus_dept_map WHERE nexus_dept_id = 'A'`)).rows;
    assert.equal(response.body.date.nexusDeptId, 'B');
    assert.equal(response.body.date.parentId, Number(a.dept_id));
    assert.equal(response.body.date.ancestors, `0,${rootId},${a.dept_id}`);
    assert.equal(response.body.date.orderNum, 3);
    assert.equal(response.body.date.leader, '张三', 'fields left out keep their value');
  });

  test('an update without a move is audited with before and after', async () => {
    const response = await nexus('/dept/save', { deptId: 'D', parentId: 'C', name: '上海一组' });
    assert.equal(response.status, 200);
    const [row] = (
      await t.db.execute<{ actor: string; before: { name: string }; after: { name: string } }>(
        sql`SELECT actor, before, after FROM sys_audit_log WHERE action = 'nexus.dept.update' AND after->>'nexusDeptId' = 'D'`,
      )
    ).rows;
    assert.equal(row.actor, 'nexus-test-app');
    assert.equal(row.before.name, '上海组');
    assert.equal(row.after.name, '上海一组');
  });

  test('a move re-computes the ancestors of the whole subtree', async () => {
    const response = await nexus('/dept/save', { deptId: 'B', parentId: '7', name: '销售部' });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    const now = await tree();
    assert.deepEqual([now.B, now.C, now.D], [
      { parent: '7', ancestors: '0,ROOT,E,7', name: '销售部' },
      { parent: 'B', ancestors: '0,ROOT,E,7,B', name: '华东销售' },
      { parent: 'C', ancestors: '0,ROOT,E,7,B,C', name: '上海一组' },
    ]);
    assert.deepEqual(now.A, { parent: 'ROOT', ancestors: '0,ROOT', name: '集团' });
    // And back to the top level.
    assert.equal((await nexus('/dept/save', { deptId: 'B', parentId: null, name: '销售部' })).status, 200);
    const top = await tree();
    assert.deepEqual([top.B.ancestors, top.C.ancestors, top.D.ancestors], ['0,ROOT', '0,ROOT,B', '0,ROOT,B,C']);
    assert.equal(await auditCount('nexus.dept.move'), 2);
  });

  test('moving a department under itself or its descendant is refused, nothing changes', async () => {
    const before = await tree();
    for (const parentId of ['B', 'D']) {
      const response = await nexus('/dept/save', { deptId: 'B', parentId, name: '销售部' });
      assert.equal(response.status, 400);
      assert.equal(response.body.msg, '不能把部门移动到它自己或它的下级部门之下');
    }
    assert.deepEqual(await tree(), before);
  });

  test('bad bodies: 400 and nothing changes', async () => {
    const before = await tree();
    const audits = await auditCount('nexus.dept.update');
    const bodies = [
      { deptId: 'X' },
      { deptId: 'X', name: '' },
      { deptId: 'X', name: 'x'.repeat(65) },
      { deptId: ['X'], name: 'x' },
      { deptId: 'X', name: 'x', orderNum: -1 },
      { deptId: 'X', name: 'x', status: 2 },
      { deptId: 'X', name: 'x', unknownField: 1 },
      { deptId: 'X', parentId: 'never-pushed', name: 'x' },
      { deptId: 'D', parentId: 'never-pushed', name: 'renamed' },
    ];
    for (const body of bodies) {
      const response = await nexus('/dept/save', body);
      assert.equal(response.status, 400, JSON.stringify(body));
      assert.equal(response.body.code, '400');
    }
    const missingParent = await nexus('/dept/save', { deptId: 'X', parentId: 'never-pushed', name: 'x' }, { headers: { 'accept-language': 'en' } });
    assert.equal(missingParent.body.msg, 'Parent department never-pushed has not been pushed yet');
    assert.deepEqual(missingParent.body.date, { fields: [{ field: 'parentId', message: 'Parent department never-pushed has not been pushed yet' }] });
    assert.deepEqual(await tree(), before);
    assert.equal(await auditCount('nexus.dept.update'), audits);
  });

  test('delete: refused with children, then cascades; users disabled and signed out, not erased', async () => {
    // Users in C and D, each signed in through SSO.
    for (const [empNo, deptId] of [['E-C', 'C'], ['E-D', 'D']]) {
      assert.equal((await nexus('/user/add', { empNo, nickname: empNo, deptId })).status, 200);
    }
    const tokenOf = async (empNo: string) => (await nexus('/sso', { nexusToken: `nexus-${empNo}`, empNo })).body.date.token as string;
    const tokenC = await tokenOf('E-C');
    const tokenD = await tokenOf('E-D');
    assert.equal((await t.client(tokenC).get('/scrm/admin/sys/user/current')).status, 200);

    const before = await tree();
    const refused = await nexus('/dept/delete', { deptId: 'C' });
    assert.equal(refused.status, 409);
    assert.equal(refused.body.msg, '部门存在下级部门，不允许删除（如需一并删除请传 cascade: true）');
    assert.deepEqual(await tree(), before);
    assert.equal((await t.client(tokenC).get('/scrm/admin/sys/user/current')).status, 200);

    // A leaf goes without cascade; its user is disabled and their token stops working.
    const leaf = await nexus('/dept/delete', { deptId: 'D' });
    assert.equal(leaf.status, 200, JSON.stringify(leaf.body));
    assert.equal(leaf.body.date.disabledUsers, 1);
    assert.equal((await t.client(tokenD).get('/scrm/admin/sys/user/current')).status, 401);
    assert.equal((await t.client(tokenC).get('/scrm/admin/sys/user/current')).status, 200);

    // B still has C below it: cascade takes both.
    assert.equal((await nexus('/dept/delete', { deptId: 'B' })).status, 409);
    const cascade = await nexus('/dept/delete', { deptId: 'B', cascade: true });
    assert.equal(cascade.status, 200);
    assert.equal(cascade.body.date.deletedDeptIds.length, 2);
    assert.equal(cascade.body.date.disabledUsers, 1);
    assert.equal((await t.client(tokenC).get('/scrm/admin/sys/user/current')).status, 401);

    const remaining = Object.keys(await tree()).sort();
    assert.deepEqual(remaining, ['7', 'A', 'E']);
    const users = await t.db.execute<{ emp_no: string; status: number; is_del: number }>(
      sql`SELECT emp_no, status, is_del FROM sys_user WHERE emp_no IN ('E-C', 'E-D') ORDER BY emp_no`,
    );
    assert.deepEqual(users.rows.map((row) => [row.emp_no, Number(row.status), Number(row.is_del)]), [['E-C', 1, 0], ['E-D', 1, 0]]);
    assert.equal(await auditCount('nexus.dept.delete'), 3);
    assert.equal(await auditCount('nexus.user.disable'), 2);

    // Deleting again: 404; pushing the id again creates a fresh department.
    const again = await nexus('/dept/delete', { deptId: 'B' });
    assert.equal(again.status, 404);
    assert.equal(again.body.msg, 'Nexus 部门不存在：B');
    assert.equal((await nexus('/dept/save', { deptId: 'B', parentId: 'A', name: '销售部' })).status, 200);
    assert.equal((await tree()).B.ancestors, '0,ROOT,A');
  });
});
