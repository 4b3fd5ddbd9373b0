import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestApp, TEST_ADMIN_PASSWORD, type TestApp } from '../../../server/src/testing/test-app.ts';

export { TEST_ADMIN_PASSWORD };

const webRoot = fileURLToPath(new URL('../..', import.meta.url));
export const distDir = join(webRoot, 'dist');

function newestModification(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newestModification(join(path, name))));
}

/**
 * Builds the console when dist/ is missing or older than its sources (so a test never drives a stale
 * build). A lock directory keeps concurrent test files from building at the same time.
 */
export function ensureWebBuilt(): void {
  const index = join(distDir, 'index.html');
  const sources = [join(webRoot, 'src'), join(webRoot, 'index.html'), join(webRoot, 'sidebar'), join(webRoot, 'public'), join(webRoot, 'vite.config.ts')];
  const stale = () => !existsSync(index) || Math.max(...sources.filter(existsSync).map(newestModification)) > statSync(index).mtimeMs;
  if (!stale()) return;
  const lock = join(webRoot, '.build-lock');
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock}; remove it if no build is running`);
      spawnSync('sleep', ['0.5']);
    }
  }
  try {
    if (!stale()) return;
    const vite = [join(webRoot, 'node_modules/vite/bin/vite.js'), join(webRoot, '../../node_modules/vite/bin/vite.js')].find(existsSync);
    if (!vite) throw new Error('vite is not installed; run npm install');
    const build = spawnSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], { cwd: webRoot, encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`building the console failed:\n${build.stdout}\n${build.stderr}`);
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export interface ConsoleServer {
  /** e.g. http://127.0.0.1:41234 */
  url: string;
  testApp: TestApp;
  close(): Promise<void>;
}

/** The server on a test database, serving the built console, listening on a free local port. */
export async function startConsoleServer(): Promise<ConsoleServer> {
  ensureWebBuilt();
  const testApp = await createTestApp();
  const address = await testApp.app.listen({ host: '127.0.0.1', port: 0 });
  return { url: address, testApp, close: () => testApp.close() };
}
