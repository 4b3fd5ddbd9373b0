import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import { createTestApp, type TestApp, type TestClient } from '../../testing/test-app.ts';
import { ok, readXlsx } from './customers.testing.ts';

/**
 * The keyword filter (`name`) matches substrings of the customer's name (both pages) and of the employee's
 * remark (relation page, export, statistics), case-insensitively. Keywords of 1–2 characters and of 3+ take
 * different query shapes (pg_trgm indexes serve only the latter), so every length is checked for exact results.
 */
describe('customer keyword search', () => {
  let t: TestApp;
  let admin: TestClient;

  // [external_userid, name, [employee, remark][]]
  const customers: Array<[string, string, Array<[string, string]>]> = [
    ['wm1', '王伟芳', [['emp_a', '']]],
    ['wm2', '王伟', [['emp_a', '大客户']]],
    ['wm3', '李伟芳', [['emp_a', ''], ['emp_b', '王总介绍']]],
    ['wm4', 'Alice Wang', [['emp_b', '']]],
    ['wm5', 'ALICE', [['emp_a', 'alice的同事']]],
    ['wm6', '张三', [['emp_b', 'VIP客户']]],
    ['wm7', '100%满意', [['emp_a', '']]],
    ['wm8', 'under_score', [['emp_b', '']]],
    ['wm9', '芳芳', [['emp_b', '']]],
  ];

  before(async () => {
    t = await createTestApp();
    admin = await t.login();
    let minute = 0;
    for (const [externalUserid, name, relations] of customers) {
      await t.db.execute(sql`INSERT INTO customer (external_userid, name) VALUES (${externalUserid}, ${name})`);
      for (const [userid, remark] of relations) {
        minute++;
        await t.db.execute(sql`INSERT INTO customer_relation (external_userid, userid, remark, createtime)
          VALUES (${externalUserid}, ${userid}, ${remark}, timestamptz '2026-01-01 00:00:00+08' + ${minute} * interval '1 minute')`);
      }
    }
  });
  after(() => t?.close());

  const relationsFound = async (filters: Record<string, unknown>) => {
    const page = await ok(admin.post('/scrm/admin/cust/emp/page', { pageSize: 100, ...filters }));
    assert.equal(page.total, page.records.length, 'the total counts what the page lists');
    return page.records.map((row: any) => `${row.externalUserid}/${row.userid}`).sort();
  };
  const customersFound = async (name: string) => {
    const page = await ok(admin.post('/scrm/admin/cust/info/page', { pageSize: 100, name }));
    assert.equal(page.total, page.records.length, 'the total counts what the page lists');
    return page.records.map((row: any) => row.externalUserid).sort();
  };

  test('Chinese keywords of 1, 2 and 3+ characters match substrings of names and remarks exactly', async () => {
    assert.deepEqual(await relationsFound({ name: '王' }), ['wm1/emp_a', 'wm2/emp_a', 'wm3/emp_b'], "王 in two names and in one remark");
    assert.deepEqual(await customersFound('王'), ['wm1', 'wm2'], 'the customer page searches names only');
    assert.deepEqual(await relationsFound({ name: '伟芳' }), ['wm1/emp_a', 'wm3/emp_a', 'wm3/emp_b'], 'every relation of a matching customer');
    assert.deepEqual(await customersFound('伟芳'), ['wm1', 'wm3']);
    assert.deepEqual(await relationsFound({ name: '芳芳' }), ['wm9/emp_b']);
    assert.deepEqual(await relationsFound({ name: '王伟芳' }), ['wm1/emp_a']);
    assert.deepEqual(await customersFound('王伟芳'), ['wm1']);
    assert.deepEqual(await relationsFound({ name: '王总介' }), ['wm3/emp_b'], 'a 3-character remark substring');
    assert.deepEqual(await customersFound('王总介'), []);
    assert.deepEqual(await relationsFound({ name: '客户' }), ['wm2/emp_a', 'wm6/emp_b'], 'remarks only');
    assert.deepEqual(await customersFound('客户'), []);
    assert.deepEqual(await relationsFound({ name: '不存在的人' }), []);
    assert.deepEqual(await customersFound('不存在的人'), []);
  });

  test('Latin keywords match case-insensitively, short and long', async () => {
    assert.deepEqual(await relationsFound({ name: 'alice' }), ['wm4/emp_b', 'wm5/emp_a'], 'ALICE by name, alice的同事 by remark too (same relation)');
    assert.deepEqual(await customersFound('alice'), ['wm4', 'wm5']);
    assert.deepEqual(await customersFound('ALI'), ['wm4', 'wm5']);
    assert.deepEqual(await customersFound('Al'), ['wm4', 'wm5']);
    assert.deepEqual(await relationsFound({ name: 'wANG' }), ['wm4/emp_b']);
    assert.deepEqual(await relationsFound({ name: 'vip客户' }), ['wm6/emp_b'], 'mixed Latin and Chinese in a remark');
    assert.deepEqual(await relationsFound({ name: 'E WA' }), ['wm4/emp_b'], 'across a space');
  });

  test('wildcards in a keyword match literally', async () => {
    assert.deepEqual(await relationsFound({ name: '%' }), ['wm7/emp_a']);
    assert.deepEqual(await customersFound('0%满意'), ['wm7']);
    assert.deepEqual(await customersFound('_'), ['wm8']);
    assert.deepEqual(await relationsFound({ name: 'r_score' }), ['wm8/emp_b']);
  });

  test('the keyword combines with the other filters, in the page, the statistics and the export', async () => {
    assert.deepEqual(await relationsFound({ name: '伟芳', userIds: ['emp_b'] }), ['wm3/emp_b']);
    assert.deepEqual(await relationsFound({ name: '王伟芳', userIds: ['emp_b'] }), []);
    assert.deepEqual(await relationsFound({ name: 'alice', userIds: ['emp_a'] }), ['wm5/emp_a']);
    const stat = await ok(admin.post('/scrm/admin/cust/emp/stat', { name: '伟芳' }));
    assert.equal(stat.total.total, 3);
    assert.equal(stat.total.customers, 2);
    const longStat = await ok(admin.post('/scrm/admin/cust/emp/stat', { name: '王总介绍' }));
    assert.deepEqual([longStat.total.total, longStat.total.customers], [1, 1]);
    for (const name of ['伟芳', 'alice']) {
      const rows = await readXlsx((await admin.post('/scrm/admin/cust/emp/export', { name })).raw.rawPayload);
      const [idColumn, useridColumn] = [rows[0].indexOf('客户ID'), rows[0].indexOf('员工账号')];
      assert.deepEqual(rows.slice(1).map((row) => `${row[idColumn]}/${row[useridColumn]}`).sort(), await relationsFound({ name }), `export of ${name}`);
    }
  });
});
