/**
 * 入群欢迎语 and 敏感词拦截 in Chromium against the WeCom simulator: an operator holding only those two menus (with
 * their buttons) creates a welcome message with an image from the media library and a rule for two employees;
 * both are listed by name, and both are in WeCom. Nothing is refused (401/403) along the way.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { createWecomTestEnv, type WecomTestEnv } from '../../server/src/testing/wecom-test-env.ts';
import { createScopedUser } from '../../server/src/testing/scope-users.ts';
import { samplePng, upload } from '../../server/src/modules/acquisition/acquisition.testing.ts';
import { browserUnavailable, choose, launchBrowser, newConsolePage, SCREENSHOTS, browserSuiteSkip as skip, SUITE_TIMEOUT } from './support/browser.ts';
import { ensureWebBuilt } from './support/console-server.ts';

describe('入群欢迎语 and 敏感词拦截 in the console', { skip, timeout: SUITE_TIMEOUT }, () => {
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
    const admin = await env.login();
    const uploaded = await upload(env.app, admin.token, { type: 'image', title: '入群海报' }, { name: 'poster.png', content: await samplePng(), type: 'image/png' });
    assert.equal(uploaded.status, 200);
    // An operator whose role holds exactly the two menus with their buttons.
    const operator = await createScopedUser(env, admin, {
      username: 'config.ops', dataScope: 1,
      perms: ['group:welcome:list', 'group:welcome:query', 'group:welcome:save', 'group:welcome:delete', 'intercept:list', 'intercept:query', 'intercept:save', 'intercept:delete', 'intercept:sync'],
    });
    const { token } = operator as typeof operator & { token: string };
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

  it('creates a welcome message with an image and a rule for two employees; both are listed by name and are in WeCom', async () => {
    await page.goto(`${env.url}/group/welcome`);
    await page.getByText('企业微信没有把欢迎语绑定到某个群的接口', { exact: false }).waitFor();
    await page.getByTestId('group-welcome-create').click();
    const welcome = page.getByTestId('group-welcome-form');
    await welcome.locator('#name').fill('新人入群');
    await welcome.locator('#text').fill('欢迎 ');
    await welcome.getByRole('button', { name: '插入客户昵称' }).click();
    await welcome.getByTestId('group-welcome-media').click();
    await choose(page.locator('.ant-select-item-option', { hasText: '入群海报' }));
    await page.locator('.ant-modal-footer .ant-btn-primary').click();
    const row = page.locator('.ant-table-row', { hasText: '新人入群' });
    await row.waitFor();
    assert.match(await row.innerText(), /欢迎 %NICKNAME%[\s\S]*图片[\s\S]*入群海报/);
    const templates = [...env.sim.state.groupWelcomeTemplates.values()];
    assert.deepEqual(templates.map((template) => [template.text?.content, template.attachment?.msgtype]), [['欢迎 %NICKNAME%', 'image']]);

    const employees = [...env.sim.state.employees.values()].filter((employee) => employee.resignedAt === undefined && env.sim.state.isEmployeeVisible(employee)).slice(0, 2);
    await page.goto(`${env.url}/ops/intercept`);
    await page.getByTestId('intercept-create').click();
    const form = page.getByTestId('intercept-form');
    await form.locator('#name').fill('禁止私下联系');
    const words = form.getByTestId('intercept-words').locator('input');
    for (const word of ['加微信', '私下转账']) {
      await words.fill(word);
      await words.press('Enter');
    }
    await form.getByLabel('手机号').check();
    for (const employee of employees) {
      await form.getByTestId('intercept-users').locator('input').fill(employee.name);
      await choose(page.locator('.ant-select-item-option', { hasText: `${employee.name} (${employee.userid})` }));
    }
    await page.keyboard.press('Escape');
    await page.locator('.ant-modal-footer .ant-btn-primary').click();
    const ruleRow = page.locator('.ant-table-row', { hasText: '禁止私下联系' });
    await ruleRow.waitFor();
    const shown = await ruleRow.innerText();
    for (const text of ['加微信', '私下转账', '手机号', '警告并拦截发送', 'SCRM 创建', ...employees.map((employee) => employee.name)]) assert.ok(shown.includes(text), `${text} in ${shown}`);
    const rules = [...env.sim.state.interceptRules.values()];
    assert.deepEqual(rules.map((rule) => [rule.rule_name, rule.word_list, rule.semantics_list, rule.user_list.sort()]), [['禁止私下联系', ['加微信', '私下转账'], [1], employees.map((employee) => employee.userid).sort()]]);
    await page.screenshot({ path: `${SCREENSHOTS}/intercept-rules.png` });
    assert.deepEqual(refused, []);
  });
});
