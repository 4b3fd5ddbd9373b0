import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import { createWecomTestEnv, type WecomTestEnv } from './testing/wecom-test-env.ts';
import type { TestClient } from './testing/test-app.ts';
import { createTokenService } from './platform/auth/tokens.ts';
import { startWecomSync } from './platform/jobs/wecom-sync.ts';
import { ok } from './modules/acquisition/acquisition.testing.ts';
import { DEMO_CONTENT_KEY, seedDemoContent, type DemoContentDeps } from './demo-content.ts';
import { runSopEvaluation } from './modules/journey/sop.testing.ts';


const count = async (env: WecomTestEnv, table: string) =>
  Number((await env.db.execute<{ count: number }>(sql.raw(`SELECT count(*)::int AS count FROM ${table}`))).rows[0].count);

describe('demo content: made once after the first sync, through the modules', () => {
  let env: WecomTestEnv;
  let admin: TestClient & { token: string };
  let deps: DemoContentDeps;

  before(async () => {
    env = await createWecomTestEnv();
    admin = await env.login();
    deps = { app: env.app, db: env.db, sim: env.sim, settle: () => env.settle(), tokens: createTokenService(env.config.JWT_SECRET!, 3600, () => env.clock.now), now: () => env.clock.now };
  });
  after(() => env?.close());

  test('before the first sync has brought the employees: nothing made and nothing claimed, so a later start makes it', async () => {
    await assert.rejects(seedDemoContent(deps), /fewer than two employees/);
    assert.equal((await env.db.execute(sql`SELECT 1 FROM sys_config WHERE key = ${DEMO_CONTENT_KEY}`)).rows.length, 0);
    assert.equal(await count(env, 'acq_channel'), 0);
    const sync = await startWecomSync(env.jobs, env.wecom.corpId, 'initial', 'system');
    assert.equal((await env.jobs.waitFor(sync.id, 60_000)).state, 'completed');
  });

  test('channels, a published link and QR code, customers that came through them, tags, leads in each state, sales users', async () => {
    const summary = await seedDemoContent(deps);
    assert.ok(summary);
    assert.equal(summary.customers, 12);

    const channels = await ok(admin.get('/scrm/admin/cust/channel/list'));
    assert.deepEqual(channels.map((channel: any) => channel.name).sort(), ['公众号', '线下展会', '老客转介绍'].sort());

    const links = await ok(admin.post('/scrm/admin/cust/get/link/page', { pageNum: 1, pageSize: 10 }));
    const [link] = links.records;
    assert.equal(link.linkName, '春季展会获客链接');
    assert.equal(link.status, 1);
    assert.ok(env.sim.state.acquisitionLinks.get(link.linkId), 'the link is on WeCom');
    const qrs = await ok(admin.post('/scrm/admin/cust/get/qr/page', { pageNum: 1, pageSize: 10 }));
    assert.equal(qrs.records[0].status, 1);
    assert.ok(env.sim.state.contactWays.get(qrs.records[0].linkId), 'the QR code is on WeCom');

    // The customers who opened the link: their relations name the channel and carry the link's corp tag.
    const [linkTag] = link.cstTags;
    assert.ok(linkTag);
    const added = await env.db.execute<{ external_userid: string }>(sql`SELECT external_userid FROM acq_add WHERE acq_link_id = ${link.id}`);
    const addedIds = new Set(added.rows.map((row) => row.external_userid));
    assert.equal(addedIds.size, 7);
    const relations = await ok(admin.post('/scrm/admin/cust/emp/page', { pageNum: 1, pageSize: 100 }));
    const fromLink = { records: relations.records.filter((relation: any) => addedIds.has(relation.externalUserid)) };
    assert.equal(fromLink.records.length, 7);
    assert.ok(new Set(fromLink.records.map((relation: any) => relation.userid)).size > 1, 'the weighted link spread its customers over employees');
    for (const relation of fromLink.records) {
      assert.equal(relation.channelName, '线下展会');
      assert.equal(relation.sourceName, '春季展会获客链接');
      assert.ok(relation.tagIds.includes(linkTag), `${relation.customerName} has the link's tag`);
      assert.ok(env.sim.state.customerRelations(relation.externalUserid).some((r) => r.tag_ids.includes(linkTag)), 'tagged on WeCom too');
    }
    const fromQr = await env.db.execute<{ count: number }>(sql`SELECT count(*)::int AS count FROM customer_relation WHERE channel_qr_id = ${qrs.records[0].id} AND channel_id IS NOT NULL`);
    assert.equal(Number(fromQr.rows[0].count), 5);

    // SCRM tags on customers.
    const tagged = await env.db.execute<{ name: string; count: number }>(sql`
      SELECT t.name, count(*)::int AS count FROM customer_tag ct JOIN tag t ON t.id = ct.tag_id WHERE t.type = 'self' GROUP BY t.name ORDER BY t.name`);
    assert.deepEqual(tagged.rows.map((row) => [row.name, Number(row.count)]), [['VIP', 2], ['普通', 4]]);

    // Leads: in the pool (some returned with a reason), assigned, due today.
    const leads = await ok(admin.post('/scrm/admin/clue/page', { pageNum: 1, pageSize: 50 }));
    assert.equal(leads.total, 20);
    const byStatus = (status: string) => leads.records.filter((lead: any) => lead.status === status);
    const pool = await ok(admin.post('/scrm/admin/clue/page', { pageNum: 1, pageSize: 50, pool: true }));
    assert.equal(pool.total, byStatus('pool').length);
    assert.deepEqual(['pool', 'assigned', 'converted', 'invalid'].map((status) => byStatus(status).length), [10, 7, 2, 1]);
    const assigned = byStatus('assigned');
    const due = await ok(admin.post('/scrm/admin/clue/page', { pageNum: 1, pageSize: 50, followUp: 'due' }));
    assert.equal(due.total, 2);
    const returns = await env.db.execute<{ count: number }>(sql`SELECT count(*)::int AS count FROM sys_audit_log WHERE action = 'lead.return'`);
    assert.equal(Number(returns.rows[0].count), 2, 'the returns are audited');

    // The 销售 role and two console users bound to the employees who own leads, who see only their own.
    const users = await ok(admin.post('/scrm/admin/sys/user/page', { pageNum: 1, pageSize: 50 }));
    const sales = users.records.filter((user: any) => user.qwUserid);
    assert.equal(sales.length, 2);
    const owners = new Set(assigned.map((lead: any) => lead.ownerUserid));
    for (const user of sales) assert.ok(owners.has(user.qwUserid), `${user.username} owns leads`);
    const role = (await ok(admin.get('/scrm/admin/sys/role/list'))).find((r: any) => r.name === '销售');
    assert.equal(role.dataScope, 5);

    // 客户运营: a customer broadcast sent to the link's customers, one sender confirmed in WeCom; a group broadcast
    // and a moment; a departed employee under the automatic policy; an on-job transfer; two losses.
    const [notice] = (await ok(admin.post('/scrm/admin/broadcast/customer/page', { pageNum: 1, pageSize: 10 }))).records;
    assert.equal(notice.name, '春季新品上市通知');
    assert.notEqual(notice.status, 'draft');
    const confirmed = env.sim.state.groupMsgs.filter((message) => message.create_type === 0 && message.chat_type === 'single' && message.tasks.some((task) => task.status === 2));
    assert.ok(confirmed.length > 0, 'a sender confirmed the broadcast in WeCom');
    assert.equal((await ok(admin.post('/scrm/admin/broadcast/group/page', { pageNum: 1, pageSize: 10 }))).total, 1);
    assert.equal((await ok(admin.post('/scrm/admin/broadcast/moment/page', { pageNum: 1, pageSize: 10 }))).total, 1);
    assert.equal((await ok(admin.get('/scrm/admin/lifecycle/policy/get'))).mode, 'leader');
    const departures = await ok(admin.post('/scrm/admin/lifecycle/departure/page', { pageNum: 1, pageSize: 10 }));
    assert.equal(departures.total, 1, 'the employee who left is handled by the policy');
    assert.equal((await ok(admin.post('/scrm/admin/lifecycle/onjob/record/page', { pageNum: 1, pageSize: 10 }))).total, 1);
    const losses = await ok(admin.post('/scrm/admin/loss/page', { pageNum: 1, pageSize: 10 }));
    assert.equal(losses.total, 2);
    // 客户阶段: customers along the pipeline, and the customer who deleted their adviser in 流失.
    const stages = await ok(admin.get('/scrm/admin/stage/list'));
    assert.deepEqual(stages.map((stage: any) => [stage.name, stage.relations]).slice(1), [['有意向', 3], ['已报价', 2], ['已成交', 1], ['流失', 1]]);
    // 入群欢迎语 in WeCom's library; 敏感词拦截: SCRM's rule and the one made in WeCom's admin console, both in WeCom.
    const welcome = await ok(admin.post('/scrm/admin/group/welcome/page', { pageNum: 1, pageSize: 10 }));
    assert.deepEqual(welcome.records.map((record: any) => record.name), ['新人入群欢迎']);
    assert.ok(env.sim.state.groupWelcomeTemplates.has(welcome.records[0].templateId));
    const rules = await ok(admin.post('/scrm/admin/intercept/page', { pageNum: 1, pageSize: 10 }));
    assert.deepEqual(rules.records.map((rule: any) => [rule.name, rule.origin]).sort(), [['禁止私下交易', 'scrm'], ['辱骂与不文明用语', 'wecom']]);
    for (const rule of rules.records) assert.ok(env.sim.state.interceptRules.has(rule.ruleId) && rule.users.every((user: any) => user.name !== user.userid), 'in WeCom, employees by name');
    // 话术库: folders of quick replies for the sidebar.
    const replies = await ok(admin.post('/scrm/admin/reply/page', { pageNum: 1, pageSize: 10 }));
    assert.deepEqual(replies.records.map((reply: any) => [reply.folderName, reply.title]), [['开场白', '首次问候'], ['开场白', '展会回访'], ['产品与优惠', '年度套餐']]);
    // 客户SOP on the fair's link and QR code: after an evaluation run, the first step's task for each customer who came
    // through them and still follows (two were lost); 群SOP weekly.
    assert.deepEqual((await ok(admin.post('/scrm/admin/sop/group/page', { pageNum: 1, pageSize: 10 }))).records.map((record: any) => record.name), ['每周一早报']);
    await runSopEvaluation(env.jobs);
    const sopTasks = await ok(admin.post('/scrm/admin/sop/customer/tasks/page', { pageNum: 1, pageSize: 50 }));
    assert.equal(sopTasks.total, 10);
    assert.ok(sopTasks.records.every((task: any) => task.ruleName === '展会新客跟进' && task.customerName && task.employeeName !== task.userid), 'by name');
    const [config] = (await env.db.execute<{ value: string }>(sql`SELECT value FROM sys_config WHERE key = ${DEMO_CONTENT_KEY}`)).rows;
    assert.equal(config.value, 'done');
  });

  test('running it again makes nothing twice', async () => {
    const before = await Promise.all(['acq_channel', 'customer_relation', 'lead', 'sys_user', 'sys_role'].map((table) => count(env, table)));
    assert.equal(await seedDemoContent(deps), null);
    const after = await Promise.all(['acq_channel', 'customer_relation', 'lead', 'sys_user', 'sys_role'].map((table) => count(env, table)));
    assert.deepEqual(after, before);
    assert.equal((await ok(admin.get('/scrm/admin/cust/channel/list'))).length, 3);
    assert.equal((await ok(admin.post('/scrm/admin/clue/page', { pageNum: 1, pageSize: 50 }))).total, 20);
  });
});
