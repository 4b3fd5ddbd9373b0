/**
 * Issue 15, item 9, in Chromium against the WeCom simulator: leads are owned by WeCom employees. An operator assigns
 * a lead to an employee from the eligible-employee picker; the list shows the owner's name; the simulator recorded
 * the app message the employee received. Then 退回公海 with a reason puts it back in the pool, and the 待跟进 view
 * lists a lead whose follow-up date has come.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { createWecomTestEnv, type WecomTestEnv } from '../../server/src/testing/wecom-test-env.ts';
import { TEST_ADMIN_PASSWORD, type TestClient } from '../../server/src/testing/test-app.ts';
import { browserUnavailable, choose, launchBrowser, SCREENSHOTS, browserSuiteSkip as skip, signInThroughForm, newConsolePage, SUITE_TIMEOUT } from './support/browser.ts';
import { ensureWebBuilt } from './support/console-server.ts';

describe('leads owned by WeCom employees, in the console', { skip, timeout: SUITE_TIMEOUT }, () => {
  let env: WecomTestEnv;
  let browser: Browser;
  let page: Page;
  let admin: TestClient;
  let owner: { userid: string; name: string };

  before(async () => {
    const problem = browserUnavailable();
    if (problem) throw new Error(problem);
    ensureWebBuilt();
    env = await createWecomTestEnv({ sizes: { employees: 6, customers: 4 } });
    await env.syncOrg();
    owner = [...env.sim.state.employees.values()].find((e) => e.customerContact && e.status === 1 && e.resignedAt === undefined && e.name !== e.userid)!;
    admin = await env.login();
    browser = await launchBrowser();
    page = await newConsolePage(browser);
    await signInThroughForm(page, env.url, 'admin', TEST_ADMIN_PASSWORD);
  });

  after(async () => {
    await browser?.close();
    await env?.close();
  });

  const addLead = async (body: Record<string, unknown>) => {
    const response = await admin.post('/scrm/admin/clue/add', body);
    assert.equal(response.status, 200, response.body.msg);
    return response.body.date as { id: number };
  };
  const rowOf = (id: number) => page.getByTestId('lead-table').locator(`tr[data-row-key="${id}"]`);
  /** The list page with the lead's row shown (the page's code loads on first visit: slow on a busy machine). */
  const openPool = async (leadId: number) => {
    await page.goto(`${env.url}/clue/pool`);
    await rowOf(leadId).waitFor({ timeout: 60_000 });
  };

  it("assigns a lead to an employee: the list shows the owner's name, and the employee got the app message", async () => {
    const lead = await addLead({ name: '浏览器线索', phone: '13912340001' });
    await openPool(lead.id);
    // A lead never followed up: its empty cells read — like every other empty cell of the console, never '-'.
    const headers = (await page.getByTestId('lead-table').locator('thead th').allInnerTexts()).map((text) => text.trim());
    const cells = (await rowOf(lead.id).locator('td').allInnerTexts()).map((text) => text.trim());
    assert.equal(cells[headers.indexOf('最近跟进')], '—');
    assert.ok(!cells.includes('-'), cells.join(' | '));
    await rowOf(lead.id).locator('.ant-checkbox-input').check();
    await page.getByTestId('lead-assign').click();
    await page.getByTestId('lead-assign-user').click();
    await page.keyboard.type(owner.name);
    await choose(page.locator('.ant-select-dropdown:visible .ant-select-item-option').filter({ hasText: owner.userid }).first());
    await page.locator('.ant-modal:visible .ant-modal-footer .ant-btn-primary').click();
    await page.locator('.ant-message-notice', { hasText: `已分配给 ${owner.name}` }).waitFor();
    await rowOf(lead.id).getByTestId(`lead-owner-${lead.id}`).filter({ hasText: owner.name }).waitFor();
    assert.ok(!(await rowOf(lead.id).innerText()).includes(owner.userid), 'the name, not the userid');
    await page.screenshot({ path: `${SCREENSHOTS}zh-CN-leads-assigned.png` });

    const deadline = Date.now() + 10_000;
    const received = () => env.sim.state.appMessages.filter((message) => message.userid === owner.userid && message.content.includes('「浏览器线索」'));
    while (received().length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(received().length, 1, 'the employee received one app message');
    assert.match(received()[0].content, /^【线索分配提醒】\n.+把线索「浏览器线索」分配给你/);
    assert.equal(received()[0].dropped, undefined);
  });

  it('returns it to the pool with a reason; the drawer says why', async () => {
    const lead = await addLead({ name: '退回的线索', phone: '13912340002', ownerUserid: owner.userid });
    await openPool(lead.id);
    await rowOf(lead.id).getByTestId(`lead-owner-${lead.id}`).filter({ hasText: owner.name }).waitFor();
    await rowOf(lead.id).locator('.ant-checkbox-input').check();
    await page.getByTestId('lead-return').click();
    await page.getByTestId('lead-return-reason').fill('号码空号');
    await page.locator('.ant-modal:visible .ant-modal-footer .ant-btn-primary').click();
    await page.locator('.ant-message-notice', { hasText: '已退回 1 条线索到公海' }).waitFor();
    await rowOf(lead.id).getByText('公海').first().waitFor();
    await page.getByTestId(`lead-open-${lead.id}`).click();
    const drawer = page.getByTestId('lead-drawer');
    await drawer.getByText('退回原因：号码空号').waitFor();
    await page.screenshot({ path: `${SCREENSHOTS}zh-CN-lead-returned.png` });
    await page.keyboard.press('Escape');
  });

  it('待跟进 lists the leads whose follow-up date has come', async () => {
    const due = await addLead({ name: '该跟进了', phone: '13912340003', ownerUserid: owner.userid });
    const notYet = await addLead({ name: '还不急', phone: '13912340004', ownerUserid: owner.userid });
    await admin.post('/scrm/admin/clue/update', { clueId: due.id, nextFollowAt: new Date(env.clock.now - 3600_000).toISOString() });
    await admin.post('/scrm/admin/clue/update', { clueId: notYet.id, nextFollowAt: new Date(env.clock.now + 5 * 86_400_000).toISOString() });
    await openPool(notYet.id);
    await page.getByTestId('lead-view-due').click();
    await rowOf(notYet.id).waitFor({ state: 'detached' });
    await rowOf(due.id).waitFor();
    await page.screenshot({ path: `${SCREENSHOTS}zh-CN-leads-due.png` });
  });
});
