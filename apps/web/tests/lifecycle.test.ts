/**
 * Issue 18 in Chromium against the WeCom simulator: an employee leaves (deleted from WeCom's contacts) and an
 * operations manager hands some of their customers to another employee on 离职继承, then sees each customer's
 * status arrive in words (one done, one failed with WeCom's reason); an on-job transfer with a 转接成功提示语 reaches
 * WeCom with the message; a customer who deletes an employee shows on 流失提醒 by name; and a role holding only
 * 离职继承 with 待分配详情 sees the list and details but no transfer button and no policy, with nothing refused.
 * Each flow is played by an operator whose role holds only that page's menu and its buttons (no request refused).
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
import type { TestClient } from '../../server/src/testing/test-app.ts';
import { browserUnavailable, choose, launchBrowser, newConsolePage, SCREENSHOTS, browserSuiteSkip as skip, SUITE_TIMEOUT } from './support/browser.ts';
import { ensureWebBuilt } from './support/console-server.ts';

const PASSWORD = 'Lifecycle-Passw0rd-1';

interface Person {
  userid: string;
  name: string;
}

describe('employee lifecycle in the console: 离职继承, 在职继承, 流失提醒', { skip, timeout: SUITE_TIMEOUT }, () => {
  let env: WecomTestEnv;
  let admin: TestClient;
  let browser: Browser;
  let page: Page;
  /** The employee who leaves, the one who takes over, and one still on the job whose customer moves. */
  let leaver: Person;
  let heir: Person;
  let seller: Person;
  /** The leaver's customers: the first two are transferred, WeCom refuses the second (takeover over its limit). */
  let leaverCustomers: Person[];
  /** Customers whose transfer WeCom will refuse when it settles. */
  const overLimit = new Set<string>();
  /** Responses refused (401/403) for the signed-in operator of the current test. */
  const refused: string[] = [];

  const nameOf = (userid: string) => env.sim.state.employees.get(userid)!.name;
  const customersOf = (userid: string): Person[] =>
    [...(env.sim.state.relationsByUser.get(userid)?.keys() ?? [])].map((externalUserid) => ({ userid: externalUserid, name: env.sim.state.customers.get(externalUserid)!.name }));

  /** A role holding these pages (menus by their permission codes) with the listed buttons, and a console user with it. */
  async function operator(username: string, pagePerms: string[], buttonPerms: 'all' | string[]) {
    const pages = await env.db.select({ id: sysMenu.id }).from(sysMenu).where(inArray(sysMenu.perms, pagePerms));
    const pageIds = pages.map((menu) => menu.id);
    const menus = await env.db
      .select({ id: sysMenu.id })
      .from(sysMenu)
      .where(buttonPerms === 'all' ? or(inArray(sysMenu.id, pageIds), inArray(sysMenu.parentId, pageIds)) : or(inArray(sysMenu.id, pageIds), inArray(sysMenu.perms, buttonPerms)));
    const role = await okDate(admin.post('/scrm/admin/sys/role/save', { name: `角色-${username}`, roleKey: username.replace('.', '_'), dataScope: 1 }));
    await okDate(admin.post('/scrm/admin/sys/role/updateMenus', { roleId: role.id, menuIds: menus.map((menu) => menu.id) }));
    const user = await okDate(admin.post('/scrm/admin/sys/user/save', { username, nickname: username, password: PASSWORD }));
    await okDate(admin.post('/scrm/admin/sys/user/grantRoles', { userId: user.id, roleIds: [role.id] }));
  }

  /** A fresh page signed in as the user (their token in place before the console loads; the login form is tested elsewhere). */
  async function signIn(username: string): Promise<Page> {
    await page?.context().close();
    refused.length = 0;
    const { token } = await env.login(username, PASSWORD);
    page = await newConsolePage(browser, { acceptDownloads: true });
    await page.context().addInitScript((value) => localStorage.setItem('scrm.token', value), token);
    page.on('response', (response) => {
      if ((response.status() === 401 || response.status() === 403) && new URL(response.url()).pathname.startsWith('/scrm/admin/')) refused.push(`${response.status()} ${response.url()}`);
    });
    return page;
  }

  /** Picks an employee by name in a select (the options read "name (userid)"). */
  async function pickEmployee(testId: string, person: Person) {
    await page.getByTestId(testId).click();
    await page.keyboard.type(person.name);
    await choose(page.locator('.ant-select-dropdown:visible .ant-select-item-option').filter({ hasText: person.userid }).first());
  }

  before(async () => {
    const problem = browserUnavailable();
    if (problem) throw new Error(problem);
    ensureWebBuilt();
    env = await createWecomTestEnv({
      sizes: { employees: 8, customers: 30, groups: 4 },
      // WeCom settles a transfer at its next answer (no 24 h wait), refusing the ones the test marks.
      simulator: { transfers: { delaySeconds: 0, refusalRate: 0, decide: (transfer) => (overLimit.has(transfer.external_userid) ? 'customer_limit_exceed' : 'accepted') } },
    });
    await env.syncOrg();
    await env.runJob('customers.sync');
    await env.runJob('groups.sync');
    admin = await env.login();

    const active = [...env.sim.state.employees.values()].filter((e) => e.customerContact && e.status === 1 && e.resignedAt === undefined && e.name !== e.userid);
    const byCustomers = active.sort((a, b) => customersOf(b.userid).length - customersOf(a.userid).length);
    leaver = { userid: byCustomers[0].userid, name: byCustomers[0].name };
    seller = { userid: byCustomers[1].userid, name: byCustomers[1].name };
    heir = { userid: byCustomers[byCustomers.length - 1].userid, name: byCustomers[byCustomers.length - 1].name };
    leaverCustomers = customersOf(leaver.userid);
    assert.ok(leaverCustomers.length >= 3, `${leaver.name} has ${leaverCustomers.length} customers`);
    assert.ok(customersOf(seller.userid).length >= 2, `${seller.name} has customers to move and to lose`);
    overLimit.add(leaverCustomers[1].userid);

    // Operations managers, each holding exactly one page's menu and its buttons (what menus.ts grants with them).
    await operator('ops.resigned', ['lifecycle:resigned:list'], 'all');
    await operator('ops.onjob', ['lifecycle:onjob:list'], 'all');
    await operator('ops.loss', ['loss:list'], 'all');
    await operator('ops.viewer', ['lifecycle:resigned:list'], ['lifecycle:resigned:query']);

    // The employee leaves: WeCom's delete_user, then its unassigned list read again.
    env.sim.actions.deleteEmployee({ userid: leaver.userid });
    await env.settle();
    await env.runJob('lifecycle.unassigned-refresh');

    browser = await launchBrowser();
  });

  after(async () => {
    await page?.context().close();
    await browser?.close();
    await env?.close();
  });

  it("离职继承: the departed employee by name with their counts; two customers go to another employee and each one's status arrives in words", async () => {
    await signIn('ops.resigned');
    await page.goto(`${env.url}/ops/resigned`);
    const row = page.getByTestId('unassigned-table').locator('tr.ant-table-row', { hasText: leaver.name });
    await row.waitFor({ timeout: 60_000 });
    await row.getByTestId('employee-departed').waitFor();
    assert.match(await row.innerText(), new RegExp(`\\b${leaverCustomers.length}\\b`), 'the unassigned customers are counted');
    assert.ok(!(await row.innerText()).includes(leaver.userid), 'the name, not the userid');
    await page.screenshot({ path: `${SCREENSHOTS}zh-CN-lifecycle-resigned.png` });

    await page.getByTestId(`unassigned-open-${leaver.userid}`).click();
    const drawer = page.getByTestId('unassigned-drawer');
    const customers = drawer.getByTestId('unassigned-customers');
    for (const customer of leaverCustomers.slice(0, 2)) {
      const customerRow = customers.locator('tr.ant-table-row', { hasText: customer.name }).first();
      await customerRow.locator('.ant-checkbox-input').check();
    }
    await drawer.getByTestId('unassigned-transfer').filter({ hasText: '客户 2' }).click();
    await pickEmployee('takeover-select', heir);
    await page.screenshot({ path: `${SCREENSHOTS}zh-CN-lifecycle-resigned-transfer.png` });
    await page.getByTestId('takeover-ok').click();
    await page.locator('.ant-message-notice', { hasText: '已提交 2 项转接' }).waitFor();

    // The records: each customer by name; WeCom settles them and the list follows.
    const records = page.getByTestId('resigned-records');
    const done = records.locator('tr.ant-table-row', { hasText: leaverCustomers[0].name });
    const failed = records.locator('tr.ant-table-row', { hasText: leaverCustomers[1].name });
    await done.getByTestId('transfer-status-done').waitFor({ timeout: 60_000 });
    await failed.getByTestId('transfer-status-failed').waitFor({ timeout: 60_000 });
    assert.match(await done.innerText(), new RegExp(heir.name));
    const reason = await failed.getByTestId('transfer-reason').innerText();
    assert.ok(reason.trim().length > 0 && !/customer_limit_exceed/.test(reason.split('\n')[0]), `the reason in words: ${reason}`);
    const text = await records.locator('tbody').innerText();
    for (const id of [leaver.userid, heir.userid, leaverCustomers[0].userid, leaverCustomers[1].userid]) assert.ok(!text.includes(id), `no raw id (${id}) on screen`);
    await page.screenshot({ path: `${SCREENSHOTS}zh-CN-lifecycle-resigned-records.png` });

    // WeCom moved the first customer and kept the second with the departed employee.
    assert.ok(env.sim.state.relation(heir.userid, leaverCustomers[0].userid), 'the heir has the customer in WeCom');
    assert.ok(!env.sim.state.relation(heir.userid, leaverCustomers[1].userid));

    // 离职记录: the departure, with why the policy did nothing (it is off).
    await page.getByTestId('resigned-tab-departures').click();
    const departure = page.getByTestId('departure-table').locator('tr.ant-table-row', { has: page.getByTestId(`departure-${leaver.userid}`) });
    await departure.getByTestId('departure-status-manual').waitFor();
    assert.match(await departure.getByTestId('departure-reason').innerText(), /自动继承/, 'why nothing was transferred automatically, in words');
    await page.getByTestId('resigned-tab-policy').click();
    await page.getByTestId('policy-form').waitFor();
    // The link mode's picker reads the acquisition links (granted with 继承策略保存).
    await page.getByTestId('policy-mode-link').click();
    await page.getByTestId('policy-link').waitFor();
    // The dry run for the departed employee: what the saved policy (off) would do with what is left.
    await page.getByTestId('preview-employee').click();
    await page.keyboard.type(leaver.name);
    await choose(page.locator('.ant-select-dropdown:visible .ant-select-item-option').filter({ hasText: leaver.name }).first());
    await page.getByTestId('policy-preview-run').click();
    await page.getByTestId('policy-preview-manual').getByText('需人工分配').waitFor();
    // Turned on, to a named employee: saved, and the dry run now hands what is left to them.
    await page.getByTestId('policy-enabled').click();
    await page.getByTestId('policy-mode-employee').click();
    await pickEmployee('policy-employee', heir);
    await page.getByTestId('policy-save').click();
    await page.locator('.ant-message-notice', { hasText: '继承策略已保存' }).waitFor();
    await page.getByTestId('policy-preview-run').click();
    const planned = page.getByTestId('policy-preview-table').locator('tr.ant-table-row', { hasText: heir.name });
    await planned.getByText('指定员工').waitFor();
    assert.equal(await planned.locator('td').nth(1).locator('b').innerText(), String(leaverCustomers.length - 1), 'every customer still unassigned would go to them');
    await page.screenshot({ path: `${SCREENSHOTS}zh-CN-lifecycle-policy.png` });
    assert.deepEqual(refused, [], 'nothing refused for a role holding only 离职继承 and its buttons');
  });

  it('在职继承: a customer of an employee on the job, picked by 客户阶段, goes to another with a 转接成功提示语', async () => {
    const customer = customersOf(seller.userid)[0];
    // The customer is 有意向 (moved on their stage); the seller's others are still 新客户.
    const interested = (await okDate(admin.get('/scrm/admin/stage/list'))).find((stage: { name: string }) => stage.name === '有意向');
    await okDate(admin.post('/scrm/admin/stage/move', { relations: [{ externalUserid: customer.userid, userid: seller.userid }], stageId: interested.id }));
    await signIn('ops.onjob');
    await page.goto(`${env.url}/ops/onjob`);
    await page.getByTestId('onjob-handover').waitFor({ timeout: 60_000 });
    await pickEmployee('onjob-handover', seller);
    const table = page.getByTestId('onjob-customers');
    await table.locator('tr.ant-table-row').nth(1).waitFor();
    // The stage filter (the customer list's picker): only the 有意向 customer is left, its stage shown by name.
    await page.getByTestId('onjob-filter-stages').click();
    await choose(page.locator('.ant-select-dropdown:visible .ant-select-item-option').filter({ hasText: '有意向' }));
    await page.keyboard.press('Escape');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=onjob-customers] tr.ant-table-row').length === 1);
    const row = table.locator('tr.ant-table-row', { hasText: customer.name });
    assert.equal(await row.getByTestId(`onjob-stage-${customer.userid}`).innerText(), '有意向');
    await row.locator('.ant-checkbox-input').check();
    await page.getByTestId('onjob-transfer').filter({ hasText: '客户 1' }).click();
    await pickEmployee('takeover-select', heir);
    const message = '您好，我是新的专属顾问，之后由我为您服务';
    await page.getByTestId('onjob-message').fill(message);
    await page.locator('.ant-modal:visible').getByText(`${Array.from(message).length} / 200`).waitFor();
    await page.screenshot({ path: `${SCREENSHOTS}zh-CN-lifecycle-onjob-transfer.png` });
    await page.getByTestId('takeover-ok').click();
    await page.locator('.ant-message-notice', { hasText: '已提交 1 项转接' }).waitFor();

    const record = page.getByTestId('onjob-records').locator('tr.ant-table-row', { hasText: customer.name });
    await record.getByTestId('transfer-status-done').waitFor({ timeout: 60_000 });
    assert.match(await record.innerText(), new RegExp(`${seller.name}[\\s\\S]*${heir.name}`));
    const sent = env.sim.state.transfers.find((transfer) => transfer.kind === 'onjob' && transfer.external_userid === customer.userid);
    assert.equal(sent?.transfer_success_msg, message, 'WeCom got the message');
    await page.screenshot({ path: `${SCREENSHOTS}zh-CN-lifecycle-onjob-records.png` });
    assert.deepEqual(refused, []);
  });

  it('流失提醒: a customer who deleted an employee shows by name, how, and for how long they were friends', async () => {
    const customer = customersOf(seller.userid)[0];
    env.sim.actions.customerDeletesEmployee({ userid: seller.userid, external_userid: customer.userid });
    await env.settle();
    const recorded = await okDate(admin.post('/scrm/admin/loss/page', { pageNum: 1, pageSize: 50 }));
    assert.ok(recorded.records.some((loss: { customerName: string }) => loss.customerName === customer.name), `the loss is recorded: ${JSON.stringify(recorded.records)}`);
    await signIn('ops.loss');
    await page.goto(`${env.url}/ops/loss`);
    const row = page.getByTestId('loss-table').locator('tr.ant-table-row', { hasText: customer.name });
    // The page's code loads on first visit: slow on a busy machine.
    await row.waitFor({ timeout: 60_000 });
    await row.getByText(seller.name).waitFor();
    await row.getByText('客户删除员工').waitFor();
    assert.match(await row.innerText(), /天|不足 1 天/);
    assert.ok(!(await row.innerText()).includes(customer.userid), 'the name, not the external id');
    // The day's figures count it (the corp's day, whatever the browser's time zone).
    await page.getByTestId('loss-stat-byCustomer').locator('.ant-statistic-content-value', { hasText: /^1$/ }).waitFor();
    await page.getByTestId('loss-chart').waitFor();
    await page.screenshot({ path: `${SCREENSHOTS}zh-CN-lifecycle-loss.png` });
    // The export names them too.
    const [file] = await Promise.all([page.waitForEvent('download'), page.getByTestId('loss-export').click()]);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(readFileSync((await file.path())!) as unknown as ArrayBuffer);
    const cells = workbook.worksheets[0].getSheetValues().flat().map(String).join('\n');
    assert.ok(cells.includes(customer.name) && cells.includes(seller.name), 'the customer and the employee by name in the file');
    assert.ok(!cells.includes(customer.userid), 'no external id in the file');
    await page.getByTestId('loss-settings').click();
    await page.getByTestId('loss-settings-form').waitFor();
    await page.keyboard.press('Escape');
    assert.deepEqual(refused, []);
  });

  it('a role with only 离职继承 and 待分配详情 sees the list and the details, but no transfer and no policy', async () => {
    await signIn('ops.viewer');
    await page.goto(`${env.url}/ops/resigned`);
    await page.getByTestId('unassigned-table').locator('tr.ant-table-row', { hasText: leaver.name }).waitFor({ timeout: 60_000 });
    await page.getByTestId(`unassigned-open-${leaver.userid}`).click();
    await page.getByTestId('unassigned-customers').locator('tr.ant-table-row').first().waitFor();
    assert.equal(await page.getByTestId('unassigned-transfer').count(), 0, 'no transfer button');
    assert.equal(await page.getByTestId('unassigned-customers').locator('.ant-checkbox-input').count(), 0, 'nothing to select');
    assert.equal(await page.getByTestId('resigned-tab-policy').count(), 0, 'no policy tab');
    await page.screenshot({ path: `${SCREENSHOTS}zh-CN-lifecycle-viewer.png` });
    await page.keyboard.press('Escape');
    await page.getByTestId('resigned-tab-records').click();
    await page.getByTestId('resigned-records').locator('tr.ant-table-row').first().waitFor();
    // In English the same page reads in English, the names unchanged.
    await page.evaluate(() => localStorage.setItem('scrm.language', 'en'));
    await page.reload();
    const row = page.getByTestId('unassigned-table').locator('tr.ant-table-row', { hasText: leaver.name });
    await row.getByTestId('employee-departed').filter({ hasText: 'Departed' }).waitFor();
    await page.getByTestId('resigned-tab-records').filter({ hasText: 'Records' }).waitFor();
    await page.screenshot({ path: `${SCREENSHOTS}en-lifecycle-viewer.png` });
    assert.deepEqual(refused, [], 'nothing refused for the limited role');
  });
});
