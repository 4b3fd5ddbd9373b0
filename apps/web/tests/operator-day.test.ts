/**
 * Issue 15's browser suite: the day an operations manager sets up a sales team, played against the WeCom simulator.
 * The administrator makes a 销售 role (仅本人; 客户列表, 线索列表 and the relation export) and a console user from a WeCom employee,
 * publishes an acquisition link with a channel and an auto-tag, a customer comes in through it, and a lead is
 * assigned to the employee. Then the salesperson signs in with the one-time password, changes it, and sees — with
 * no permission error anywhere — only their own customers, the new one with its tag and channel by name, the same
 * in the export file, and the lead under 我的线索.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import ExcelJS from 'exceljs';
import { inArray, or } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { sysMenu } from '../../server/src/db/schema/index.ts';
import { createWecomTestEnv, type WecomTestEnv } from '../../server/src/testing/wecom-test-env.ts';
import { okDate } from '../../server/src/testing/scope-users.ts';
import { browserUnavailable, launchBrowser, SCREENSHOTS, browserSuiteSkip as skip, newConsolePage, SUITE_TIMEOUT } from './support/browser.ts';
import { ensureWebBuilt } from './support/console-server.ts';

const NEW_PASSWORD = 'Sales-Passw0rd-2026';

describe("an operations manager's first day: a sales team, a link, a customer, a lead", { skip, timeout: SUITE_TIMEOUT }, () => {
  let env: WecomTestEnv;
  let browser: Browser;
  let page: Page;
  let seller: { userid: string; name: string };
  let oneTimePassword: string;
  let customerName: string;
  let tag: { groupName: string; name: string; wecomTagId: string };
  /** Responses the salesperson's console got refused (none expected). */
  const refused: string[] = [];

  before(async () => {
    const problem = browserUnavailable();
    if (problem) throw new Error(problem);
    ensureWebBuilt();
    env = await createWecomTestEnv({ sizes: { employees: 6, customers: 10, tagGroups: 2 } });
    await env.syncOrg();
    await env.runJob('tags.corp.sync');
    await env.runJob('customers.sync');
    const admin = await env.login();
    seller = [...env.sim.state.employees.values()].find((e) => e.customerContact && e.status === 1 && e.resignedAt === undefined && e.name !== e.userid)!;

    // The 销售 role: 仅本人, the 客户列表 and 线索列表 pages with their buttons, and 关系导出 (the 客户列表 page's export).
    const pages = await env.db.select({ id: sysMenu.id }).from(sysMenu).where(inArray(sysMenu.perms, ['cust:info:list', 'clue:list']));
    const pageIds = pages.map((menu) => menu.id);
    const menus = await env.db
      .select({ id: sysMenu.id })
      .from(sysMenu)
      .where(or(inArray(sysMenu.id, pageIds), inArray(sysMenu.parentId, pageIds), inArray(sysMenu.perms, ['cust:emp:export'])));
    const role = await okDate(admin.post('/scrm/admin/sys/role/save', { name: '销售', dataScope: 5 }));
    await okDate(admin.post('/scrm/admin/sys/role/updateMenus', { roleId: role.id, menuIds: menus.map((menu) => menu.id) }));
    const created = await okDate(admin.post('/scrm/admin/sys/user/createFromWecom', { employees: [{ qwUserid: seller.userid, username: 'sales.one' }], roleIds: [role.id] }));
    oneTimePassword = created.users[0].password;

    // A channel and a link with an auto-tag; a customer comes in through it.
    const groups = (await okDate(admin.get('/scrm/admin/tag/corp/grouped'))) as { groupName: string; tags: { name: string; wecomTagId: string | null }[] }[];
    const group = groups.find((candidate) => candidate.tags.some((t) => t.wecomTagId))!;
    const picked = group.tags.find((t) => t.wecomTagId)!;
    tag = { groupName: group.groupName, name: picked.name, wecomTagId: picked.wecomTagId! };
    const channel = await okDate(admin.post('/scrm/admin/cust/channel/save', { name: '地推活动', channelType: 'offline' }));
    const link = await okDate(
      admin.post('/scrm/admin/cust/get/link/save', {
        linkName: '地推海报', channelId: channel.id, userList: [seller.userid], cstTags: [tag.wecomTagId], skipVerify: 'true', status: 1,
      }),
    );
    const added = env.sim.actions.openAcquisitionLink({ link_id: link.linkId, customer_channel: link.state });
    assert.equal(added.userid, seller.userid);
    await env.settle();
    customerName = env.sim.state.customers.get(added.external_userid)!.name;

    // A lead assigned to the salesperson's employee.
    await okDate(admin.post('/scrm/admin/clue/add', { name: '王先生（展会）', phone: '13911112222', ownerUserid: seller.userid }));

    browser = await launchBrowser();
    page = await newConsolePage(browser, { width: 1600, height: 1000, acceptDownloads: true });
    page.on('response', (response) => {
      if (response.status() === 401 || response.status() === 403) refused.push(`${response.status()} ${response.url()}`);
    });
  });

  after(async () => {
    await browser?.close();
    await env?.close();
  });

  it('the salesperson signs in with the one-time password and must change it first', async () => {
    await page.goto(`${env.url}/login`);
    await page.locator('#username').fill('sales.one');
    await page.locator('#password').fill(oneTimePassword);
    await page.getByTestId('login-submit').click();
    const form = page.getByTestId('password-form');
    await form.waitFor();
    await form.locator('input').nth(0).fill(oneTimePassword);
    await form.locator('input').nth(1).fill(NEW_PASSWORD);
    await form.locator('input').nth(2).fill(NEW_PASSWORD);
    await page.getByTestId('password-submit').click();
    // The forced page is shown at /dashboard itself: wait for it to give way to the console.
    await page.getByTestId('forced-password').waitFor({ state: 'detached' });
    await page.locator('.ant-pro-layout').waitFor();
  });

  it("客户列表 shows only the salesperson's customers, the new one with its channel and tag by name", async () => {
    await page.goto(`${env.url}/customer/list`);
    const table = page.getByTestId('customer-table');
    const newRow = table.locator('tbody tr.ant-table-row', { hasText: customerName }).first();
    await newRow.waitFor();
    await newRow.getByText('地推').first().waitFor();
    await newRow.getByText(tag.name).first().waitFor();
    const text = await table.locator('tbody').innerText();
    assert.ok(!text.includes(tag.wecomTagId), 'no WeCom tag id on screen');
    // Every relation on screen is the salesperson's.
    const ownRelations = [...(env.sim.state.relationsByUser.get(seller.userid)?.values() ?? [])].length;
    const rows = await table.locator('tbody tr.ant-table-row').count();
    assert.ok(rows >= 1 && rows <= Math.max(ownRelations, 1), `${rows} rows for ${ownRelations} relations of ${seller.name}`);
    const employees = new Set((await table.locator('tbody tr.ant-table-row').allInnerTexts()).map((row) => row.includes(seller.name)));
    assert.deepEqual([...employees], [true], `every row is ${seller.name}'s`);
    await page.screenshot({ path: `${SCREENSHOTS}zh-CN-operator-day-sales-customers.png` });
  });

  it('the export names the employee, channel and tag — no codes', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('customer-export').click()]);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(readFileSync((await download.path())!) as unknown as ArrayBuffer);
    const sheet = workbook.worksheets[0];
    const headers = (sheet.getRow(1).values as unknown[]).map(String);
    const column = (name: string) => headers.indexOf(name);
    const rows = sheet.getRows(2, sheet.rowCount - 1) ?? [];
    assert.ok(rows.length >= 1);
    for (const row of rows) assert.equal(String(row.getCell(column('跟进员工')).value), seller.name);
    const mine = rows.find((row) => String(row.getCell(column('客户名称')).value) === customerName);
    assert.ok(mine, 'the new customer is in the file');
    assert.match(String(mine.getCell(column('渠道')).value), /地推活动/);
    assert.match(String(mine.getCell(column('标签')).value), new RegExp(`${tag.groupName}/${tag.name}`));
    assert.ok(!String(mine.getCell(column('标签')).value).includes(tag.wecomTagId));
  });

  it('我的线索 lists the lead assigned to the employee, by name; and nothing was refused all day', async () => {
    await page.goto(`${env.url}/clue/pool`);
    await page.getByTestId('lead-view-mine').click();
    const row = page.getByTestId('lead-table').locator('tbody tr.ant-table-row', { hasText: '王先生（展会）' });
    await row.getByText(seller.name).first().waitFor();
    await page.screenshot({ path: `${SCREENSHOTS}zh-CN-operator-day-sales-leads.png` });
    assert.deepEqual(refused, [], 'no request of the salesperson was refused');
    assert.equal(await page.locator('.ant-message-notice', { hasText: '权限' }).count(), 0, 'no permission toast');
  });
});
