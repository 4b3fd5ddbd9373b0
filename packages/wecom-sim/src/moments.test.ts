// 客户朋友圈 through the client: upload_attachment's kinds and limits, add_moment_task's asynchronous job
// (1 → 2 → 3 with invalid senders and tags), publishing per executor, the record APIs and cancel
// (API-FACTS-OPERATIONS §18).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WecomApiError, WecomClient } from '@scrm/wecom';
import { createManualClock } from './clock.ts';
import { createWecomSimulator, type WecomSimulator } from './simulator.ts';
import { rawApi, tokenFor } from './test-support.ts';

const START_MS = Date.UTC(2026, 5, 15, 4);

async function rejectsWith(promise: Promise<unknown>, errcode: number, errmsg?: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => error instanceof WecomApiError && error.errcode === errcode && (!errmsg || errmsg.test(error.message)));
}

async function collect<T>(pages: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const page of pages) all.push(page);
  return all;
}

describe('simulator 客户朋友圈', () => {
  const clock = createManualClock(START_MS);
  let sim: WecomSimulator;
  let client: WecomClient;
  let call: ReturnType<typeof rawApi>;
  let token: string;
  const now = () => Math.floor(clock.now() / 1000);
  let alice: string;
  let bob: string;
  let aliceCustomers: string[];
  let bobCustomers: string[];
  let vipTag: string;
  let imageId: string;
  let videoId: string;

  before(async () => {
    sim = createWecomSimulator({ seed: 'moments', clock, settleIntervalMs: 0, moments: { jobSeconds: 4 } });
    const baseUrl = await sim.listen();
    const { corpId, secret } = sim.credentials();
    client = new WecomClient({ corpId, secret, baseUrl });
    call = rawApi(baseUrl);
    token = await tokenFor(sim);
    const department = sim.actions.createDepartment({ name: '朋友圈测试部', parentid: 1 });
    alice = sim.actions.createEmployee({ userid: 'mo_alice', department: [department.id] }).userid;
    bob = sim.actions.createEmployee({ userid: 'mo_bob', department: [department.id] }).userid;
    aliceCustomers = Array.from({ length: 4 }, () => sim.actions.addCustomer({ userid: alice }).external_userid);
    bobCustomers = Array.from({ length: 2 }, () => sim.actions.addCustomer({ userid: bob }).external_userid);
    vipTag = sim.actions.createCorpTags({ group_name: '朋友圈标签', tags: [{ name: '可见' }] }).tag_ids[0];
    sim.actions.editCustomer({ userid: alice, external_userid: aliceCustomers[1], add_tags: [vipTag] });
    imageId = (await client.media.uploadAttachment({ filename: 'moment.jpg', data: new Uint8Array(2048).fill(5) }, { media_type: 'image', attachment_type: 1 })).media_id;
    videoId = (await client.media.uploadAttachment({ filename: 'clip.mp4', data: new Uint8Array(4096).fill(6) }, { media_type: 'video', attachment_type: 1 })).media_id;
  });
  after(() => sim.close());

  it('upload_attachment: image/video for moments, an integer created_at; files, formats and sizes refused', async () => {
    const uploaded = await client.media.uploadAttachment({ filename: 'p.png', data: new Uint8Array(100).fill(1) }, { media_type: 'image', attachment_type: 1 });
    assert.equal(uploaded.type, 'image');
    assert.equal(uploaded.created_at, now());
    assert.equal(sim.state.media.get(uploaded.media_id)?.attachment_type, 1);
    await rejectsWith(client.media.uploadAttachment({ filename: 'a.pdf', data: new Uint8Array(100) }, { media_type: 'file', attachment_type: 1 }), 41072);
    assert.equal((await client.media.uploadAttachment({ filename: 'a.pdf', data: new Uint8Array(100) }, { media_type: 'file', attachment_type: 2 })).type, 'file');
    await rejectsWith(client.media.uploadAttachment({ filename: 'a.mov', data: new Uint8Array(100) }, { media_type: 'video', attachment_type: 1 }), 41090);
    await rejectsWith(client.media.uploadAttachment({ filename: 'big.mp4', data: new Uint8Array(10 * 1024 * 1024 + 1) }, { media_type: 'video', attachment_type: 1 }), 41080);
    await rejectsWith(client.media.uploadAttachment({ filename: 'a.png', data: new Uint8Array(100) }, { media_type: 'image', attachment_type: 3 as never }), 41072);
    await rejectsWith(client.media.uploadAttachment({ filename: 'a.png', data: new Uint8Array(100) }, { media_type: 'voice' as never, attachment_type: 1 }), 40005);
  });

  it('add_moment_task: a job 1 → 2 → 3 with the moment_id and the senders and tags it could not use', async () => {
    const created = await client.moments.addMomentTask({
      text: { content: '新品上市' },
      attachments: [{ msgtype: 'image', image: { media_id: imageId } }],
      visible_range: { sender_list: { user_list: [alice, bob, 'nobody_here'], department_list: [9999] }, external_contact_list: { tag_list: [vipTag, 'etNOPE'] } },
    });
    assert.ok(created.jobid.length <= 64);
    const started = await client.moments.getMomentTaskResult(created.jobid);
    assert.deepEqual([started.status, started.type, started.result], [1, 'add_moment_task', undefined]);
    clock.advance(2000);
    assert.equal((await client.moments.getMomentTaskResult(created.jobid)).status, 2);
    clock.advance(2000);
    const done = await client.moments.getMomentTaskResult(created.jobid);
    assert.equal(done.status, 3);
    assert.match(done.result!.moment_id!, /^mom/);
    assert.deepEqual(done.result!.invalid_sender_list, { user_list: ['nobody_here'], department_list: [9999] });
    assert.deepEqual(done.result!.invalid_external_contact_list, { tag_list: ['etNOPE'] });
    const momentId = done.result!.moment_id!;

    const tasks = (await collect(client.moments.iterateMomentTask(momentId, 1))).flatMap((page) => page.task_list);
    assert.deepEqual(tasks, [
      { userid: alice, publish_status: 0 },
      { userid: bob, publish_status: 0 },
    ]);
    // Meant for the tagged customers only (partly visible).
    assert.deepEqual((await client.moments.getMomentCustomerList({ moment_id: momentId, userid: alice })).customer_list, [{ userid: alice, external_userid: aliceCustomers[1] }]);
    assert.deepEqual((await client.moments.getMomentCustomerList({ moment_id: momentId, userid: bob })).customer_list, []);
    await rejectsWith(client.moments.getMomentSendResult({ moment_id: momentId, userid: alice }), 41062);

    const published = await fetch(`${sim.url}/sim/confirm-moment`, { method: 'POST', body: JSON.stringify({ jobid: created.jobid, userid: alice }) });
    assert.deepEqual(await published.json(), { moment_id: momentId, userid: alice, visible_to: 1 });
    assert.deepEqual((await client.moments.getMomentTask({ moment_id: momentId })).task_list.map((task) => task.publish_status), [1, 0]);
    assert.deepEqual((await client.moments.getMomentSendResult({ moment_id: momentId, userid: alice })).customer_list, [{ external_userid: aliceCustomers[1] }]);
    await rejectsWith(client.moments.getMomentCustomerList({ moment_id: momentId, userid: 'someone_else' }), 41061);

    const listed = await client.moments.getMomentList({ start_time: now() - 3600, end_time: now() + 1 });
    const moment = listed.moment_list.find((entry) => entry.moment_id === momentId)!;
    assert.equal(moment.create_type, 0);
    assert.equal(moment.visible_type, 0);
    assert.equal(moment.creator, undefined, 'API-made moments have no creator');
    assert.equal(moment.text?.content, '新品上市');
    assert.match(moment.image![0].media_id, /^WWCISP_/);

    // Cancel: bob can no longer publish; alice's stays published.
    await client.moments.cancelMomentTask({ moment_id: momentId });
    const refused = await fetch(`${sim.url}/sim/confirm-moment`, { method: 'POST', body: JSON.stringify({ moment_id: momentId, userid: bob }) });
    assert.equal(refused.status, 409);
    assert.deepEqual((await client.moments.getMomentTask({ moment_id: momentId })).task_list.map((task) => task.publish_status), [1, 0]);
  });

  it('a moment without a visible range goes to every eligible member, public; senders see their customers', async () => {
    const created = await client.moments.addMomentTask({ attachments: [{ msgtype: 'video', video: { media_id: videoId } }] });
    clock.advance(4000);
    const momentId = (await client.moments.getMomentTaskResult(created.jobid)).result!.moment_id!;
    const tasks = (await collect(client.moments.iterateMomentTask(momentId))).flatMap((page) => page.task_list);
    const eligible = [...sim.state.employees.values()].filter((employee) => employee.customerContact && employee.resignedAt === undefined && sim.state.isEmployeeVisible(employee));
    assert.deepEqual(tasks.map((task) => task.userid).sort(), eligible.map((employee) => employee.userid).sort());
    const customers = (await collect(client.moments.iterateMomentCustomerList(momentId, bob, 1))).flatMap((page) => page.customer_list);
    assert.deepEqual(customers.map((row) => row.external_userid), bobCustomers);
    sim.actions.customerDeletesEmployee({ userid: bob, external_userid: bobCustomers[0] });
    sim.actions.confirmMoment({ moment_id: momentId, userid: bob });
    const visible = (await collect(client.moments.iterateMomentSendResult(momentId, bob))).flatMap((page) => page.customer_list);
    assert.deepEqual(visible, [{ external_userid: bobCustomers[1] }], 'visible to those still friends when published');
    const listed = await client.moments.getMomentList({ start_time: now() - 60, end_time: now() + 1, filter_type: 0 });
    const moment = listed.moment_list.find((entry) => entry.moment_id === momentId)!;
    assert.equal(moment.visible_type, 1);
    assert.match(moment.video!.media_id, /^WWCISP_/);
    assert.ok(moment.video!.thumb_media_id);
  });

  it('members own moments: listed with creator and create_type 1; not a corp task (41067)', async () => {
    const own = sim.actions.employeePostMoment({ userid: alice, text: '今天天气不错' });
    clock.advance(1000);
    const mine = await client.moments.getMomentList({ start_time: now() - 60, end_time: now() + 1, filter_type: 1, creator: alice });
    assert.deepEqual(mine.moment_list.map((moment) => [moment.moment_id, moment.creator, moment.create_type]), [[own.moment_id, alice, 1]]);
    await rejectsWith(client.moments.getMomentTask({ moment_id: own.moment_id }), 41067);
    await rejectsWith(client.moments.cancelMomentTask({ moment_id: own.moment_id }), 41067);
    assert.equal((await client.moments.getMomentSendResult({ moment_id: own.moment_id, userid: alice })).customer_list.length, sim.state.relationList(alice).length);
  });

  it('refuses bad content, media from media/upload, and more than 10 a minute', async () => {
    const tempImage = (await client.media.upload('image', { filename: 't.png', data: new Uint8Array(100).fill(9) })).media_id;
    const image = { msgtype: 'image' as const, image: { media_id: imageId } };
    await rejectsWith(client.moments.addMomentTask({}), 41089);
    await rejectsWith(client.moments.addMomentTask({ text: { content: '字'.repeat(2001) } }), 40058, /invalid text size/);
    await rejectsWith(client.moments.addMomentTask({ attachments: Array(10).fill(image) }), 40058, /invalid attachments size/);
    await rejectsWith(client.moments.addMomentTask({ attachments: [image, { msgtype: 'video', video: { media_id: videoId } }] }), 40058, /invalid attachments msgtype/);
    await rejectsWith(client.moments.addMomentTask({ attachments: [{ msgtype: 'video', video: {} as never }] }), 40058, /invalid msg/);
    await rejectsWith(client.moments.addMomentTask({ attachments: [{ msgtype: 'image', image: { media_id: tempImage } }] }), 40007);
    await rejectsWith(client.moments.addMomentTask({ attachments: [{ msgtype: 'link', link: { title: '链接', url: 'https://example.com', media_id: videoId } }] }), 40007);
    await rejectsWith(client.moments.addMomentTask({ attachments: [{ msgtype: 'link', link: { title: 't'.repeat(65), url: 'https://example.com', media_id: imageId } }] }), 40058);
    await rejectsWith(client.moments.getMomentTask({ moment_id: 'momNOPE' }), 41060);
    token = await tokenFor(sim);
    assert.equal((await call('POST', 'externalcontact/get_moment_task', {}, token)).body.errcode, 41059);
    assert.equal((await call('GET', 'externalcontact/get_moment_task_result', { jobid: 'nope' }, token)).body.errcode, 40058);
    assert.equal((await call('POST', 'externalcontact/get_moment_list', { start_time: now() - 31 * 86_400, end_time: now() }, token)).body.errcode, 40058);

    clock.advance(61_000);
    for (let index = 0; index < 10; index++) await client.moments.addMomentTask({ text: { content: `第${index}条` }, attachments: [{ msgtype: 'link', link: { title: '链接', url: 'https://example.com', media_id: imageId } }] });
    await rejectsWith(client.moments.addMomentTask({ text: { content: '第11条' } }), 45009);
    clock.advance(61_000);
    assert.ok((await client.moments.addMomentTask({ text: { content: '下一分钟' } })).jobid);
    const view = (await (await fetch(`${sim.url}/sim/moments?userid=${alice}`)).json()) as { moments: Array<{ moment_id: string; tasks: Array<{ userid: string }> }> };
    assert.ok(view.moments.length >= 12);
    assert.ok(view.moments.every((moment) => moment.tasks.some((task) => task.userid === alice)));
  });

  it('a link moment: its title, url and an upload_attachment cover; one link, one kind; /sim/media shows the uploads', async () => {
    clock.advance(61_000);
    const link = { title: '活动页', url: 'https://example.com/promo', media_id: imageId };
    const created = await client.moments.addMomentTask({ text: { content: '链接朋友圈' }, attachments: [{ msgtype: 'link', link }], visible_range: { sender_list: { user_list: [alice] } } });
    clock.advance(5000);
    const listed = await client.moments.getMomentList({ start_time: now() - 60, end_time: now() + 1, filter_type: 0 });
    const moment = listed.moment_list.find((entry) => entry.text?.content === '链接朋友圈')!;
    assert.deepEqual(moment.link, { title: '活动页', url: 'https://example.com/promo' });
    assert.equal(moment.image, undefined);
    const held = sim.state.moments.find((entry) => entry.jobid === created.jobid)!;
    assert.deepEqual(held.attachments, [{ msgtype: 'link', link }]);
    // One link only; never mixed with images or a video; the cover is required, an image, from upload_attachment; the url required.
    await rejectsWith(client.moments.addMomentTask({ attachments: [{ msgtype: 'link', link }, { msgtype: 'link', link }] }), 40058, /invalid attachments size/);
    await rejectsWith(client.moments.addMomentTask({ attachments: [{ msgtype: 'link', link }, { msgtype: 'image', image: { media_id: imageId } }] }), 40058, /invalid attachments msgtype/);
    await rejectsWith(client.moments.addMomentTask({ attachments: [{ msgtype: 'video', video: { media_id: videoId } }, { msgtype: 'video', video: { media_id: videoId } }] }), 40058, /invalid attachments size/);
    await rejectsWith(client.moments.addMomentTask({ attachments: [{ msgtype: 'link', link: { title: '无封面', url: 'https://example.com' } as never }] }), 40058, /link.media_id/);
    await rejectsWith(client.moments.addMomentTask({ attachments: [{ msgtype: 'link', link: { title: '无地址', media_id: imageId } as never }] }), 40058, /link.url/);
    const tempImage = (await client.media.upload('image', { filename: 'cover.png', data: new Uint8Array(100).fill(3) })).media_id;
    await rejectsWith(client.moments.addMomentTask({ attachments: [{ msgtype: 'link', link: { ...link, media_id: tempImage } }] }), 40007);
    const uploads = async (query: string) => ((await (await fetch(`${sim.url}/sim/media?${query}`)).json()) as { media: Array<{ media_id: string; attachment_type?: number }> }).media.map((item) => item.media_id);
    const forMoments = await uploads('attachment_type=1');
    assert.ok(forMoments.includes(imageId) && forMoments.includes(videoId));
    assert.ok(!forMoments.includes(tempImage));
    assert.ok((await uploads('type=image')).includes(tempImage));
    clock.advance(61_000);
  });

  it('a jobid is valid for 24 hours', async () => {
    const created = await client.moments.addMomentTask({ text: { content: '过期' } });
    clock.advance(86_401_000);
    token = await tokenFor(sim);
    assert.equal((await call('GET', 'externalcontact/get_moment_task_result', { jobid: created.jobid }, token)).body.errcode, 40058);
  });
});
