// Names, not codes (issue 15, item 4): what an operator reads — the relation and member exports, the customer
// statistics, the channel ranking, the member list — shows channels, links, join ways and employees by name.
// A raw state is only an extra column; a state SCRM did not make reads 未知渠道; a departed group owner shows
// their name and 已离职. Through HTTP against the simulator; the xlsx files are read back.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createWecomTestEnv, type WecomTestEnv } from '../../testing/wecom-test-env.ts';
import type { TestClient } from '../../testing/test-app.ts';
import { ok, readXlsx } from '../customers/customers.testing.ts';

/** WeCom ids and SCRM's own state codes: none of these may be what a name column says. */
const RAW_ID = /^(wm|wo|wr|et|st)[A-Za-z0-9_-]{8,}$|^(lk|qr|rl|jw|ml)_[0-9a-f]{6,}$/;

describe('names, not codes, in exports and statistics', () => {
  let env: WecomTestEnv;
  let admin: TestClient;
  let link: { id: number; state: string; linkName: string; url: string };
  let viaLink: { external_userid: string; userid: string };
  let viaUnknown: { external_userid: string; state: string };
  let joinWay: { state: string; configId: string };
  let chatId: string;
  let owner: { userid: string; name: string };

  const column = (rows: string[][], header: string) => {
    const index = rows[0].indexOf(header);
    assert.ok(index >= 0, `column ${header} in ${rows[0].join(',')}`);
    return index;
  };
  const rowOf = (rows: string[][], header: string, value: string) => rows.find((row) => row[column(rows, header)] === value);

  before(async () => {
    env = await createWecomTestEnv({ sizes: { employees: 8, customers: 10, groups: 2 } });
    admin = await env.login();
    await env.syncOrg();
    const employees = [...env.sim.state.employees.values()].filter((employee) => employee.customerContact && employee.status === 1 && employee.resignedAt === undefined);
    const channel = await ok(admin.post('/scrm/admin/cust/channel/save', { name: '春季展会' }));
    link = await ok(
      admin.post('/scrm/admin/cust/get/link/save', {
        linkName: '展台海报链接', channelId: channel.id, allocationMethod: 'default', userList: [employees[0].userid], status: 1,
      }),
    );
    const added = env.sim.actions.openAcquisitionLink({ url: link.url, customer: { name: '展会客户' } });
    viaLink = { external_userid: added.external_userid, userid: added.userid };
    // A 「联系我」 code made in WeCom's own admin: SCRM doesn't know its state.
    const way = [...env.sim.state.contactWays.values()][0];
    const scanned = env.sim.actions.scanContactWay({ config_id: way.config_id, customer: { name: '海报客户' } });
    viaUnknown = { external_userid: scanned.external_userid, state: way.state };
    await env.settle();

    // A group whose owner leaves the corp, and a join way of the channel into it.
    owner = { userid: employees[1].userid, name: employees[1].name };
    chatId = env.sim.actions.createGroupChat({ owner: owner.userid, name: '展会客户群', members: [employees[2].userid] }).chat_id;
    const saved = await ok(admin.post('/scrm/admin/group/join/save', { name: '展会入群码', channelId: channel.id, chatIdList: [chatId], autoCreateRoom: 0 }));
    joinWay = { state: saved.state, configId: saved.configId };
    env.sim.actions.scanJoinWay({ config_id: joinWay.configId, customer: { name: '入群客户' } });
    await env.settle();
    await env.runJob('groups.sync');
    env.sim.actions.deleteEmployee({ userid: owner.userid });
    await env.settle();
    await env.syncOrg();
  });
  after(() => env?.close());

  test('the relation export names the channel and link; the raw state is its own column; an unknown state reads 未知渠道', async () => {
    const exported = await admin.post('/scrm/admin/cust/emp/export', {});
    assert.equal(exported.status, 200);
    const rows = await readXlsx(exported.raw.rawPayload);
    const fromLink = rowOf(rows, '客户ID', viaLink.external_userid)!;
    assert.equal(fromLink[column(rows, '渠道')], '春季展会 / 展台海报链接');
    assert.equal(fromLink[column(rows, '渠道参数')], link.state);
    const fromUnknown = rowOf(rows, '客户ID', viaUnknown.external_userid)!;
    assert.equal(fromUnknown[column(rows, '渠道')], '未知渠道');
    assert.equal(fromUnknown[column(rows, '渠道参数')], viaUnknown.state);
    for (const header of ['客户名称', '跟进员工', '渠道', '标签', '添加方式', '状态']) {
      for (const row of rows.slice(1)) assert.doesNotMatch(row[column(rows, header)] ?? '', RAW_ID, `${header}: ${row[column(rows, header)]}`);
    }
    assert.ok(rows.slice(1).every((row) => row[column(rows, '跟进员工')] !== ''), 'every employee by name');
  });

  test('customer statistics and the channel page answer names beside each state', async () => {
    const stat = await ok(admin.post('/scrm/admin/cust/emp/stat', {}));
    const known = stat.byChannel.find((row: any) => row.state === link.state);
    assert.deepEqual({ sourceName: known.sourceName, sourceType: known.sourceType, channelName: known.channelName }, { sourceName: '展台海报链接', sourceType: 'link', channelName: '春季展会' });
    const unknown = stat.byChannel.find((row: any) => row.state === viaUnknown.state);
    assert.equal(unknown.sourceName, null, 'a state SCRM did not make has no name (the console says 未知渠道)');
    const page = await ok(admin.post('/scrm/admin/cust/emp/pageByChannel', { pageSize: 100 }));
    assert.equal(page.records.find((row: any) => row.state === link.state).sourceName, '展台海报链接');
    const relations = await ok(admin.post('/scrm/admin/cust/emp/page', { externalUserid: viaLink.external_userid }));
    assert.equal(relations.records[0].channelName, '春季展会');
    assert.equal(relations.records[0].sourceName, '展台海报链接');
    const detail = await ok(admin.get('/scrm/admin/cust/info/getByExternalUserid', { externalUserid: viaLink.external_userid }));
    assert.equal(detail.relations[0].sourceName, '展台海报链接');
    for (const row of stat.byEmployee) assert.ok(row.employeeName, `employee ${row.userid} by name`);
  });

  test('group members: the join way by name in the list, the export and the channel statistics; the departed owner by name and 已离职', async () => {
    const members = await ok(admin.post('/scrm/admin/group/member/page', { chatId, pageSize: 100 }));
    const joined = members.records.find((member: any) => member.state === joinWay.state);
    assert.ok(joined, 'the member who came through the join way');
    assert.equal(joined.sourceName, '展会入群码');
    assert.equal(joined.sourceType, 'joinWay');
    assert.equal(joined.channelName, '春季展会');

    const exported = await admin.post('/scrm/admin/group/member/export', { chatId });
    assert.equal(exported.status, 200);
    const rows = await readXlsx(exported.raw.rawPayload);
    const row = rowOf(rows, '成员ID', joined.userid)!;
    assert.equal(row[column(rows, '渠道')], '春季展会 / 展会入群码');
    assert.equal(row[column(rows, '渠道参数')], joinWay.state);
    assert.equal(row[column(rows, '群主')], `${owner.name}（已离职）`);
    assert.equal(row[column(rows, '群主账号')], owner.userid);
    for (const header of ['群名称', '群主', '成员名称', '渠道', '入群方式', '状态']) {
      for (const line of rows.slice(1)) assert.doesNotMatch(line[column(rows, header)] ?? '', RAW_ID, `${header}: ${line[column(rows, header)]}`);
    }

    const stats = await ok(admin.post('/scrm/admin/group/member/channelStats', { state: joinWay.state }));
    assert.equal(stats.sourceName, '展会入群码');
    assert.equal(stats.channelName, '春季展会');

    const groups = await ok(admin.post('/scrm/admin/group/page', { chatId }));
    assert.equal(groups.records[0].ownerName, owner.name);
    assert.equal(groups.records[0].ownerDeparted, true);
    const today = new Date().toISOString().slice(0, 10);
    const byOwner = await ok(admin.post('/scrm/admin/group/member/groupStats', { startDate: today, endDate: today, owners: [owner.userid] }));
    assert.equal(byOwner.owners[0].ownerName, owner.name);
    assert.equal(byOwner.owners[0].ownerDeparted, true);
  });
});
