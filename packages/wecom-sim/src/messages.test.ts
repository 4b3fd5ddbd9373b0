// message/send as WeCom does it: per-member limits that drop silently, the duplicate check, the errcodes of
// bad requests, and /sim/app-messages showing what each member received.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createManualClock } from './clock.ts';
import { createWecomSimulator, type WecomSimulator } from './simulator.ts';
import { rawApi, tokenFor } from './test-support.ts';

describe('simulator message/send', () => {
  const clock = createManualClock(Date.UTC(2026, 5, 1, 4));
  let sim: WecomSimulator;
  let call: ReturnType<typeof rawApi>;
  let token: string;
  let agentid: number;
  let members: string[];

  before(async () => {
    sim = createWecomSimulator({ seed: 'app-messages', clock, settleIntervalMs: 0 });
    call = rawApi(await sim.listen());
    token = await tokenFor(sim);
    agentid = sim.credentials().agentId;
    members = [...sim.state.employees.values()].filter((e) => e.resignedAt === undefined && sim.state.isEmployeeVisible(e)).map((e) => e.userid);
  });
  after(() => sim.close());

  const text = (touser: string, content: string, extra: Record<string, unknown> = {}) =>
    call('POST', 'message/send', { touser, msgtype: 'text', agentid, text: { content }, ...extra }, token);
  const received = async (userid: string) =>
    ((await (await fetch(`${sim.url}/sim/app-messages?userid=${encodeURIComponent(userid)}`)).json()) as { app_messages: Array<Record<string, any>> }).app_messages;

  it('delivers to valid members, lists invalid ones, 81013 when none is valid', async () => {
    const answer = await text(`${members[0]}|nobody_here`, '你好');
    assert.equal(answer.body.errcode, 0);
    assert.equal(answer.body.invaliduser, 'nobody_here');
    assert.ok(answer.body.msgid);
    const got = await received(members[0]);
    assert.deepEqual(got.map((m) => [m.content, m.msgid, m.dropped]), [['你好', answer.body.msgid, undefined]]);
    assert.equal((await text('nobody_here', 'x')).body.errcode, 81013);
  });

  it('refuses bad requests with WeCom errcodes', async () => {
    assert.equal((await call('POST', 'message/send', { touser: members[0], msgtype: 'text', text: { content: 'x' } }, token)).body.errcode, 41011);
    assert.equal((await call('POST', 'message/send', { touser: members[0], msgtype: 'text', agentid: agentid + 1, text: { content: 'x' } }, token)).body.errcode, 40056);
    assert.equal((await call('POST', 'message/send', { msgtype: 'text', agentid, text: { content: 'x' } }, token)).body.errcode, 82001);
    assert.equal((await call('POST', 'message/send', { touser: members[0], msgtype: 'voice', agentid, voice: {} }, token)).body.errcode, 40008);
    assert.equal((await call('POST', 'message/send', { touser: members[0], msgtype: 'text', agentid, text: {} }, token)).body.errcode, 44004);
    assert.equal((await call('POST', 'message/send', { touser: members[0], msgtype: 'textcard', agentid, textcard: { title: 't', url: 'https://a' } }, token)).body.errcode, 41033);
  });

  it('drops, silently, what goes over 30 a minute to one member; a new minute delivers again', async () => {
    const member = members[1];
    for (let index = 0; index < 35; index++) assert.equal((await text(member, `m${index}`)).body.errcode, 0, 'no error over the limit');
    let got = await received(member);
    assert.equal(got.filter((m) => !m.dropped).length, 30);
    assert.deepEqual(got.filter((m) => m.dropped).map((m) => m.content), ['m30', 'm31', 'm32', 'm33', 'm34']);
    clock.advance(61_000);
    await text(member, 'later');
    got = await received(member);
    assert.equal(got.at(-1)!.content, 'later');
    assert.equal(got.at(-1)!.dropped, undefined);
  });

  it('delivers the same JSON once within the duplicate-check interval', async () => {
    const member = members[2];
    const check = { enable_duplicate_check: 1, duplicate_check_interval: 600 };
    const first = await text(member, '同一条', check);
    const again = await text(member, '同一条', check);
    assert.equal(again.body.errcode, 0);
    assert.equal(again.body.msgid, first.body.msgid);
    assert.equal((await received(member)).length, 1);
    clock.advance(601_000);
    await text(member, '同一条', check);
    assert.equal((await received(member)).length, 2, 'after the interval it is a new message');
  });

  it('renders a textcard as title, description and url', async () => {
    const member = members[3];
    await call('POST', 'message/send', { touser: member, msgtype: 'textcard', agentid, textcard: { title: '线索分配', description: '张三', url: 'https://scrm.example/clue' } }, token);
    const [card] = await received(member);
    assert.deepEqual([card.msgtype, card.title, card.content, card.url], ['textcard', '线索分配', '张三', 'https://scrm.example/clue']);
  });
});
