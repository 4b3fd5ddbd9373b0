// 流失提醒 through HTTP, the simulator and its callbacks (issue 18): a customer deleting an employee and an employee
// deleting a customer each leave one loss record (with the relation's tags and how long they were friends) and the
// alert the settings ask for; a transfer (DELETE_BY_TRANSFER) is no loss; a redelivered event records nothing more;
// pages, figures and the export respect the data scope; the daily digest replaces per-event alerts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import ExcelJS from 'exceljs';
import { createWecomTestEnv, type WecomTestEnv } from '../../testing/wecom-test-env.ts';
import type { TestClient } from '../../testing/test-app.ts';
import { createScopedUser, okDate } from '../../testing/scope-users.ts';
import { localTime } from '../../platform/local-time.ts';
import { LOSS_DIGEST_QUEUE } from './inheritance-components.ts';
import { until } from '../../testing/until.ts';

const simAppMessages = async (env: WecomTestEnv, userid: string) =>
  ((await (await fetch(`${env.sim.url}/sim/app-messages?userid=${encodeURIComponent(userid)}`)).json()) as { app_messages: Array<{ content: string }> }).app_messages;

const eventXml = (corpId: string, createTime: number, fields: Record<string, string>) =>
  `<xml><ToUserName><![CDATA[${corpId}]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName><CreateTime>${createTime}</CreateTime><MsgType><![CDATA[event]]></MsgType>` +
  Object.entries(fields).map(([key, value]) => `<${key}><![CDATA[${value}]]></${key}>`).join('') +
  '</xml>';

test('losses: recorded once with what the relation was, alerts as set, transfers excluded, scoped pages, figures, export, digest', async (t) => {
  const env = await createWecomTestEnv();
  t.after(() => env.close());
  const state = env.sim.state;
  const withCustomers = [...state.employees.values()].filter((employee) => employee.resignedAt === undefined && employee.customerContact && state.relationList(employee.userid).length >= 4);
  assert.ok(withCustomers.length >= 1);
  const seller = withCustomers[0];
  const manager = [...state.employees.values()].find((employee) => employee.resignedAt === undefined && employee.status === 1 && employee.userid !== seller.userid)!;
  const [leftBy, deletedBy, transferred, stays] = state.relationList(seller.userid).map((relation) => relation.external_userid);
  // A corp tag on the relation the customer will leave.
  const tagGroup = [...state.tagGroups.values()][0];
  env.sim.actions.editCustomer({ userid: seller.userid, external_userid: leftBy, add_tags: [tagGroup.tag[0].id] });
  await env.settle();
  await env.syncOrg();
  await env.runJob('tags.corp.sync');
  await env.runJob('customers.sync');
  const admin = await env.login();

  // Settings: hostile input refused; then the customer-left alert to the employee and the employee-deleted alert to a manager.
  for (const body of [{ employeeAlert: true, managerAlert: true, digest: false }, { employeeAlert: true, managerAlert: true, managerUserids: ['nobody-here'], digest: false }, { employeeAlert: 1, managerAlert: false, digest: false }, { employeeAlert: true, managerAlert: false, digest: false, digestHour: 24 }]) {
    const refused = await admin.post('/scrm/admin/loss/settings/save', body);
    assert.equal(refused.status, 400, JSON.stringify(body));
  }
  const settings = await okDate(admin.post('/scrm/admin/loss/settings/save', { employeeAlert: true, managerAlert: true, managerUserids: [manager.userid], digest: false, digestHour: 9 }));
  assert.deepEqual(settings.managers, [{ userid: manager.userid, name: manager.name }]);

  // The customer deletes the employee.
  env.sim.actions.customerDeletesEmployee({ userid: seller.userid, external_userid: leftBy });
  await env.settle();
  const page = async (client: TestClient = admin, body: object = {}) => okDate(client.post('/scrm/admin/loss/page', { pageNum: 1, pageSize: 50, ...body }));
  const first = await page();
  assert.equal(first.total, 1);
  const lost = first.records[0];
  const customerName = state.customers.get(leftBy)!.name;
  assert.equal(lost.kind, 'customer_deleted');
  assert.equal(lost.customerName, customerName);
  assert.equal(lost.employeeName, seller.name);
  assert.ok(lost.deptNames.length >= 1, 'departments by name');
  assert.deepEqual(lost.tags, [{ groupName: tagGroup.group_name, tagName: tagGroup.tag[0].name }], 'the tags the relation had');
  assert.ok(lost.addedAt, 'when they became friends');
  assert.equal(lost.friendDays, Math.floor((Date.parse(lost.lostAt) - Date.parse(lost.addedAt)) / 86_400_000));
  assert.equal(lost.employeeAlert, 'sent');
  const sellerMessages = await until('the employee is told', () => simAppMessages(env, seller.userid), (list) => list.some((message) => message.content.includes('客户流失提醒')));
  assert.ok(sellerMessages.find((message) => message.content.includes('客户流失提醒'))!.content.includes(customerName));

  // The employee deletes a customer: the manager is told (risk control), the employee is not.
  env.sim.actions.employeeDeletesCustomer({ userid: seller.userid, external_userid: deletedBy });
  await env.settle();
  const second = await page(admin, { kind: 'employee_deleted' });
  assert.equal(second.total, 1);
  assert.deepEqual([second.records[0].customerName, second.records[0].managerAlert, second.records[0].employeeAlert], [state.customers.get(deletedBy)!.name, 'sent', 'off']);
  const managerMessages = await until('the manager is told', () => simAppMessages(env, manager.userid), (list) => list.some((message) => message.content.includes('员工删除客户提醒')));
  assert.ok(managerMessages.find((message) => message.content.includes('员工删除客户提醒'))!.content.includes(seller.name));

  // A transfer (DELETE_BY_TRANSFER) is no loss; nor is a deletion WeCom does not confirm (still friends); a redelivered
  // deletion (same customer, employee and time) records nothing more and tells nobody again.
  const now = Math.floor(env.clock.now / 1000);
  await okDate(admin.post('/scrm/wx/portal/test', { xml: eventXml(env.wecom.corpId, now, { Event: 'change_external_contact', ChangeType: 'del_external_contact', UserID: seller.userid, ExternalUserID: transferred, Source: 'DELETE_BY_TRANSFER' }) }));
  await okDate(admin.post('/scrm/wx/portal/test', { xml: eventXml(env.wecom.corpId, now, { Event: 'change_external_contact', ChangeType: 'del_follow_user', UserID: seller.userid, ExternalUserID: stays }) }));
  const delivered = env.sim.deliveries.find((delivery) => delivery.event === 'change_external_contact' && delivery.changeType === 'del_follow_user')!;
  await okDate(admin.post('/scrm/wx/portal/test', { xml: eventXml(env.wecom.corpId, delivered.createTime, { Event: 'change_external_contact', ChangeType: 'del_follow_user', UserID: seller.userid, ExternalUserID: leftBy }) }));
  await env.settle();
  assert.equal((await page()).total, 2, 'still two losses');
  const rows = await env.db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM loss_record`);
  assert.equal(Number(rows.rows[0].n), 2);
  assert.equal((await simAppMessages(env, seller.userid)).filter((message) => message.content.includes('客户流失提醒')).length, 1, 'alerted once');

  // Figures per day, and the export (names, formula-safe).
  const today = localTime(new Date(env.clock.now), 'Asia/Shanghai').day;
  const stat = await okDate(admin.post('/scrm/admin/loss/stat', { startDate: today, endDate: today }));
  assert.deepEqual(stat.totals, { customerDeleted: 1, employeeDeleted: 1, total: 2 });
  assert.deepEqual(stat.days, [{ day: today, customerDeleted: 1, employeeDeleted: 1, total: 2 }]);
  assert.equal((await admin.post('/scrm/admin/loss/stat', { startDate: today, endDate: '2000-01-01' })).status, 400);
  const exported = await env.app.inject({ method: 'POST', url: '/scrm/admin/loss/export', payload: {}, headers: { token: admin.token } });
  assert.equal(exported.statusCode, 200);
  assert.match(String(exported.headers['content-disposition']), /attachment/);
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(exported.rawPayload as unknown as ArrayBuffer);
  const sheet = workbook.worksheets[0];
  const lines = sheet.getSheetValues().slice(2).map((row) => (row as unknown[]).slice(1).map(String));
  assert.equal(lines.length, 2);
  assert.ok(lines.some((line) => line.includes(customerName) && line.includes('客户删除员工') && line.includes(seller.name) && line.some((cell) => cell.includes(tagGroup.tag[0].name))), JSON.stringify(lines));

  // Data scope: a self-scope user sees their own employee's losses only, in page, figures and export.
  const own = await createScopedUser(env, admin, { username: 'h5own', perms: ['loss:list', 'loss:stat', 'loss:export'], dataScope: 5, qwUserid: seller.userid });
  const stranger = await createScopedUser(env, admin, { username: 'h5stranger', perms: ['loss:list', 'loss:stat', 'loss:export'], dataScope: 5, qwUserid: manager.userid });
  assert.equal((await page(own)).total, 2);
  assert.equal((await page(stranger)).total, 0);
  assert.equal((await page(stranger, { userIds: [seller.userid] })).total, 0, 'a filter does not widen the scope');
  assert.equal((await okDate(stranger.post('/scrm/admin/loss/stat', { startDate: today, endDate: today }))).totals.total, 0);
  const strangerExport = await env.app.inject({ method: 'POST', url: '/scrm/admin/loss/export', payload: {}, headers: { token: (stranger as typeof stranger & { token: string }).token } });
  const strangerBook = new ExcelJS.Workbook();
  await strangerBook.xlsx.load(strangerExport.rawPayload as unknown as ArrayBuffer);
  assert.equal(strangerBook.worksheets[0].rowCount, 1, 'the header only');
  assert.equal((await stranger.get('/scrm/admin/loss/settings/get')).status, 403, 'settings need loss:settings');

  // Filters: employee, department, kind, time.
  assert.equal((await page(admin, { userIds: [manager.userid] })).total, 0);
  assert.equal((await page(admin, { deptIds: [1] })).total, 2, 'the root department covers everyone');
  assert.equal((await page(admin, { kind: 'customer_deleted' })).total, 1);
  assert.equal((await page(admin, { startTime: '2000-01-01', endTime: '2000-01-02' })).total, 0);

  // A customer who came through a channel QR code: the loss names the channel and the QR code; the channel filter finds it.
  const channel = await okDate(admin.post('/scrm/admin/cust/channel/save', { name: '春季展会' }));
  const qr = await okDate(admin.post('/scrm/admin/cust/get/qr/save', {
    linkName: '展台二维码', channelId: channel.id, allocationMethod: 'round', userList: [seller.userid], allocationRules: [{ userId: seller.userid }], status: 1,
  }));
  assert.equal(qr.status, 1, qr.statusReason ?? '');
  const scanned = env.sim.actions.scanContactWay({ config_id: qr.allocationRules[0].configLinkId });
  await env.settle();
  env.sim.actions.customerDeletesEmployee({ userid: seller.userid, external_userid: scanned.external_userid });
  await env.settle();
  const viaChannel = await page(admin, { channelId: channel.id });
  assert.equal(viaChannel.total, 1);
  assert.deepEqual([viaChannel.records[0].externalUserid, viaChannel.records[0].channelName, viaChannel.records[0].sourceName], [scanned.external_userid, '春季展会', '展台二维码']);

  // Hostile input: 400, never 5xx.
  for (const body of [{ pageNum: -1 }, { pageSize: 100000 }, { kind: 'stolen' }, { startTime: 'yesterday' }, { userIds: 'x' }, { deptIds: [-1] }, { name: 'a'.repeat(65) }, { name: 'a\u0000' }]) {
    const response = await admin.post('/scrm/admin/loss/page', { pageNum: 1, pageSize: 10, ...body });
    assert.equal(response.status, 400, `${JSON.stringify(body)} → ${response.status}`);
  }

  // The daily digest instead of per-event alerts: held, then one message at the digest hour. A second later than the
  // unconfirmed deletion of `stays` above: WeCom's events carry seconds, and one at the same second would be that event.
  env.clock.now += 1000;
  const hour = Math.floor(localTime(new Date(env.clock.now), 'Asia/Shanghai').minuteOfDay / 60);
  await okDate(admin.post('/scrm/admin/loss/settings/save', { employeeAlert: true, managerAlert: false, managerUserids: [], digest: true, digestHour: hour }));
  env.sim.actions.customerDeletesEmployee({ userid: seller.userid, external_userid: stays });
  await env.settle();
  const held = (await page(admin, { kind: 'customer_deleted' })).records.find((record: { externalUserid: string }) => record.externalUserid === stays);
  assert.equal(held.employeeAlert, 'digest');
  const before = (await simAppMessages(env, seller.userid)).length;
  await env.jobs.boss.send(LOSS_DIGEST_QUEUE, {});
  await until('the digest is sent', async () => (await page(admin, { kind: 'customer_deleted' })).records.find((record: { externalUserid: string }) => record.externalUserid === stays).employeeAlert, (value) => value === 'digested');
  const digest = await until('the digest reaches WeCom', () => simAppMessages(env, seller.userid), (list) => list.length > before);
  assert.equal(digest.length, before + 1, 'one digest message');
  assert.ok(digest[digest.length - 1].content.includes('客户流失日报') && digest[digest.length - 1].content.includes(state.customers.get(stays)!.name));
});

test('losses: a customer or an employee SCRM has no name for reads 未知客户 / 未知员工 in the alerts and the page, never a WeCom id', async (t) => {
  const env = await createWecomTestEnv();
  t.after(() => env.close());
  const state = env.sim.state;
  const seller = [...state.employees.values()].find((employee) => employee.resignedAt === undefined && employee.customerContact && state.relationList(employee.userid).length >= 2)!;
  const manager = [...state.employees.values()].find((employee) => employee.resignedAt === undefined && employee.status === 1 && employee.userid !== seller.userid)!;
  const [leftBy, deletedBy] = state.relationList(seller.userid).map((relation) => relation.external_userid);
  await env.syncOrg();
  await env.runJob('customers.sync');
  const admin = await env.login();
  await okDate(admin.post('/scrm/admin/loss/settings/save', { employeeAlert: true, managerAlert: true, managerUserids: [manager.userid], digest: false, digestHour: 9 }));
  // As for a customer deleted in WeCom before SCRM read them, and an employee who left before the first sync.
  await env.db.execute(sql`DELETE FROM customer WHERE external_userid IN (${leftBy}, ${deletedBy})`);
  await env.db.execute(sql`DELETE FROM qw_emp WHERE userid = ${seller.userid}`);

  env.sim.actions.customerDeletesEmployee({ userid: seller.userid, external_userid: leftBy });
  env.sim.actions.employeeDeletesCustomer({ userid: seller.userid, external_userid: deletedBy });
  await env.settle();
  const told = await until('the employee is told', () => simAppMessages(env, seller.userid), (list) => list.some((message) => message.content.includes('客户流失提醒')));
  const toEmployee = told.find((message) => message.content.includes('客户流失提醒'))!.content;
  assert.ok(toEmployee.includes('客户「未知客户」') && !toEmployee.includes(leftBy), toEmployee);
  const managerTold = await until('the manager is told', () => simAppMessages(env, manager.userid), (list) => list.some((message) => message.content.includes('员工删除客户提醒')));
  const toManager = managerTold.find((message) => message.content.includes('员工删除客户提醒'))!.content;
  assert.ok(toManager.includes(`员工「未知员工（${seller.userid}）」`) && toManager.includes('客户「未知客户」') && !toManager.includes(deletedBy), toManager);

  const page = await okDate(admin.post('/scrm/admin/loss/page', { pageNum: 1, pageSize: 50 }));
  assert.equal(page.total, 2);
  for (const row of page.records) assert.deepEqual([row.customerName, row.employeeName], ['', null], 'the console words them (names.tsx)');
});
