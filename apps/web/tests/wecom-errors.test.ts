/**
 * Issue 15, item 5, in Chromium: a WeCom error the console shows says what happened and what to do, with the raw
 * code and errmsg on a details line: a link published to an employee without 客户联系 permission (its status tooltip;
 * toasts, alerts and job progress use the same withDetail of api/client.ts).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { createWecomTestEnv, type WecomTestEnv } from '../../server/src/testing/wecom-test-env.ts';
import { TEST_ADMIN_PASSWORD } from '../../server/src/testing/test-app.ts';
import { browserUnavailable, launchBrowser, browserSuiteSkip as skip, signInThroughForm, newConsolePage, SUITE_TIMEOUT } from './support/browser.ts';
import { ensureWebBuilt } from './support/console-server.ts';

describe('WeCom errors in the console', { skip, timeout: SUITE_TIMEOUT }, () => {
  let env: WecomTestEnv;
  let browser: Browser;
  let name: string;
  let userid: string;
  let failedId: number;

  async function signedIn(): Promise<Page> {
    return signInThroughForm(await newConsolePage(browser), env.url, 'admin', TEST_ADMIN_PASSWORD);
  }

  before(async () => {
    const problem = browserUnavailable();
    if (problem) throw new Error(problem);
    ensureWebBuilt();
    env = await createWecomTestEnv({ sizes: { employees: 6, customers: 4 } });
    await env.syncOrg();
    const employee = [...env.sim.state.employees.values()].find((candidate) => candidate.customerContact && candidate.status === 1 && candidate.name !== candidate.userid)!;
    ({ name, userid } = employee);
    env.sim.actions.updateEmployee({ userid, customerContact: false });
    const admin = await env.login();
    const saved = await admin.post('/scrm/admin/cust/get/link/save', { linkName: '无权限链接', userList: [userid], allocationMethod: 'default', skipVerify: 'true', status: 1 });
    assert.equal(saved.status, 200, saved.body.msg);
    assert.equal(saved.body.date.status, 2);
    failedId = saved.body.date.id;
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await env?.close();
  });

  it("shows why publishing failed with the employee's name, and the raw code on a details line", async () => {
    const page = await signedIn();
    await page.goto(`${env.url}/acquisition/link`);
    await page.getByTestId(`link-status-${failedId}`).hover();
    const tooltip = page.locator('.ant-tooltip-container, .ant-tooltip-inner').filter({ hasText: '没有客户联系权限' }).first();
    await tooltip.waitFor();
    const text = await tooltip.innerText();
    assert.match(text, new RegExp(`${name}没有客户联系权限：请在企业微信管理后台「客户联系 → 权限配置」中添加`));
    assert.match(await tooltip.getByTestId('error-detail').innerText(), new RegExp(`^errcode 84074: no external contact privilege: ${userid}`));
    await page.context().close();
  });
});
