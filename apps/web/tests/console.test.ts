/**
 * The admin console in a real browser: Debian's chromium driven by playwright-core, against the server
 * (test database) serving the built console. Screenshots of each page, in zh-CN and English, go to
 * test-artifacts/screenshots/.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { browserUnavailable, choose, launchBrowser, browserSuiteSkip as skip, SCREENSHOTS as screenshots, SUITE_TIMEOUT, PAGE_TIMEOUT } from './support/browser.ts';
import { startConsoleServer, TEST_ADMIN_PASSWORD, type ConsoleServer } from './support/console-server.ts';

describe('admin console in Chromium', { skip, timeout: SUITE_TIMEOUT }, () => {
  let server: ConsoleServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  let admin: Page;
  let limitedRoleId: number;
  let oneTimePassword: string;

  async function newPage(language: 'zh-CN' | 'en' = 'zh-CN'): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: language });
    if (language === 'en') await context.addInitScript(() => localStorage.setItem('scrm.language', 'en'));
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(PAGE_TIMEOUT);
    page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
    return page;
  }

  async function shoot(page: Page, name: string) {
    // Let tables, charts and fonts settle.
    await page.waitForLoadState('networkidle');
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true });
  }

  async function login(page: Page, username: string, password: string) {
    await page.goto(`${server.url}/login`);
    await page.locator('#username').fill(username);
    await page.locator('#password').fill(password);
    await page.getByTestId('login-submit').click();
  }

  async function visit(page: Page, path: string) {
    await page.goto(`${server.url}${path}`);
    await page.locator('.ant-pro-layout').waitFor();
  }

  /** Text of the latest antd message toast. */
  async function lastMessage(page: Page): Promise<string> {
    const notice = page.locator('.ant-message-notice').last();
    await notice.waitFor();
    return (await notice.innerText()).trim();
  }

  /** Labels of the side menu: top-level entries, and the pages of the opened directories. */
  async function menuLabels(page: Page): Promise<string[]> {
    const labels = await page.locator('.ant-pro-sider .ant-menu-title-content').allInnerTexts();
    return labels.map((label) => label.trim()).filter(Boolean);
  }

  before(async () => {
    const problem = browserUnavailable();
    if (problem) throw new Error(problem);
    mkdirSync(screenshots, { recursive: true });
    server = await startConsoleServer();
    browser = await launchBrowser();
    admin = await newPage();
  });

  after(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await server?.close();
  });

  it('serves the console at / with a client-side route fallback, and keeps the API 404 envelope', async () => {
    const index = await fetch(`${server.url}/system/user`);
    assert.equal(index.status, 200);
    assert.match(await index.text(), /<div id="root">/);
    const missing = await fetch(`${server.url}/scrm/no-such-endpoint`);
    assert.equal(missing.status, 404);
    assert.equal((await missing.json()).code, '404');
  });

  it('logs in as admin and shows the dashboard with real system figures', async () => {
    await admin.goto(`${server.url}/`);
    await admin.getByTestId('login-form').waitFor();
    await shoot(admin, 'zh-CN-login');
    await login(admin, 'admin', TEST_ADMIN_PASSWORD);
    await admin.waitForURL('**/dashboard');
    await admin.getByTestId('figure-users').getByText('1', { exact: true }).waitFor();
    // Customer figures come from their endpoints: real zeros on an empty database, never made-up numbers.
    await admin.getByTestId('figure-customers').getByText('0', { exact: true }).waitFor();
    await admin.getByTestId('figure-leads').getByText('0', { exact: true }).waitFor();
    await shoot(admin, 'zh-CN-dashboard');
  });

  it('navigates users, roles, menus, departments, profile and a module that has not landed', async () => {
    await admin.locator('.ant-pro-sider').getByText('系统管理').click();
    await admin.locator('.ant-pro-sider').getByText('用户管理').click();
    await admin.waitForURL('**/system/user');
    await admin.getByTestId('user-table').getByText('admin', { exact: true }).waitFor();
    await shoot(admin, 'zh-CN-users');

    await admin.locator('.ant-pro-sider').getByText('角色管理').click();
    await admin.waitForURL('**/system/role');
    await admin.getByText('超级管理员').waitFor();
    await shoot(admin, 'zh-CN-roles');

    await visit(admin, '/system/menu');
    await admin.getByTestId('menu-table').getByText('获客管理').waitFor();
    await shoot(admin, 'zh-CN-menus');

    await visit(admin, '/system/dept');
    await admin.getByTestId('dept-table').getByText('总公司').waitFor();
    await shoot(admin, 'zh-CN-departments');

    await visit(admin, '/profile');
    await admin.getByTestId('password-form').waitFor();
    const fileInput = admin.locator('.ant-upload input[type=file]');
    // Refused in the browser before anything is sent: not an image.
    await fileInput.setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') });
    assert.equal(await lastMessage(admin), '只能上传 JPG、PNG、GIF 或 WEBP 图片');
    await fileInput.setInputFiles({ name: 'avatar.png', mimeType: 'image/png', buffer: Buffer.from(ONE_PIXEL_PNG, 'base64') });
    await admin.locator('.ant-message-notice', { hasText: '头像已更新' }).waitFor();
    await admin.locator('[data-testid=profile-avatar] img').waitFor();
    await shoot(admin, 'zh-CN-profile');

    // A menu path without a page (a module that has not landed) says "coming soon".
    const api = await server.testApp.login();
    const saved = await api.post('/scrm/admin/sys/menu/save', { parentId: 0, menuType: 'C', name: '即将上线的模块', nameEn: 'Upcoming module', path: '/upcoming', orderNum: 99, visible: true, status: 0 });
    assert.equal(saved.status, 200, saved.body.msg);
    await visit(admin, '/upcoming');
    await admin.getByTestId('coming-soon').waitFor();
    assert.match(await admin.locator('.ant-result-subtitle').innerText(), /即将上线的模块/);
    await shoot(admin, 'zh-CN-coming-soon');

    // Module pages work: their list endpoint answers and the table shows it (never "coming soon").
    for (const [path, endpoint, name] of [
      ['/system/audit', '/scrm/admin/sys/audit/page', 'audit-log'],
      ['/wecom/dept', '/scrm/admin/qw/dept/page', 'wecom-departments'],
      ['/wecom/emp', '/scrm/admin/qw/emp/page', 'wecom-employees'],
    ] as const) {
      const listed = admin.waitForResponse((response) => new URL(response.url()).pathname === endpoint);
      await visit(admin, path);
      const response = await listed;
      assert.equal(response.status(), 200, `${path}: ${endpoint} answers`);
      const { code, date } = (await response.json()) as { code: string; date: { total: number } };
      assert.equal(code, '200');
      await admin.locator('.ant-pro-table .ant-table-thead th').first().waitFor();
      // The table shows what the endpoint answered: its rows, or the empty state when there are none.
      if (date.total > 0) await admin.locator('.ant-pro-table .ant-table-row').first().waitFor();
      else await admin.locator('.ant-pro-table .ant-empty').waitFor();
      assert.equal(await admin.getByTestId('coming-soon').count(), 0, `${path} is a working page, not "coming soon"`);
      assert.equal(await admin.locator('.ant-message-error').count(), 0, `${path}: no error`);
      await shoot(admin, `zh-CN-${name}`);
    }
  });

  it('creates a user with a limited role through the user form', async () => {
    // A role granting the dashboard and the user list (no buttons).
    const api = await server.testApp.login();
    const role = await api.post('/scrm/admin/sys/role/save', { name: '客服专员', roleKey: 'support', dataScope: 5 });
    assert.equal(role.status, 200, role.body.msg);
    limitedRoleId = role.body.date.id;
    const tree = (await api.get('/scrm/admin/sys/menu/tree')).body.date as MenuTreeNode[];
    const grants = menuIdsFor(tree, ['/dashboard', '/system', '/system/user']);
    const granted = await api.post('/scrm/admin/sys/role/updateMenus', { roleId: limitedRoleId, menuIds: grants });
    assert.equal(granted.status, 200, granted.body.msg);

    await visit(admin, '/system/user');
    await admin.getByTestId('user-create').click();
    const form = admin.getByTestId('user-form');
    await form.locator('#username').fill('zhangsan');
    await form.locator('#nickname').fill('张三');
    await form.locator('#password').fill('Initial12345');
    await form.getByTestId('role-select').click();
    await choose(admin.locator('.ant-select-dropdown .ant-select-item-option', { hasText: '客服专员' }));
    await admin.keyboard.press('Escape');
    await shoot(admin, 'zh-CN-user-form');
    await admin.locator('.ant-modal-footer .ant-btn-primary').click();
    await admin.getByTestId('user-table').getByText('zhangsan', { exact: true }).waitFor();

    const created = await api.post('/scrm/admin/sys/user/page', { pageNum: 1, pageSize: 10, username: 'zhangsan' });
    assert.equal(created.body.date.total, 1);
    const detail = await api.get('/scrm/admin/sys/user/get', { id: created.body.date.records[0].id });
    assert.deepEqual(detail.body.date.roleIds, [limitedRoleId]);
  });

  it('shows the limited user only their menus and buttons, and the server\'s 403 message when a grant is withdrawn', async () => {
    const page = await newPage();
    await login(page, 'zhangsan', 'Initial12345');
    await page.waitForURL('**/dashboard');
    await page.locator('.ant-pro-sider').getByText('系统管理').click();
    const labels = await menuLabels(page);
    assert.deepEqual(labels, ['首页', '系统管理', '用户管理']);
    await page.locator('.ant-pro-sider').getByText('用户管理').click();
    await page.getByTestId('user-table').getByText('zhangsan', { exact: true }).waitFor();
    assert.equal(await page.getByTestId('user-create').count(), 0, 'no "new user" button without sys:user:save');
    assert.equal(await page.getByTestId('user-edit-admin').count(), 0, 'no edit link without sys:user:save');
    await shoot(page, 'zh-CN-limited-user');

    // A page outside the user's menus is not routed.
    await visit(page, '/system/role');
    await page.getByTestId('not-found').waitFor();

    // Withdraw the user list while the page is open: the next query is refused by the server, and the
    // page shows the server's own message.
    await visit(page, '/system/user');
    await page.getByTestId('user-table').getByText('zhangsan', { exact: true }).waitFor();
    const api = await server.testApp.login();
    const tree = (await api.get('/scrm/admin/sys/menu/tree')).body.date as MenuTreeNode[];
    await api.post('/scrm/admin/sys/role/updateMenus', { roleId: limitedRoleId, menuIds: menuIdsFor(tree, ['/dashboard']) });
    const limitedToken = await page.evaluate(() => localStorage.getItem('scrm.token'));
    const forbidden = await server.testApp.client(limitedToken!).post('/scrm/admin/sys/user/page', { pageNum: 1, pageSize: 10 });
    assert.equal(forbidden.status, 403);
    // In words (the menu that grants it), the code on a details line under it.
    assert.equal(forbidden.body.msg, '缺少「用户管理」权限，请联系管理员授予');
    await page.locator('.ant-pro-query-filter').getByRole('button', { name: /查\s*询/ }).click();
    assert.equal(await lastMessage(page), `${forbidden.body.msg}\nsys:user:list`);
    await shoot(page, 'zh-CN-forbidden');

    // After a reload the menu service no longer lists the page.
    await visit(page, '/system/user');
    await page.getByTestId('not-found').waitFor();
    assert.deepEqual(await menuLabels(page), ['首页']);

    await api.post('/scrm/admin/sys/role/updateMenus', { roleId: limitedRoleId, menuIds: menuIdsFor(tree, ['/dashboard', '/system', '/system/user']) });
  });

  it('resets a password, shows the one-time password once, and forces a change at the next sign-in', async () => {
    await visit(admin, '/system/user');
    await admin.getByTestId('user-reset-zhangsan').click();
    await choose(admin.locator('.ant-popover .ant-btn-primary'));
    const shown = admin.getByTestId('one-time-password');
    await shown.waitFor();
    oneTimePassword = (await shown.innerText()).trim();
    assert.match(oneTimePassword, /^[A-Za-z0-9]{12}$/);
    await shoot(admin, 'zh-CN-reset-password');
    await admin.locator('.ant-modal-confirm .ant-btn-primary').click();

    const page = await newPage();
    await login(page, 'zhangsan', oneTimePassword);
    const forced = page.getByTestId('forced-password');
    await forced.waitFor();
    assert.equal(await page.locator('.ant-pro-layout').count(), 0, 'nothing else is shown before the password is changed');
    await shoot(page, 'zh-CN-forced-password');
    await forced.locator('#oldPassword').fill(oneTimePassword);
    await forced.locator('#newPassword').fill('Changed45678');
    await forced.locator('#confirmPassword').fill('Changed45678');
    await page.getByTestId('password-submit').click();
    await page.waitForURL('**/dashboard');
    await page.locator('.ant-pro-layout').waitFor();

    const again = await newPage();
    await login(again, 'zhangsan', 'Changed45678');
    await again.waitForURL('**/dashboard');
  });

  it('switches to English, and every page follows', async () => {
    await visit(admin, '/dashboard');
    await admin.getByTestId('language-switch').hover();
    await choose(admin.locator('.ant-dropdown-menu-item', { hasText: 'English' }));
    await admin.locator('.ant-pro-sider').getByText('System').waitFor();
    assert.ok(await admin.getByText('New customers today').isVisible());
    await shoot(admin, 'en-dashboard');

    await admin.locator('.ant-pro-sider').getByText('System').click();
    await admin.locator('.ant-pro-sider').getByText('Users', { exact: true }).click();
    await admin.getByTestId('user-table').getByText('zhangsan', { exact: true }).waitFor();
    assert.ok(await admin.getByRole('button', { name: /New user/ }).isVisible());
    await shoot(admin, 'en-users');

    for (const [path, name, marker] of [
      ['/system/role', 'roles', 'New role'],
      ['/system/menu', 'menus', 'Acquisition'],
      ['/system/dept', 'departments', '总公司'],
      ['/profile', 'profile', 'Change password'],
      ['/upcoming', 'coming-soon', 'Coming soon'],
      ['/system/audit', 'audit-log', 'Audit log'],
      ['/wecom/dept', 'wecom-departments', 'WeCom departments'],
      ['/wecom/emp', 'wecom-employees', 'WeCom employees'],
    ] as const) {
      await visit(admin, path);
      await admin.locator('.ant-pro-page-container, .ant-result').getByText(marker).first().waitFor();
      await shoot(admin, `en-${name}`);
    }

    const page = await newPage('en');
    await page.goto(`${server.url}/login`);
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await shoot(page, 'en-login');
    // Server messages follow the language too.
    await login(page, 'admin', 'wrong-password-1');
    assert.doesNotMatch(await lastMessage(page), /[\u4e00-\u9fff]/, 'the server answers in English');
  });

  it('keeps a device token per username and signs in with it while an attacker keeps the account waiting', async () => {
    const device = await admin.evaluate(() => localStorage.getItem('scrm.device.admin'));
    assert.match(device ?? '', /^d1\./, 'kept after the sign-in');
    // Someone sends wrong passwords for admin until the account waits.
    for (let i = 0; i < 20; i++) {
      if ((await server.testApp.anonymous.post('/scrm/admin/login', { username: 'admin', password: `guess-${i}` })).status === 429) break;
    }
    // A browser that never signed in as admin waits like the attacker.
    const stranger = await newPage('en');
    await login(stranger, 'admin', TEST_ADMIN_PASSWORD);
    assert.match(await lastMessage(stranger), /try again|seconds/i);
    // The administrator's own browser (signed out, its device token kept) sends the device token and is in at once.
    await admin.evaluate(() => localStorage.removeItem('scrm.token'));
    const own = await admin.context().newPage();
    await login(own, 'admin', TEST_ADMIN_PASSWORD);
    await own.waitForURL('**/dashboard');
    assert.notEqual(await own.evaluate(() => localStorage.getItem('scrm.device.admin')), device, 'a fresh device token');
  });
});

const ONE_PIXEL_PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

interface MenuTreeNode {
  id: number;
  path: string | null;
  children: MenuTreeNode[];
}

/** Ids of the menus with these paths (not their buttons). */
function menuIdsFor(tree: MenuTreeNode[], paths: string[]): number[] {
  const ids: number[] = [];
  const walk = (nodes: MenuTreeNode[]) => {
    for (const node of nodes) {
      if (node.path && paths.includes(node.path)) ids.push(node.id);
      walk(node.children ?? []);
    }
  };
  walk(tree);
  return ids;
}
