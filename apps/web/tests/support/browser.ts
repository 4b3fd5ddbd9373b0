import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';

/**
 * Debian's Chromium, never downloaded by a test tool: its headless shell (apt-get install chromium-headless-shell
 * fonts-noto-cjk) when installed, else the browser itself. The shell draws the same pages with about a third less CPU
 * (console.test.ts: 68 s against 95 s of Chromium's processes), and CPU is what the browser suites wait on in CI.
 */
const HEADLESS_SHELL = '/usr/lib/chromium/chromium-headless-shell';
export const chromiumPath = process.env.CHROMIUM_PATH ?? (existsSync(HEADLESS_SHELL) ? HEADLESS_SHELL : '/usr/bin/chromium');

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // No GPU process: without a GPU it only composites in software, and in the browser's process that costs less CPU
  // (module-pages.test.ts: 17.5 s for the browser and compositing against 21.4 s as two processes).
  '--in-process-gpu',
  // V8 stops at its baseline compiler (Sparkplug): a test's page lives seconds, and optimising the console's bundle
  // again in every fresh context cost more than it saved (console.test.ts: the renderers' CPU 45.6 → 32.6 s).
  '--js-flags=--max-opt=1',
];

/**
 * Why the browser tests cannot run, or null. Missing chromium fails the tests (CI installs it) unless
 * SCRM_SKIP_BROWSER=1 says to skip them.
 */
export function browserUnavailable(): string | null {
  if (existsSync(chromiumPath)) return null;
  return `Chromium not found at ${chromiumPath}. Install it with \`apt-get install -y chromium fonts-noto-cjk\` (or set CHROMIUM_PATH); set SCRM_SKIP_BROWSER=1 to skip the browser tests.`;
}

export const skipBrowser = process.env.SCRM_SKIP_BROWSER === '1';
/** A browser suite's `skip`: only when Chromium is missing and SCRM_SKIP_BROWSER=1 allows it (else the suite fails). */
export const browserSuiteSkip = skipBrowser && browserUnavailable() !== null ? 'chromium is not installed and SCRM_SKIP_BROWSER=1' : false;
/**
 * How long a browser step waits for what the operator sees, and how long a browser suite may take: CI's machines
 * differ in speed by half and more, and three test files (each a server, a database and a browser) share two cores.
 * A suite that took 124 s with one core taken by another process had a 240-s limit (seen failing under load).
 */
export const PAGE_TIMEOUT = 30_000;
export const SUITE_TIMEOUT = 600_000;
/** Where the browser suites write their screenshots. */
export const SCREENSHOTS = fileURLToPath(new URL('../../../../test-artifacts/screenshots/', import.meta.url));

const LAUNCH_ATTEMPTS = 3;

/**
 * Headless chromium with a fresh profile (Playwright gives every launch its own temporary --user-data-dir). A launch
 * that fails is tried again, twice: Chromium sometimes dies as it starts on a loaded machine (seen: SIGSEGV before
 * its first page, which failed a whole suite in its `before`), and starting the browser is not what a test checks.
 */
export async function launchBrowser(): Promise<Browser> {
  const problem = browserUnavailable();
  if (problem) throw new Error(problem);
  for (let attempt = 1; ; attempt++) {
    try {
      const browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: CHROMIUM_ARGS, timeout: 60_000 });
      // Every page asks for reduced motion: antd's styles then drop their transitions and animations
      // (@media (prefers-reduced-motion: reduce)), so fewer frames are drawn and nothing moves under a click.
      const newContext = browser.newContext.bind(browser);
      browser.newContext = (options) => newContext({ reducedMotion: 'reduce', ...options });
      return browser;
    } catch (error) {
      if (attempt === LAUNCH_ATTEMPTS) throw error;
      process.stderr.write(`chromium failed to start (attempt ${attempt} of ${LAUNCH_ATTEMPTS}), starting it again: ${String(error).split('\n')[0]}\n`);
    }
  }
}

/**
 * Clicks an item of an antd popup (dropdown menu, select option, popconfirm button) once it is shown, as an event
 * on the item rather than at its coordinates: a popup is placed after its first frame, and under load a click aimed
 * at where it first was lands on whatever is there once it has moved (seen: the popup's own trigger, so nothing was
 * chosen).
 */
export async function choose(item: Locator): Promise<void> {
  await item.waitFor();
  await item.dispatchEvent('click');
}

/** Signs the page in through the console's login form and waits for the dashboard. */
export async function signInThroughForm(page: Page, baseUrl: string, username: string, password: string): Promise<Page> {
  await page.goto(`${baseUrl}/login`);
  await page.locator('#username').fill(username);
  await page.locator('#password').fill(password);
  await page.getByTestId('login-submit').click();
  await page.waitForURL('**/dashboard');
  return page;
}

/**
 * Opens a console page as its router does on a menu click (no reload: the bundle is not parsed again, about a second
 * per page on this machine) and waits until the previous page is gone and the new one's container is shown.
 */
export async function openInApp(page: Page, path: string): Promise<void> {
  const previous = await page.$('.ant-pro-page-container');
  await page.evaluate((to) => {
    history.pushState({}, '', to);
    dispatchEvent(new PopStateEvent('popstate'));
  }, path);
  if (previous) await page.waitForFunction((element) => !element.isConnected, previous);
  await page.locator('.ant-pro-page-container').first().waitFor();
}

/** A page in a fresh context (zh-CN, 1440×900 unless told), waiting up to PAGE_TIMEOUT for what the operator sees. */
export async function newConsolePage(browser: Browser, options: { width?: number; height?: number; acceptDownloads?: boolean; timezoneId?: string } = {}): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: options.width ?? 1440, height: options.height ?? 900 }, locale: 'zh-CN', acceptDownloads: options.acceptDownloads, timezoneId: options.timezoneId });
  const page = await context.newPage();
  page.setDefaultTimeout(PAGE_TIMEOUT);
  return page;
}
