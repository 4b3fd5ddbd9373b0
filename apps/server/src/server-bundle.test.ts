// The server's bundle (scripts/server-bundle.mjs), which `npm start` runs: built when missing or stale, reused
// otherwise; its entry (main.js) and the embedded database's thread (embedded-worker.js) beside their chunks. What it finds relative to its sources (migrations, the demo bridge, the import worker) is
// exercised by npm-start.test.ts, which starts it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, utimesSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../../..');
const script: string = join(root, 'scripts/server-bundle.mjs');
const { ensureServerBundle } = (await import(script)) as { ensureServerBundle(): Promise<string> };

test('the bundle is built once and reused; a source newer than it makes the next start rebuild it', async () => {
  const bundle = await ensureServerBundle();
  assert.equal(bundle, join(root, 'apps/server/dist/main.js'));
  assert.ok(statSync(join(root, 'apps/server/dist/embedded-worker.js')).isFile());
  const inputs = JSON.parse(readFileSync(join(root, 'apps/server/dist/main.inputs.json'), 'utf8')) as string[];
  assert.ok(inputs.includes('apps/server/src/main.ts') && inputs.includes('packages/shared/src/index.ts'), 'our workspace is bundled');
  assert.deepEqual(inputs.filter((input) => input.includes('node_modules')), [], 'npm packages stay external');

  const built = statSync(bundle).mtimeMs;
  await ensureServerBundle();
  assert.equal(statSync(bundle).mtimeMs, built, 'fresh: not rebuilt');

  // Every source is now newer than the bundle.
  const past = new Date('2000-01-01T00:00:00Z');
  utimesSync(bundle, past, past);
  await ensureServerBundle();
  assert.ok(statSync(bundle).mtimeMs > past.getTime(), 'stale: rebuilt');
  // A module's import.meta.url is its source's location, seen from the bundle: its files are found from there.
  const outputs = readdirSync(dirname(bundle)).filter((name) => name.endsWith('.js')).map((name) => readFileSync(join(dirname(bundle), name), 'utf8'));
  assert.ok(outputs.some((text) => text.includes('new URL("../src/platform/db/migrate.ts", import.meta.url)')));
});
