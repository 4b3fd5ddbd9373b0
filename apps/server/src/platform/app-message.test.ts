// The app-message service against the WeCom simulator, which drops (silently, as WeCom does) what goes over
// 30 messages a minute or 1,000 an hour to one member and records what each member received: nothing over the
// limits (held, or merged into a digest), nothing lost, nothing twice, a clear no-op without WECOM_AGENT_ID.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import { createWecomTestEnv, type WecomTestEnv } from '../testing/wecom-test-env.ts';
import { createAppMessageService, digestContent, messageText, type AppMessageService } from './app-message.ts';

describe('app messages (message/send)', () => {
  let env: WecomTestEnv;
  let service: AppMessageService;
  let members: string[];

  before(async () => {
    env = await createWecomTestEnv();
    service = createAppMessageService({ db: env.db, wecom: env.wecom, now: () => env.clock.now, timeZone: 'Asia/Shanghai' });
    members = [...env.sim.state.employees.values()].filter((e) => e.resignedAt === undefined && env.sim.state.isEmployeeVisible(e)).map((e) => e.userid);
  });
  after(() => env.close());

  const received = (userid: string) => env.sim.state.appMessages.filter((message) => message.userid === userid);
  const statuses = async (userid: string) =>
    (await env.db.execute<{ status: string; n: number }>(sql`SELECT status, count(*)::int AS n FROM app_message WHERE userid = ${userid} GROUP BY status ORDER BY status`)).rows.map(
      (row) => [row.status, Number(row.n)],
    );
  const queue = (userid: string, count: number, prefix: string) =>
    env.db.transaction((tx) =>
      service.queue(
        tx,
        Array.from({ length: count }, (_, index) => ({ userid, kind: 'test', title: `${prefix}${index + 1}`, content: `内容 ${prefix}${index + 1}` })),
      ),
    );

  it('sends a queued message as text with its title and number', async () => {
    const [id] = await queue(members[0], 1, '提醒');
    await service.deliver(members[0]);
    const [message] = received(members[0]);
    assert.equal(message.content, messageText({ id, title: '提醒1', content: '内容 提醒1' }));
    assert.match(message.content, /^【提醒1】\n内容 提醒1\n\n（SCRM 消息 #\d+）$/);
    assert.deepEqual(await statuses(members[0]), [['sent', 1]]);
  });

  it('stays within 30 a minute: the surplus goes as one digest, later ones wait for room; WeCom drops nothing', async () => {
    const userid = members[1];
    await queue(userid, 45, '线索');
    await service.deliver(userid);
    let got = received(userid);
    assert.equal(got.length, 30, 'thirty sends in the minute');
    assert.equal(got.filter((message) => message.dropped).length, 0, 'none over the limit');
    assert.match(got[29].content, /^【16 条提醒】\n1\. 线索30：内容 线索30\n/, 'the last slot is the digest of the other 16');
    assert.ok(got[29].content.includes('16. 线索45：内容 线索45'));
    assert.deepEqual(await statuses(userid), [['merged', 16], ['sent', 30]]);

    // No room left this minute: held, not sent (WeCom would drop it).
    await queue(userid, 3, '稍后');
    await service.deliver(userid);
    assert.equal(received(userid).length, 30);
    assert.deepEqual(await statuses(userid), [['merged', 16], ['queued', 3], ['sent', 30]]);
    env.clock.now += 63_000;
    await service.deliver(userid);
    got = received(userid);
    assert.deepEqual(got.slice(30).map((message) => message.content.split('\n')[0]), ['【稍后1】', '【稍后2】', '【稍后3】']);
    assert.equal(got.filter((message) => message.dropped).length, 0);
  });

  it('a send interrupted before its outcome was stored is repeated under the duplicate check: delivered once', async () => {
    const userid = members[2];
    const [id] = await queue(userid, 1, '中断');
    await service.deliver(userid);
    assert.equal(received(userid).length, 1);
    // As if the process died after WeCom took the message, before the outcome was stored.
    await env.db.execute(sql`UPDATE app_message SET status = 'sending', msgid = NULL, attempted_at = ${new Date(env.clock.now - 180_000).toISOString()}::timestamptz WHERE id = ${id}`);
    await service.deliverDue();
    assert.equal(received(userid).length, 1, 'WeCom delivered the repeat once');
    const [row] = (await env.db.execute<{ status: string; attempts: number }>(sql`SELECT status, attempts FROM app_message WHERE id = ${id}`)).rows;
    assert.deepEqual([row.status, Number(row.attempts)], ['sent', 2]);
  });

  it('one message per dedupe key', async () => {
    const userid = members[3];
    const message = { userid, kind: 'test', title: '一次', content: '只一次', dedupeKey: `test:once:${userid}` };
    assert.equal((await env.db.transaction((tx) => service.queue(tx, [message]))).length, 1);
    assert.equal((await env.db.transaction((tx) => service.queue(tx, [message]))).length, 0);
    await service.deliver(userid);
    assert.equal(received(userid).length, 1);
  });

  it('WeCom refusing a recipient fails the message with the reason kept; nothing is retried', async () => {
    const [id] = await queue('nobody_here', 1, '无效');
    await service.deliver('nobody_here');
    const [row] = (await env.db.execute<{ status: string; reason: string; error: string }>(sql`SELECT status, reason, error FROM app_message WHERE id = ${id}`)).rows;
    assert.deepEqual([row.status, row.reason], ['failed', 'refused']);
    assert.match(row.error, /"errcode":81013/);
  });

  it('many recipients at once (more than the connection pool holds) are all delivered, none waiting on another', async () => {
    const recipients = Array.from({ length: 15 }, (_, index) => env.sim.actions.createEmployee({ userid: `many_${index}` }).userid);
    await env.db.transaction((tx) => service.queue(tx, recipients.map((userid) => ({ userid, kind: 'test', title: '群发提醒', content: '请确认群发' }))));
    service.deliverSoon(recipients);
    await service.idle();
    for (const userid of recipients) assert.deepEqual(await statuses(userid), [['sent', 1]], userid);
    assert.deepEqual(recipients.map((userid) => received(userid).length), recipients.map(() => 1));
  });

  it('without WECOM_AGENT_ID it is a clear no-op: recorded as skipped with the reason, nothing sent', async () => {
    const userid = members[4];
    const noAgent = createAppMessageService({ db: env.db, wecom: { ...env.wecom, agentId: undefined }, now: () => env.clock.now, timeZone: 'Asia/Shanghai' });
    const [id] = await env.db.transaction((tx) => noAgent.queue(tx, [{ userid, kind: 'test', title: '不会发', content: 'x' }]));
    await noAgent.deliver(userid);
    await noAgent.deliverDue();
    assert.equal(received(userid).length, 0);
    const [row] = (await env.db.execute<{ status: string; reason: string }>(sql`SELECT status, reason FROM app_message WHERE id = ${id}`)).rows;
    assert.deepEqual([row.status, row.reason], ['skipped', 'no_agent_id']);
  });

  it('a digest of many stays within 2,048 bytes and says how many more there are', () => {
    const rows = Array.from({ length: 300 }, (_, index) => ({ title: `线索分配提醒${index}`, content: '管理员把线索「张三」分配给你，请在 SCRM「线索公海 → 线索列表」中及时跟进。' }));
    const text = digestContent(rows);
    assert.ok(Buffer.byteLength(text) <= 2048);
    assert.match(text, /……另有 \d+ 条，请在 SCRM 中查看$/);
  });
});
