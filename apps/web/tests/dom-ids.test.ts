/**
 * Unique element ids per form (issue 15, item 10): a page's search form and the create dialog over it both had
 * fields called `name`, so both inputs had id="name" and the dialog's 渠道名称 label focused the search box.
 * For each page with a create dialog: no id is used twice once the dialog is open, and clicking each of the
 * dialog's field labels puts the cursor in the dialog.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, browserSuiteSkip as skip, signInThroughForm, newConsolePage, SUITE_TIMEOUT } from './support/browser.ts';
import { startConsoleServer, TEST_ADMIN_PASSWORD, type ConsoleServer } from './support/console-server.ts';

/** Pages whose toolbar's primary button opens a create dialog over a search form. */
const PAGES = ['/acquisition/channel', '/acquisition/mini-link', '/system/role', '/system/user', '/system/open-app', '/group/chat'];

describe('element ids are unique per form', { skip, timeout: SUITE_TIMEOUT }, () => {
  let server: ConsoleServer;
  let browser: Browser;
  let page: Page;

  before(async () => {
    [server, browser] = await Promise.all([startConsoleServer(), launchBrowser()]);
    page = await newConsolePage(browser);
    await signInThroughForm(page, server.url, 'admin', TEST_ADMIN_PASSWORD);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  for (const path of PAGES) {
    it(`${path}: the create dialog's labels reach its own fields`, async () => {
      await page.goto(`${server.url}${path}`);
      await page.locator('.ant-pro-query-filter').first().waitFor();
      await page.locator('.ant-pro-table-list-toolbar .ant-btn-primary').first().click();
      const dialog = page.getByRole('dialog').last();
      await dialog.locator('label[for]').first().waitFor();

      const duplicated = await page.evaluate(() => {
        const counts = new Map<string, number>();
        for (const element of document.querySelectorAll('[id]')) counts.set(element.id, (counts.get(element.id) ?? 0) + 1);
        return [...counts].filter(([, count]) => count > 1).map(([id]) => id);
      });
      assert.deepEqual(duplicated, [], `ids used twice on ${path}`);

      const labels = await dialog.locator('label[for]').all();
      for (const label of labels) {
        const target = await label.getAttribute('for');
        // A label of a radio group, select or tree select names no element with that id: nothing for it to focus.
        // Counted, not waited for (isEditable on a missing element waited out the 20 s timeout, 7 times a run).
        const field = page.locator(`[id="${target}"]`);
        if ((await field.count()) === 0 || !(await field.isEditable())) continue;
        await label.click();
        const inDialog = await dialog.evaluate((node) => node.contains(document.activeElement) && document.activeElement !== document.body);
        assert.ok(inDialog, `the label ${await label.innerText()} (${target}) focuses a field of the dialog on ${path}`);
      }
      await dialog.getByRole('button', { name: /取\s*消/ }).click();
      await dialog.waitFor({ state: 'detached' });
    });
  }
});
