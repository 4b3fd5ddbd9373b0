/**
 * Every page of the menu tree works for a role granted exactly that page's menu and its buttons: the menu tree
 * (packages/shared/src/menus.ts, `extraPerms`) is the one place that says which API permissions a page and its
 * buttons need. For each page one operator, whose only role holds that menu and its buttons, loads the page and
 * performs its main read actions (row details, the editor a held save button opens, with its pickers); no
 * request is refused (403) and the page shows its content, not an error. A grant revoked while the page is open
 * is explained in words (the menu that grants it), zh and en, with the code on the details line.
 * The pages are checked in four files (MENU_ONLY_SPLIT, so each stays well inside the per-file time limit), each
 * with one server (wired to the WeCom simulator, synced) and one browser.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page, Request } from 'playwright-core';
import { menuTree, type MenuSeed } from '@scrm/shared';
import { createWecomTestEnv, type WecomTestEnv } from '../../../server/src/testing/wecom-test-env.ts';
import type { TestClient } from '../../../server/src/testing/test-app.ts';
import { browserUnavailable, launchBrowser, browserSuiteSkip as skip, SCREENSHOTS as screenshots, signInThroughForm, PAGE_TIMEOUT } from './browser.ts';
import { ensureWebBuilt } from './console-server.ts';

const PASSWORD = 'PageOnly12345';

/** What a page shows once loaded (beyond the layout), and the row action that opens its details. */
const PAGES: Record<string, { shows: string; open?: string; opened?: string }> = {
  '/dashboard': { shows: '.ant-pro-page-container' },
  '/acquisition/channel': { shows: '.ant-pro-table .ant-table-tbody' },
  '/acquisition/link': { shows: '[data-testid=link-table] .ant-table-tbody' },
  '/acquisition/qr': { shows: '[data-testid=link-table] .ant-table-tbody' },
  '/acquisition/group-join': { shows: '.ant-pro-table .ant-table-tbody' },
  '/acquisition/mini-link': { shows: '.ant-pro-table .ant-table-tbody' },
  '/acquisition/media': { shows: '.ant-pro-table .ant-table-tbody' },
  '/customer/list': { shows: '[data-testid=customer-table] .ant-table-row', open: '[data-testid^=customer-open-]', opened: '.ant-drawer-body .ant-descriptions' },
  '/customer/relation': { shows: '.ant-pro-table .ant-table-tbody' },
  '/customer/stat': { shows: '[data-testid^=stat-]' },
  '/customer/tag': { shows: '.ant-pro-table .ant-table-row' },
  '/tag/corp': { shows: '[data-testid=tag-groups] [data-testid^=tag-group-]' },
  '/tag/self': { shows: '[data-testid=tag-groups] [data-testid^=tag-group-]' },
  '/group/list': { shows: '[data-testid=group-table] .ant-table-row', open: '[data-testid^=group-open-]', opened: '[data-testid=group-drawer] .ant-table-row' },
  '/group/chat': { shows: '.ant-pro-table .ant-table-tbody' },
  '/group/welcome': { shows: '.ant-pro-table .ant-table-tbody', open: '[data-testid=group-welcome-create]', opened: '[data-testid=group-welcome-form]' },
  '/clue/pool': { shows: '[data-testid=lead-table] .ant-table-row', open: '[data-testid^=lead-open-]', opened: '.ant-drawer-body .ant-descriptions' },
  // 客户运营: the editor a held save button opens loads its pickers (employees, departments, tags, media, links).
  '/ops/broadcast': { shows: '[data-testid=broadcast-table] .ant-table-tbody', open: '[data-testid=broadcast-create]', opened: '[data-testid=broadcast-form]' },
  '/ops/group-broadcast': { shows: '[data-testid=broadcast-table] .ant-table-tbody', open: '[data-testid=broadcast-create]', opened: '[data-testid=broadcast-form]' },
  '/ops/moment': { shows: '[data-testid=broadcast-table] .ant-table-tbody', open: '[data-testid=broadcast-create]', opened: '[data-testid=broadcast-form]' },
  '/ops/resigned': { shows: '[data-testid=unassigned-table] .ant-table-tbody' },
  '/ops/onjob': { shows: '[data-testid=onjob-handover]' },
  '/ops/loss': { shows: '[data-testid=loss-table] .ant-table-tbody' },
  '/ops/intercept': { shows: '.ant-pro-table .ant-table-tbody', open: '[data-testid=intercept-create]', opened: '[data-testid=intercept-form]' },
  '/ops/stage': { shows: '[data-testid=stage-table] .ant-table-row' },
  // SOPs: the editor a held save button opens loads its pickers (employees, departments, channels, links, tags, stages, groups, media).
  '/ops/sop': { shows: '[data-testid=sop-table] .ant-table-tbody', open: '[data-testid=sop-create]', opened: '[data-testid=sop-form]' },
  '/ops/group-sop': { shows: '[data-testid=sop-table] .ant-table-tbody', open: '[data-testid=sop-create]', opened: '[data-testid=sop-form]' },
  '/ops/todo': { shows: '[data-testid=todo-views]' },
  '/ops/reply': { shows: '[data-testid=reply-table] .ant-table-tbody', open: '[data-testid=reply-folder-create]', opened: '[data-testid=reply-folder-form]' },
  '/wecom/dept': { shows: '.ant-pro-table .ant-table-row' },
  '/wecom/emp': { shows: '.ant-pro-table .ant-table-row' },
  '/wecom/event': { shows: '.ant-pro-table .ant-table-tbody' },
  '/wecom/app-message': { shows: '[data-testid=app-message-table] .ant-table-tbody' },
  '/system/user': { shows: '[data-testid=user-table] .ant-table-row', open: '[data-testid^=user-edit-]', opened: '[data-testid=user-form]' },
  '/system/role': { shows: '.ant-pro-table .ant-table-row', open: '[data-testid^=role-grant-]', opened: '[data-testid=role-menu-tree] >> text=客户列表' },
  // The menu table says what a page grants beyond its own code, by name.
  '/system/menu': {
    shows: '.ant-pro-table .ant-table-row',
    open: 'tr:has-text("客户管理") .ant-table-row-expand-icon',
    opened: 'tr:has-text("客户列表") >> text=同时授予读取：客户员工关系、企微员工、企微部门、企业标签、自建标签、获客渠道',
  },
  '/system/dept': { shows: '.ant-pro-table .ant-table-row' },
  '/system/open-app': { shows: '.ant-pro-table .ant-table-tbody' },
  '/system/audit': { shows: '.ant-pro-table .ant-table-tbody' },
};

/** The directories (or pages) each menu-permissions*.test.ts file checks; every page is in exactly one. */
export const MENU_ONLY_SPLIT = [
  ['/dashboard', '/acquisition', '/customer', '/tag'],
  ['/group', '/clue', '/wecom', '/system'],
  // 客户运营 in two files: its pages outgrew one file's time limit.
  ['/ops/broadcast', '/ops/group-broadcast', '/ops/moment', '/ops/intercept', '/ops/resigned', '/ops/onjob', '/ops/loss'],
  ['/ops/sop', '/ops/group-sop', '/ops/todo', '/ops/reply', '/ops/stage'],
] as const;

const under = (path: string, directories: readonly string[]) => directories.some((dir) => path === dir || path.startsWith(`${dir}/`));

/** Every page (C) of the product's menu tree, with its buttons. */
function pagesOf(menus: readonly MenuSeed[]): MenuSeed[] {
  return menus.flatMap((menu) => (menu.type === 'C' ? [menu] : pagesOf(menu.children ?? [])));
}

interface InstalledMenu {
  id: number;
  path: string | null;
  perms: string | null;
  menuType: string;
  children: InstalledMenu[];
}
const flatten = (nodes: InstalledMenu[]): InstalledMenu[] => nodes.flatMap((node) => [node, ...flatten(node.children ?? [])]);

/** The checks for the pages under `directories`; `revokedGrant`: also the revoked-grant message check. */
export function describeMenuOnlyPages(directories: readonly string[], options: { revokedGrant?: boolean } = {}) {
  describe(`pages under ${directories.join(', ')} work with only their own menu`, { skip, timeout: 900_000 }, () => {
    let env: WecomTestEnv;
    let browser: Browser;
    let context: BrowserContext;
    let page: Page;
    let admin: TestClient;
    let roleId: number;
    let installed: InstalledMenu[];
    /** Requests answered 403, as "phase: METHOD path → msg"; a request belongs to the phase it was sent in. */
    const refused: string[] = [];
    let phase = 'sign-in';
    const phaseOf = new WeakMap<object, string>();

    async function grant(menuIds: number[]) {
      const response = await admin.post('/scrm/admin/sys/role/updateMenus', { roleId, menuIds });
      assert.equal(response.status, 200, response.body.msg);
    }

    let inFlight = 0;
    const isApi = (url: string) => new URL(url).pathname.startsWith('/scrm/admin/');
    /** Until no API request has been in flight for a moment (pickers ask once the page or dialog has rendered). */
    async function settled() {
      for (let quiet = 0; quiet < 3; ) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        quiet = inFlight === 0 ? quiet + 1 : 0;
      }
    }

    /** The installed page at `path` and its buttons. */
    function pageMenus(path: string): number[] {
      const node = installed.find((menu) => menu.path === path && menu.menuType === 'C');
      assert.ok(node, `${path} is installed`);
      return [node.id, ...flatten(node.children ?? []).map((child) => child.id)];
    }

    before(async () => {
      const problem = browserUnavailable();
      if (problem) throw new Error(problem);
      ensureWebBuilt();
      mkdirSync(screenshots, { recursive: true });
      env = await createWecomTestEnv();
      await env.syncOrg();
      await env.runJob('tags.corp.sync');
      await env.runJob('customers.sync');
      await env.runJob('groups.sync');
      admin = await env.login();
      // Something on every page that lists data SCRM creates itself.
      const lead = await admin.post('/scrm/admin/clue/add', { name: '页面权限线索', phone: '13900000001' });
      assert.equal(lead.status, 200, lead.body.msg);
      const selfTags = await admin.post('/scrm/admin/tag/self/saveGroup', { groupName: '意向', tags: [{ name: '高' }, { name: '低' }] });
      assert.equal(selfTags.status, 200, selfTags.body.msg);
      const role = await admin.post('/scrm/admin/sys/role/save', { name: '单页角色', roleKey: 'page_only', dataScope: 1 });
      assert.equal(role.status, 200, role.body.msg);
      roleId = role.body.date.id;
      const user = await admin.post('/scrm/admin/sys/user/save', { username: 'page_only', nickname: '单页运营', password: PASSWORD });
      assert.equal(user.status, 200, user.body.msg);
      const granted = await admin.post('/scrm/admin/sys/user/grantRoles', { userId: user.body.date.id, roleIds: [roleId] });
      assert.equal(granted.status, 200, granted.body.msg);
      installed = flatten((await admin.get('/scrm/admin/sys/menu/tree')).body.date as InstalledMenu[]);

      browser = await launchBrowser();
      context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' });
      page = await context.newPage();
      page.setDefaultTimeout(PAGE_TIMEOUT);
      page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
      page.on('request', (request) => {
        phaseOf.set(request, phase);
        if (isApi(request.url())) inFlight++;
      });
      const settled = (request: Request) => {
        if (isApi(request.url())) inFlight--;
      };
      page.on('requestfinished', settled);
      page.on('requestfailed', settled);
      page.on('response', async (response) => {
        const sentIn = phaseOf.get(response.request());
        if (response.status() !== 403 || !new URL(response.url()).pathname.startsWith('/scrm/admin/') || !sentIn?.startsWith(phase.split(':')[0])) return;
        const body = (await response.json().catch(() => ({}))) as { msg?: string };
        refused.push(`${sentIn}: ${response.request().method()} ${new URL(response.url()).pathname} → ${body.msg}`);
      });
      await grant(pageMenus('/dashboard'));
      await signInThroughForm(page, env.url, 'page_only', PASSWORD);
    });

    after(async () => {
      await context?.close();
      await browser?.close();
      await env?.close();
    });

    it('has a check for every page of the menu tree, each page in one file', () => {
      assert.deepEqual(pagesOf(menuTree).map((menu) => menu.path).sort(), Object.keys(PAGES).sort());
      for (const menu of pagesOf(menuTree)) assert.equal(MENU_ONLY_SPLIT.filter((dirs) => under(menu.path!, dirs)).length, 1, menu.path);
    });

    for (const menu of pagesOf(menuTree).filter((menu) => under(menu.path!, directories))) {
      const path = menu.path!;
      it(`${menu.name} (${path})`, async () => {
        try {
          await checkPage(menu, path);
        } catch (error) {
          // What the operator saw, when the page did not work.
          await page.screenshot({ path: join(screenshots, `menu-only-${path.slice(1).replaceAll('/', '-')}.png`) }).catch(() => undefined);
          throw error;
        }
      });
    }

    async function checkPage(menu: MenuSeed, path: string) {
      const check = PAGES[path];
      assert.ok(check, `a check for ${path}`);
      await grant(pageMenus(path));
      refused.length = 0;
      phase = `${path}:load`;
      await page.goto(`${env.url}${path}`);
      await page.locator('.ant-pro-page-container').first().waitFor();
      await page.locator(check.shows).first().waitFor();
      assert.equal(await page.getByTestId('coming-soon').count(), 0, `${path}: a working page, not "coming soon"`);
      assert.equal(await page.getByTestId('not-found').count(), 0, `${path}: the page is reachable`);

      // Row details.
      if (check.open) {
        await settled();
        phase = `${path}:details`;
        await page.locator(check.open).first().click();
        await page.locator(check.opened!).first().waitFor();
        await settled();
        await page.keyboard.press('Escape');
      }
      // The editor a held save button opens, with its pickers loaded.
      const create = page.locator('[data-testid$=-create]:visible');
      if ((await create.count()) > 0) {
        await settled();
        phase = `${path}:editor`;
        await create.first().click();
        await page.locator('.ant-modal-body form, .ant-drawer-body form').first().waitFor();
        await settled();
        await page.keyboard.press('Escape');
      }
      await settled();
      assert.deepEqual(refused, [], `${path}: requests refused for a role holding only ${menu.name} and its buttons`);
      assert.equal(await page.locator('.ant-message-error').count(), 0, `${path}: no error shown`);
    }

    it('says which grant is missing, in words, when a grant is revoked while the page is open', { skip: !options.revokedGrant }, async () => {
      await grant(pageMenus('/customer/list'));
      for (const [language, expected] of [
        ['zh-CN', '缺少「客户列表 › 客户查询」权限，请联系管理员授予'],
        ['en', 'Missing the "Customers › View customer" permission; ask an administrator to grant it'],
      ] as const) {
        await page.evaluate((lang) => localStorage.setItem('scrm.language', lang), language);
        await grant(pageMenus('/customer/list'));
        await page.goto(`${env.url}/customer/list`);
        await page.locator('[data-testid^=customer-open-]').first().waitFor();
        // The administrator takes the page's buttons away; the operator, still on the page, opens a customer.
        await grant(pageMenus('/customer/list').slice(0, 1));
        refused.length = 0;
        phase = `revoked:${language}`;
        await page.locator('[data-testid^=customer-open-]').first().click();
        const toast = page.locator('.ant-message-error').last();
        await toast.waitFor();
        assert.equal((await toast.locator('[data-testid=error-with-detail]').evaluate((node) => node.firstChild?.textContent ?? '')).trim(), expected);
        assert.equal((await toast.getByTestId('error-detail').innerText()).trim(), 'cust:info:query');
        assert.ok(refused.length > 0);
        await page.keyboard.press('Escape');
      }
      await page.evaluate(() => localStorage.setItem('scrm.language', 'zh-CN'));
    });
  });
}
