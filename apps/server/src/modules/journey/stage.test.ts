// 客户阶段 through HTTP, the simulator and its callbacks (issue 19): the pipeline's rules, moves with history and a
// stage_moved timeline event, the data scope, 流失 by itself when the customer deletes the employee and the first stage
// again on a re-add, stage as a filter and an export column, and the funnel over a scripted history on the test clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { and, eq } from 'drizzle-orm';
import { customerEvent } from '../../db/schema/journey.ts';
import { createWecomTestEnv } from '../../testing/wecom-test-env.ts';
import { createScopedUser, okDate } from '../../testing/scope-users.ts';
import { readXlsx } from '../customers/customers.testing.ts';

const HOUR = 3_600_000;

test('stages: pipeline rules, moves with history and timeline, scope, automatic 流失 and re-add, filters and export, funnel', async (t) => {
  const env = await createWecomTestEnv();
  t.after(() => env.close());
  const state = env.sim.state;
  const sellers = [...state.employees.values()].filter((employee) => employee.resignedAt === undefined && employee.customerContact && state.relationList(employee.userid).length >= 3);
  assert.ok(sellers.length >= 2);
  const [seller, other] = sellers;
  const [first, second, third] = state.relationList(seller.userid).map((relation) => relation.external_userid);
  await env.syncOrg();
  await env.runJob('customers.sync');
  const admin = await env.login();
  const list = async () => okDate(admin.get('/scrm/admin/stage/list'));
  const byName = async () => Object.fromEntries((await list()).map((stage: any) => [stage.name, stage]));

  // ---- the pipeline: seeded defaults, save, sort, delete rules ----------------------------------------------------
  const seeded = await list();
  assert.deepEqual(seeded.map((stage: any) => [stage.name, stage.kind, stage.first]), [
    ['新客户', 'normal', true], ['有意向', 'normal', false], ['已报价', 'normal', false], ['已成交', 'won', false], ['流失', 'lost', false],
  ]);
  const relationsTotal = (await okDate(admin.post('/scrm/admin/cust/emp/page', { pageSize: 1 }))).total;
  assert.equal(seeded[0].relations, relationsTotal, 'every relation starts in the first stage');
  const signed = await okDate(admin.post('/scrm/admin/stage/save', { name: '已签约', kind: 'normal' }));
  assert.deepEqual((await list()).map((stage: any) => stage.name), ['新客户', '有意向', '已报价', '已成交', '已签约', '流失'], 'added before the lost stage');
  const lost = (await byName())['流失'];
  for (const [body, message] of [
    [{ name: '有意向' }, '已有同名阶段：有意向'],
    [{ name: '又一个流失', kind: 'lost' }, null],
    [{ id: lost.id, name: '流失客户', kind: 'won' }, '不能删除或改变类型'],
    [{ name: '' }, null],
    [{ name: 'x'.repeat(21) }, null],
  ] as const) {
    const refused = await admin.post('/scrm/admin/stage/save', body);
    assert.equal(refused.status, 400, JSON.stringify(body));
    if (message) assert.ok(refused.body.msg.includes(message), refused.body.msg);
  }
  assert.equal((await admin.post('/scrm/admin/stage/save', { id: 999999, name: '无' })).status, 404);
  await okDate(admin.post('/scrm/admin/stage/save', { id: lost.id, name: '已流失' }));
  assert.equal((await byName())['已流失'].kind, 'lost', 'renamed, still the lost stage');
  const steps = (await list()).filter((stage: any) => stage.kind !== 'lost').map((stage: any) => stage.id);
  for (const ids of [steps.slice(1), [...steps, lost.id], [steps[0], ...steps]]) assert.equal((await admin.post('/scrm/admin/stage/sort', { ids })).status, 400);
  const resorted = await okDate(admin.post('/scrm/admin/stage/sort', { ids: [steps[0], steps[1], steps[2], signed.id, steps[3]] }));
  assert.deepEqual(resorted.map((stage: any) => stage.name), ['新客户', '有意向', '已报价', '已签约', '已成交', '已流失']);
  const stages = await byName();
  const deleteLost = await admin.post('/scrm/admin/stage/delete', { id: lost.id });
  assert.equal(deleteLost.status, 400);
  const inUse = await admin.post('/scrm/admin/stage/delete', { id: stages['新客户'].id }, { 'accept-language': 'en' });
  assert.equal(inUse.status, 400);
  assert.ok(inUse.body.msg.includes(`still holds ${relationsTotal} customer relations`), inUse.body.msg);
  assert.equal((await admin.post('/scrm/admin/stage/delete', { id: stages['新客户'].id, moveToStageId: stages['新客户'].id })).status, 400);
  assert.deepEqual(await okDate(admin.post('/scrm/admin/stage/delete', { id: signed.id })), { moved: 0 });

  // ---- moves: history, timeline, idempotence ----------------------------------------------------------------------
  const pair = { externalUserid: first, userid: seller.userid };
  const moved = await okDate(admin.post('/scrm/admin/stage/move', { relations: [pair, { externalUserid: second, userid: seller.userid }], stageId: stages['有意向'].id, note: '问了报价' }));
  assert.deepEqual(moved, { moved: 2, unchanged: 0 });
  assert.deepEqual(await okDate(admin.post('/scrm/admin/stage/move', { relations: [pair], stageId: stages['有意向'].id, note: '' })), { moved: 0, unchanged: 1 });
  const history = await okDate(admin.get('/scrm/admin/stage/history', pair));
  assert.equal(history.current.stageName, '有意向');
  assert.equal(history.records.length, 1);
  assert.deepEqual(
    { from: history.records[0].fromStageName, to: history.records[0].stageName, note: history.records[0].note, actor: history.records[0].actor },
    { from: '新客户', to: '有意向', note: '问了报价', actor: 'admin' },
  );
  const timeline = async (externalUserid: string) =>
    env.db.select().from(customerEvent).where(and(eq(customerEvent.externalUserid, externalUserid), eq(customerEvent.type, 'stage_moved'))).orderBy(customerEvent.id);
  const [event] = await timeline(first);
  assert.equal(event.userid, seller.userid);
  assert.equal(event.actor, 'admin');
  assert.deepEqual(event.data, { fromStageId: stages['新客户'].id, fromStageName: '新客户', stageId: stages['有意向'].id, stageName: '有意向', note: '问了报价' });
  for (const body of [
    { relations: [], stageId: stages['有意向'].id },
    { relations: [pair], stageId: 999999 },
    { relations: [{ externalUserid: 'wm-nobody', userid: seller.userid }], stageId: stages['有意向'].id },
    { relations: [pair], stageId: stages['有意向'].id, note: 'x'.repeat(201) },
  ]) {
    const refused = await admin.post('/scrm/admin/stage/move', body);
    assert.ok(refused.status === 400 || refused.status === 404, JSON.stringify(body));
  }
  assert.equal((await timeline(first)).length, 1, 'refused moves record nothing');

  // ---- filters and export -----------------------------------------------------------------------------------------
  const interested = await okDate(admin.post('/scrm/admin/cust/emp/page', { pageSize: 50, stageIds: [stages['有意向'].id] }));
  assert.deepEqual(interested.records.map((row: any) => row.externalUserid).sort(), [first, second].sort());
  assert.ok(interested.records.every((row: any) => row.stageName === '有意向'));
  const fresh = await okDate(admin.post('/scrm/admin/cust/emp/page', { pageSize: 1, stageIds: [stages['新客户'].id] }));
  assert.equal(fresh.total, relationsTotal - 2, 'relations never moved are in the first stage');
  assert.equal(fresh.records[0].stageName, '新客户');
  const customers = await okDate(admin.post('/scrm/admin/cust/info/page', { pageSize: 50, stageIds: [stages['有意向'].id], userIds: [seller.userid] }));
  assert.deepEqual(customers.records.map((row: any) => row.externalUserid).sort(), [first, second].sort());
  const exported = await readXlsx((await admin.post('/scrm/admin/cust/emp/export', { stageIds: [stages['有意向'].id] })).raw.rawPayload);
  assert.equal(exported.length, 3);
  assert.deepEqual(exported.slice(1).map((row) => row[exported[0].indexOf('客户阶段')]), ['有意向', '有意向']);
  const freshExported = await readXlsx((await admin.post('/scrm/admin/cust/emp/export', { stageIds: [stages['新客户'].id] })).raw.rawPayload);
  assert.equal(freshExported.length, relationsTotal - 2 + 1);
  assert.ok(freshExported.slice(1).every((row) => row[freshExported[0].indexOf('客户阶段')] === '新客户'), 'never moved: the first stage');

  // 客户群发 to a stage: the two customers in 有意向, by the stage's name on the broadcast; an unknown stage is refused.
  const segment = { name: '报价跟进', content: { text: '您好，报价有任何问题随时联系我。' }, senders: { userids: [seller.userid] } };
  const broadcast = await okDate(admin.post('/scrm/admin/broadcast/customer/save', { ...segment, audience: { stageIds: [stages['有意向'].id] } }));
  assert.deepEqual(broadcast.audienceNames.stages, [{ id: stages['有意向'].id, name: '有意向' }]);
  assert.equal((await okDate(admin.post('/scrm/admin/broadcast/customer/preview', { id: broadcast.id }))).total, 2);
  const unknownStage = await admin.post('/scrm/admin/broadcast/customer/save', { ...segment, audience: { stageIds: [signed.id] } });
  assert.equal(unknownStage.status, 400);
  assert.ok(unknownStage.body.msg.includes('客户阶段不存在'), unknownStage.body.msg);

  // ---- scope: a self-scope user sees and moves only their own relations ---------------------------------------------
  const own = await createScopedUser(env, admin, { username: 'stage_own', perms: ['stage:list', 'stage:move', 'stage:history'], dataScope: 5, qwUserid: other.userid });
  const stranger = await own.post('/scrm/admin/stage/move', { relations: [pair], stageId: stages['已报价'].id });
  assert.equal(stranger.status, 404);
  assert.equal((await own.get('/scrm/admin/stage/history', pair)).status, 404);
  assert.equal((await own.post('/scrm/admin/stage/funnel', { from: '2026-01-01', to: '2026-01-02' })).status, 403, 'no stage:funnel');
  const ownPair = { externalUserid: state.relationList(other.userid)[0].external_userid, userid: other.userid };
  assert.deepEqual(await okDate(own.post('/scrm/admin/stage/move', { relations: [ownPair], stageId: stages['已报价'].id })), { moved: 1, unchanged: 0 });
  const ownCounts = Object.fromEntries((await okDate(own.get('/scrm/admin/stage/list'))).map((stage: any) => [stage.name, stage.relations]));
  assert.equal(ownCounts['已报价'], 1);
  assert.equal(ownCounts['有意向'], 0, "another employee's relations are not counted");
  assert.equal((await admin.get('/scrm/admin/stage/history', pair)).body.date.records.length, 1, 'the refused move changed nothing');

  // ---- the customer deletes the employee: 流失 by itself; a re-add starts again at the first stage ------------------
  env.sim.actions.customerDeletesEmployee({ userid: seller.userid, external_userid: first });
  await env.settle();
  const afterLoss = await okDate(admin.get('/scrm/admin/stage/history', pair));
  assert.equal(afterLoss.current.stageName, '已流失');
  assert.deepEqual([afterLoss.records[0].fromStageName, afterLoss.records[0].stageName, afterLoss.records[0].actor], ['有意向', '已流失', 'wecom']);
  const lostEvent = (await timeline(first)).at(-1)!;
  assert.equal(lostEvent.actor, 'wecom');
  assert.deepEqual(lostEvent.data, { fromStageId: stages['有意向'].id, fromStageName: '有意向', stageId: lost.id, stageName: '已流失' });
  // The employee deleting a customer is no move.
  env.sim.actions.employeeDeletesCustomer({ userid: seller.userid, external_userid: second });
  await env.settle();
  assert.equal((await okDate(admin.get('/scrm/admin/stage/history', { externalUserid: second, userid: seller.userid }))).current.stageName, '有意向');
  env.sim.actions.addCustomer({ userid: seller.userid, external_userid: first });
  await env.settle();
  const afterReAdd = await okDate(admin.get('/scrm/admin/stage/history', pair));
  assert.equal(afterReAdd.current.stageName, '新客户');
  assert.deepEqual(afterReAdd.records.map((row: any) => `${row.fromStageName}→${row.stageName}@${row.actor}`), ['已流失→新客户@wecom', '有意向→已流失@wecom', '新客户→有意向@admin']);
  assert.equal((await timeline(first)).length, 3);

  // ---- the funnel over a scripted day (2 days ahead, Asia/Shanghai) ------------------------------------------------
  const day = new Date(env.clock.now + 2 * 86_400_000).toLocaleDateString('sv-SE', { timeZone: 'Asia/Shanghai' });
  const dayStart = Date.parse(`${day}T00:00:00+08:00`);
  const newcomers: string[] = [];
  env.clock.now = dayStart + 1 * HOUR;
  for (let index = 0; index < 4; index += 1) newcomers.push(env.sim.actions.addCustomer({ userid: seller.userid }).external_userid);
  await env.settle();
  const moveAt = async (hours: number, externalUserids: string[], stage: string) => {
    env.clock.now = dayStart + hours * HOUR;
    await okDate(admin.post('/scrm/admin/stage/move', { relations: externalUserids.map((externalUserid) => ({ externalUserid, userid: seller.userid })), stageId: stages[stage].id }));
  };
  await moveAt(3, newcomers.slice(0, 3), '有意向'); // 2 h in 新客户 each
  await moveAt(7, newcomers.slice(0, 2), '已报价'); // 4 h in 有意向
  await moveAt(10, newcomers.slice(0, 1), '已成交'); // 3 h in 已报价
  await moveAt(11, [newcomers[2]], '已流失'); // 8 h in 有意向
  await moveAt(12, [third], '已报价'); // a customer of long ago: no entry in 新客户 today
  env.clock.now = dayStart + 30 * HOUR;
  const funnel = await okDate(admin.post('/scrm/admin/stage/funnel', { from: day, to: day, userIds: [seller.userid] }));
  const figures = Object.fromEntries(funnel.stages.map((stage: any) => [stage.stageName, stage]));
  assert.deepEqual(funnel.stages.map((stage: any) => stage.stageName), ['新客户', '有意向', '已报价', '已成交', '已流失']);
  assert.deepEqual(funnel.stages.map((stage: any) => stage.entered), [4, 3, 3, 1, 1]);
  assert.equal(figures['新客户'].conversion, 0.75);
  assert.equal(figures['有意向'].conversion, 1);
  assert.equal(figures['已报价'].conversion, 0.3333);
  assert.equal(figures['已成交'].conversion, null);
  // Three stays of 2 h, and the long one of the customer added long ago (it left 新客户 today).
  const thirdAdded = (await okDate(admin.post('/scrm/admin/cust/emp/page', { externalUserid: third, userIds: [seller.userid] }))).records[0].createtime;
  const longStay = (dayStart + 12 * HOUR - Date.parse(thirdAdded)) / HOUR;
  assert.ok(Math.abs(figures['新客户'].averageHours - (6 + longStay) / 4) < 0.01, String(figures['新客户'].averageHours));
  assert.equal(figures['有意向'].averageHours, 5.33);
  assert.equal(figures['已报价'].averageHours, 3);
  const sellerNow = state.relationList(seller.userid).length; // active relations of the seller now (the first customer is back)
  assert.equal(figures['已成交'].current, 1);
  assert.equal(figures['已报价'].current, 2);
  assert.equal(figures['有意向'].current, 0, 'the second customer was deleted by the employee: no longer active');
  assert.equal(figures['已流失'].current, 2, 'lost relations count there, ended or not');
  assert.equal(funnel.stages.reduce((sum: number, stage: any) => (stage.kind === 'lost' ? sum : sum + stage.current), 0), sellerNow - 1, 'active ones, but for the one in 流失');
  assert.deepEqual(funnel.byEmployee.map((row: any) => [row.name, row.won, row.winRate]), [[seller.name, 1, 0.25]]);
  assert.equal(funnel.byChannel.find((row: any) => row.key === '')?.name, '无渠道');
  // Nothing happened the day before; a period the wrong way round or too long is refused.
  const dayBefore = new Date(dayStart - 86_400_000).toLocaleDateString('sv-SE', { timeZone: 'Asia/Shanghai' });
  const quiet = await okDate(admin.post('/scrm/admin/stage/funnel', { from: dayBefore, to: dayBefore, userIds: [seller.userid] }));
  assert.deepEqual(quiet.stages.map((stage: any) => stage.entered), [0, 0, 0, 0, 0]);
  assert.equal((await admin.post('/scrm/admin/stage/funnel', { from: day, to: dayBefore })).status, 400);
  assert.equal((await admin.post('/scrm/admin/stage/funnel', { from: '2024-01-01', to: '2026-01-01' })).status, 400);

  // ---- deleting a stage in use moves its relations (history, timeline) ---------------------------------------------
  const deleted = await okDate(admin.post('/scrm/admin/stage/delete', { id: stages['已报价'].id, moveToStageId: stages['有意向'].id, note: '合并阶段' }));
  assert.deepEqual(deleted, { moved: 3 });
  assert.equal((await okDate(admin.get('/scrm/admin/stage/history', { externalUserid: third, userid: seller.userid }))).records[0].note, '合并阶段');
  assert.deepEqual((await list()).map((stage: any) => stage.name), ['新客户', '有意向', '已成交', '已流失']);
});
