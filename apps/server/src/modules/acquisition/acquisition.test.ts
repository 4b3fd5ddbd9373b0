import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import { createWecomTestEnv, type WecomTestEnv } from '../../testing/wecom-test-env.ts';
import type { TestClient } from '../../testing/test-app.ts';
import { localTime } from '../../platform/local-time.ts';
import { ok, SEED_LINK_BODY, samplePng, signedGet, upload } from './acquisition.testing.ts';
import { LINK_STATS_QUEUE } from './link-stats.ts';

const hhmm = (minute: number) => `${String(Math.floor(((minute + 1440) % 1440) / 60)).padStart(2, '0')}:${String(((minute + 1440) % 1440) % 60).padStart(2, '0')}`;

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The simulator's corp tags in the tag tables (what the tags module's sync writes). */
async function mirrorCorpTags(env: WecomTestEnv) {
  for (const group of env.sim.state.tagGroups.values()) {
    const inserted = await env.db.execute<{ id: number }>(sql`
      INSERT INTO tag_group (type, wecom_group_id, name) VALUES ('corp', ${group.group_id}, ${group.group_name})
      ON CONFLICT (wecom_group_id) DO UPDATE SET name = excluded.name RETURNING id`);
    for (const tag of group.tag) {
      await env.db.execute(sql`
        INSERT INTO tag (group_id, type, wecom_tag_id, name) VALUES (${inserted.rows[0].id}, 'corp', ${tag.id}, ${tag.name})
        ON CONFLICT (wecom_tag_id) DO NOTHING`);
    }
  }
}

describe('acquisition, end to end through the simulator', () => {
  let env: WecomTestEnv;
  let admin: TestClient & { token: string };
  let employees: string[];
  let tagIds: string[];
  let mediaIds: number[];
  let app: { appKey: string; secret: string };

  const count = async (table: string) => Number((await env.db.execute<{ n: number }>(sql.raw(`SELECT count(*)::int AS n FROM ${table}`))).rows[0].n);
  /** A signed route/hit call, timestamped with the app's clock. */
  const hit = (target: string) => signedGet(env.app, app, target, {}, { timestamp: Math.floor(env.clock.now / 1000) });
  const simLinks = () => [...env.sim.state.acquisitionLinks.values()].filter((link) => !link.deleted);

  before(async () => {
    env = await createWecomTestEnv({ sizes: { employees: 10, customers: 20 } });
    admin = await env.login();
    await env.syncOrg();
    await mirrorCorpTags(env);
    employees = [...env.sim.state.employees.values()].filter((employee) => employee.customerContact && employee.status === 1).map((employee) => employee.userid).slice(0, 3);
    assert.equal(employees.length, 3);
    tagIds = [...env.sim.state.tagGroups.values()].flatMap((group) => group.tag.map((tag) => tag.id)).slice(0, 2);
    assert.equal(tagIds.length, 2);
    const png = await samplePng();
    const image = await upload(env.app, admin.token, { type: 'image', scope: '1', title: 'poster' }, { name: 'poster.png', content: png, type: 'image/png' });
    assert.equal(image.status, 200, JSON.stringify(image.body));
    const link = await upload(env.app, admin.token, { type: 'link', title: 'Our site', url: 'https://example.com/welcome', desc: 'Read more' });
    assert.equal(link.status, 200, JSON.stringify(link.body));
    // The link card's thumbnail is an address WeCom fetches: http(s) only.
    const badThumbnail = await upload(env.app, admin.token, { type: 'link', title: 'Bad', url: 'https://example.com/x', picUrl: 'javascript:alert(1)' });
    assert.equal(badThumbnail.status, 400, JSON.stringify(badThumbnail.body));
    assert.match(badThumbnail.body.msg, /picUrl/);
    const withThumbnail = await upload(env.app, admin.token, { type: 'link', title: 'Card', url: 'https://example.com/y', picUrl: ' https://example.com/thumb.png ' });
    assert.equal(withThumbnail.status, 200, JSON.stringify(withThumbnail.body));
    assert.equal(withThumbnail.body.date.picUrl, 'https://example.com/thumb.png');
    const file = await upload(env.app, admin.token, { type: 'file', title: 'price list' }, { name: 'prices.txt', content: Buffer.from('prices: 1, 2, 3\n') });
    assert.equal(file.status, 200, JSON.stringify(file.body));
    mediaIds = [image.body.date.id, link.body.date.id, file.body.date.id];
    const created = await ok(admin.post('/scrm/admin/open/app/save', { name: 'landing pages', rateLimit: 1000 }));
    assert.ok(created.secret, 'the secret is shown once');
    app = { appKey: created.appKey, secret: created.secret };
  });
  after(() => env?.close());

  test("the seed's example body saves as a draft and reads back through get", async () => {
    const saved = await ok(admin.post('/scrm/admin/cust/get/link/save', SEED_LINK_BODY));
    assert.equal(saved.status, 0);
    assert.ok(saved.id > 0);
    const got = await ok(admin.get('/scrm/admin/cust/get/link/get', { id: saved.id }));
    assert.equal(got.linkName, 'string');
    assert.equal(got.allocationMethod, 'string');
    assert.deepEqual(got.userList, ['string']);
    assert.deepEqual(got.departmentList, ['string']);
    assert.deepEqual(got.cstTags, ['string']);
    assert.deepEqual(got.mediaIds, [0]);
    assert.deepEqual(got.priorityUseridList, ['string']);
    assert.equal(got.allocationRules.length, 1);
    assert.equal(got.allocationRules[0].userId, 'string');
    assert.equal(got.allocationRules[0].workingHours, 'string');
    assert.notEqual(got.state, 'string', 'the server sets the state');
    assert.notEqual(got.cuser, 'string', 'the server sets the audit fields');
    assert.equal(got.cuser, 'admin');
    assert.equal(got.linkId, null);
    assert.equal(got.addFriendCount, 0);
    // Publishing the placeholder values is refused: they name nothing that exists.
    const published = await admin.post('/scrm/admin/cust/get/link/save', { ...SEED_LINK_BODY, id: saved.id, status: 1 });
    assert.equal(published.status, 400);
  });

  test('bad input: a clear error each time, and nothing changes (here or on WeCom)', async () => {
    const base = { linkName: 'bad', allocationMethod: 'weight', userList: employees, status: 1, allocationRules: [{ userId: employees[0], weight: 1 }] };
    const before = { links: await count('acq_link'), rules: await count('acq_rule'), wecom: simLinks().length };
    const cases: Array<[string, object, number, RegExp]> = [
      ['unknown employee', { ...base, userList: [...employees, 'nobody-here'] }, 400, /nobody-here/],
      ['unknown rule employee', { ...base, allocationRules: [{ userId: 'ghost', weight: 1 }] }, 400, /ghost/],
      ['more than 9 media', { ...base, mediaIds: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] }, 400, /mediaIds/],
      ['a rule without a user', { ...base, allocationRules: [{ weight: 1 }] }, 400, /rule 1 has no employee/],
      ['malformed working hours', { ...base, allocationRules: [{ userId: employees[0], workingHours: '9am-6pm' }] }, 400, /Working hours of rule 1/],
      ['hours past midnight', { ...base, allocationRules: [{ userId: employees[0], workingHours: '09:00-25:00' }] }, 400, /Working hours/],
      ['unknown media', { ...base, mediaIds: [999_999] }, 400, /999999/],
      ['unknown tag', { ...base, cstTags: ['no-such-tag'] }, 400, /no-such-tag/],
      ['unknown method', { ...base, allocationMethod: 'lottery' }, 400, /lottery/],
    ];
    for (const [what, body, status, message] of cases) {
      const response = await admin.post('/scrm/admin/cust/get/link/save', body, { 'accept-language': 'en' });
      assert.equal(response.status, status, `${what}: ${response.body.msg}`);
      assert.match(response.body.msg, message, what);
    }
    assert.deepEqual({ links: await count('acq_link'), rules: await count('acq_rule'), wecom: simLinks().length }, before);

    // Uploads: wrong type by content, and over WeCom's size limit.
    const mediaBefore = await count('acq_media');
    const notImage = await upload(env.app, admin.token, { type: 'image' }, { name: 'fake.png', content: Buffer.from('this is not a picture at all') });
    assert.equal(notImage.status, 400);
    const gif = await upload(env.app, admin.token, { type: 'image' }, { name: 'a.gif', content: Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1') });
    assert.equal(gif.status, 400, 'WeCom takes JPG and PNG only');
    const huge = Buffer.alloc(10 * 1024 * 1024 + 1);
    (await samplePng()).copy(huge);
    const tooBig = await upload(env.app, admin.token, { type: 'image' }, { name: 'big.png', content: huge });
    assert.equal(tooBig.status, 413);
    const tiny = await upload(env.app, admin.token, { type: 'file' }, { name: 'a.txt', content: Buffer.from('abc') });
    assert.equal(tiny.status, 400);
    const video = await upload(env.app, admin.token, { type: 'video' }, { name: 'a.mp4', content: Buffer.from('definitely not an mp4 file') });
    assert.equal(video.status, 400);
    assert.equal(await count('acq_media'), mediaBefore);
  });

  test('media files are served with their content type for previews, behind the token; 404 when missing or deleted', async () => {
    const png = await samplePng();
    const uploaded = await upload(env.app, admin.token, { type: 'image', title: 'preview me' }, { name: '海报.png', content: png, type: 'image/png' });
    assert.equal(uploaded.status, 200, JSON.stringify(uploaded.body));
    const id = uploaded.body.date.id;
    const get = (query: string, token: string | null = admin.token) => env.app.inject({ method: 'GET', url: `/scrm/admin/media/file?${query}`, headers: token ? { token } : {} });

    const image = await get(`id=${id}`);
    assert.equal(image.statusCode, 200);
    assert.equal(image.headers['content-type'], 'image/png');
    assert.equal(image.headers['x-content-type-options'], 'nosniff');
    assert.match(String(image.headers['content-disposition']), /^inline; filename="__\.png"; filename\*=UTF-8''%E6%B5%B7%E6%8A%A5\.png$/);
    assert.ok(image.rawPayload.equals(png), 'the bytes uploaded');

    const file = await get(`id=${mediaIds[2]}`);
    assert.equal(file.statusCode, 200);
    assert.equal(file.headers['content-type'], 'application/octet-stream');
    assert.match(String(file.headers['content-disposition']), /^attachment; /);
    assert.equal(file.rawPayload.toString(), 'prices: 1, 2, 3\n');

    assert.equal((await get(`id=${id}`, null)).statusCode, 401);
    assert.equal((await get('id=abc')).statusCode, 400);
    const unknown = await get('id=999999');
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.json().code, '404');
    assert.equal((await get(`id=${mediaIds[1]}`)).statusCode, 404, 'a link has no file');
    await ok(admin.post('/scrm/admin/media/delete', { ids: [id] }));
    assert.equal((await get(`id=${id}`)).statusCode, 404, 'deleted');
  });

  test('open API signatures: bad, stale and replayed requests are refused', async () => {
    const target = '/scrm/open/route/hit?getType=link&id=1';
    const missing = await env.app.inject({ method: 'GET', url: target });
    assert.equal(missing.statusCode, 401);
    const badSignature = await signedGet(env.app, app, target, { 'x-signature': 'ab'.repeat(32) });
    assert.equal(badSignature.status, 401);
    const wrongSecret = await signedGet(env.app, { appKey: app.appKey, secret: 'not-the-secret' }, target);
    assert.equal(wrongSecret.status, 401);
    const unknownKey = await signedGet(env.app, { appKey: 'ak_nope', secret: app.secret }, target);
    assert.equal(unknownKey.status, 401);
    const stale = await signedGet(env.app, app, target, {}, { timestamp: Math.floor(env.clock.now / 1000) - 301 });
    assert.equal(stale.status, 401);
    assert.match(stale.body.msg, /5/);
    const first = await signedGet(env.app, app, target, {}, { nonce: 'once-only-nonce-1' });
    assert.notEqual(first.status, 401, JSON.stringify(first.body));
    const replay = await env.app.inject({ method: 'GET', url: target, headers: first.headers });
    assert.equal(replay.statusCode, 401);
    assert.match(replay.json().msg, /nonce|重复/);
    // A signature covers the query: the same headers on another id are refused.
    const tampered = await env.app.inject({ method: 'GET', url: '/scrm/open/route/hit?getType=link&id=2', headers: { ...first.headers, 'x-nonce': 'another-nonce-22' } });
    assert.equal(tampered.statusCode, 401);
  });

  test('publish a link with three rules: hits follow the rules, the customer is attributed, tagged, greeted and counted; range upkeep', async () => {
    const [a, b, c] = employees;
    const { minuteOfDay } = localTime(new Date(env.clock.now), 'Asia/Shanghai');
    // b works later today (from two hours from now, for an hour); c takes one customer a day.
    const laterWindow = `${hhmm(minuteOfDay + 120)}-${hhmm(minuteOfDay + 180)}`;
    const saved = await ok(
      admin.post('/scrm/admin/cust/get/link/save', {
        id: 0,
        linkName: 'Spring campaign',
        allocationMethod: 'weight',
        userList: employees,
        allocationRules: [
          { userId: a, weight: 1 },
          { userId: b, weight: 5, workingHours: laterWindow },
          { userId: c, weight: 5, dailyLimit: 1 },
        ],
        cstTags: tagIds,
        isSendWelcome: 1,
        welcomeContent: '欢迎！Welcome!',
        mediaIds,
        skipVerify: 'true',
        status: 1,
      }),
    );
    assert.equal(saved.status, 1, saved.statusReason ?? '');
    assert.ok(saved.linkId);
    assert.match(saved.url, new RegExp(`customer_channel=${saved.state}`));
    assert.equal(saved.allocationRules.length, 3);
    for (const rule of saved.allocationRules) {
      assert.ok(rule.configLinkId, 'each rule has its own WeCom sub-link');
      assert.match(rule.linkUrl, new RegExp(`customer_channel=${rule.state}`));
      assert.deepEqual(env.sim.state.acquisitionLinks.get(rule.configLinkId)!.range.user_list, [rule.userId]);
    }
    const [ruleA, ruleB, ruleC] = saved.allocationRules;
    const mainRange = () => env.sim.state.acquisitionLinks.get(saved.linkId)!.range.user_list.slice().sort();
    // The upkeep writes WeCom's range, then stores the pick: wait for both, or the next read races the store.
    const mainPick = async () => (await ok(admin.get('/scrm/admin/cust/get/link/get', { id: saved.id }))).mainUserid;
    const mainIs = async (userid: string) => mainRange().join() === userid && (await mainPick()) === userid;

    // The main link follows the method: its range is narrowed to the sequence's first pick — c (weight 5
    // against a's 1; b is outside its working hours). That pick holds c's one place of the day.
    await until('the main range narrowed to c, in WeCom and in SCRM', () => mainIs(c));

    // Hits: b is outside its hours, c's place is held by the main link: every hit goes to a.
    for (let i = 0; i < 10; i++) {
      const response = await hit(`/scrm/open/route/hit?getType=link&id=${saved.id}`);
      assert.equal(response.status, 200, JSON.stringify(response.body));
      const answer = response.body.date;
      assert.equal(answer.outcome, 'chosen');
      assert.equal(answer.userId, a);
      assert.equal(answer.url, ruleA.linkUrl);
      assert.equal(answer.reasons.find((verdict: any) => verdict.ruleId === ruleB.id).reason, 'outside_working_hours');
      assert.equal(answer.reasons.find((verdict: any) => verdict.ruleId === ruleC.id).reason, 'daily_limit_reached');
    }
    // A customer scans the main link: WeCom gives them to c; the add uses the held pick and the range moves on
    // to the next pick — a (c is at its limit, b still outside its hours).
    const viaMain = env.sim.actions.openAcquisitionLink({ url: saved.url });
    assert.equal(viaMain.userid, c);
    await env.settle();
    await until('the main range moved on to a', () => mainIs(a));
    const cToday = await env.db.execute<{ held: number; adds: number }>(sql`SELECT held, adds FROM acq_rule_day WHERE rule_id = ${ruleC.id}`);
    assert.deepEqual(cToday.rows.map((row) => [Number(row.held), Number(row.adds)]), [[1, 1]], "c's held place was filled by the add, counted once");

    // A preview counts nothing.
    const before = await env.db.execute<{ hits: number }>(sql`SELECT coalesce(sum(hits), 0)::int AS hits FROM acq_rule_day`);
    const preview = await ok(admin.get('/scrm/admin/cust/get/link/preview', { id: saved.id }));
    assert.equal(preview.userId, a);
    const afterPreview = await env.db.execute<{ hits: number }>(sql`SELECT coalesce(sum(hits), 0)::int AS hits FROM acq_rule_day`);
    assert.equal(afterPreview.rows[0].hits, before.rows[0].hits);

    // A customer opens a's sub-link: the callback attributes, tags, greets and counts.
    const opened = env.sim.actions.openAcquisitionLink({ url: ruleA.linkUrl });
    assert.equal(opened.userid, a);
    await env.settle();
    const [add] = (await env.db.execute<any>(sql`SELECT * FROM acq_add WHERE external_userid = ${opened.external_userid}`)).rows;
    assert.equal(Number(add.rule_id), ruleA.id);
    assert.equal(Number(add.acq_link_id), saved.id);
    assert.equal(add.welcome_status, 'sent', add.welcome_error ?? '');
    assert.equal(add.tag_status, 'marked', add.tag_error ?? '');
    const [relation] = (await env.db.execute<any>(sql`SELECT * FROM customer_relation WHERE external_userid = ${opened.external_userid} AND userid = ${a}`)).rows;
    assert.equal(relation.state, ruleA.state);
    assert.equal(relation.channel_link_id, ruleA.configLinkId);
    for (const tagId of tagIds) assert.ok(relation.tag_ids.includes(tagId));
    const simRelation = env.sim.state.relation(a, opened.external_userid)!;
    assert.deepEqual(simRelation.tag_ids.slice().sort(), tagIds.slice().sort(), 'the tags are on the customer in WeCom');
    const welcome = env.sim.state.welcomeMessages.find((message) => message.external_userid === opened.external_userid)!;
    assert.ok(welcome, 'the welcome message was delivered');
    assert.equal(welcome.text?.content, '欢迎！Welcome!');
    assert.deepEqual(welcome.attachments.map((attachment) => attachment.msgtype), ['image', 'link', 'file']);
    const got = await ok(admin.get('/scrm/admin/cust/get/link/get', { id: saved.id }));
    assert.equal(got.addFriendCount, 2, 'the customer through the main link and this one');
    const counted = await env.db.execute<{ adds: number }>(sql`SELECT adds FROM acq_rule_day WHERE rule_id = ${ruleA.id}`);
    assert.equal(counted.rows[0].adds, 1);

    // The same event again (a redelivery) counts once and greets once.
    const delivery = env.sim.deliveries.find((record) => record.changeType === 'add_external_contact' && record.xml.includes(opened.external_userid))!;
    await admin.post('/scrm/wx/portal/test', { xml: delivery.xml });
    await env.settle();
    assert.equal((await ok(admin.get('/scrm/admin/cust/get/link/get', { id: saved.id }))).addFriendCount, 2);
    assert.equal(env.sim.state.welcomeMessages.filter((message) => message.external_userid === opened.external_userid).length, 1);

    // Later: b's window opens. The main link holds a until its next add (a pick is kept while usable); the
    // add through it then moves it to b, now eligible with weight 5.
    env.clock.now += 150 * 60_000;
    const laterMain = env.sim.actions.openAcquisitionLink({ url: saved.url });
    assert.equal(laterMain.userid, a);
    await env.settle();
    await until('the main range moved on to b', () => mainIs(b));

    // Media used by a published link cannot be deleted; the message says which.
    const refused = await admin.post('/scrm/admin/media/delete', { ids: [mediaIds[0]] });
    assert.equal(refused.status, 409);
    assert.match(refused.body.msg, /Spring campaign/);

    // Delete removes the main link and the sub-links on WeCom.
    const wecomIds = [saved.linkId, ...saved.allocationRules.map((rule: any) => rule.configLinkId)];
    await ok(admin.post('/scrm/admin/cust/get/link/delete', { ids: [saved.id] }));
    for (const id of wecomIds) assert.ok(env.sim.state.acquisitionLinks.get(id)!.deleted, `${id} deleted on WeCom`);
    assert.equal((await admin.get('/scrm/admin/cust/get/link/get', { id: saved.id })).status, 404);
  });

  test('welcome messages: 41096 (busy) is retried, 41051 is final, and a media_id older than 3 days is uploaded again', async () => {
    const [a] = employees;
    const saved = await ok(
      admin.post('/scrm/admin/cust/get/link/save', {
        linkName: 'Welcome retries',
        allocationMethod: 'weight',
        userList: [a],
        allocationRules: [{ userId: a, weight: 1 }],
        isSendWelcome: 1,
        welcomeContent: '你好',
        mediaIds: [mediaIds[0]],
        status: 1,
      }),
    );
    assert.equal(saved.status, 1, saved.statusReason ?? '');
    const [rule] = saved.allocationRules;
    const wecomMediaIdOf = async () =>
      (await env.db.execute<{ wecom_media_id: string | null }>(sql`SELECT wecom_media_id FROM acq_media WHERE id = ${mediaIds[0]}`)).rows[0].wecom_media_id;
    const addOf = async (externalUserid: string) => (await env.db.execute<any>(sql`SELECT * FROM acq_add WHERE external_userid = ${externalUserid}`)).rows[0];
    const sentTo = (externalUserid: string) => env.sim.state.welcomeMessages.filter((message) => message.external_userid === externalUserid);
    const welcomeCalls = () => env.wecomCalls.get('externalcontact/send_welcome_msg') ?? 0;

    // Three days later the image's media_id has expired on WeCom; WeCom is busy twice, then accepts.
    const oldMediaId = await wecomMediaIdOf();
    env.clock.now += 3 * 86_400_000;
    env.sim.faults.set({ failNext: 2, failNextErrcode: 41096, apis: ['externalcontact/send_welcome_msg'] });
    const callsBefore = welcomeCalls();
    const first = env.sim.actions.openAcquisitionLink({ url: rule.linkUrl });
    await env.settle({ timeoutMs: 30_000 });
    env.sim.faults.reset();
    assert.equal((await addOf(first.external_userid)).welcome_status, 'sent');
    const [greeting] = sentTo(first.external_userid);
    assert.ok(greeting, 'delivered after the retries');
    assert.equal(welcomeCalls() - callsBefore, 3, 'two busy answers, then the one that was accepted');
    const newMediaId = await wecomMediaIdOf();
    assert.ok(newMediaId && newMediaId !== oldMediaId, 'the expired media_id was replaced');
    assert.equal((greeting.attachments[0] as { image: { media_id: string } }).image.media_id, newMediaId);

    // 41051 (already sent or expired) is final: no retry, recorded as such.
    env.sim.faults.set({ failNext: 1, failNextErrcode: 41051, apis: ['externalcontact/send_welcome_msg'] });
    const callsBeforeFinal = welcomeCalls();
    const second = env.sim.actions.openAcquisitionLink({ url: rule.linkUrl });
    await env.settle({ timeoutMs: 30_000 });
    env.sim.faults.reset();
    assert.equal((await addOf(second.external_userid)).welcome_status, 'already_sent');
    assert.deepEqual(sentTo(second.external_userid), []);
    assert.equal(welcomeCalls() - callsBeforeFinal, 1, 'no retry after 41051');
    await ok(admin.post('/scrm/admin/cust/get/link/delete', { ids: [saved.id] }));
  });

  test('link counters follow WeCom\'s statistics; a link deleted in the WeCom console turns to status 2', async () => {
    const [a, b] = employees;
    const saved = await ok(
      admin.post('/scrm/admin/cust/get/link/save', {
        linkName: 'Counted link',
        allocationMethod: 'weight',
        userList: [a, b],
        allocationRules: [{ userId: a, weight: 1 }, { userId: b, weight: 1 }],
        status: 1,
      }),
    );
    assert.equal(saved.status, 1, saved.statusReason ?? '');
    const [ruleA, ruleB] = saved.allocationRules;
    // Three visitors: two through the main link, one through b's sub-link.
    env.sim.actions.openAcquisitionLink({ url: saved.url });
    env.sim.actions.openAcquisitionLink({ url: saved.url });
    env.sim.actions.openAcquisitionLink({ url: ruleB.linkUrl });
    await env.settle();
    // The hourly statistics job, run now.
    await env.jobs.boss.send(LINK_STATS_QUEUE, {});
    await until('openProfileCount from WeCom', async () => (await ok(admin.get('/scrm/admin/cust/get/link/get', { id: saved.id }))).openProfileCount === 3, 20_000);
    const counted = await ok(admin.get('/scrm/admin/cust/get/link/get', { id: saved.id }));
    assert.equal(counted.addFriendCount, 3);

    // Deleted in the WeCom admin console: customer_acquisition delete_link → status 2 with the reason.
    env.sim.actions.deleteAcquisitionLink({ link_id: ruleA.configLinkId });
    await env.settle();
    const broken = await ok(admin.get('/scrm/admin/cust/get/link/get', { id: saved.id }));
    assert.equal(broken.status, 2);
    assert.match(broken.statusReason, new RegExp(ruleA.configLinkId));
    await ok(admin.post('/scrm/admin/cust/get/link/delete', { ids: [saved.id] }));
  });

  test('channel QR codes: a contact way per rule, PNG download, round-robin hits', async () => {
    const [a, b] = employees;
    const channel = await ok(admin.post('/scrm/admin/cust/channel/save', { name: 'Trade fair', channelType: 'offline' }));
    const saved = await ok(
      admin.post('/scrm/admin/cust/get/qr/save', {
        linkName: 'Booth QR',
        channelId: channel.id,
        allocationMethod: 'round',
        userList: [a, b],
        allocationRules: [
          { userId: a, roundLimit: 2 },
          { userId: b, roundLimit: 1 },
        ],
        status: 1,
      }),
    );
    assert.equal(saved.status, 1, saved.statusReason ?? '');
    const way = env.sim.state.contactWays.get(saved.linkId)!;
    assert.equal(way.type, 2);
    assert.equal(way.state, saved.state);
    for (const rule of saved.allocationRules) {
      const ruleWay = env.sim.state.contactWays.get(rule.configLinkId)!;
      assert.deepEqual([ruleWay.type, ruleWay.user, ruleWay.state], [1, [rule.userId], rule.state]);
      assert.ok(rule.qrCode);
    }
    // One sequence for the main QR and the hits: the main QR holds the first pick (a), hits continue it.
    await until('the main QR narrowed to a, in WeCom and in SCRM', async () =>
      env.sim.state.contactWays.get(saved.linkId)!.user.join() === a && (await ok(admin.get('/scrm/admin/cust/get/qr/get', { id: saved.id }))).mainUserid === a);
    const order: string[] = [];
    for (let i = 0; i < 6; i++) order.push((await hit(`/scrm/open/route/hit?getType=qr&id=${saved.id}`)).body.date.userId);
    assert.deepEqual(order, [a, b, a, a, b, a]);
    const png = await env.app.inject({ method: 'GET', url: `/scrm/admin/cust/get/qr/png?id=${saved.id}&ruleId=${saved.allocationRules[1].id}`, headers: { token: admin.token } });
    assert.equal(png.statusCode, 200);
    assert.equal(png.headers['content-type'], 'image/png');
    assert.deepEqual([...png.rawPayload.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);

    // A customer scans b's own QR code: attributed to the QR code and the channel.
    const scanned = env.sim.actions.scanContactWay({ config_id: saved.allocationRules[1].configLinkId });
    await env.settle();
    const [relation] = (await env.db.execute<any>(sql`SELECT * FROM customer_relation WHERE external_userid = ${scanned.external_userid} AND userid = ${b}`)).rows;
    assert.equal(Number(relation.channel_qr_id), saved.id);
    assert.equal(Number(relation.channel_id), channel.id);
  });

  test('group join QR codes and mini-program links', async () => {
    const chatIds = [...env.sim.state.groupChats.keys()].slice(0, 2);
    const tooMany = await admin.post('/scrm/admin/group/join/save', { name: 'x', chatIdList: ['1', '2', '3', '4', '5', '6'], autoCreateRoom: 0 });
    assert.equal(tooMany.status, 400);
    const saved = await ok(admin.post('/scrm/admin/group/join/save', { name: 'VIP groups', chatIdList: chatIds, autoCreateRoom: 1, roomBaseName: 'VIP', roomBaseId: 10 }));
    assert.equal(saved.status, 1, saved.statusReason ?? '');
    const way = env.sim.state.joinWays.get(saved.configId)!;
    assert.deepEqual([way.chat_id_list, way.state, way.room_base_name, way.room_base_id], [chatIds, saved.state, 'VIP', 10]);
    const png = await env.app.inject({ method: 'GET', url: `/scrm/admin/group/join/png?id=${saved.id}`, headers: { token: admin.token } });
    assert.equal(png.statusCode, 200);
    await ok(admin.post('/scrm/admin/group/join/delete', { ids: [saved.id] }));
    assert.equal(env.sim.state.joinWays.get(saved.configId), undefined);

    const mini = await ok(admin.post('/scrm/admin/mini/link/save', { name: 'Coupon page', channelType: 'ads', channelId: 7, appid: 'wx8bd80126147dfAAA', page: '/pages/coupon', query: 'from=ad' }));
    assert.match(mini.path, new RegExp(`^/pages/coupon\\?from=ad&state=${mini.state}$`));
    const page = await ok(admin.post('/scrm/admin/mini/link/page', { channelType: 'ads', channelId: 7 }));
    assert.equal(page.total, 1);
  });
});
