/**
 * bench/http-baseline — issue 2's figures:
 * - requests/s and p99 at 50 connections of an authenticated `POST /scrm/admin/sys/user/page` against a
 *   bare Fastify route in the same run, as a ratio (target ≥ 0.4 on PostgreSQL);
 * - time from `npm start` to a healthy /scrm/health on an empty and on an existing data dir (targets ≤ 10 s, ≤ 3 s).
 * Usage: node --import tsx bench/http-baseline/run.ts [--seconds 10] [--embedded]
 */
import Fastify from 'fastify';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { sql } from 'drizzle-orm';
import { hashPassword } from '../../apps/server/src/platform/auth/password.ts';
import { format, load } from '../lib/load.ts';
import { startBenchServer } from '../lib/server.ts';

const args = process.argv.slice(2);
const seconds = Number(args[args.indexOf('--seconds') + 1]) || 10;
const modes: ('postgres' | 'embedded')[] = args.includes('--embedded') ? ['postgres', 'embedded'] : ['postgres'];

async function bareBaseline() {
  const bare = Fastify();
  bare.post('/bare', async () => ({ code: '200', msg: 'ok', date: { records: [], total: 0, pageNum: 1, pageSize: 10 } }));
  const address = await bare.listen({ port: 0, host: '127.0.0.1' });
  const result = await load({ url: `${address}/bare`, method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"pageNum":1,"pageSize":10}', seconds });
  await bare.close();
  return result;
}

async function userPage(mode: 'postgres' | 'embedded') {
  const server = await startBenchServer(mode);
  // 1,000 users over the seeded department so the page query does real work.
  const passwordHash = await hashPassword('Bench12345');
  await server.database.db.execute(sql`
    INSERT INTO sys_user (username, nickname, password_hash, dept_id, phone, cuser)
    SELECT 'user' || i, '员工' || i, ${passwordHash}, 1, '138' || lpad(i::text, 8, '0'), 'bench' FROM generate_series(1, 1000) AS i`);
  const token = await server.login();
  const page = (body: object) =>
    load({ url: `${server.address}/scrm/admin/sys/user/page`, method: 'POST', headers: { 'content-type': 'application/json', token }, body: JSON.stringify(body), seconds });
  const results = {
    page: await page({ pageNum: 1, pageSize: 10 }),
    filtered: await page({ pageNum: 3, pageSize: 10, nickname: '员工' }),
    // The floor for any endpoint that touches the database: one `SELECT 1`, no authentication.
    health: await load({ url: `${server.address}/scrm/health`, seconds }),
  };
  await server.close();
  return results;
}

async function startupTime(dataDir: string): Promise<number> {
  const root = resolve(import.meta.dirname, '../..');
  const port = 3900 + Math.floor(Math.random() * 90);
  const started = performance.now();
  const child = spawn(process.execPath, [join(root, 'scripts/start.mjs')], {
    cwd: root,
    env: { ...process.env, DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'warn', DATABASE_URL: '' },
    stdio: 'ignore',
  });
  try {
    for (;;) {
      if (performance.now() - started > 60_000) throw new Error('server did not become healthy in 60 s');
      try {
        const response = await fetch(`http://127.0.0.1:${port}/scrm/health`);
        if (response.ok) return (performance.now() - started) / 1000;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

const bare = await bareBaseline();
console.log(`bare Fastify route:            ${format(bare)}`);
for (const mode of modes) {
  const { page, filtered, health } = await userPage(mode);
  console.log(`user/page (${mode}):             ${format(page)}`);
  console.log(`  ratio to bare: ${(page.requestsPerSecond / bare.requestsPerSecond).toFixed(3)} (target ≥ 0.4 on PostgreSQL)`);
  console.log(`user/page, name filter, page 3:   ${format(filtered)}`);
  console.log(`health (one SELECT 1, no auth):   ${format(health)} — ratio ${(health.requestsPerSecond / bare.requestsPerSecond).toFixed(3)}`);
}
const dataDir = mkdtempSync(join(tmpdir(), 'scrm-start-'));
console.log(`npm start → healthy, empty data dir:    ${(await startupTime(dataDir)).toFixed(2)} s (target ≤ 10 s)`);
console.log(`npm start → healthy, existing data dir: ${(await startupTime(dataDir)).toFixed(2)} s (target ≤ 3 s)`);
rmSync(dataDir, { recursive: true, force: true });
