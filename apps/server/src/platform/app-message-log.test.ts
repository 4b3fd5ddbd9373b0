// 应用消息 for the operator: the messages SCRM sent to employees, by name and in words, within the caller's data
// scope; failed or unsent ones can be sent again (once), one whose outcome is unknown cannot.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { eq, sql } from 'drizzle-orm';
import { createWecomTestEnv, type WecomTestEnv } from '../testing/wecom-test-env.ts';
import { createScopedUser, okDate, type ScopedClient } from '../testing/scope-users.ts';
import { appMessage } from '../db/schema/messages.ts';
import { storeWecomFailure } from './wecom-errors.ts';

describe('app-message log (应用消息)', () => {
  let env: WecomTestEnv;
  let admin: Awaited<ReturnType<WecomTestEnv['login']>>;
  let own: ScopedClient;
  let listOnly: ScopedClient;
  let alice: { userid: string; name: string };
  let bob: { userid: string; name: string };
  const ids: Record<string, number> = {};

  before(async () => {
    env = await createWecomTestEnv();
    await env.syncOrg();
    admin = await env.login();
    const members = [...env.sim.state.employees.values()].filter((e) => e.resignedAt === undefined && env.sim.state.isEmployeeVisible(e));
    [alice, bob] = members.map((e) => ({ userid: e.userid, name: e.name }));
    const rows = await env.db
      .insert(appMessage)
      .values([
        { userid: alice.userid, kind: 'lead.assigned', title: '新线索', content: '张三 已分配给您', status: 'sent', sentAt: new Date(env.clock.now) },
        { userid: alice.userid, kind: 'lead.assigned', title: '新线索', content: '李四 已分配给您', status: 'failed', reason: 'refused', error: storeWecomFailure({ errcode: 81013, errmsg: 'user & party & tag all invalid', api: 'message/send' }) },
        { userid: bob.userid, kind: 'lead.follow-up', title: '跟进提醒', content: '王五 今天需要跟进', status: 'failed', reason: 'uncertain' },
        { userid: bob.userid, kind: 'lead.follow-up', title: '跟进提醒', content: '赵六 今天需要跟进', status: 'skipped', reason: 'no_agent_id' },
      ])
      .returning({ id: appMessage.id, content: appMessage.content });
    for (const row of rows) ids[row.content.split(' ')[0]] = row.id;
    own = await createScopedUser(env, admin, { username: 'msg_self', perms: ['qw:appmsg:list', 'qw:appmsg:retry'], dataScope: 5, qwUserid: alice.userid });
    listOnly = await createScopedUser(env, admin, { username: 'msg_list', perms: ['qw:appmsg:list'], dataScope: 1 });
  });
  after(() => env.close());

  it('lists every message with the employee by name and what became of it in words (zh and en)', async () => {
    const page = await okDate(admin.post('/scrm/admin/app-message/page', { pageSize: 50 }));
    assert.equal(page.total, 4);
    const byId = new Map(page.records.map((row: any) => [row.id, row]));
    const refused = byId.get(ids['李四']) as any;
    assert.equal(refused.employeeName, alice.name);
    assert.equal(refused.status, 'failed');
    assert.equal(refused.retryable, true);
    assert.doesNotMatch(refused.reason, /81013/, 'the reason is words; the code is on the detail line');
    assert.match(refused.errorDetail, /81013/);
    const uncertain = byId.get(ids['王五']) as any;
    assert.equal(uncertain.retryable, false);
    assert.match(uncertain.reason, /结果未知/);
    assert.match((byId.get(ids['赵六']) as any).reason, /AgentId/);
    const en = await okDate(admin.post('/scrm/admin/app-message/page', { pageSize: 50, status: 'failed' }, { 'accept-language': 'en' }));
    assert.equal(en.total, 2);
    assert.ok(en.records.some((row: any) => /Outcome unknown/.test(row.reason)));
    const searched = await okDate(admin.post('/scrm/admin/app-message/page', { keyword: '王五' }));
    assert.deepEqual(searched.records.map((row: any) => row.id), [ids['王五']]);
  });

  it("a self-scope operator sees only their own employee's messages and resends only those", async () => {
    const page = await okDate(own.post('/scrm/admin/app-message/page', { pageSize: 50 }));
    assert.deepEqual(page.records.map((row: any) => row.userid).sort(), [alice.userid, alice.userid]);
    const result = await okDate(own.post('/scrm/admin/app-message/retry', { ids: [ids['李四'], ids['赵六']] }));
    assert.equal(result.retried, 1);
    assert.deepEqual(result.refused.map((row: any) => row.id), [ids['赵六']], "bob's message is out of scope");
    assert.match(result.refused[0].reason, /不存在|数据范围/);
    const [bobsRow] = await env.db.select().from(appMessage).where(eq(appMessage.id, ids['赵六']));
    assert.equal(bobsRow.status, 'skipped', 'refused rows are left as they were');
  });

  it('a resent message is delivered once, and the resend is in the audit log', async () => {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const [row] = await env.db.select().from(appMessage).where(eq(appMessage.id, ids['李四']));
      if (row.status === 'sent') break;
      assert.ok(Date.now() < deadline, `still ${row.status}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const received = env.sim.state.appMessages.filter((message) => message.userid === alice.userid && message.content.includes('李四'));
    assert.equal(received.length, 1);
    const audit = await env.db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM sys_audit_log WHERE action = 'app-message.retry' AND target_id = ${String(ids['李四'])}`);
    assert.equal(Number(audit.rows[0].n), 1);
    // Sent now: not resendable again.
    const again = await okDate(own.post('/scrm/admin/app-message/retry', { ids: [ids['李四']] }));
    assert.equal(again.retried, 0);
  });

  it('a message whose outcome is unknown is not resent; resending needs its own permission', async () => {
    const result = await okDate(admin.post('/scrm/admin/app-message/retry', { ids: [ids['王五']] }));
    assert.equal(result.retried, 0);
    assert.match(result.refused[0].reason, /可能已送达/);
    const forbidden = await listOnly.post('/scrm/admin/app-message/retry', { ids: [ids['赵六']] });
    assert.equal(forbidden.status, 403);
    const [row] = await env.db.select().from(appMessage).where(eq(appMessage.id, ids['赵六']));
    assert.equal(row.status, 'skipped');
  });
});
