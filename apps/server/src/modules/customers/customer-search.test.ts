import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql, type SQL } from 'drizzle-orm';
import { createTestApp, type TestApp, type TestClient } from '../../testing/test-app.ts';
import { containsKeyword } from '../../platform/db/paging.ts';
import { createCustomerRepository, type ExportCursor } from './customers.repository.ts';
import { createTagDictionary } from '../tags/tag-dictionary.ts';
import { createEmployeeDirectory } from '../org/employee-directory.ts';
import type { Viewer } from '../../platform/auth/data-scope.ts';
import { relationConditions, relationsFrom } from './relation-filters.ts';
import { ok, readXlsx } from './customers.testing.ts';

/**
 * The keyword filter (`name`) matches substrings of the customer's name (both pages) and of the employee's
 * remark (relation page, export, statistics), case-insensitively. Keywords of 1–2 characters and of 3+ take
 * different query shapes (pg_trgm indexes serve only the latter, text_grams indexes the former), so every length is
 * checked for exact results.
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

  test('1- and 2-character keywords match names and remarks exactly, Chinese and Latin, in any case', async () => {
    assert.deepEqual(await relationsFound({ name: '伟' }), ['wm1/emp_a', 'wm2/emp_a', 'wm3/emp_a', 'wm3/emp_b']);
    assert.deepEqual(await customersFound('伟'), ['wm1', 'wm2', 'wm3']);
    assert.deepEqual(await relationsFound({ name: '王伟' }), ['wm1/emp_a', 'wm2/emp_a'], 'a two-character name');
    assert.deepEqual(await relationsFound({ name: '伟王' }), [], 'both characters, but not in that order');
    assert.deepEqual(await relationsFound({ name: '总' }), ['wm3/emp_b'], 'a remark only');
    assert.deepEqual(await customersFound('总'), []);
    assert.deepEqual(await relationsFound({ name: '客' }), ['wm2/emp_a', 'wm6/emp_b']);
    assert.deepEqual(await relationsFound({ name: 'p客' }), ['wm6/emp_b'], 'Latin and Chinese across a remark, lower case');
    for (const keyword of ['i', 'I']) {
      assert.deepEqual(await relationsFound({ name: keyword }), ['wm4/emp_b', 'wm5/emp_a', 'wm6/emp_b'], `${keyword}: names and VIP客户`);
      assert.deepEqual(await customersFound(keyword), ['wm4', 'wm5'], keyword);
    }
    for (const keyword of ['al', 'AL', 'aL', 'ce']) {
      // ALICE matches by name and alice的同事 by remark: the one relation is found once.
      assert.deepEqual(await relationsFound({ name: keyword }), ['wm4/emp_b', 'wm5/emp_a'], keyword);
      assert.deepEqual(await customersFound(keyword), ['wm4', 'wm5'], keyword);
    }
    assert.deepEqual(await relationsFound({ name: 'wA' }), ['wm4/emp_b']);
    assert.deepEqual(await relationsFound({ name: 'e W' }), ['wm4/emp_b'], 'a space inside');
    assert.deepEqual(await relationsFound({ name: 'Vi' }), ['wm6/emp_b']);
    assert.deepEqual(await customersFound('Vi'), []);
    assert.deepEqual(await relationsFound({ name: 'x' }), []);
    assert.deepEqual(await customersFound('芳'), ['wm1', 'wm3', 'wm9']);
    assert.deepEqual(await customersFound('r_'), ['wm8'], 'a wildcard in a 2-character keyword');
    assert.deepEqual(await customersFound('0%'), ['wm7']);
    assert.deepEqual(await customersFound('e_'), [], 'the underscore is no wildcard');
  });

  test('short keywords page in newest-first order across the name and the remark', async () => {
    // 王: wm1/emp_a and wm2/emp_a by name, wm3/emp_b (added last) by remark.
    const pages = [];
    for (const pageNum of [1, 2, 3, 4]) {
      const page = await ok(admin.post('/scrm/admin/cust/emp/page', { pageSize: 1, pageNum, name: '王' }));
      assert.equal(page.total, 3);
      pages.push(page.records.map((row: any) => `${row.externalUserid}/${row.userid}`));
    }
    assert.deepEqual(pages, [['wm3/emp_b'], ['wm2/emp_a'], ['wm1/emp_a'], []]);
    // The export reads batches after a cursor; batches of one row must give the same order.
    const customers = createCustomerRepository(t.db, { timeZone: 'Asia/Shanghai', tagNames: createTagDictionary(t.db), employeeNames: createEmployeeDirectory(t.db) });
    const viewer: Viewer = { scope: { all: true }, user: { id: 0, qwUserid: null } };
    for (const name of ['王', '伟', 'al']) {
      const exported: string[] = [];
      let after: ExportCursor | null = null;
      for (;;) {
        const [row] = await customers.forViewer(viewer).relationBatch({ name }, after, 1);
        if (!row) break;
        exported.push(`${row.externalUserid}/${row.userid}`);
        after = { createtime: row.createtime, id: row.id };
      }
      const page = await ok(admin.post('/scrm/admin/cust/emp/page', { pageSize: 100, name }));
      assert.deepEqual(exported, page.records.map((row: any) => `${row.externalUserid}/${row.userid}`), `batches of ${name}`);
    }
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
    assert.deepEqual(await relationsFound({ name: '伟', userIds: ['emp_b'] }), ['wm3/emp_b']);
    assert.deepEqual(await relationsFound({ name: '客', userIds: ['emp_a'] }), ['wm2/emp_a']);
    assert.deepEqual(await relationsFound({ name: 'Al', userIds: ['emp_a'] }), ['wm5/emp_a']);
    assert.deepEqual(await relationsFound({ name: '伟', customerType: 1 }), ['wm1/emp_a', 'wm2/emp_a', 'wm3/emp_a', 'wm3/emp_b'], 'with the customer joined');
    assert.deepEqual(await relationsFound({ name: '伟', customerType: 2 }), []);
    assert.deepEqual(await relationsFound({ name: '客', customerType: 1, userIds: ['emp_b'] }), ['wm6/emp_b']);
    for (const [name, total, customers] of [['伟', 4, 3], ['客', 2, 2], ['aL', 2, 2], ['王', 3, 3]] as const) {
      const shortStat = await ok(admin.post('/scrm/admin/cust/emp/stat', { name }));
      assert.deepEqual([shortStat.total.total, shortStat.total.customers], [total, customers], `statistics of ${name}`);
    }
    const byEmployee = await ok(admin.post('/scrm/admin/cust/emp/stat', { name: '伟' }));
    assert.deepEqual(
      byEmployee.byEmployee.map((row: any) => [row.userid, row.total]),
      [['emp_a', 3], ['emp_b', 1]],
    );
    for (const name of ['伟芳', 'alice', '伟', '客', 'Al', 'I']) {
      const rows = await readXlsx((await admin.post('/scrm/admin/cust/emp/export', { name })).raw.rawPayload);
      const [idColumn, useridColumn] = [rows[0].indexOf('客户ID'), rows[0].indexOf('员工账号')];
      assert.deepEqual(rows.slice(1).map((row) => `${row[idColumn]}/${row[useridColumn]}`).sort(), await relationsFound({ name }), `export of ${name}`);
    }
  });
});

/** The planner can answer short keywords from the text_grams indexes, in the shapes the repository builds. */
describe('short keywords and the text_grams indexes', () => {
  let t: TestApp;

  before(async () => {
    t = await createTestApp();
    // Enough rows that reading a whole table or index costs more than the lookup: three-character names from 40 × 60 × 7
    // characters (一 丁 … first), and a remark on one relation in ten.
    await t.db.execute(sql`INSERT INTO customer (external_userid, name)
      SELECT 'wm' || i, chr(19968 + i % 40) || chr(20100 + (i / 40) % 60) || chr(20200 + i % 7) FROM generate_series(1, 6000) AS i`);
    await t.db.execute(sql`INSERT INTO customer_relation (external_userid, userid, remark, createtime)
      SELECT 'wm' || i, 'emp' || i % 20, CASE WHEN i % 10 = 0 THEN 'VIP' || (i % 97) ELSE '' END, now() - i * interval '1 minute'
      FROM generate_series(1, 6000) AS i`);
    await t.db.execute(sql`ANALYZE customer`);
    await t.db.execute(sql`ANALYZE customer_relation`);
  });
  after(() => t?.close());

  // Sequential scans off: on a table this small the planner may rightly prefer one; the question is whether the index
  // can serve the condition at all.
  const plan = (query: SQL) =>
    t.db.transaction(async (tx) => {
      await tx.execute(sql`SET LOCAL enable_seqscan = off`);
      const result = await tx.execute<Record<string, string>>(sql`EXPLAIN ${query}`);
      return result.rows.map((row) => Object.values(row)[0]).join('\n');
    });

  test('the customer page and both arms of the relation page use them for 1- and 2-character keywords', async () => {
    for (const keyword of ['丁', '丁亥', 'P7']) {
      const customerPlan = await plan(sql`SELECT count(*) FROM customer c WHERE ${containsKeyword(sql`c.name`, keyword)}`);
      assert.match(customerPlan, /customer_name_grams_idx/, `${keyword}, customer page:\n${customerPlan}`);
      const { from, where } = relationsFrom(relationConditions({ name: keyword }, { timeZone: 'Asia/Shanghai' }));
      const relationPlan = await plan(sql`SELECT count(*) FROM ${from} ${where}`);
      assert.match(relationPlan, /customer_name_grams_idx/, `${keyword}, relations by name:\n${relationPlan}`);
      assert.match(relationPlan, /customer_relation_remark_grams_idx/, `${keyword}, relations by remark:\n${relationPlan}`);
    }
  });

  test("a text's grams contain the grams of every keyword it contains, ILIKE-wise", async () => {
    const [row] = (
      await t.db.execute<Record<string, unknown>>(sql`SELECT text_grams('') AS empty, text_grams(NULL) AS none, keyword_grams('AbC') AS keyword,
        keyword_grams('王') AS single, ARRAY(SELECT DISTINCT g FROM unnest(text_grams('AbA')) g ORDER BY g) AS grams`)
    ).rows;
    // As a set: GIN keeps each key of an array once.
    assert.deepEqual(row, { empty: [], none: null, keyword: ['ab', 'bc'], single: ['王'], grams: ['a', 'ab', 'b', 'ba'] });
    const texts = ['Alice Wang', '王伟芳', 'VIP客户', 'a\\b%c_d', 'line\nbreak', 'ÀÉÎõü', '  two  spaces'];
    // Every substring of 1–4 characters, upper-cased: ILIKE finds it, so the grams must too.
    const [{ misses, checked }] = (
      await t.db.execute<{ misses: number; checked: number }>(sql`
        SELECT count(*) FILTER (WHERE NOT text_grams(text) @> keyword_grams(upper(substr(text, start, size))))::int AS misses, count(*)::int AS checked
        FROM unnest(ARRAY[${sql.join(texts.map((text) => sql`${text}`), sql`, `)}]::text[]) AS t(text), generate_series(1, 13) AS s(start), generate_series(1, 4) AS l(size)
        WHERE start + size - 1 <= length(text)`)
    ).rows;
    assert.equal(misses, 0);
    assert.ok(checked > 100, `${checked} substrings checked`);
  });

  test('what the indexes find is what ILIKE finds', async () => {
    const counted = (query: SQL) =>
      t.db.transaction(async (tx) => {
        await tx.execute(sql`SET LOCAL enable_seqscan = off`);
        return (await tx.execute<{ count: number }>(sql`SELECT count(*)::int AS count FROM (${query}) q`)).rows[0].count;
      });
    for (const keyword of ['丁', '丁亥', '亥丁', 'p7', 'vIp', 'P7', 'x', '7']) {
      const expected = await counted(sql`SELECT 1 FROM customer_relation r LEFT JOIN customer c ON c.external_userid = r.external_userid
        WHERE c.name ILIKE ${`%${keyword}%`} OR r.remark ILIKE ${`%${keyword}%`}`);
      const { from, where } = relationsFrom(relationConditions({ name: keyword }, { timeZone: 'Asia/Shanghai' }));
      assert.equal(await counted(sql`SELECT 1 FROM ${from} ${where}`), expected, `relations of ${keyword}`);
      const customers = await counted(sql`SELECT 1 FROM customer c WHERE c.name ILIKE ${`%${keyword}%`}`);
      assert.equal(await counted(sql`SELECT 1 FROM customer c WHERE ${containsKeyword(sql`c.name`, keyword)}`), customers, `customers of ${keyword}`);
    }
  });
});
