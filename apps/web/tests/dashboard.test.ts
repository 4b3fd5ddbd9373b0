/**
 * 首页 as the operator sees it, against the server wired to the WeCom simulator after the first sync with WeCom
 * (issue 16, item 2; issue 15, item 8): the sync's steps with their counts, the totals of customers and groups,
 * and only the cards the user may read — a limited role sees no card of a module it was not granted (not a
 * "shown once this module is available" placeholder) and the sync's steps without the corp's counts.
 * One server and one browser for the file.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sql } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { createWecomTestEnv, type WecomTestEnv } from '../../server/src/testing/wecom-test-env.ts';
import type { TestClient } from '../../server/src/testing/test-app.ts';
import { TEST_ADMIN_PASSWORD } from '../../server/src/testing/test-app.ts';
import { ensureInitialWecomSync } from '../../server/src/platform/jobs/wecom-sync.ts';
import { browserUnavailable, launchBrowser, browserSuiteSkip as skip, SCREENSHOTS as screenshots, signInThroughForm, newConsolePage, SUITE_TIMEOUT } from './support/browser.ts';
import { ensureWebBuilt } from './support/console-server.ts';

const PASSWORD = 'Dashboard12345';

interface InstalledMenu {
  id: number;
  path: string | null;
  menuType: string;
  children: InstalledMenu[];
}
const flatten = (nodes: InstalledMenu[]): InstalledMenu[] => nodes.flatMap((node) => [node, ...flatten(node.children ?? [])]);

describe('the dashboard after the first sync with WeCom', { skip, timeout: SUITE_TIMEOUT }, () => {
  let env: WecomTestEnv;
  let browser: Browser;
  let admin: TestClient;
  let customers: number;
  let groups: number;

  before(async () => {
    const problem = browserUnavailable();
    if (problem) throw new Error(problem);
    ensureWebBuilt();
    mkdirSync(screenshots, { recursive: true });
    env = await createWecomTestEnv({ deps: { wecomSync: { pollMs: 50 } } });
    // The first start against the corp (what main.ts does), followed to its end.
    const run = await ensureInitialWecomSync({ db: env.db, jobs: env.jobs }, env.wecom.corpId);
    assert.ok(run);
    assert.equal((await env.jobs.waitFor(run.id, 120_000)).state, 'completed');
    admin = await env.login();
    customers = (await admin.post('/scrm/admin/cust/info/page', { pageNum: 1, pageSize: 1 })).body.date.total;
    groups = (await admin.post('/scrm/admin/group/page', { pageNum: 1, pageSize: 1 })).body.date.total;
    assert.ok(customers > 0 && groups > 0);
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await env?.close();
  });

  const open = async (username: string, password: string): Promise<Page> => {
    return signInThroughForm(await newConsolePage(browser), env.url, username, password);
  };

  it('shows the administrator the sync, every step done with its count, and the totals of customers and groups', async () => {
    const page = await open('admin', TEST_ADMIN_PASSWORD);
    const sync = page.getByTestId('wecom-sync');
    await sync.getByText('首次同步企业微信数据').waitFor();
    await page.getByTestId('wecom-sync-state').getByText('已完成').waitFor();
    for (const step of ['企业标签', '部门', '员工', '客户', '客户群']) await sync.getByText(step, { exact: true }).waitFor();
    await page.getByTestId('wecom-sync-count-customers.sync').getByText(`${customers} 位客户`).waitFor();
    await page.getByTestId('wecom-sync-count-groups.sync').getByText(`${groups} 个群`).waitFor();
    await page.getByTestId('figure-customerTotal').getByText('客户总数').waitFor();
    await page.getByTestId('figure-customerTotal').getByText(String(customers), { exact: true }).waitFor();
    await page.getByTestId('figure-groupTotal').getByText(String(groups), { exact: true }).waitFor();
    await page.getByTestId('figure-users').waitFor();
    assert.equal(await page.getByText('该模块上线后显示').count(), 0);
    await page.screenshot({ path: join(screenshots, 'zh-CN-dashboard-synced.png'), fullPage: true });

    // 立即同步: the card follows the new run to its end.
    const runs = async () => Number((await env.db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM sys_job WHERE type = 'wecom.sync'`)).rows[0].n);
    assert.equal(await runs(), 1);
    await page.getByTestId('wecom-sync-start').click();
    await sync.getByText('企业微信数据同步').waitFor();
    await page.getByTestId('wecom-sync-state').getByText('已完成').waitFor({ timeout: 60_000 });
    assert.equal(await runs(), 2);
    await page.context().close();
  });

  it('shows a role granted only the dashboard and the customer list its own cards, and no other', async () => {
    const installed = flatten((await admin.get('/scrm/admin/sys/menu/tree')).body.date as InstalledMenu[]);
    const menu = (path: string) => installed.find((node) => node.path === path && node.menuType === 'C')!.id;
    const role = await admin.post('/scrm/admin/sys/role/save', { name: '客户专员', roleKey: 'dash_customers', dataScope: 1 });
    assert.equal(role.status, 200, role.body.msg);
    const granted = await admin.post('/scrm/admin/sys/role/updateMenus', { roleId: role.body.date.id, menuIds: [menu('/dashboard'), menu('/customer/list')] });
    assert.equal(granted.status, 200, granted.body.msg);
    const user = await admin.post('/scrm/admin/sys/user/save', { username: 'dash_customers', nickname: '客户专员', password: PASSWORD });
    assert.equal(user.status, 200, user.body.msg);
    await admin.post('/scrm/admin/sys/user/grantRoles', { userId: user.body.date.id, roleIds: [role.body.date.id] });

    const page = await open('dash_customers', PASSWORD);
    await page.getByTestId('figure-customerTotal').getByText(String(customers), { exact: true }).waitFor();
    // The sync's progress, without the corp's counts.
    await page.getByTestId('wecom-sync-state').getByText('已完成').waitFor();
    assert.equal(await page.locator('[data-testid^=wecom-sync-count-], [data-testid^=wecom-sync-progress-]').count(), 0);
    assert.equal(await page.getByTestId('wecom-sync-start').count(), 0, 'no 立即同步 without the sync permissions');
    // No card of a module the role was not granted, and no placeholder in its place.
    for (const hidden of ['groupTotal', 'customers', 'lost', 'netGrowth', 'leads', 'users', 'roles', 'depts']) {
      assert.equal(await page.getByTestId(`figure-${hidden}`).count(), 0, `no ${hidden} card`);
    }
    for (const text of ['账号状态', '渠道排行', '近 7 天客户净增长', '该模块上线后显示']) assert.equal(await page.getByText(text).count(), 0, `no "${text}"`);
    await page.screenshot({ path: join(screenshots, 'zh-CN-dashboard-limited.png'), fullPage: true });
    await page.context().close();
  });

  it('shows a run that failed: the step that failed and why, in words, with WeCom\'s code on a details line', async () => {
    // A nightly run stopped at the customer step by WeCom's rate limit, stored as the job service stores it (a real
    // one takes minutes of retries with back-off).
    const failure = 'WeCom externalcontact/batch/get_by_user failed: errcode 45009, api freq out of limit';
    const stepIds: Record<string, number> = {};
    for (const type of ['tags.corp.sync', 'org.dept.sync', 'org.emp.sync', 'customers.sync']) {
      const failed = type === 'customers.sync';
      const row = await env.db.execute<{ id: number }>(sql`
        INSERT INTO sys_job (type, state, progress, total, error, cuser, started_at, finished_at)
        VALUES (${type}, ${failed ? 'failed' : 'completed'}, 3, 3, ${failed ? failure : null}, 'system', now(), now()) RETURNING id`);
      stepIds[type] = Number(row.rows[0].id);
    }
    const steps = Object.fromEntries(Object.entries(stepIds).map(([type, jobId]) => [type, { jobId, state: type === 'customers.sync' ? 'failed' : 'completed' }]));
    const payload = { input: { corpId: env.wecom.corpId, reason: 'nightly' }, checkpoint: { steps } };
    await env.db.execute(sql`
      INSERT INTO sys_job (type, state, progress, total, error, cuser, payload, started_at, finished_at)
      VALUES ('wecom.sync', 'failed', 3, 5, ${failure}, 'schedule', ${JSON.stringify(payload)}::jsonb, now(), now())`);

    const page = await open('admin', TEST_ADMIN_PASSWORD);
    await page.getByTestId('wecom-sync').getByText('企业微信每日对账同步').waitFor();
    await page.getByTestId('wecom-sync-state').getByText('失败').waitFor();
    await page.getByTestId('wecom-sync-error-customers.sync').getByText('调用企业微信过于频繁，已被企业微信限流').waitFor();
    const error = page.getByTestId('wecom-sync-error');
    await error.getByText('同步未完成：调用企业微信过于频繁').waitFor();
    await error.getByText('errcode 45009: api freq out of limit').waitFor();
    assert.equal(await page.getByTestId('wecom-sync-start').count(), 1, 'the administrator may retry it');
    await page.screenshot({ path: join(screenshots, 'zh-CN-dashboard-sync-failed.png'), fullPage: true });
    await page.context().close();
  });
});
