/**
 * The server's Content-Security-Policy (helmet) against the real console and Swagger UI in Chromium: both load
 * and work, and the browser reports no violation.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { sql } from 'drizzle-orm';
import { launchBrowser, browserSuiteSkip as skip, SUITE_TIMEOUT, PAGE_TIMEOUT } from './support/browser.ts';
import { startConsoleServer, TEST_ADMIN_PASSWORD, type ConsoleServer } from './support/console-server.ts';

describe('the console and Swagger UI under the security headers', { skip, timeout: SUITE_TIMEOUT }, () => {
  let server: ConsoleServer;
  let browser: Browser;

  before(async () => {
    [server, browser] = await Promise.all([startConsoleServer(), launchBrowser()]);
    // WeCom's avatars are plain-http URLs; the customer list shows them.
    await server.testApp.db.execute(
      sql`INSERT INTO customer (external_userid, name, avatar) VALUES ('wm_csp_avatar', '头像客户', 'http://wx.qlogo.cn/mmhead/csp-test/0')`,
    );
    await server.testApp.db.execute(sql`INSERT INTO customer_relation (external_userid, userid, createtime) VALUES ('wm_csp_avatar', 'csp_employee', now())`);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  /** A page that records every CSP violation and page error. */
  async function watchedPage(): Promise<{ page: Page; problems: string[] }> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'zh-CN' });
    const page = await context.newPage();
    page.setDefaultTimeout(PAGE_TIMEOUT);
    const problems: string[] = [];
    await page.exposeFunction('reportViolation', (text: string) => problems.push(text));
    await context.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (event) =>
        (window as unknown as { reportViolation(text: string): void }).reportViolation(`CSP ${event.violatedDirective}: ${event.blockedURI}`),
      );
    });
    page.on('console', (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text())) problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    return { page, problems };
  }

  it('the console signs in and shows its pages with no CSP violation', async () => {
    const { page, problems } = await watchedPage();
    const response = await page.goto(`${server.url}/login`);
    assert.match(String(response?.headers()['content-security-policy']), /frame-ancestors 'none'/);
    await page.locator('#username').fill('admin');
    await page.locator('#password').fill(TEST_ADMIN_PASSWORD);
    await page.getByTestId('login-submit').click();
    await page.locator('.ant-pro-layout').waitFor();
    for (const path of ['/customer/list', '/acquisition/media', '/system/user']) {
      await page.goto(`${server.url}${path}`);
      await page.locator('.ant-pro-layout').waitFor();
      await page.locator('.ant-table, .ant-pro-table, .ant-empty').first().waitFor();
      if (path === '/customer/list') await page.getByText('头像客户').first().waitFor();
    }
    await page.waitForLoadState('networkidle');
    assert.deepEqual(problems, []);
  });

  it('Swagger UI at /scrm/docs renders the operations with no CSP violation', async () => {
    const { page, problems } = await watchedPage();
    await page.goto(`${server.url}/scrm/docs/`);
    await page.locator('.swagger-ui .info .title').waitFor();
    assert.match(await page.locator('.swagger-ui .info .title').innerText(), /SCRM API/);
    await page.locator('.opblock').first().waitFor();
    // An operation opens (Swagger UI's own scripts run).
    await page.locator('.opblock-summary').first().click();
    await page.locator('.opblock-body').first().waitFor();
    await page.waitForLoadState('networkidle');
    assert.deepEqual(problems, []);
  });
});
