/**
 * The module pages in Chromium against the server wired to the WeCom simulator (createWecomTestEnv):
 * synced customers, filters and the detail drawer; a tag group made in the UI; an acquisition link with
 * rules published and its QR downloaded, a simulated customer added through it and seen in the list with
 * its tag and channel; a leads import with its error report; leads merged, assigned, followed up, linked
 * to a WeCom customer and transferred; an open-API app created in the console whose once-shown secret signs
 * a lead collection that then shows in the pool. Screenshots of each page in both languages.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import ExcelJS from 'exceljs';
import QRCode from 'qrcode';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createWecomTestEnv, type WecomTestEnv } from '../../server/src/testing/wecom-test-env.ts';
import { TEST_ADMIN_PASSWORD } from '../../server/src/testing/test-app.ts';
import { openRequestHeaders } from '../../server/src/platform/open-signature.ts';
import { browserUnavailable, choose, launchBrowser, browserSuiteSkip as skip, SCREENSHOTS as screenshots, SUITE_TIMEOUT, PAGE_TIMEOUT } from './support/browser.ts';
import { ensureWebBuilt } from './support/console-server.ts';

describe('module pages in Chromium (WeCom simulator)', { skip, timeout: SUITE_TIMEOUT }, () => {
  let env: WecomTestEnv;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  let page: Page;
  let api: Awaited<ReturnType<WecomTestEnv['login']>>;

  async function newPage(language: 'zh-CN' | 'en'): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: language, acceptDownloads: true });
    await context.addInitScript((lang) => localStorage.setItem('scrm.language', lang), language);
    contexts.push(context);
    const created = await context.newPage();
    created.setDefaultTimeout(PAGE_TIMEOUT);
    created.on('pageerror', (error) => console.error(`page error: ${error.message}`));
    return created;
  }

  async function shoot(target: Page, name: string) {
    await target.waitForLoadState('networkidle');
    await target.waitForTimeout(400);
    await target.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true });
  }

  async function login(target: Page) {
    await target.goto(`${env.url}/login`);
    await target.locator('#username').fill('admin');
    await target.locator('#password').fill(TEST_ADMIN_PASSWORD);
    await target.getByTestId('login-submit').click();
    await target.waitForURL('**/dashboard');
  }

  async function visit(target: Page, path: string) {
    await target.goto(`${env.url}${path}`);
    await target.locator('.ant-pro-layout').waitFor();
  }

  /** Picks an option of the open select dropdown. */
  async function pickOption(target: Page, text: string) {
    await choose(target.locator('.ant-select-dropdown:visible .ant-select-item-option', { hasText: text }).first());
  }

  async function search(target: Page) {
    await target.locator('.ant-pro-query-filter').getByRole('button', { name: /查\s*询|Query|Search/ }).click();
  }

  before(async () => {
    const problem = browserUnavailable();
    if (problem) throw new Error(problem);
    mkdirSync(screenshots, { recursive: true });
    ensureWebBuilt();
    env = await createWecomTestEnv();
    await env.syncOrg();
    await env.runJob('tags.corp.sync');
    await env.runJob('customers.sync');
    await env.runJob('groups.sync');
    api = await env.login();
    browser = await launchBrowser();
    page = await newPage('zh-CN');
    await login(page);
  });

  after(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await env?.close();
  });

  it('lists the synced customers, filters them by name, and opens the detail drawer', async () => {
    const all = await api.post('/scrm/admin/cust/emp/page', { pageNum: 1, pageSize: 20 });
    assert.equal(all.status, 200, all.body.msg);
    assert.ok(all.body.date.total > 0, 'the simulator customers were synced');
    const sample = all.body.date.records[0] as { customerName: string; externalUserid: string; userid: string };

    await visit(page, '/customer/list');
    const table = page.getByTestId('customer-table');
    await table.getByTestId(`customer-open-${sample.externalUserid}`).first().waitFor();
    const before = await table.locator('tbody tr.ant-table-row').count();
    assert.ok(before > 1);
    await shoot(page, 'zh-CN-customers');

    await page.locator('.ant-pro-query-filter input[id$="_name"]').fill(sample.customerName);
    await search(page);
    await page.waitForFunction(
      ({ name }) => {
        const rows = [...document.querySelectorAll('[data-testid=customer-table] tbody tr.ant-table-row')];
        return rows.length > 0 && rows.every((row) => row.textContent?.includes(name));
      },
      { name: sample.customerName },
    );

    await table.getByTestId(`customer-open-${sample.externalUserid}`).first().click();
    const drawer = page.getByTestId('customer-drawer');
    await drawer.getByTestId(`customer-relation-${sample.userid}`).waitFor();
    await drawer.getByText('客户ID').waitFor();
    await shoot(page, 'zh-CN-customer-drawer');
    await drawer.getByRole('tab', { name: '客户动态' }).click();
    await drawer.getByTestId('customer-timeline').waitFor();
    await page.keyboard.press('Escape');
  });

  it('creates an SCRM tag group with two tags in the editor', async () => {
    await visit(page, '/tag/self');
    await page.getByTestId('tag-group-create').click();
    const form = page.getByTestId('tag-group-form');
    await form.getByTestId('tag-group-name').fill('客户等级');
    await form.getByTestId('tag-name-0').fill('VIP');
    await form.getByTestId('tag-add').click();
    await form.getByTestId('tag-name-1').fill('普通');
    await shoot(page, 'zh-CN-tag-group-form');
    await page.locator('.ant-modal-footer .ant-btn-primary').click();
    await page.getByTestId('tag-group-客户等级').waitFor();
    const groups = (await api.get('/scrm/admin/tag/self/grouped')).body.date as { groupName: string; tags: { name: string }[] }[];
    const created = groups.find((group) => group.groupName === '客户等级');
    assert.deepEqual(created?.tags.map((tag) => tag.name), ['VIP', '普通']);
    await shoot(page, 'zh-CN-scrm-tags');
  });

  it('filters the customer list by SCRM tags (any and all) and exports with the same filter', async () => {
    const groups = (await api.get('/scrm/admin/tag/self/grouped')).body.date as { groupName: string; tags: { id: number; name: string }[] }[];
    const level = groups.find((group) => group.groupName === '客户等级')!;
    const vip = level.tags.find((tag) => tag.name === 'VIP')!;
    const normal = level.tags.find((tag) => tag.name === '普通')!;
    const records = (await api.post('/scrm/admin/cust/emp/page', { pageNum: 1, pageSize: 50 })).body.date.records as { externalUserid: string }[];
    const [first, second] = [...new Set(records.map((record) => record.externalUserid))];
    assert.ok(first && second, 'two synced customers');
    // SCRM tags on the customers as a whole: both VIP, the first also 普通.
    for (const [externalUserid, addTagIds] of [[first, [vip.id, normal.id]], [second, [vip.id]]] as const) {
      const marked = await api.post('/scrm/admin/cust/tag/save', { externalUserid, userId: '', tagType: 'self', addTagIds });
      assert.equal(marked.status, 200, marked.body.msg);
    }

    const shown = () =>
      page.evaluate(() =>
        [...new Set([...document.querySelectorAll('[data-testid=customer-table] tbody tr.ant-table-row [data-testid^=customer-open-]')].map((cell) => cell.getAttribute('data-testid')!.slice('customer-open-'.length)))].sort(),
      );
    const waitForRows = (expected: string[]) =>
      page.waitForFunction(
        (ids) => {
          const rows = [...document.querySelectorAll('[data-testid=customer-table] tbody tr.ant-table-row [data-testid^=customer-open-]')];
          const got = [...new Set(rows.map((cell) => cell.getAttribute('data-testid')!.slice('customer-open-'.length)))].sort();
          return JSON.stringify(got) === JSON.stringify(ids);
        },
        [...expected].sort(),
      );
    const pickTag = async (name: string) => {
      // Typed first: the SCRM groups come after the corp ones in a virtual list.
      await page.getByTestId('filter-tags').click();
      await page.keyboard.type(name);
      await choose(page.locator('.ant-select-dropdown:visible .ant-select-item-option').filter({ hasText: new RegExp(`^${name}$`) }).first());
      await page.keyboard.press('Escape');
    };

    await visit(page, '/customer/list');
    await page.getByTestId('customer-table').locator('tbody tr.ant-table-row').first().waitFor();
    assert.ok((await shown()).length > 2, 'more customers than the tagged ones before filtering');

    // Any: customers with VIP.
    await pickTag('VIP');
    await search(page);
    await waitForRows([first, second]);
    await page.getByTestId('customer-table').getByTestId(`row-tag-${vip.id}`).first().waitFor();
    await shoot(page, 'zh-CN-customers-by-tag');

    // All of VIP and 普通: the first customer only.
    await pickTag('普通');
    await page.locator('.ant-pro-query-filter').getByText('包含全部').click();
    await search(page);
    await waitForRows([first]);

    // The export takes the same tag filter.
    const [request] = await Promise.all([
      page.waitForRequest((candidate) => candidate.url().endsWith('/scrm/admin/cust/emp/export')),
      page.waitForEvent('download'),
      page.getByTestId('customer-export').click(),
    ]);
    const body = request.postDataJSON() as { tagIds?: number[]; tagMatch?: string };
    assert.deepEqual([...(body.tagIds ?? [])].sort((a, b) => a - b), [vip.id, normal.id].sort((a, b) => a - b));
    assert.equal(body.tagMatch, 'all');
  });

  it('previews a stored image in the media library', async () => {
    const png = await QRCode.toBuffer('https://example.com/media-preview', { type: 'png', width: 96 });
    const form = new FormData();
    form.append('type', 'image');
    form.append('title', '预览海报');
    form.append('file', new Blob([new Uint8Array(png)], { type: 'image/png' }), 'poster.png');
    const uploaded = await fetch(new URL('/scrm/admin/media/upload', env.url), { method: 'POST', headers: { token: api.token }, body: form });
    assert.equal(uploaded.status, 200, await uploaded.clone().text());

    await visit(page, '/acquisition/media');
    await page.getByTestId('media-table').getByText('预览海报').first().click();
    const image = page.getByTestId('media-preview-image').locator('xpath=self::img|.//img').first();
    await image.waitFor();
    await page.waitForFunction(() => {
      const img = document.querySelector<HTMLImageElement>('[data-testid=media-stored-preview] img');
      return Boolean(img?.complete && img.naturalWidth > 0);
    });
    assert.equal(await image.evaluate((img) => (img as HTMLImageElement).naturalWidth), png.readUInt32BE(16), 'the uploaded PNG, decoded');
    await shoot(page, 'zh-CN-media-preview');
    await page.keyboard.press('Escape');
  });

  it('creates and publishes an acquisition link with rules and a tag, downloads its QR, and sees a simulated customer come in with tag and channel', async () => {
    const employees = (await api.get('/scrm/admin/qw/emp/listByName', { name: '' })).body.date as { userid: string; name: string }[];
    const employee = employees[0];
    const corpGroups = (await api.get('/scrm/admin/tag/corp/grouped')).body.date as { tags: { name: string; wecomTagId: string | null }[] }[];
    const corpTag = corpGroups.flatMap((group) => group.tags).find((tag) => tag.wecomTagId)!;
    assert.ok(corpTag, 'corp tags were synced from the simulator');
    const channel = await api.post('/scrm/admin/cust/channel/save', { name: '春季展会', channelType: 'offline' });
    assert.equal(channel.status, 200, channel.body.msg);

    await visit(page, '/acquisition/link');
    await page.getByTestId('link-create').click();
    const form = page.getByTestId('link-form');
    await form.getByTestId('link-name').fill('展会获客');
    await form.getByTestId('channel-select').click();
    await pickOption(page, '春季展会');
    await form.getByTestId('rule-add').click();
    await form.getByTestId('rule-user-0').click();
    await pickOption(page, `${employee.name} (${employee.userid})`);
    await form.getByTestId('rule-weight-0').locator('xpath=self::input|.//input').first().fill('3');
    await form.getByTestId('rule-daily-0').locator('xpath=self::input|.//input').first().fill('50');
    await form.getByTestId('rule-hours-0').fill('00:00-24:00');
    await form.getByTestId('link-tags').click();
    await pickOption(page, corpTag.name);
    await page.keyboard.press('Escape');
    await form.getByTestId('link-send-welcome').click();
    await form.getByTestId('link-welcome').fill('欢迎光临展台！');
    await shoot(page, 'zh-CN-acquisition-link-editor');
    await page.getByTestId('link-publish').click();
    await page.locator('.ant-message-notice', { hasText: '已发布到企业微信' }).waitFor();

    const links = (await api.post('/scrm/admin/cust/get/link/page', { pageNum: 1, pageSize: 10, linkName: '展会获客' })).body.date.records as {
      id: number; status: number; url: string; cstTags: string[]; allocationRules: { userId: string; weight: number; dailyLimit: number }[];
    }[];
    const link = links[0];
    assert.equal(link.status, 1);
    assert.deepEqual(link.cstTags, [corpTag.wecomTagId]);
    assert.deepEqual(link.allocationRules.map((rule) => [rule.userId, rule.weight, rule.dailyLimit]), [[employee.userid, 3, 50]]);

    // QR preview and PNG download.
    await page.getByTestId(`link-qr-${link.id}`).click();
    await page.getByTestId('qr-image').waitFor();
    await shoot(page, 'zh-CN-acquisition-link-qr');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('qr-download').click()]);
    assert.match(download.suggestedFilename(), /\.png$/);
    const png = readFileSync((await download.path())!);
    assert.deepEqual([...png.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47], 'a PNG file');
    await page.locator('.ant-modal-footer').getByRole('button', { name: /取\s*消/ }).click();

    // Who gets the next customer.
    await page.getByTestId(`link-preview-${link.id}`).click();
    assert.equal((await page.getByTestId('route-next').innerText()).trim(), employee.name);
    await shoot(page, 'zh-CN-acquisition-link-preview');
    await page.keyboard.press('Escape');

    // A customer opens the link in the simulator and adds the employee.
    const added = env.sim.actions.openAcquisitionLink({ url: link.url });
    await env.settle();
    const customer = (await api.get('/scrm/admin/cust/info/getByExternalUserid', { externalUserid: added.external_userid })).body.date as {
      name: string; relations: { id: number; state: string; channelId: number | null; tags: { tagName: string }[] | null }[];
    };
    const relation = customer.relations[0];
    assert.equal(relation.channelId, channel.body.date.id, 'attributed to the channel');

    await visit(page, '/customer/list');
    await page.locator('.ant-pro-query-filter input[id$="_name"]').fill(customer.name);
    await search(page);
    const row = page.getByTestId('customer-table').locator('tbody tr.ant-table-row', { hasText: customer.name }).first();
    await row.getByTestId(`customer-channel-${relation.id}`).getByText('春季展会').waitFor();
    await row.getByText(corpTag.name).waitFor();
    await shoot(page, 'zh-CN-customer-from-link');

    // 客户动态: the add through the link and the link's tag, in words.
    await row.getByTestId(`customer-open-${added.external_userid}`).click();
    const drawer = page.getByTestId('customer-drawer');
    await drawer.getByRole('tab', { name: '客户动态' }).click();
    const timeline = drawer.getByTestId('customer-timeline');
    await timeline.getByTestId('timeline-event-customer_added').getByText('来源：春季展会 / 展会获客').waitFor();
    await timeline.getByTestId('timeline-event-customer_added').getByText('添加了客户').waitFor();
    await timeline.getByTestId('timeline-event-tags_changed').locator('span', { hasText: '打上标签：' }).filter({ hasText: corpTag.name }).first().waitFor();
    await timeline.getByTestId('timeline-event-tags_changed').getByText('操作人：获客链接').waitFor();
    await page.keyboard.press('Escape');
  });

  it('imports a leads file and reads its error report', async () => {
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('线索');
    sheet.addRow(['姓名', '手机号', '公司']);
    sheet.addRow(['李四', '13800138001', '示例公司']);
    sheet.addRow(['王五', '123', '']);
    sheet.addRow(['', '13800138002', '']);
    const buffer = Buffer.from(await workbook.xlsx.writeBuffer());

    await visit(page, '/clue/pool');
    await page.getByTestId('lead-import').click();
    await page.locator('.ant-modal input[type=file]').setInputFiles({ name: 'leads.xlsx', mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', buffer });
    await shoot(page, 'zh-CN-lead-import');
    await page.getByTestId('lead-import-start').click();
    const result = page.getByTestId('lead-import-result');
    await result.waitFor({ timeout: 60_000 });
    assert.match(await result.innerText(), /成功 1 行，错误 2 行/);
    await shoot(page, 'zh-CN-lead-import-result');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('lead-import-report').click()]);
    const report = new ExcelJS.Workbook();
    await report.xlsx.readFile((await download.path())!);
    const rows: string[] = [];
    report.worksheets[0].eachRow((reportRow) => rows.push(JSON.stringify(reportRow.values)));
    assert.ok(rows.length >= 3, `a header and the two refused rows: ${rows.join('\n')}`);
    assert.ok(rows.some((line) => line.includes('手机号')), 'the phone error names its column');
    await page.keyboard.press('Escape');
    await page.getByTestId('lead-table').getByText('李四').waitFor();
    await shoot(page, 'zh-CN-leads');
    // Its 动态 says where it came from: the file and the row.
    const imported = (await api.post('/scrm/admin/clue/page', { name: '李四' })).body.date.records[0] as { id: number };
    await page.getByTestId(`lead-open-${imported.id}`).click();
    const drawer = page.getByTestId('lead-drawer');
    await drawer.getByRole('tab', { name: '动态' }).click();
    await drawer.getByTestId('lead-timeline').getByText('导入线索').waitFor();
    await drawer.getByTestId('lead-timeline').getByText('文件：leads.xlsx，第 2 行').waitFor();
    await shoot(page, 'zh-CN-lead-imported-timeline');
    await page.keyboard.press('Escape');
  });

  it('merges two leads, assigns one, follows it up, links it to a WeCom customer, transfers that customer and unlinks it', async () => {
    const phone = (n: number) => `1381234${String(n).padStart(4, '0')}`;
    const add = async (body: Record<string, unknown>) => {
      const response = await api.post('/scrm/admin/clue/add', body);
      assert.equal(response.status, 200, response.body.msg);
      return response.body.date as { id: number };
    };
    const target = await add({ name: '合并目标', phone: phone(1), wechat: 'target_wx' });
    const source = await add({ name: '合并来源', phone: phone(2), wechat: 'source_wx' });
    const detail = async (id: number) => (await api.get('/scrm/admin/clue/detail/get', { clueId: id })).body.date as {
      status: string; ownerUserid: string | null; mergedIntoId: number | null; contacts: { type: string; value: string }[]; followUps: { content: string }[];
      customer: { externalUserid: string } | null; transfers: { status: string; takeoverUserid: string }[];
    };

    await visit(page, '/clue/pool');
    const table = page.getByTestId('lead-table');
    for (const lead of [target, source]) {
      await table.getByTestId(`lead-open-${lead.id}`).waitFor();
      await table.locator('tbody tr', { has: page.getByTestId(`lead-open-${lead.id}`) }).locator('.ant-checkbox-input').check();
    }
    await page.getByTestId('lead-merge').click();
    await page.locator('.ant-modal:visible .ant-select').click();
    await pickOption(page, `#${target.id}`);
    await page.locator('.ant-modal:visible .ant-modal-footer .ant-btn-primary').click();
    await page.locator('.ant-message-notice', { hasText: '已合并' }).waitFor();
    const merged = await detail(target.id);
    assert.deepEqual(merged.contacts.map((contact) => `${contact.type}:${contact.value}`).sort(), [`phone:${phone(1)}`, `phone:${phone(2)}`, 'wechat:source_wx', 'wechat:target_wx'].sort());
    const gone = await detail(source.id);
    assert.equal(gone.status, 'merged');
    assert.equal(gone.mergedIntoId, target.id);

    // Assign the merged lead to a WeCom employee (leads are owned by employees).
    const owner = [...env.sim.state.employees.values()].find((employee) => employee.customerContact && employee.status === 1 && employee.resignedAt === undefined)!;
    await table.getByTestId(`lead-open-${target.id}`).waitFor();
    await table.locator('tbody tr', { has: page.getByTestId(`lead-open-${target.id}`) }).locator('.ant-checkbox-input').check();
    await page.getByTestId('lead-assign').click();
    await page.getByTestId('lead-assign-user').click();
    await page.keyboard.type(owner.userid);
    await pickOption(page, `(${owner.userid})`);
    await page.locator('.ant-modal:visible .ant-modal-footer .ant-btn-primary').click();
    await page.locator('.ant-message-notice', { hasText: `已分配给 ${owner.name}` }).waitFor();
    const assigned = await detail(target.id);
    assert.equal(assigned.status, 'assigned');
    assert.equal(assigned.ownerUserid, owner.userid);

    // A follow-up in the drawer, then the timeline shows merge, assignment and follow-up.
    await table.getByTestId(`lead-open-${target.id}`).click();
    const drawer = page.getByTestId('lead-drawer');
    await drawer.getByRole('tab', { name: /跟进记录/ }).click();
    await drawer.getByTestId('lead-follow-content').fill('电话沟通，约下周到店');
    await drawer.getByTestId('lead-follow-submit').click();
    await drawer.getByText('电话沟通，约下周到店').waitFor();
    assert.deepEqual((await detail(target.id)).followUps.map((follow) => follow.content), ['电话沟通，约下周到店']);
    await drawer.getByRole('tab', { name: '动态' }).click();
    const timeline = drawer.getByTestId('lead-timeline');
    for (const text of ['合并', '分配', '跟进']) await timeline.getByText(new RegExp(text)).first().waitFor();
    await shoot(page, 'zh-CN-lead-timeline');

    // Link it to a customer of an employee who has a colleague to take over, then transfer.
    const employees = [...env.sim.state.employees.values()].filter((employee) => employee.customerContact && employee.resignedAt === undefined);
    const handover = employees.find((employee) => env.sim.state.relationList(employee.userid).length > 0)!;
    const takeover = employees.find((employee) => employee.userid !== handover.userid)!;
    const relation = env.sim.state.relationList(handover.userid).find((candidate) => !env.sim.state.relation(takeover.userid, candidate.external_userid))!;
    assert.ok(relation, 'a customer only the handover employee has');
    await drawer.getByRole('tab', { name: '基本信息' }).click();
    await drawer.getByTestId('lead-link').click();
    await page.getByTestId('lead-link-external').fill(relation.external_userid);
    await page.locator('.ant-modal:visible .ant-modal-footer .ant-btn-primary').click();
    await drawer.getByText(relation.external_userid).waitFor();
    const linked = await detail(target.id);
    assert.equal(linked.customer?.externalUserid, relation.external_userid);
    assert.equal(linked.status, 'converted');

    await drawer.getByTestId('lead-transfer').click();
    const transfer = page.locator('.ant-modal:visible');
    await transfer.locator('.ant-select').first().click();
    await pickOption(page, handover.name);
    await page.getByTestId('lead-transfer-takeover').click();
    await page.keyboard.type(takeover.userid);
    await choose(page.locator('.ant-select-dropdown:visible .ant-select-item-option').filter({ hasText: takeover.userid }).first());
    await transfer.locator('.ant-modal-footer .ant-btn-primary').click();
    await page.locator('.ant-message-notice', { hasText: '已提交转接' }).waitFor();
    await drawer.getByTestId('lead-transfer-waiting').waitFor();
    const requested = await detail(target.id);
    assert.deepEqual(requested.transfers.map((row) => [row.status, row.takeoverUserid]), [['waiting', takeover.userid]]);
    await shoot(page, 'zh-CN-lead-transfer');

    // Unlinked in the drawer (confirmed): the lead is its owner's again (已分配) with nothing linked, and may be linked anew.
    await drawer.getByTestId('lead-unlink').click();
    await page.locator('.ant-modal-confirm').getByRole('button', { name: /确\s*定/ }).click();
    await drawer.getByTestId('lead-link').waitFor();
    await page.locator('.ant-drawer-title').getByText('已分配').waitFor();
    const unlinked = await detail(target.id);
    assert.deepEqual([unlinked.status, unlinked.customer], ['assigned', null]);
    await page.keyboard.press('Escape');
  });

  it("creates an open-API app, whose once-shown secret signs a lead collection that shows in the pool", async () => {
    await visit(page, '/system/open-app');
    await page.getByTestId('open-app-create').click();
    await page.getByTestId('open-app-form').locator('#name').fill('官网落地页');
    await page.locator('.ant-modal:visible .ant-modal-footer .ant-btn-primary').click();
    const secret = (await page.getByTestId('open-app-secret').innerText()).trim();
    assert.match(secret, /^\S{16,}$/);
    await shoot(page, 'zh-CN-open-app-secret');
    const apps = (await api.post('/scrm/admin/open/app/page', { pageNum: 1, pageSize: 10 })).body.date.records as { name: string; appKey: string; secret?: string }[];
    const created = apps.find((app) => app.name === '官网落地页')!;
    assert.ok(created, 'the app is listed');
    assert.equal(created.secret, undefined, 'the secret is never listed again');
    await page.locator('.ant-modal-confirm .ant-btn-primary').click();

    const collect = async (secretUsed: string) => {
      const body = JSON.stringify({ requestId: `console-${secretUsed.slice(0, 6)}`, name: '落地页访客', phone: '13700001234', channel: '官网' });
      const headers = openRequestHeaders({ appKey: created.appKey, secret: secretUsed }, { method: 'POST', target: '/scrm/open/clue/collect', body, timestamp: Math.floor(env.clock.now / 1000) });
      const response = await fetch(new URL('/scrm/open/clue/collect', env.url), { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body });
      return { status: response.status, body: (await response.json()) as { code: string; msg: string } };
    };
    const refused = await collect(`${secret}x`);
    assert.equal(refused.status, 401, refused.body.msg);
    const accepted = await collect(secret);
    assert.equal(accepted.status, 200, accepted.body.msg);

    await visit(page, '/clue/pool');
    const row = page.getByTestId('lead-table').locator('tbody tr.ant-table-row', { hasText: '落地页访客' });
    await row.getByText('13700001234').waitFor();
    await row.getByText('官网').first().waitFor();
  });
});
