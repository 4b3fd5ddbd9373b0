// Data scope of customers, relations, customer tags and the relation export (issue 14): a self-scope user and a
// department-scope user see, export and act on exactly their own; another employee's by id is a 404 and
// changes nothing.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import { createWecomTestEnv, type WecomTestEnv } from '../../testing/wecom-test-env.ts';
import type { TestClient } from '../../testing/test-app.ts';
import { createScopedUser, departmentUnderRoot, okDate as ok, type ScopedClient } from '../../testing/scope-users.ts';
import { readXlsx } from './customers.testing.ts';

const PERMS = [
  'cust:info:list', 'cust:info:query', 'cust:info:save', 'cust:info:stat', 'cust:emp:list', 'cust:emp:query', 'cust:emp:save', 'cust:emp:export',
  'cust:emp:stat', 'cust:tag:list', 'cust:tag:query', 'cust:tag:save',
];

type RelationRow = {
  id: number;
  external_userid: string;
  userid: string;
  status: string;
  remark: string;
};

describe('customer data scope: self and department scope see, export and act on exactly their own', () => {
  let env: WecomTestEnv;
  let admin: TestClient;
  let relations: RelationRow[];
  let customerIds: Map<string, number>;
  /** Employees with customers: mine (self), the department's, and an outsider's. */
  let employees: { self: string; department: string; outsider: string };
  let cases: Array<{ name: string; client: () => ScopedClient; own: string[] }>;
  let selfTag: number;
  let otherSelfTag: number;

  const key = (row: { externalUserid?: string; external_userid?: string; userid: string }) => `${row.externalUserid ?? row.external_userid}|${row.userid}`;
  const relationsOf = (userids: string[]) => relations.filter((row) => userids.includes(row.userid));
  /** A customer none of whose relations belongs to these employees. */
  const strangerTo = (userids: string[]) => {
    const external = relations.find((row) => !relations.some((other) => other.external_userid === row.external_userid && userids.includes(other.userid)))!;
    return { externalUserid: external.external_userid, id: customerIds.get(external.external_userid)! };
  };
  const activeOf = (userid: string) => relations.find((row) => row.userid === userid && row.status === 'active')!;

  before(async () => {
    env = await createWecomTestEnv({ sizes: { employees: 10, customers: 60 } });
    admin = await env.login();
    await env.syncOrg();
    await env.runJob('customers.sync');
    relations = (await env.db.execute<RelationRow>(sql`SELECT id, external_userid, userid, status, remark FROM customer_relation ORDER BY id`)).rows.map(
      (row) => ({ ...row, id: Number(row.id) }),
    );
    customerIds = new Map(
      (await env.db.execute<{ id: number; external_userid: string }>(sql`SELECT id, external_userid FROM customer`)).rows.map((row) => [row.external_userid, Number(row.id)]),
    );
    const byCount = [...new Set(relations.map((row) => row.userid))].sort((a, b) => relationsOf([b]).length - relationsOf([a]).length || (a < b ? -1 : 1));
    assert.ok(byCount.length >= 3, 'three employees with customers');
    employees = { self: byCount[0], department: byCount[1], outsider: byCount[2] };

    const department = await departmentUnderRoot(admin, '销售二部');
    const self = await createScopedUser(env, admin, { username: 'scope_self', perms: PERMS, dataScope: 5, qwUserid: employees.self });
    // The department holds a user bound to the department's employee; its lead (own-department scope) is bound to nobody.
    await createScopedUser(env, admin, { username: 'scope_member', perms: ['cust:emp:list'], dataScope: 5, qwUserid: employees.department, deptId: department });
    const lead = await createScopedUser(env, admin, { username: 'scope_lead', perms: PERMS, dataScope: 3, deptId: department });
    await createScopedUser(env, admin, { username: 'scope_outsider', perms: ['cust:emp:list'], dataScope: 5, qwUserid: employees.outsider });
    cases = [
      { name: 'self scope', client: () => self, own: [employees.self] },
      { name: 'department scope', client: () => lead, own: [employees.department] },
    ];
    const group = await ok(admin.post('/scrm/admin/tag/self/saveGroup', { groupName: '范围测试', tags: [{ name: '甲' }, { name: '乙' }] }));
    [selfTag, otherSelfTag] = group.tags.map((tag: any) => tag.id);
    // A tag on every employee's first active relation, so each has a customer_tag row.
    for (const userid of Object.values(employees)) {
      const relation = activeOf(userid);
      await ok(admin.post('/scrm/admin/cust/tag/save', { externalUserid: relation.external_userid, userId: userid, tagType: 'self', addTagIds: [otherSelfTag] }));
    }
  });
  after(() => env?.close());

  for (const index of [0, 1]) {
    const scenario = () => cases[index];
    const name = index === 0 ? 'self scope' : 'department scope';

    test(`${name}: lists, totals and statistics hold exactly their employees' relations and customers`, async () => {
      const { client, own } = scenario();
      const expected = relationsOf(own);
      const page = await ok(client().post('/scrm/admin/cust/emp/page', { pageSize: 500 }));
      assert.equal(page.total, expected.length);
      assert.deepEqual(page.records.map((row: any) => row.id).sort((a: number, b: number) => a - b), expected.map((row) => row.id));
      const customers = await ok(client().post('/scrm/admin/cust/info/page', { pageSize: 500 }));
      assert.deepEqual(customers.records.map((row: any) => row.externalUserid).sort(), [...new Set(expected.map((row) => row.external_userid))].sort());
      assert.equal(customers.total, customers.records.length);
      const byChannel = await ok(client().post('/scrm/admin/cust/emp/pageByChannel', { pageSize: 500 }));
      assert.equal(byChannel.records.reduce((sum: number, row: any) => sum + row.total, 0), expected.length);
      const stat = await ok(client().post('/scrm/admin/cust/emp/stat', {}));
      assert.equal(stat.total.total, expected.length);
      assert.deepEqual(stat.byEmployee.map((row: any) => row.userid), own);
      // Asking for another employee's relations by filter gives nothing, not theirs.
      assert.equal((await ok(client().post('/scrm/admin/cust/emp/page', { userIds: [employees.outsider] }))).total, 0);
      assert.deepEqual(await ok(client().get('/scrm/admin/cust/emp/listByUser', { userId: employees.outsider })), []);
      assert.deepEqual(
        (await ok(client().get('/scrm/admin/cust/emp/listByUser', { userId: own[0] }))).map((row: any) => row.id).sort((a: number, b: number) => a - b),
        expected.filter((row) => row.status === 'active').map((row) => row.id),
      );
      const tagInfo = await ok(client().post('/scrm/admin/cust/tagInfo/page', { pageSize: 500 }));
      assert.ok(tagInfo.records.every((row: any) => own.includes(row.userId)));
      assert.equal(tagInfo.total, expected.filter((row) => row.status === 'active').length);
      const tagRows = await ok(client().post('/scrm/admin/cust/tag/page', { pageSize: 500 }));
      assert.ok(tagRows.total > 0);
      assert.ok(tagRows.records.every((row: any) => own.includes(row.userId) || (row.userId === '' && expected.some((mine) => mine.external_userid === row.externalUserid))));
    });

    test(`${name}: the list as it opens, page by page, holds their relations newest first with the exact total on every page`, async () => {
      const { client, own } = scenario();
      const ordered = await env.db.execute<{ id: number }>(
        sql`SELECT id FROM customer_relation WHERE userid IN (${sql.join(own.map((userid) => sql`${userid}`), sql`, `)}) ORDER BY createtime DESC, id DESC`,
      );
      const expected = ordered.rows.map((row) => Number(row.id));
      assert.ok(expected.length > 4, 'more than two pages of two');
      const walked: number[] = [];
      // One page past the last: no rows, the same total.
      for (let pageNum = 1; pageNum <= Math.ceil(expected.length / 2) + 1; pageNum++) {
        const page = await ok(client().post('/scrm/admin/cust/emp/page', { pageNum, pageSize: 2, tagMatch: 'any' }));
        assert.equal(page.total, expected.length, `page ${pageNum}'s total`);
        walked.push(...page.records.map((row: any) => row.id));
      }
      assert.deepEqual(walked, expected);
    });

    test(`${name}: another employee's relation, customer or customer tag by id is a 404; their own is found`, async () => {
      const { client, own } = scenario();
      const mine = activeOf(own[0]);
      const theirs = activeOf(employees.outsider);
      assert.equal((await ok(client().get('/scrm/admin/cust/emp/get', { id: mine.id }))).userid, own[0]);
      assert.equal((await client().get('/scrm/admin/cust/emp/get', { id: theirs.id })).status, 404);
      assert.equal((await client().get('/scrm/admin/cust/tagInfo/get', { id: theirs.id })).status, 404);
      assert.equal((await ok(client().get('/scrm/admin/cust/tagInfo/get', { id: mine.id }))).userId, own[0]);

      const detail = await ok(client().get('/scrm/admin/cust/info/get', { id: customerIds.get(mine.external_userid)! }));
      assert.ok(detail.relations.length > 0);
      assert.ok(detail.relations.every((row: any) => own.includes(row.userid)), "a customer's detail lists only the relations in scope");
      const stranger = strangerTo(own);
      assert.equal((await client().get('/scrm/admin/cust/info/get', { id: stranger.id })).status, 404);
      assert.equal((await client().get('/scrm/admin/cust/info/getByExternalUserid', { externalUserid: stranger.externalUserid })).status, 404);

      const tagRowOf = async (relation: RelationRow) =>
        Number(
          (await env.db.execute<{ id: number }>(sql`SELECT id FROM customer_tag WHERE external_userid = ${relation.external_userid} AND userid = ${relation.userid} LIMIT 1`)).rows[0].id,
        );
      assert.equal((await client().get('/scrm/admin/cust/tag/get', { id: await tagRowOf(theirs) })).status, 404);
      assert.equal((await ok(client().get('/scrm/admin/cust/tag/get', { id: await tagRowOf(mine) }))).userId, own[0]);
    });

    test(`${name}: the export holds exactly the rows of their page`, async () => {
      const { client, own } = scenario();
      const exported = await client().post('/scrm/admin/cust/emp/export', {});
      assert.equal(exported.status, 200);
      const [header, ...rows] = await readXlsx(exported.raw.rawPayload);
      const column = (title: string) => header.indexOf(title);
      assert.deepEqual(
        rows.map((row) => `${row[column('客户ID')]}|${row[column('员工账号')]}`).sort(),
        relationsOf(own).map((row) => key(row)).sort(),
      );
      const filtered = await readXlsx((await client().post('/scrm/admin/cust/emp/export', { userIds: [employees.outsider] })).raw.rawPayload);
      assert.equal(filtered.length, 1, 'a filter on another employee exports the header only');
    });

    test(`${name}: editing or tagging another employee's customer is a 404 and changes nothing`, async () => {
      const { client, own } = scenario();
      const theirs = activeOf(employees.outsider);
      const stranger = strangerTo(own);
      const customerRow = async (id: number) => (await env.db.execute(sql`SELECT name, muser FROM customer WHERE id = ${id}`)).rows[0];
      const relationRow = async (id: number) => (await env.db.execute(sql`SELECT remark, muser, mtime FROM customer_relation WHERE id = ${id}`)).rows[0];
      const tagCount = async () => Number((await env.db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM customer_tag`)).rows[0].n);

      const customerBefore = await customerRow(stranger.id);
      assert.equal((await client().post('/scrm/admin/cust/info/save', { id: stranger.id, name: '不该改' })).status, 404);
      assert.deepEqual(await customerRow(stranger.id), customerBefore);

      const relationBefore = await relationRow(theirs.id);
      const remarkCalls = env.wecomCalls.get('externalcontact/remark') ?? 0;
      assert.equal((await client().post('/scrm/admin/cust/emp/save', { id: theirs.id, remark: '不该改' })).status, 404);
      assert.deepEqual(await relationRow(theirs.id), relationBefore);
      assert.equal(env.wecomCalls.get('externalcontact/remark') ?? 0, remarkCalls, 'nothing reached WeCom');

      const tagsBefore = await tagCount();
      const onTheirs = { externalUserid: theirs.external_userid, userId: theirs.userid, tagType: 'self' };
      assert.equal((await client().post('/scrm/admin/cust/tag/save', { ...onTheirs, addTagIds: [selfTag] })).status, 404);
      assert.equal((await client().post('/scrm/admin/cust/tagInfo/save', { ...onTheirs, tagIds: [selfTag] })).status, 404);
      assert.equal(
        (await client().post('/scrm/admin/cust/tag/save', { externalUserid: stranger.externalUserid, tagType: 'self', addTagIds: [selfTag] })).status,
        404,
        'nor the customer as a whole',
      );
      const mine = activeOf(own[0]);
      const batch = await ok(
        client().post('/scrm/admin/cust/tag/batchSave', {
          tagType: 'self',
          addTagIds: [selfTag],
          targets: [
            { externalUserid: mine.external_userid, userId: mine.userid },
            { externalUserid: theirs.external_userid, userId: theirs.userid },
          ],
        }),
      );
      assert.equal(batch.succeeded, 1);
      assert.deepEqual(batch.failed.map((row: any) => row.userId), [theirs.userid]);
      assert.equal(await tagCount(), tagsBefore + 1, 'only their own relation was tagged');

      // Their own: edited.
      const saved = await ok(client().post('/scrm/admin/cust/emp/save', { id: mine.id, remark: `${name} 备注` }));
      assert.equal(saved.remark, `${name} 备注`);
      const renamed = await ok(client().post('/scrm/admin/cust/info/save', { id: customerIds.get(mine.external_userid), position: '经理' }));
      assert.equal(renamed.position, '经理');
    });
  }
});
