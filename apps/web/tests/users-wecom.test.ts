/**
 * Issue 15, item 2, in Chromium: 用户管理 binds a user to a WeCom employee from a picker of unbound employees and shows
 * the binding by name; 从企微员工创建 makes users bound to the employees picked, shows their one-time passwords once,
 * lists refused rows in words, and a created user must change the password at first sign-in.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { qwEmp, sysUser } from '../../server/src/db/schema/index.ts';
import { eq } from 'drizzle-orm';
import { browserUnavailable, choose, launchBrowser, browserSuiteSkip as skip, signInThroughForm, newConsolePage, SUITE_TIMEOUT } from './support/browser.ts';
import { startConsoleServer, TEST_ADMIN_PASSWORD, type ConsoleServer } from './support/console-server.ts';

describe('users and WeCom employees in the console', { skip, timeout: SUITE_TIMEOUT }, () => {
  let server: ConsoleServer;
  let browser: Browser;
  let page: Page;

  before(async () => {
    const problem = browserUnavailable();
    if (problem) throw new Error(problem);
    server = await startConsoleServer();
    const db = server.testApp.db;
    await db.insert(qwEmp).values([
      { userid: 'chenxiao', name: '陈晓', department: [1] },
      { userid: 'linfang', name: '林芳', department: [1] },
      { userid: 'huangwei', name: '黄伟', department: [1] },
      { userid: 'liuyang', name: '刘洋', department: [1], status: 5, leftAt: new Date() },
      { userid: 'zhounan', name: '周楠', department: [1], customerContact: false },
    ]);
    // 黄伟 is already bound (to the user made here), so a request including him is refused as a whole.
    const admin = await server.testApp.login();
    const existing = await admin.post('/scrm/admin/sys/user/save', { username: 'existing', nickname: '已有用户', password: 'Passw0rd1234' });
    await admin.post('/scrm/admin/sys/user/bindQwUserid', { userId: existing.body.date.id, qwUserid: 'huangwei' });
    await admin.post('/scrm/admin/sys/role/save', { name: '销售代表', roleKey: 'sales_rep', dataScope: 5 });
    await admin.post('/scrm/admin/sys/user/save', { username: 'to_bind', nickname: '待绑定', password: 'Passw0rd1234' });
    browser = await launchBrowser();
    page = await newConsolePage(browser);
    await signInThroughForm(page, server.url, 'admin', TEST_ADMIN_PASSWORD);
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  const pickEmployee = async (testId: string, name: string) => {
    await page.getByTestId(testId).locator('input').fill(name.slice(0, 1));
    await choose(page.locator('.ant-select-dropdown:visible .ant-select-item-option').filter({ hasText: name }));
  };

  it('the list shows each binding by name; the user form binds from a picker of unbound employees only', async () => {
    await page.goto(`${server.url}/system/user`);
    assert.equal(await page.getByTestId('user-binding-existing').innerText(), '黄伟');
    assert.equal(await page.getByTestId('user-binding-to_bind').innerText(), '未绑定');

    await page.getByTestId('user-edit-to_bind').click();
    await page.getByTestId('user-form').waitFor();
    await page.getByTestId('user-bind-employee').click();
    const options = page.locator('.ant-select-dropdown:visible .ant-select-item-option');
    await options.filter({ hasText: '陈晓' }).waitFor();
    const offered = await options.allInnerTexts();
    assert.ok(!offered.some((text) => text.includes('黄伟')), `a bound employee is not offered: ${offered.join(', ')}`);
    assert.ok(!offered.some((text) => text.includes('刘洋')), `a departed employee is not offered: ${offered.join(', ')}`);
    await choose(options.filter({ hasText: '陈晓' }));
    await page.locator('.ant-modal-footer .ant-btn-primary').click();
    await page.getByTestId('user-form').waitFor({ state: 'detached' });
    await page.getByTestId('user-binding-to_bind').filter({ hasText: '陈晓' }).waitFor();
    const [row] = await server.testApp.db.select().from(sysUser).where(eq(sysUser.username, 'to_bind'));
    assert.equal(row.qwUserid, 'chenxiao');
  });

  it('企微员工 says who lacks 客户联系 (and so is not offered where customers are assigned)', async () => {
    await page.goto(`${server.url}/wecom/emp`);
    assert.equal(await page.getByTestId('emp-contact-zhounan').innerText(), '无权限（不能接待客户）');
  });

  it('从企微员工创建: refused rows in words and nothing created; then users bound, passwords shown once, changed at first sign-in', async () => {
    await page.goto(`${server.url}/system/user`);
    await page.getByTestId('user-create-from-wecom').click();
    await page.getByTestId('bulk-form').waitFor();
    // A refused row: 林芳's username edited to one that exists.
    await pickEmployee('bulk-employees', '林芳');
    await page.getByTestId('bulk-username-linfang').fill('existing');
    await page.getByTestId('role-select').click();
    await choose(page.locator('.ant-select-dropdown:visible .ant-select-item-option').filter({ hasText: '销售代表' }));
    await page.getByTestId('bulk-submit').click();
    const refusal = page.getByTestId('bulk-refusal');
    await refusal.waitFor();
    assert.match(await refusal.innerText(), /有 1 行无法创建，未创建任何用户/);
    assert.match(await refusal.innerText(), /第 1 行：用户名 existing 已存在/);
    assert.equal((await server.testApp.db.select().from(sysUser).where(eq(sysUser.qwUserid, 'linfang'))).length, 0);

    await page.getByTestId('bulk-username-linfang').fill('lin.fang');
    await page.getByTestId('bulk-submit').click();
    await page.getByTestId('created-passwords').waitFor();
    await page.locator('.ant-modal-title').filter({ hasText: '已创建 1 个用户' }).waitFor();
    const password = (await page.getByTestId('created-password-lin.fang').innerText()).trim();
    assert.match(password, /^[A-Za-z0-9]{12}$/);
    await page.getByTestId('passwords-done').click();
    await page.getByTestId('user-binding-lin.fang').filter({ hasText: '林芳' }).waitFor();

    // The created user signs in with the one-time password and is asked to change it first.
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'zh-CN' });
    const first = await context.newPage();
    await first.goto(`${server.url}/login`);
    await first.locator('#username').fill('lin.fang');
    await first.locator('#password').fill(password);
    await first.getByTestId('login-submit').click();
    await first.getByTestId('forced-password').waitFor();
    await context.close();
  });
});
