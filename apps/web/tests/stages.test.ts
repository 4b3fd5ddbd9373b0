/**
 * Issue 19's stages in Chromium against the WeCom simulator: an operator holding only 客户列表 and 客户阶段 (their
 * menus and buttons) moves a customer to 已报价 from the customer drawer with a note, sees the stage on the list and
 * filters the list by it, then sees the stage hold that customer on 客户阶段 and the funnel count its entry.
 * Nothing is refused (401/403) along the way.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { inArray, or } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { sysMenu } from '../../server/src/db/schema/index.ts';
import { createWecomTestEnv, type WecomTestEnv } from '../../server/src/testing/wecom-test-env.ts';
import { okDate } from '../../server/src/testing/scope-users.ts';
import { browserUnavailable, choose, launchBrowser, newConsolePage, SCREENSHOTS, browserSuiteSkip as skip, SUITE_TIMEOUT } from './support/browser.ts';
import { ensureWebBuilt } from './support/console-server.ts';

const PASSWORD = 'Stages-Passw0rd-1';

describe('customer stages in the console: move in the drawer, filter the list, the pipeline and the funnel', { skip, timeout: SUITE_TIMEOUT }, () => {
  let env: WecomTestEnv;
  let browser: Browser;
  let page: Page;
  const refused: string[] = [];

  before(async () => {
    const problem = browserUnavailable();
    if (problem) throw new Error(problem);
    ensureWebBuilt();
    env = await createWecomTestEnv();
    await env.syncOrg();
    await env.runJob('customers.sync');
    const admin = await env.login();
    // An operator whose role holds exactly the 客户列表 and 客户阶段 menus with their buttons.
    const pages = (await env.db.select({ id: sysMenu.id }).from(sysMenu).where(inArray(sysMenu.perms, ['cust:info:list', 'stage:list']))).map((menu) => menu.id);
    const menus = await env.db.select({ id: sysMenu.id }).from(sysMenu).where(or(inArray(sysMenu.id, pages), inArray(sysMenu.parentId, pages)));
    const role = await okDate(admin.post('/scrm/admin/sys/role/save', { name: '阶段运营', roleKey: 'stage_ops', dataScope: 1 }));
    await okDate(admin.post('/scrm/admin/sys/role/updateMenus', { roleId: role.id, menuIds: menus.map((menu) => menu.id) }));
    const user = await okDate(admin.post('/scrm/admin/sys/user/save', { username: 'stage.ops', nickname: '阶段运营', password: PASSWORD }));
    await okDate(admin.post('/scrm/admin/sys/user/grantRoles', { userId: user.id, roleIds: [role.id] }));
    const { token } = await env.login('stage.ops', PASSWORD);
    browser = await launchBrowser();
    page = await newConsolePage(browser);
    await page.context().addInitScript((value) => localStorage.setItem('scrm.token', value), token);
    page.on('response', (response) => {
      if ((response.status() === 401 || response.status() === 403) && new URL(response.url()).pathname.startsWith('/scrm/admin/')) refused.push(`${response.status()} ${response.url()}`);
    });
  });

  after(async () => {
    await page?.context().close();
    await browser?.close();
    await env?.close();
  });

  it('moves a customer to 已报价 in the drawer, sees it on the list and by the filter, then on 客户阶段 and in the funnel', async () => {
    await page.goto(`${env.url}/customer/list`);
    const table = page.getByTestId('customer-table');
    const firstRow = table.locator('tr.ant-table-row').first();
    await firstRow.waitFor();
    const relationId = (await firstRow.getAttribute('data-row-key'))!;
    assert.equal(await table.getByTestId(`customer-stage-${relationId}`).innerText(), '新客户', 'every relation starts at the first stage');
    const opener = firstRow.locator('[data-testid^=customer-open-]');
    const externalUserid = (await opener.getAttribute('data-testid'))!.slice('customer-open-'.length);
    await opener.click();
    const drawer = page.getByTestId('customer-drawer');
    const moveButton = drawer.locator('[data-testid^=relation-stage-move-]').first();
    await moveButton.waitFor();
    const userid = (await moveButton.getAttribute('data-testid'))!.slice('relation-stage-move-'.length);
    await moveButton.click();
    const form = page.getByTestId('stage-move-form');
    await form.getByTestId('stage-move-target').click();
    await choose(page.locator('.ant-select-dropdown:visible .ant-select-item-option').filter({ hasText: '已报价' }));
    await form.getByTestId('stage-move-note').fill('发了报价单');
    await page.locator('.ant-modal:visible .ant-btn-primary').click();
    await page.getByText('已移到「已报价」').waitFor();
    assert.equal(await drawer.getByTestId(`relation-stage-${userid}`).innerText(), '已报价');
    // The history shows who moved it, from where, with the note.
    await drawer.getByTestId(`relation-stage-move-${userid}`).click();
    const history = page.getByTestId('stage-history');
    await history.getByText('发了报价单').waitFor();
    assert.match(await history.innerText(), /新客户 → 已报价 · 发了报价单[\s\S]*stage\.ops/);
    await page.screenshot({ path: `${SCREENSHOTS}zh-CN-stage-move.png` });
    await page.locator('.ant-modal:visible .ant-modal-close').click();
    await page.locator('.ant-drawer-close').click();

    // The list shows the new stage (reloaded when the drawer changed something), and the stage filter finds it.
    await table.getByTestId(`customer-stage-${relationId}`).getByText('已报价').waitFor();
    await page.getByTestId('filter-stages').click();
    await choose(page.locator('.ant-select-dropdown:visible .ant-select-item-option').filter({ hasText: '已报价' }));
    await page.keyboard.press('Escape');
    await page.locator('.ant-pro-query-filter .ant-btn-primary').click();
    await table.locator(`tr.ant-table-row[data-row-key="${relationId}"]`).waitFor();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=customer-table] tr.ant-table-row').length === 1);
    assert.ok(await table.getByTestId(`customer-open-${externalUserid}`).isVisible());

    // 客户阶段: the stage holds the customer; the funnel counts its entry today.
    await page.goto(`${env.url}/ops/stage`);
    await page.getByTestId('stage-row-已报价').waitFor();
    assert.equal(await page.getByTestId('stage-count-已报价').innerText(), '1');
    const quoted = page.getByTestId('funnel-stage-已报价');
    await quoted.waitFor();
    assert.match(await quoted.innerText(), /已报价\s+1\b/);
    await page.getByTestId('funnel-chart').locator('canvas').waitFor();
    await page.getByTestId('funnel-by-employee').locator('tr.ant-table-row').first().waitFor();
    await page.screenshot({ path: `${SCREENSHOTS}zh-CN-stage-funnel.png`, fullPage: true });
    assert.deepEqual(refused, []);
  });
});
