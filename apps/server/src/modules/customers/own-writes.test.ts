// What SCRM itself writes to WeCom shows in SCRM at once (issue 15, item 3): WeCom sends no callback for
// changes made through its API, so every write updates the local copy in the same operation. Each test makes
// one kind of write and reads it back the way the operator does — the customer page (客户列表 rows and the
// customer detail), the tag filter and the export — without any sync; then a late callback about the same
// customer leaves the same rows (no duplicates, no flip-flop).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import { createWecomTestEnv, type WecomTestEnv } from '../../testing/wecom-test-env.ts';
import type { TestClient } from '../../testing/test-app.ts';
import { ok, readXlsx, simRelations } from './customers.testing.ts';

describe("SCRM's own WeCom writes show at once (customer page, tag filter, export)", () => {
  let env: WecomTestEnv;
  let admin: TestClient;
  /** Corp tags as the console lists them. */
  let corpTags: Array<{ id: number; name: string; groupName: string; wecomTagId: string; groupId: number }>;

  const relationOf = async (externalUserid: string, userid: string) => {
    const page = await ok(admin.post('/scrm/admin/cust/emp/page', { externalUserid, userIds: [userid], status: 'active' }));
    assert.equal(page.total, 1, `one active relation ${userid} ↔ ${externalUserid}`);
    return page.records[0];
  };

  /** What the operator sees of one relation: its row's tags, the detail's tags, the tag filter and the export. */
  async function seen(externalUserid: string, userid: string) {
    const row = await relationOf(externalUserid, userid);
    const detail = await ok(admin.get('/scrm/admin/cust/info/getByExternalUserid', { externalUserid }));
    const detailRelation = detail.relations.find((relation: any) => relation.userid === userid && relation.status === 'active');
    const dialog = await ok(admin.get('/scrm/admin/cust/tagInfo/get', { id: row.id }));
    const exported = await admin.post('/scrm/admin/cust/emp/export', { externalUserid, userIds: [userid], status: 'active' });
    assert.equal(exported.status, 200);
    const sheet = await readXlsx(exported.raw.rawPayload);
    assert.equal(sheet.length, 2, 'one exported row');
    const cell = (header: string) => sheet[1][sheet[0].indexOf(header)];
    return {
      row,
      /** Tag names on the 客户列表 row. */
      rowTags: (row.tagList as any[]).map((tag) => tag.name).sort(),
      /** The customer drawer's tags of the relation, which its edit-tags dialog opens with. */
      dialogCorpTags: (dialog.corpTags as any[]).map((tag) => tag.name).sort(),
      detailRemark: detailRelation?.remark as string,
      exportTags: cell('标签') ? cell('标签').split(',').sort() : [],
      exportRemark: cell('备注'),
      exportStatus: cell('状态'),
      /** Whether the 客户列表 tag filter finds the relation by this tag. */
      filterFinds: async (tagId: number) => {
        const page = await ok(admin.post('/scrm/admin/cust/emp/page', { tagIds: [tagId], externalUserid, userIds: [userid], status: 'active' }));
        return page.total === 1;
      },
    };
  }

  const tagByWecomId = (wecomTagId: string) => corpTags.find((tag) => tag.wecomTagId === wecomTagId)!;
  const exportName = (tag: { groupName: string; name: string }) => `${tag.groupName}/${tag.name}`;
  const customerTagRows = async (externalUserid: string, userid: string) =>
    Number(
      (await env.db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM customer_tag WHERE external_userid = ${externalUserid} AND userid = ${userid}`)).rows[0].n,
    );
  /** Replays the last callback WeCom delivered about the customer (a late redelivery), and waits for it. */
  const redeliver = async (externalUserid: string, changeType: string) => {
    const delivery = [...env.sim.deliveries].reverse().find((record) => record.changeType === changeType && record.xml.includes(externalUserid));
    assert.ok(delivery, `a ${changeType} callback about ${externalUserid}`);
    await ok(admin.post('/scrm/wx/portal/test', { xml: delivery.xml }));
    await env.settle();
  };

  before(async () => {
    env = await createWecomTestEnv({ sizes: { employees: 6, customers: 20, tagGroups: 3 } });
    admin = await env.login();
    await env.syncOrg();
    await env.runJob('tags.corp.sync');
    await env.runJob('customers.sync');
    corpTags = (await ok(admin.get('/scrm/admin/tag/corp/list'))) as any[];
    assert.ok(corpTags.length >= 6, 'the corp has corp tags');
  });
  after(() => env?.close());

  test("an acquisition link's tags (cstTags), marked on a new customer, show at once; the add's redelivery changes nothing", async () => {
    const employee = [...env.sim.state.employees.values()].find((candidate) => candidate.customerContact && candidate.status === 1)!.userid;
    const [first, second] = corpTags.slice(0, 2);
    const link = await ok(
      admin.post('/scrm/admin/cust/get/link/save', {
        linkName: '春季海报',
        allocationMethod: 'weight',
        userList: [employee],
        allocationRules: [{ userId: employee, weight: 1 }],
        cstTags: [first.wecomTagId, second.wecomTagId],
        skipVerify: 'true',
        status: 1,
      }),
    );
    assert.equal(link.status, 1, link.statusReason ?? '');
    const opened = env.sim.actions.openAcquisitionLink({ url: link.allocationRules[0].linkUrl });
    await env.settle();
    assert.deepEqual(env.sim.state.relation(opened.userid, opened.external_userid)!.tag_ids.slice().sort(), [first.wecomTagId, second.wecomTagId].sort(), 'marked in WeCom');

    const view = await seen(opened.external_userid, opened.userid);
    const names = [first.name, second.name].sort();
    assert.deepEqual(view.rowTags, names, '客户列表 row');
    assert.deepEqual(view.dialogCorpTags, names, 'the customer drawer and its edit-tags dialog');
    assert.deepEqual(view.exportTags, [exportName(first), exportName(second)].sort(), 'export: group/tag names');
    assert.ok(await view.filterFinds(first.id), 'the tag filter finds the customer');
    assert.ok(await view.filterFinds(second.id));
    const rows = await customerTagRows(opened.external_userid, opened.userid);
    assert.equal(rows, 2);

    await redeliver(opened.external_userid, 'add_external_contact');
    assert.equal(await customerTagRows(opened.external_userid, opened.userid), rows, 'no duplicate tag rows');
    assert.deepEqual((await seen(opened.external_userid, opened.userid)).rowTags, names);
  });

  test('mark_tag from the console (one relation, then in bulk) shows at once; a later edit callback keeps it', async () => {
    const [relation, other] = simRelations(env.sim).filter((candidate) => candidate.tag_ids.length === 0).slice(0, 2);
    const [vip, lead] = corpTags.slice(2, 4);
    await ok(admin.post('/scrm/admin/cust/tag/save', { externalUserid: relation.external_userid, userId: relation.userid, tagType: 'corp', addTagIds: [vip.id] }));
    let view = await seen(relation.external_userid, relation.userid);
    assert.deepEqual(view.rowTags, [vip.name]);
    assert.deepEqual(view.exportTags, [exportName(vip)]);
    assert.ok(await view.filterFinds(vip.id));

    const batch = await ok(
      admin.post('/scrm/admin/cust/tag/batchSave', {
        tagType: 'corp',
        targets: [relation, other].map((target) => ({ externalUserid: target.external_userid, userId: target.userid })),
        addTagIds: [lead.id],
        removeTagIds: [vip.id],
      }),
    );
    assert.equal(batch.succeeded, 2);
    for (const target of [relation, other]) {
      view = await seen(target.external_userid, target.userid);
      assert.deepEqual(view.rowTags, [lead.name]);
      assert.deepEqual(view.dialogCorpTags, [lead.name]);
      assert.deepEqual(view.exportTags, [exportName(lead)]);
      assert.ok(await view.filterFinds(lead.id));
      assert.equal(await view.filterFinds(vip.id), false, 'the removed tag no longer matches');
    }

    // The employee edits the remark in WeCom: the callback re-reads the customer, whose tags are the same.
    env.sim.actions.editCustomer({ userid: relation.userid, external_userid: relation.external_userid, remark: '老客户' });
    await env.settle();
    view = await seen(relation.external_userid, relation.userid);
    assert.deepEqual(view.rowTags, [lead.name], 'no flip-flop');
    assert.equal(await customerTagRows(relation.external_userid, relation.userid), 1, 'no duplicates');
  });

  test('客户列表 bulk tagging: the selected rows, or all rows matching the filters; per-row failures in words; audited; the selection exports', async () => {
    const [hot] = corpTags.slice(4, 5);
    const employee = simRelations(env.sim)[0].userid;
    const mine = (await ok(admin.post('/scrm/admin/cust/emp/page', { userIds: [employee], status: 'active', pageSize: 100 }))).records as any[];
    assert.ok(mine.length >= 3, 'the employee has customers');
    const [one, two] = mine;

    // The selected rows; WeCom refuses the second one (84061): the first is tagged, the second named in words.
    env.sim.faults.set({ failNext: 1, failNextErrcode: 84061, apis: ['externalcontact/mark_tag'] });
    let result;
    try {
      result = await ok(admin.post('/scrm/admin/cust/emp/batchTag', { relationIds: [two.id], tagType: 'corp', addTagIds: [hot.id] }));
    } finally {
      env.sim.faults.reset();
    }
    assert.equal(result.matched, 1);
    assert.equal(result.succeeded, 0);
    assert.equal(result.failed.length, 1);
    assert.equal(result.failed[0].relationId, two.id);
    assert.equal(result.failed[0].customerName, two.customerName);
    assert.equal(result.failed[0].employeeName, two.employeeName);
    assert.equal(result.failed[0].errcode, 84061);
    assert.doesNotMatch(result.failed[0].message, /^\d+|errcode/, 'a sentence, not a code');
    assert.match(result.failed[0].detail, /84061/);
    assert.equal((await seen(two.externalUserid, employee)).rowTags.includes(hot.name), false, 'nothing changed for the refused row');

    result = await ok(admin.post('/scrm/admin/cust/emp/batchTag', { relationIds: [one.id, two.id], tagType: 'corp', addTagIds: [hot.id] }));
    assert.deepEqual({ matched: result.matched, succeeded: result.succeeded, failed: result.failed }, { matched: 2, succeeded: 2, failed: [] });
    for (const row of [one, two]) {
      const view = await seen(row.externalUserid, employee);
      assert.ok(view.rowTags.includes(hot.name));
      assert.ok(view.exportTags.includes(exportName(hot)));
      assert.ok(await view.filterFinds(hot.id));
    }

    // Every row matching the filters (the employee's customers): then removed again the same way.
    result = await ok(admin.post('/scrm/admin/cust/emp/batchTag', { filters: { userIds: [employee] }, tagType: 'corp', addTagIds: [hot.id] }));
    assert.equal(result.matched, mine.length);
    assert.equal(result.succeeded, mine.length);
    const tagged = await ok(admin.post('/scrm/admin/cust/emp/page', { userIds: [employee], status: 'active', tagIds: [hot.id], pageSize: 100 }));
    assert.equal(tagged.total, mine.length, 'the tag filter finds every one of them');
    for (const relation of mine) assert.ok(env.sim.state.relation(employee, relation.externalUserid)!.tag_ids.includes(hot.wecomTagId), 'marked in WeCom');

    // The audit log has who tagged what.
    const audit = await env.db.execute<any>(sql`SELECT actor, after FROM sys_audit_log WHERE action = 'customer.tags.bulk' ORDER BY id`);
    assert.equal(audit.rows.length, 3);
    assert.equal(audit.rows[2].actor, 'admin');
    assert.deepEqual(audit.rows[2].after.selection, { filters: { userIds: [employee] } });
    assert.equal(audit.rows[2].after.succeeded, mine.length);
    assert.equal(audit.rows[0].after.failed[0].errcode, 84061);

    // Export the selection: exactly the selected rows.
    const exported = await admin.post('/scrm/admin/cust/emp/export', { relationIds: [one.id, two.id] });
    const sheet = await readXlsx(exported.raw.rawPayload);
    assert.deepEqual(sheet.slice(1).map((row) => row[sheet[0].indexOf('客户名称')]).sort(), [one.customerName, two.customerName].sort());

    // Nothing to tag, and a selection of someone else's rows, are refused in words.
    const none = await admin.post('/scrm/admin/cust/emp/batchTag', { filters: { name: 'no-such-customer-xyz' }, tagType: 'corp', addTagIds: [hot.id] });
    assert.equal(none.status, 400);
    assert.match(none.body.msg, /没有可打标签的客户/);
    const both = await admin.post('/scrm/admin/cust/emp/batchTag', { relationIds: [one.id], filters: {}, tagType: 'corp', addTagIds: [hot.id] });
    assert.equal(both.status, 400);
  });

  test('a remark saved in SCRM shows at once in the list, the detail, the keyword search and the export', async () => {
    const relation = simRelations(env.sim)[5];
    const row = await relationOf(relation.external_userid, relation.userid);
    const saved = await ok(admin.post('/scrm/admin/cust/emp/save', { id: row.id, remark: '王总采购', description: '季度回访' }));
    assert.equal(saved.remark, '王总采购');
    assert.equal(env.sim.state.relation(relation.userid, relation.external_userid)!.remark, '王总采购', 'written to WeCom');
    const view = await seen(relation.external_userid, relation.userid);
    assert.equal(view.row.remark, '王总采购');
    assert.equal(view.row.description, '季度回访');
    assert.equal(view.detailRemark, '王总采购');
    assert.equal(view.exportRemark, '王总采购');
    const search = await ok(admin.post('/scrm/admin/cust/emp/page', { name: '王总采购' }));
    assert.ok(search.records.some((record: any) => record.id === row.id), 'the keyword search finds the remark');
  });

  test('an on-the-job transfer shows as pending at once, then as WeCom settles it (callbacks and the result poll agree)', async () => {
    const eligible = [...env.sim.state.employees.values()].filter((candidate) => candidate.customerContact && candidate.status === 1 && candidate.resignedAt === undefined);
    const handover = eligible.find((candidate) => env.sim.state.relationList(candidate.userid).length >= 2)!;
    const takeover = eligible.find((candidate) => candidate.userid !== handover.userid)!;
    const [moved, refused] = env.sim.state.relationList(handover.userid).filter((relation) => !env.sim.state.relation(takeover.userid, relation.external_userid));
    assert.ok(moved && refused, 'two customers to transfer');
    const requested = await ok(
      admin.post('/scrm/admin/clue/detail/transfer', {
        externalUserids: [moved.external_userid, refused.external_userid],
        handoverUserid: handover.userid,
        takeoverUserid: takeover.userid,
      }),
    );
    assert.deepEqual(requested.transfers.map((row: any) => row.status), ['waiting', 'waiting']);

    // At once: still the handover's customers (WeCom has not moved them), shown as being transferred.
    for (const relation of [moved, refused]) {
      const view = await seen(relation.external_userid, handover.userid);
      assert.equal(view.row.status, 'active');
      assert.equal(view.row.transferTo, takeover.userid);
      assert.equal(view.row.transferToName, takeover.name);
      assert.equal(view.exportStatus, `转接中（→ ${takeover.name}）`);
    }

    // A day later WeCom settles: one moved, the other refused by the customer (del_external_contact / transfer_fail).
    env.sim.actions.refuseTransfer({ external_userid: refused.external_userid });
    env.clock.now += 25 * 3600_000;
    admin = await env.login();
    env.sim.settle();
    await env.settle();
    const settledView = async () => {
      const movedRows = (await ok(admin.post('/scrm/admin/cust/emp/page', { externalUserid: moved.external_userid, pageSize: 50 }))).records as any[];
      const refusedRow = await relationOf(refused.external_userid, handover.userid);
      return {
        handoverOfMoved: movedRows.filter((row) => row.userid === handover.userid).map((row) => [row.status, row.transferTo]),
        takeoverOfMoved: movedRows.filter((row) => row.userid === takeover.userid).map((row) => row.status),
        refused: [refusedRow.status, refusedRow.transferTo, refusedRow.transferFailReason],
      };
    };
    const afterCallbacks = await settledView();
    assert.deepEqual(afterCallbacks, {
      handoverOfMoved: [['transferred', null]],
      takeoverOfMoved: ['active'],
      refused: ['active', null, 'customer_refused'],
    });
    // The result poll reports the same settlement later: nothing changes, nothing twice.
    await env.runJob('leads.transfer-result', { handoverUserid: handover.userid, takeoverUserid: takeover.userid });
    assert.deepEqual(await settledView(), afterCallbacks);
  });

  test('a corp tag renamed or deleted in SCRM shows at once on the customers that carry it', async () => {
    const carried = simRelations(env.sim).find((relation) => relation.tag_ids.length > 0 && relation.tag_ids.every((id) => tagByWecomId(id)))!;
    const tag = tagByWecomId(carried.tag_ids[0]);
    const group = (await ok(admin.get('/scrm/admin/tag/corp/groupList'))).find((candidate: any) => candidate.id === tag.groupId);
    assert.ok(group);
    await ok(admin.post('/scrm/admin/tag/corp/updateTag', { id: tag.id, name: '高意向客户' }));
    let view = await seen(carried.external_userid, carried.userid);
    assert.ok(view.rowTags.includes('高意向客户'), 'the new name on the row');
    assert.ok(view.exportTags.includes(`${tag.groupName}/高意向客户`), 'and in the export');
    assert.ok(!view.rowTags.includes(tag.name) || tag.name === '高意向客户');
    assert.ok(await view.filterFinds(tag.id));

    await ok(admin.post('/scrm/admin/tag/corp/deleteTag', { ids: [tag.id] }));
    view = await seen(carried.external_userid, carried.userid);
    assert.ok(!view.rowTags.includes('高意向客户'), 'gone from the row');
    assert.ok(!view.exportTags.includes(`${tag.groupName}/高意向客户`), 'and from the export');
    assert.ok(!(view.row.tagIds as string[]).includes(tag.wecomTagId), "and from the relation's WeCom tag ids");
    assert.equal(env.sim.state.relation(carried.userid, carried.external_userid)!.tag_ids.includes(tag.wecomTagId), false, 'as in WeCom');
  });
});
