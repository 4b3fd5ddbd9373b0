/**
 * Issue 15, item 10 (bulk selection on 客户列表) and item 3, in Chromium: the operator selects rows, tags them in
 * bulk, and sees the tag on those rows at once (no sync); a row WeCom refuses is named with the reason in words;
 * "select all matching" tags every row the filters match, and the tag filter then finds them; a transfer requested
 * in SCRM shows on its row as pending at once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { createWecomTestEnv, type WecomTestEnv } from '../../server/src/testing/wecom-test-env.ts';
import { TEST_ADMIN_PASSWORD } from '../../server/src/testing/test-app.ts';
import { browserUnavailable, choose, launchBrowser, browserSuiteSkip as skip, signInThroughForm, SCREENSHOTS, newConsolePage, SUITE_TIMEOUT } from './support/browser.ts';
import { ensureWebBuilt } from './support/console-server.ts';

describe('客户列表 bulk tagging in the console', { skip, timeout: SUITE_TIMEOUT }, () => {
  let env: WecomTestEnv;
  let browser: Browser;
  let page: Page;
  /** Active rows of the list's first page. */
  let rows: Array<{ id: number; customerName: string; employeeName: string; externalUserid: string; userid: string }>;
  let tag: { id: number; name: string; wecomTagId: string };
  /** Active relations (rows the 正常 filter shows). */
  let activeTotal: number;

  const rowOf = (id: number) => page.locator(`tr[data-row-key="${id}"]`);
  /** 批量打标签 → 添加标签 the tag → 保存, as the operator does. */
  async function addTagToSelection(name: string) {
    await page.getByTestId('customer-bulk-tag').click();
    await page.getByTestId('customer-bulk-add').click();
    await page.keyboard.type(name);
    await choose(page.locator('.ant-select-dropdown:visible .ant-select-item-option').filter({ hasText: name }).first());
    await page.keyboard.press('Escape');
    await page.getByTestId('customer-bulk-tag-save').click();
  }

  before(async () => {
    const problem = browserUnavailable();
    if (problem) throw new Error(problem);
    ensureWebBuilt();
    env = await createWecomTestEnv({ sizes: { employees: 4, customers: 24, tagGroups: 2 } });
    await env.syncOrg();
    await env.runJob('tags.corp.sync');
    await env.runJob('customers.sync');
    const admin = await env.login();
    // A tag nobody carries yet.
    tag = ((await admin.get('/scrm/admin/tag/corp/list')).body.date as any[]).at(-1);
    for (const relation of [...env.sim.state.relationsByUser.values()].flatMap((byCustomer) => [...byCustomer.values()])) {
      if (relation.tag_ids.includes(tag.wecomTagId)) env.sim.actions.editCustomer({ userid: relation.userid, external_userid: relation.external_userid, remove_tags: [tag.wecomTagId] });
    }
    await env.settle();
    // Active rows on the list's first page (its default: every relation, newest first, 20 a page).
    const page1 = (await admin.post('/scrm/admin/cust/emp/page', { pageNum: 1, pageSize: 20 })).body.date;
    rows = page1.records.filter((row: any) => row.status === 'active');
    assert.ok(rows.length >= 3, 'active rows on the first page');
    activeTotal = (await admin.post('/scrm/admin/cust/emp/page', { status: 'active', pageSize: 1 })).body.date.total;
    assert.ok(activeTotal > 20 && activeTotal <= 500, `more than a page of active relations (${activeTotal})`);
    browser = await launchBrowser();
    page = await newConsolePage(browser, { width: 1600, height: 1000 });
    await signInThroughForm(page, env.url, 'admin', TEST_ADMIN_PASSWORD);
  });

  after(async () => {
    await browser?.close();
    await env?.close();
  });

  it('tags the selected rows; the tags show on those rows at once, and a refused row is named with the reason', async () => {
    await page.goto(`${env.url}/customer/list`);
    const [first, second, third] = rows;
    for (const row of [first, second, third]) await rowOf(row.id).locator('.ant-checkbox-input').check();
    assert.equal(await page.getByTestId('customer-bulk-count').innerText(), '已选择 3 位客户');

    // WeCom refuses one of them (the relation is gone there: 84061).
    env.sim.faults.set({ failNext: 1, failNextErrcode: 84061, apis: ['externalcontact/mark_tag'] });
    await addTagToSelection(tag.name);
    const failures = page.getByTestId('customer-bulk-failures');
    await failures.waitFor();
    env.sim.faults.reset();
    const failureText = await failures.innerText();
    assert.match(page.url(), /customer\/list/);
    assert.match(await page.locator('.ant-modal-title').last().innerText(), /2 位客户已更新，1 位失败/);
    const named = [first, second, third].find((row) => failureText.startsWith(`${row.customerName}（${row.employeeName}）`));
    assert.ok(named, `the refused row is named by customer and employee: ${failureText}`);
    assert.doesNotMatch(failureText.split('\n')[0], /wm|wo[A-Za-z0-9]{8}/, 'no raw customer id');
    assert.match(failureText, /84061/, 'the raw code on the details line');
    await page.screenshot({ path: `${SCREENSHOTS}customer-bulk-partial.png` });
    await page.getByRole('button', { name: '确 定' }).or(page.getByRole('button', { name: '确定' })).click();

    // The two tagged rows show the tag at once; the refused one does not.
    const tagged = [first, second, third].filter((row) => env.sim.state.relation(row.userid, row.externalUserid)!.tag_ids.includes(tag.wecomTagId));
    assert.equal(tagged.length, 2);
    for (const row of tagged) await rowOf(row.id).getByText(tag.name, { exact: true }).waitFor();
    const refused = [first, second, third].find((row) => !tagged.includes(row))!;
    assert.equal(await rowOf(refused.id).getByText(tag.name, { exact: true }).count(), 0);
    assert.equal(await page.getByTestId('customer-bulk-bar').count(), 0, 'the selection was cleared');
  });

  it('selects all rows matching the filters (more than a page) and tags them all; the tag filter then finds every one', async () => {
    await page.goto(`${env.url}/customer/list`);
    // Filter: active relations — more than the 20 rows of a page.
    await page.locator('.ant-pro-query-filter .ant-form-item').filter({ has: page.locator('label', { hasText: /^状态$/ }) }).locator('.ant-select').click();
    await choose(page.locator('.ant-select-dropdown:visible .ant-select-item-option').filter({ hasText: '正常' }).first());
    await page.getByRole('button', { name: /查\s*询/ }).click();
    await page.locator('.ant-table-row').first().waitFor();
    await page.locator('thead .ant-checkbox-input').check();
    assert.equal(await page.getByTestId('customer-bulk-count').innerText(), '已选择 20 位客户');
    await page.getByTestId('customer-bulk-select-all').click();
    assert.equal(await page.getByTestId('customer-bulk-count').innerText(), `已选择全部 ${activeTotal} 条匹配结果`);
    await addTagToSelection(tag.name);
    await page.locator('.ant-message').getByText(`已为 ${activeTotal} 位客户更新标签`).waitFor();
    // The rows on screen show the tag at once.
    const visible = await page.locator('.ant-table-row').evaluateAll((elements) => elements.map((element) => Number(element.getAttribute('data-row-key'))));
    for (const id of visible.slice(0, 5)) await rowOf(id).getByText(tag.name, { exact: true }).waitFor();
    await page.screenshot({ path: `${SCREENSHOTS}customer-bulk-all.png` });
    // The tag filter finds every one of them.
    const admin = await env.login();
    const filtered = (await admin.post('/scrm/admin/cust/emp/page', { status: 'active', tagIds: [tag.id], pageSize: 1 })).body.date;
    assert.equal(filtered.total, activeTotal);
  });

  it('an on-the-job transfer requested in SCRM shows on the row as pending at once, naming the takeover employee', async () => {
    const admin = await env.login();
    const row = rows[0];
    const takeover = [...env.sim.state.employees.values()].find(
      (candidate) => candidate.customerContact && candidate.status === 1 && candidate.userid !== row.userid && !env.sim.state.relation(candidate.userid, row.externalUserid),
    )!;
    const requested = await admin.post('/scrm/admin/clue/detail/transfer', { externalUserids: [row.externalUserid], handoverUserid: row.userid, takeoverUserid: takeover.userid });
    assert.equal(requested.status, 200, requested.body.msg);
    await page.goto(`${env.url}/customer/list`);
    await rowOf(row.id).getByText(`转接中 → ${takeover.name}`, { exact: true }).waitFor();
  });
});
