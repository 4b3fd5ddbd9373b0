/**
 * Issue 17 in Chromium against the WeCom simulator: an operations manager creates a customer broadcast to a corp-tag
 * segment across three employees, previews it (the per-sender counts on screen are the server's preview), sends it;
 * in the simulator one employee confirms their task and the others do not; after the tracking job the details show
 * each employee's state, each recipient's result and the coverage as the simulator's truth has them. A group
 * broadcast and a moment are created and sent too. A role holding only the 客户群发 menu sees no button it may not use.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { sql } from 'drizzle-orm';
import { createWecomTestEnv, type WecomTestEnv } from '../../server/src/testing/wecom-test-env.ts';
import { createScopedUser, okDate, SCOPE_USER_PASSWORD, type ScopedClient } from '../../server/src/testing/scope-users.ts';
import { browserUnavailable, choose, launchBrowser, newConsolePage, SCREENSHOTS, browserSuiteSkip as skip, signInThroughForm, SUITE_TIMEOUT } from './support/browser.ts';
import { ensureWebBuilt } from './support/console-server.ts';
import { TRACK_JOB } from '../../server/src/modules/broadcasts/broadcasts.service.ts';

const KINDS = ['customer', 'group', 'moment'] as const;
const BUTTONS = ['query', 'save', 'delete', 'send', 'cancel', 'remind', 'export'] as const;

interface Sender {
  userid: string;
  name: string;
}

describe('broadcasts in the console: create, preview, send, watch the results arrive', { skip, timeout: SUITE_TIMEOUT }, () => {
  let env: WecomTestEnv;
  let browser: Browser;
  let page: Page;
  let manager: ScopedClient;
  let tag: { id: number; name: string; wecomTagId: string };
  let senders: Sender[];
  let broadcastId: number;
  let viewerToken: string;
  const refused: string[] = [];

  before(async () => {
    const problem = browserUnavailable();
    if (problem) throw new Error(problem);
    ensureWebBuilt();
    env = await createWecomTestEnv({ sizes: { employees: 8, customers: 40, tagGroups: 2, groups: 3 } });
    await env.syncOrg();
    await env.runJob('tags.corp.sync');
    await env.runJob('customers.sync');
    await env.runJob('groups.sync');
    const admin = await env.login();

    // A corp tag and three employees who can send, each with a tagged customer none of the other two has: each of
    // them gets a task (a customer is sent by one sender only).
    const eligible = [...env.sim.state.employees.values()].filter((e) => e.customerContact && e.status === 1 && e.resignedAt === undefined && e.name !== e.userid);
    const friendsOf = new Map(eligible.map((e) => [e.userid, [...(env.sim.state.relationsByUser.get(e.userid)?.values() ?? [])]]));
    const tagIds = [...new Set([...friendsOf.values()].flat().flatMap((relation) => relation.tag_ids))].sort();
    const exclusive = (tagId: string, userid: string, others: string[]) =>
      friendsOf.get(userid)!.some((relation) => relation.tag_ids.includes(tagId) && others.every((other) => !friendsOf.get(other)!.some((r) => r.external_userid === relation.external_userid)));
    let found: { tagId: string; userids: string[] } | undefined;
    for (const tagId of tagIds) {
      const holders = eligible.map((e) => e.userid).filter((userid) => friendsOf.get(userid)!.some((relation) => relation.tag_ids.includes(tagId)));
      for (let i = 0; i < holders.length && !found; i++)
        for (let j = i + 1; j < holders.length && !found; j++)
          for (let k = j + 1; k < holders.length && !found; k++) {
            const trio = [holders[i], holders[j], holders[k]];
            if (trio.every((userid) => exclusive(tagId, userid, trio.filter((other) => other !== userid)))) found = { tagId, userids: trio };
          }
      if (found) break;
    }
    assert.ok(found, 'a corp tag with three senders of their own tagged customers');
    const wecomTagId = found.tagId;
    senders = found.userids.map((userid) => ({ userid, name: env.sim.state.employees.get(userid)!.name }));
    const groups = (await okDate(admin.get('/scrm/admin/tag/corp/grouped'))) as { tags: { id: number; name: string; wecomTagId: string | null }[] }[];
    const local = groups.flatMap((group) => group.tags).find((candidate) => candidate.wecomTagId === wecomTagId)!;
    tag = { id: local.id, name: local.name, wecomTagId };

    // The operations manager: the three broadcast pages with every button, the do-not-disturb list and the settings.
    manager = await createScopedUser(env, admin, {
      username: 'ops.manager',
      dataScope: 1,
      perms: [...KINDS.flatMap((kind) => [`broadcast:${kind}:list`, ...BUTTONS.map((button) => `broadcast:${kind}:${button}`)]), 'broadcast:dnd:save', 'broadcast:settings:save', 'media:list', 'media:upload'],
    });
    // Someone who may only look at 客户群发's list.
    await createScopedUser(env, admin, { username: 'ops.viewer', dataScope: 1, perms: ['broadcast:customer:list'] });
    viewerToken = (await env.login('ops.viewer', SCOPE_USER_PASSWORD)).token;

    browser = await launchBrowser();
    // The browser runs in Los Angeles, the corp (TZ_DEFAULT) in Shanghai: schedules must be the corp's wall clock.
    page = await newConsolePage(browser, { acceptDownloads: true, timezoneId: 'America/Los_Angeles' });
    // A loaded machine (the whole suite in CI) can take longer than the default to show a page.
    page.setDefaultTimeout(40_000);
    page.on('response', (response) => {
      if (response.status() === 403) refused.push(`${response.request().method()} ${new URL(response.url()).pathname}`);
    });
    page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
    await signInThroughForm(page, env.url, 'ops.manager', SCOPE_USER_PASSWORD);
  });

  after(async () => {
    await browser?.close();
    await env?.close();
  });

  /** A test that leaves a screenshot of what the operator saw when it fails. */
  const shown = (name: string, fn: () => Promise<void>) => async () => {
    try {
      await fn();
    } catch (error) {
      await page.screenshot({ path: `${SCREENSHOTS}broadcasts-failed-${name}.png` }).catch(() => undefined);
      throw error;
    }
  };
  /** Picks an option of an open antd select by its text. */
  const pick = async (testId: string, text: string) => {
    await page.getByTestId(testId).click();
    await page.keyboard.type(text);
    await choose(page.locator('.ant-select-dropdown:visible .ant-select-item-option').filter({ hasText: text }).first());
    await page.keyboard.press('Escape');
  };
  /** Waits until `check` holds (the dispatch and the simulator run on their own). */
  const until = async (what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  /** The simulator's 群发 tasks for a text. */
  const tasksOf = (text: string) => env.sim.state.groupMsgs.filter((msg) => msg.text?.content === text).flatMap((msg) => msg.tasks.map((task) => ({ msgid: msg.msgid, task })));

  it('creates a customer broadcast to a tag segment; the preview shows the server\'s counts per sender, by name', shown('preview', async () => {
    await page.goto(`${env.url}/ops/broadcast`);
    await page.getByTestId('broadcast-create').click({ timeout: 60_000 });
    await page.getByTestId('broadcast-name').fill('双十二会员日');
    await page.getByTestId('broadcast-text').fill('会员日全场八折，欢迎到店！');
    await page.getByTestId('broadcast-text-bytes').filter({ hasText: `已用 ${Buffer.byteLength('会员日全场八折，欢迎到店！')} / 4000 字节` }).waitFor();
    for (const sender of senders) await pick('broadcast-senders', sender.name);
    await page.getByTestId('broadcast-audience-mode').getByText('按条件筛选').click();
    await pick('broadcast-corp-tags', tag.name);
    await page.getByTestId('broadcast-to-preview').click();
    const preview = page.getByTestId('broadcast-preview');
    await preview.waitFor();
    await page.screenshot({ path: `${SCREENSHOTS}zh-CN-broadcast-preview.png` });

    const list = await okDate(manager.post('/scrm/admin/broadcast/customer/page', { pageNum: 1, pageSize: 10 }));
    broadcastId = list.records.find((row: { name: string }) => row.name === '双十二会员日').id;
    const server = await okDate(manager.post('/scrm/admin/broadcast/customer/preview', { id: broadcastId }));
    assert.equal(server.senders.length, 3, 'the three senders have recipients');
    for (const row of server.senders as { userid: string; name: string; count: number }[]) {
      assert.equal(await preview.getByTestId(`preview-sender-${row.userid}`).innerText(), senders.find((s) => s.userid === row.userid)!.name);
      assert.equal(Number(await preview.getByTestId(`preview-count-${row.userid}`).innerText()), row.count);
    }
    await preview.getByTestId('broadcast-preview-total').filter({ hasText: `将发送给 ${server.total} 位客户` }).waitFor();
    const onScreen = await preview.innerText();
    for (const sender of senders) assert.ok(!onScreen.includes(sender.userid), 'names, not userids');
  }));

  it('sends it: the employees\' tasks reach WeCom with exactly the previewed recipients', shown('send', async () => {
    const server = await okDate(manager.post('/scrm/admin/broadcast/customer/preview', { id: broadcastId }));
    await page.getByTestId('broadcast-send').click();
    await choose(page.getByTestId('broadcast-send-confirm'));
    const detail = page.getByTestId('broadcast-detail');
    await detail.waitFor();
    await until('the WeCom tasks', () => tasksOf('会员日全场八折，欢迎到店！').length === 3);
    for (const row of server.senders as { userid: string; count: number }[]) {
      const task = tasksOf('会员日全场八折，欢迎到店！').find((entry) => entry.task.userid === row.userid);
      assert.ok(task, `a task for ${row.userid}`);
      assert.equal(task.task.recipients.length, row.count, 'what was previewed is what was sent');
    }
    // The details follow the dispatch on their own.
    await detail.getByTestId('broadcast-detail-status').filter({ hasText: '已下发' }).waitFor({ timeout: 30_000 });
    await detail.getByTestId('broadcast-detail-audience').filter({ hasText: `企业标签（满足任意一个）：${tag.name}` }).waitFor();
  }));

  it('one employee confirms, two do not: after tracking the details show who sent, each result, and the coverage', shown('track', async () => {
    const text = '会员日全场八折，欢迎到店！';
    const confirmed = tasksOf(text).find((entry) => entry.task.userid === senders[0].userid)!;
    env.sim.actions.confirmGroupMsg({ msgid: confirmed.msgid, userid: senders[0].userid });
    await env.runJob(TRACK_JOB, { broadcastId });
    // The simulator's truth after the confirmation.
    const all = tasksOf(text).flatMap((entry) => entry.task.recipients);
    const delivered = all.filter((recipient) => recipient.status === 1).length;
    assert.ok(delivered > 0, 'something was delivered');
    const coverage = Math.round((delivered / all.length) * 1000) / 10;

    const detail = page.getByTestId('broadcast-detail');
    await detail.getByTestId('broadcast-refresh').click();
    await detail.getByTestId(`sender-state-${senders[0].userid}`).filter({ hasText: '已确认发送' }).waitFor();
    for (const sender of senders.slice(1)) await detail.getByTestId(`sender-state-${sender.userid}`).filter({ hasText: '未确认' }).waitFor();
    await detail.getByTestId('kpi-delivered').filter({ hasText: String(delivered) }).waitFor();
    await detail.getByTestId('kpi-coverage').filter({ hasText: String(coverage) }).waitFor();
    await detail.getByTestId('kpi-confirmed').filter({ hasText: '1' }).waitFor();
    for (const sender of senders) await detail.getByTestId(`sender-name-${sender.userid}`).filter({ hasText: sender.name }).waitFor();

    // Each recipient by name with the result WeCom gave: the confirmed sender's delivered, the others not yet.
    await detail.getByRole('tab', { name: '接收明细' }).click();
    const recipients = detail.getByTestId('broadcast-recipients');
    await recipients.locator('.ant-table-row').first().waitFor();
    await detail.getByTestId('broadcast-result-filter').click();
    await choose(page.locator('.ant-select-dropdown:visible .ant-select-item-option').filter({ hasText: `已送达 (${delivered})` }));
    await recipients.locator('.ant-pagination-total-text, .ant-table-row').first().waitFor();
    await until('the delivered rows', async () => (await recipients.getByTestId('recipient-result').allInnerTexts()).every((text) => text === '已送达'));
    const names = await recipients.locator('.ant-table-row td:first-child').allInnerTexts();
    const expectedNames = confirmed.task.recipients.filter((recipient) => recipient.status === 1).map((recipient) => env.sim.state.customers.get(recipient.external_userid!)!.name);
    assert.equal(names.length, Math.min(delivered, 20), 'a row per delivered customer (first page)');
    for (const name of names) assert.ok(expectedNames.includes(name), `${name} was delivered by ${senders[0].name}`);
    await detail.getByRole('tab', { name: '按天统计' }).click();
    await detail.getByTestId('broadcast-by-day').waitFor();
    await page.screenshot({ path: `${SCREENSHOTS}zh-CN-broadcast-detail.png` });

    // The two who have not confirmed are reminded through WeCom.
    await detail.getByTestId('broadcast-detail-remind').click();
    await choose(page.locator('.ant-popover:visible .ant-btn-primary'));
    await page.locator('.ant-message-notice', { hasText: /已提醒 \d+ 位成员/ }).waitFor();
    const reminded = env.sim.state.groupMsgs.filter((msg) => msg.text?.content === text && msg.reminds.length > 0);
    assert.deepEqual(reminded.flatMap((msg) => msg.tasks.map((task) => task.userid)).sort(), senders.slice(1).map((sender) => sender.userid).sort(), 'the unconfirmed senders\' tasks were reminded');

    // The export names the recipients; the list shows the coverage.
    const [download] = await Promise.all([page.waitForEvent('download'), detail.getByTestId('broadcast-export').click()]);
    assert.match(download.suggestedFilename(), /\.xlsx$/);
    await page.keyboard.press('Escape');
    await page.getByTestId(`broadcast-coverage-${broadcastId}`).filter({ hasText: `已送达 ${delivered}/${all.length} · 1/3 位成员已确认` }).waitFor();
    await page.screenshot({ path: `${SCREENSHOTS}zh-CN-broadcast-list.png` });
  }));

  it('creates and sends a group broadcast to a chosen group', shown('group', async () => {
    const group = [...env.sim.state.groupChats.values()].find((chat) => {
      const owner = env.sim.state.employees.get(chat.owner);
      return chat.name && owner?.customerContact && owner.status === 1 && owner.resignedAt === undefined;
    })!;
    assert.ok(group, 'a group whose owner can send');
    await page.goto(`${env.url}/ops/group-broadcast`);
    await page.getByTestId('broadcast-create').click({ timeout: 60_000 });
    await page.getByTestId('broadcast-name').fill('群公告：周末活动');
    await page.getByTestId('broadcast-text').fill('本周末群内抽奖，记得参加！');
    await pick('broadcast-groups', group.name);
    await page.getByTestId('broadcast-to-preview').click();
    await page.getByTestId('broadcast-preview-total').filter({ hasText: '将发送到 1 个客户群' }).waitFor();
    await page.getByTestId('broadcast-send').click();
    await choose(page.getByTestId('broadcast-send-confirm'));
    await page.getByTestId('broadcast-detail').waitFor();
    await until('the group task', () => env.sim.state.groupMsgs.some((msg) => msg.chat_type === 'group' && msg.text?.content === '本周末群内抽奖，记得参加！'));
    await page.getByTestId('broadcast-detail-status').filter({ hasText: '已下发' }).waitFor({ timeout: 30_000 });
    await page.getByTestId('broadcast-detail-audience').filter({ hasText: group.name }).waitFor();
    await page.getByTestId(`sender-name-${group.owner}`).filter({ hasText: env.sim.state.employees.get(group.owner)!.name }).waitFor();
    await page.screenshot({ path: `${SCREENSHOTS}zh-CN-group-broadcast-detail.png` });
    // The owner has not sent it yet: cancelled, WeCom stops the task.
    await page.getByTestId('broadcast-detail-cancel').click();
    await choose(page.locator('.ant-popover:visible .ant-btn-primary'));
    await page.getByTestId('broadcast-detail-status').filter({ hasText: '已取消' }).waitFor();
    assert.ok(env.sim.state.groupMsgs.find((msg) => msg.text?.content === '本周末群内抽奖，记得参加！')!.cancelled_at, 'cancelled in WeCom');
    await page.keyboard.press('Escape');
  }));

  it('schedules a group broadcast at the corp\'s 09:00 (Asia/Shanghai), not the browser\'s (Los Angeles)', shown('schedule', async () => {
    const group = [...env.sim.state.groupChats.values()].find((chat) => chat.name && env.sim.state.employees.get(chat.owner)?.customerContact)!;
    const day = new Date(Date.now() + 2 * 86_400_000).toLocaleDateString('en-CA', { timeZone: 'Asia/Shanghai' });
    await page.goto(`${env.url}/ops/group-broadcast`);
    await page.getByTestId('broadcast-create').click({ timeout: 60_000 });
    await page.getByTestId('broadcast-name').fill('周六活动预告');
    await page.getByTestId('broadcast-text').fill('周六上午九点准时开抢');
    await pick('broadcast-groups', group.name);
    await page.getByTestId('broadcast-schedule-mode').getByText('定时发送').click();
    await page.getByText('按企业所在时区（Asia/Shanghai）').waitFor();
    await page.getByTestId('broadcast-schedule-at').click();
    await page.keyboard.type(`${day} 09:00`);
    await page.keyboard.press('Enter');
    await page.screenshot({ path: `${SCREENSHOTS}zh-CN-broadcast-schedule.png` });
    await page.getByTestId('broadcast-save-draft').click();
    let saved: { scheduleAt: string } | undefined;
    await until('the draft', async () => {
      saved = (await okDate(manager.post('/scrm/admin/broadcast/group/page', { pageNum: 1, pageSize: 10 }))).records.find((row: { name: string }) => row.name === '周六活动预告');
      return saved !== undefined;
    });
    assert.equal(new Date(saved!.scheduleAt).toISOString(), `${day}T01:00:00.000Z`, "09:00 in Shanghai, whatever the browser's zone");
    // The list shows it back as the corp's 09:00.
    await page.locator('tr', { hasText: '周六活动预告' }).filter({ hasText: `${day} 09:00` }).waitFor();
  }));

  it('creates and publishes a moment visible to the tagged customers', shown('moment', async () => {
    await page.goto(`${env.url}/ops/moment`);
    await page.getByTestId('broadcast-create').click({ timeout: 60_000 });
    await page.getByTestId('broadcast-name').fill('新品上市朋友圈');
    await page.getByTestId('broadcast-text').fill('新品上市，欢迎咨询。');
    await pick('broadcast-senders', senders[0].name);
    await pick('broadcast-visible-tags', tag.name);
    await page.getByTestId('broadcast-to-preview').click();
    await page.getByTestId('broadcast-preview').waitFor();
    const moments = await okDate(manager.post('/scrm/admin/broadcast/moment/page', { pageNum: 1, pageSize: 10 }));
    const momentId = moments.records.find((row: { name: string }) => row.name === '新品上市朋友圈').id;
    const server = await okDate(manager.post('/scrm/admin/broadcast/moment/preview', { id: momentId }));
    await page.getByTestId('broadcast-preview-total').filter({ hasText: `${server.total} 位客户可以看到` }).waitFor();
    assert.equal(Number(await page.getByTestId(`preview-count-${senders[0].userid}`).innerText()), server.senders[0].count);
    await page.getByTestId('broadcast-send').click();
    await choose(page.getByTestId('broadcast-send-confirm'));
    await page.getByTestId('broadcast-detail').waitFor();
    await until('the moment', () => env.sim.state.moments.some((moment) => moment.text?.content === '新品上市，欢迎咨询。'));
    await env.runJob(TRACK_JOB, { broadcastId: momentId });
    await page.getByTestId('broadcast-refresh').click();
    await page.getByTestId('broadcast-detail-status').filter({ hasText: '已下发' }).waitFor({ timeout: 30_000 });
    await page.getByTestId(`sender-state-${senders[0].userid}`).filter({ hasText: '未发表' }).waitFor();
    await page.screenshot({ path: `${SCREENSHOTS}zh-CN-moment-detail.png` });
    await page.keyboard.press('Escape');
    assert.deepEqual(refused, [], 'nothing the manager did was refused');
  }));

  it('a link saved with a cover in the media library goes out as a moment carrying the link and its cover', shown('moment-link', async () => {
    // The smallest PNG: the server checks the cover by its content.
    const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
    await page.goto(`${env.url}/acquisition/media`);
    await page.getByTestId('media-upload').click({ timeout: 60_000 });
    const form = page.getByTestId('media-form');
    await form.getByTestId('media-type').click();
    await choose(page.locator('.ant-select-dropdown:visible .ant-select-item-option').filter({ hasText: '链接' }).first());
    await form.locator('#title').fill('双十二活动页');
    await form.locator('#url').fill('https://example.com/1212');
    // Two covers, each named for where it shows: the link card's thumbnail (an address) and the moment's (uploaded).
    await form.getByText('链接卡片缩略图 URL').waitFor();
    await form.getByText('朋友圈封面图').waitFor();
    await form.getByTestId('media-pic-url').fill('ftp://example.com/thumb.png');
    await form.getByText('请输入 http 或 https 开头的链接').waitFor();
    await form.getByTestId('media-pic-url').fill('https://example.com/thumb.png');
    await form.getByText('请输入 http 或 https 开头的链接').waitFor({ state: 'detached' });
    await page.getByText('可选：JPG 或 PNG 封面，不超过 10 MB；链接要发到客户朋友圈时必须有封面').waitFor();
    await form.locator('input[type=file]').setInputFiles({ name: 'cover.png', mimeType: 'image/png', buffer: png });
    await page.getByTestId('media-local-preview').waitFor();
    await page.screenshot({ path: `${SCREENSHOTS}zh-CN-media-link-cover.png` });
    await page.locator('.ant-modal:visible .ant-modal-footer .ant-btn-primary').click();
    let link: { id: number; fileName: string | null; picUrl: string | null } | undefined;
    await until('the link in the library', async () => {
      link = (await okDate(manager.post('/scrm/admin/media/page', { pageNum: 1, pageSize: 50 }))).records.find((row: { title: string }) => row.title === '双十二活动页');
      return link !== undefined;
    });
    assert.equal(link!.fileName, 'cover.png', 'the cover is stored with the link');
    assert.equal(link!.picUrl, 'https://example.com/thumb.png', 'and the card thumbnail beside it');

    await page.goto(`${env.url}/ops/moment`);
    await page.getByTestId('broadcast-create').click({ timeout: 60_000 });
    await page.getByTestId('broadcast-name').fill('双十二活动朋友圈');
    await page.getByTestId('broadcast-text').fill('双十二活动开始啦');
    await pick('broadcast-media', '双十二活动页');
    await pick('broadcast-senders', senders[0].name);
    await page.getByTestId('broadcast-to-preview').click();
    await page.getByTestId('broadcast-preview').waitFor();
    await page.getByTestId('broadcast-send').click();
    await choose(page.getByTestId('broadcast-send-confirm'));
    await page.getByTestId('broadcast-detail').waitFor();
    await until('the moment with the link', () => env.sim.state.moments.some((moment) => moment.text?.content === '双十二活动开始啦'));
    const moment = env.sim.state.moments.find((candidate) => candidate.text?.content === '双十二活动开始啦')!;
    const attachment = JSON.stringify(moment.attachments ?? []);
    assert.match(attachment, /https:\/\/example\.com\/1212/, 'the moment carries the link');
    assert.match(attachment, /双十二活动页/, "and the link's title");
    assert.match(attachment, /media_id/, 'and its cover, uploaded with upload_attachment');
    await page.keyboard.press('Escape');
  }));

  it('the do-not-disturb list takes a customer by name; the settings keep the expiry', shown('dnd', async () => {
    const customer = [...env.sim.state.customers.values()].find((c) => c.name && /^[\u4e00-\u9fa5]+$/.test(c.name))!;
    await page.goto(`${env.url}/ops/broadcast`);
    await page.getByTestId('broadcast-dnd').click();
    await page.getByTestId('dnd-add').click();
    await page.getByTestId('dnd-customers').click();
    await page.keyboard.type(customer.name);
    await choose(page.locator('.ant-select-dropdown:visible .ant-select-item-option').filter({ hasText: customer.name }).first());
    await page.keyboard.press('Escape');
    await page.locator('.ant-modal:visible').last().locator('.ant-modal-footer .ant-btn-primary').click();
    await page.locator('.ant-message-notice', { hasText: '已加入免打扰名单' }).waitFor();
    await page.getByTestId('dnd-table').locator('.ant-table-row', { hasText: customer.name }).waitFor();
    const listed = await okDate(manager.post('/scrm/admin/broadcast/dnd/page', { pageNum: 1, pageSize: 10 }));
    assert.deepEqual(listed.records.map((row: { externalUserid: string }) => row.externalUserid), [customer.external_userid]);
    await page.screenshot({ path: `${SCREENSHOTS}zh-CN-broadcast-dnd.png` });
    await page.keyboard.press('Escape');
    await page.getByTestId('dnd-table').waitFor({ state: 'detached' });

    await page.getByTestId('broadcast-settings').click();
    const form = page.getByTestId('broadcast-settings-form');
    await form.getByText('每月（当月天数）').waitFor();
    await form.locator('.ant-input-number-input').nth(1).fill('5');
    await page.locator('.ant-modal:visible .ant-modal-footer .ant-btn-primary').click();
    await page.locator('.ant-message-notice', { hasText: '设置已保存' }).waitFor();
    assert.equal((await okDate(manager.get('/scrm/admin/broadcast/settings/get'))).expireDays, 5);
  }));

  it('a role with only the 客户群发 menu sees the list and no button it may not use', async () => {
    // Signed in as the viewer (the sign-in form is the manager's part above).
    const viewer = await newConsolePage(browser);
    viewer.setDefaultTimeout(40_000);
    await viewer.context().addInitScript((token) => localStorage.setItem('scrm.token', token), viewerToken);
    const viewerRefused: string[] = [];
    viewer.on('response', (response) => {
      if (response.status() === 403) viewerRefused.push(new URL(response.url()).pathname);
    });
    await viewer.goto(`${env.url}/ops/broadcast`);
    const row = viewer.getByTestId('broadcast-table').locator('.ant-table-row', { hasText: '双十二会员日' });
    await row.waitFor({ timeout: 60_000 });
    await row.getByText('已下发').waitFor();
    for (const testId of ['broadcast-create', 'broadcast-dnd', 'broadcast-settings']) assert.equal(await viewer.getByTestId(testId).count(), 0, `${testId} hidden`);
    assert.equal(await row.locator('a').count(), 0, 'no row action (details, edit, send, remind, cancel, delete)');
    await viewer.screenshot({ path: `${SCREENSHOTS}zh-CN-broadcast-viewer.png` });
    assert.deepEqual(viewerRefused, [], 'the viewer\'s page asks nothing it may not');
    await viewer.context().close();
  });

  it('a sender SCRM no longer knows and recipients without a name read 未知员工 and 未知客户, never by WeCom id', shown('unknown-names', async () => {
    // As after a sender left before a sync, and for customers WeCom gave no name: gone from the org mirror, names empty.
    const gone = senders[2];
    await env.db.execute(sql`DELETE FROM qw_emp WHERE userid = ${gone.userid}`);
    await env.db.execute(sql`UPDATE broadcast_recipient SET name = '' WHERE broadcast_id = ${broadcastId}`);
    const targets = (await env.db.execute<{ target: string }>(sql`SELECT target FROM broadcast_recipient WHERE broadcast_id = ${broadcastId}`)).rows.map((row) => row.target);
    await page.goto(`${env.url}/ops/broadcast`);
    await page.getByTestId(`broadcast-open-${broadcastId}`).click();
    const detail = page.getByTestId('broadcast-detail');
    await detail.getByTestId(`sender-name-${gone.userid}`).filter({ hasText: '未知员工' }).waitFor();
    for (const sender of senders.slice(0, 2)) await detail.getByTestId(`sender-name-${sender.userid}`).filter({ hasText: sender.name }).waitFor();
    await detail.getByRole('tab', { name: '接收明细' }).click();
    const recipients = detail.getByTestId('broadcast-recipients');
    await recipients.locator('.ant-table-row').first().waitFor();
    const rows = await recipients.locator('.ant-table-row').evaluateAll((found) => found.map((row) => Array.from(row.querySelectorAll('td')).map((cell) => cell.textContent ?? '')));
    assert.ok(rows.length > 0);
    for (const [name] of rows) assert.equal(name, '未知客户');
    // Each row's sender: a name, 未知员工 for the one SCRM no longer knows, — for a customer no sender could reach.
    for (const [, sender, result] of rows) {
      if (result === '不是任何发送成员的好友') assert.equal(sender, '—');
      else assert.ok([...senders.slice(0, 2).map((known) => known.name), '未知员工'].includes(sender), JSON.stringify(rows));
    }
    assert.ok(rows.some(([, sender]) => sender === '未知员工'), JSON.stringify(rows));
    // The account appears only as the text form says it, 未知员工（account）; no customer's WeCom id anywhere.
    const onScreen = (await detail.innerText()).replaceAll(`未知员工（${gone.userid}）`, '');
    for (const id of [gone.userid, ...targets]) assert.ok(!onScreen.includes(id), `${id} is not on screen`);
    await page.screenshot({ path: `${SCREENSHOTS}zh-CN-broadcast-unknown-names.png` });
  }));
});
