/**
 * Every module page in Chromium, in zh-CN and English, against the server wired to the WeCom simulator
 * (customers, tags and groups synced): each renders its page (not "coming soon") and is saved as a
 * screenshot in test-artifacts/screenshots/.
 */
import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { createWecomTestEnv, type WecomTestEnv } from '../../server/src/testing/wecom-test-env.ts';
import { TEST_ADMIN_PASSWORD } from '../../server/src/testing/test-app.ts';
import { okDate } from '../../server/src/testing/scope-users.ts';
import { createAuditLogRepository } from '../../server/src/modules/nexus/audit-log.repository.ts';
import { browserUnavailable, launchBrowser, openInApp, browserSuiteSkip as skip, SCREENSHOTS as screenshots, signInThroughForm, SUITE_TIMEOUT, PAGE_TIMEOUT } from './support/browser.ts';
import { ensureWebBuilt } from './support/console-server.ts';

/** Every page of the modules, by menu path, named for its screenshot. */
const MODULE_PAGES = [
  ['/dashboard', 'dashboard-figures'],
  ['/customer/list', 'customers'],
  ['/customer/relation', 'customer-relations'],
  ['/customer/stat', 'customer-statistics'],
  ['/customer/tag', 'customer-tagging'],
  ['/tag/corp', 'corp-tags'],
  ['/tag/self', 'scrm-tags'],
  ['/group/list', 'groups'],
  ['/group/chat', 'wecom-chats'],
  ['/wecom/event', 'callback-events'],
  ['/acquisition/channel', 'channels'],
  ['/acquisition/link', 'acquisition-links'],
  ['/acquisition/qr', 'channel-qr-codes'],
  ['/acquisition/group-join', 'group-join-qr-codes'],
  ['/acquisition/mini-link', 'mini-program-links'],
  ['/acquisition/media', 'media-library'],
  ['/clue/pool', 'leads'],
  ['/system/open-app', 'open-api-apps'],
] as const;

describe('module pages in zh-CN and English', { skip, timeout: SUITE_TIMEOUT }, () => {
  let env: WecomTestEnv;
  let browser: Browser;

  async function signedIn(language: 'zh-CN' | 'en'): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: language });
    await context.addInitScript((lang) => localStorage.setItem('scrm.language', lang), language);
    const page = await context.newPage();
    page.setDefaultTimeout(PAGE_TIMEOUT);
    page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
    return signInThroughForm(page, env.url, 'admin', TEST_ADMIN_PASSWORD);
  }

  before(async () => {
    const problem = browserUnavailable();
    if (problem) throw new Error(problem);
    mkdirSync(screenshots, { recursive: true });
    ensureWebBuilt();
    env = await createWecomTestEnv();
    await env.syncOrg();
    await env.runJob('tags.corp.sync');
    await env.runJob('customers.sync');
    await env.runJob('groups.sync');
    // One callback for 回调事件: a customer deletes their employee.
    const employee = [...env.sim.state.employees.values()].find((e) => e.customerContact && e.resignedAt === undefined && env.sim.state.relationList(e.userid).length > 0)!;
    env.sim.actions.customerDeletesEmployee({ userid: employee.userid, external_userid: env.sim.state.relationList(employee.userid)[0].external_userid });
    await env.settle();
    // 操作日志's second row: an action of a job, which acts as 'system' (recorded as the jobs record theirs).
    await createAuditLogRepository(env.db).record(env.db, { actor: 'system', requestId: 'job-sample', now: new Date(env.clock.now - 60_000) }, [
      { action: 'lead.assign', targetType: 'lead', targetId: 1 },
    ]);
    // One audited action for 操作日志: a console user bound to that employee.
    const admin = await env.login();
    const user = await okDate(admin.post('/scrm/admin/sys/user/save', { username: 'audit.sample', nickname: '审计样例', password: 'Audit-Passw0rd-2026' }));
    await okDate(admin.post('/scrm/admin/sys/user/bindQwUserid', { userId: user.id, qwUserid: employee.userid }));
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await env?.close();
  });

  for (const language of ['zh-CN', 'en'] as const) {
    it(`renders every module page in ${language}`, async () => {
      const page = await signedIn(language);
      for (const [path, name] of MODULE_PAGES) {
        await openInApp(page, path);
        assert.equal(await page.getByTestId('coming-soon').count(), 0, `${path} has a page`);
        await page.waitForLoadState('networkidle');
        await page.waitForTimeout(200);
        await page.screenshot({ path: join(screenshots, `${language}-${name}.png`), fullPage: true });
      }
      /** The lines of the first row's cell whose test id starts so, on the page at `path`. */
      const firstCellLines = async (path: string, testId: string) => {
        await openInApp(page, path);
        const cell = page.locator(`[data-testid^=${testId}-]`).first();
        await cell.waitFor();
        return (await cell.innerText()).split('\n').map((line) => line.trim());
      };
      // 回调事件 says what happened in words, with WeCom's codes under them.
      assert.deepEqual(await firstCellLines('/wecom/event', 'event-kind'), [
        language === 'en' ? 'Customer deleted an employee' : '客户删除员工',
        'change_external_contact / del_follow_user',
      ]);
      // 操作日志 names the action and the kind of record in words, the action's code under them.
      assert.deepEqual(await firstCellLines('/system/audit', 'audit-action'), [
        language === 'en' ? 'Bound a WeCom employee' : '绑定企业微信成员',
        'sys.user.bindQwUserid',
      ]);
      assert.match(await page.locator('.ant-table-row').first().innerText(), language === 'en' ? /\bUser\b/ : /用户/);
      assert.doesNotMatch(await page.locator('.ant-table-row').first().innerText(), /sys_user/);
      // A job's action names its operator in words, not by the name it acts under.
      const jobRow = await page.locator('.ant-table-row').nth(1).innerText();
      assert.match(jobRow, language === 'en' ? /System \(automatic\)/ : /系统（自动）/);
      assert.doesNotMatch(jobRow, /\bsystem\b/);
      if (language === 'en') {
        await page.goto(`${env.url}/customer/list`);
        await page.getByText('Live refresh').waitFor();
        assert.doesNotMatch(await page.locator('.ant-pro-table .ant-table-thead').innerText(), /[\u4e00-\u9fff]/, 'English table headers');
      }
      await page.context().close();
    });
  }

  it('客户列表 calls an employee SCRM never synced 未知员工, not by their WeCom account', async () => {
    // As for one who left before SCRM's first sync: WeCom still lists their customers, no one knows their name. (Not
    // the employee bound above: 操作日志's rows stay as they are.)
    const bound = new Set((await env.db.execute<{ qw_userid: string | null }>(sql`SELECT qw_userid FROM sys_user`)).rows.map((row) => row.qw_userid));
    const newest = (await env.db.execute<{ id: string | number; userid: string }>(sql`SELECT id, userid FROM customer_relation ORDER BY createtime DESC, id DESC LIMIT 20`)).rows
      .find((row) => !bound.has(row.userid))!;
    await env.db.execute(sql`DELETE FROM qw_emp WHERE userid = ${newest.userid}`);
    const page = await signedIn('zh-CN');
    await openInApp(page, '/customer/list');
    const row = page.locator(`tr[data-row-key="${newest.id}"]`);
    await row.getByText('未知员工').waitFor();
    assert.ok(!(await row.innerText()).includes(newest.userid), 'the name, not the account');
    await page.context().close();
  });
});
