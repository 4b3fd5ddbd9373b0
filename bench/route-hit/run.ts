/**
 * bench/route-hit — issue 21's figures (issue 6's before): `GET /scrm/open/route/hit` (signed, rate-limited,
 * counters updated atomically) requests/s and p99 at 50 connections, as a ratio to the floor `GET /scrm/health`
 * (one `SELECT 1`, no auth) measured on the same server in the same run (the mean of the runs just before and
 * just after each link's): targets weight ≥ 0.4, round ≥ 0.25; and p99 at 10 connections ≤ 20 ms. Also the hits counted
 * against the hits answered, and a bare Fastify route for reference. On PostgreSQL with Redis (nonces and rate
 * limits in Redis), on PostgreSQL alone (both in the database), and embedded (PGlite).
 * The link is published with three rules: `weight` (one conditional upsert per hit) and `round` (one
 * transaction per hit holding the link's round row). The load generators run in their own processes.
 * Usage: node --import tsx bench/route-hit/run.ts [--seconds 10] [--no-embedded | --modes postgres,embedded] [--redis redis://127.0.0.1:6379]
 */
import Fastify from 'fastify';
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { sql } from 'drizzle-orm';
import { format, load, type LoadResult } from '../lib/load.ts';
import { serverRuntime, startBenchServer } from '../lib/server.ts';
import { loadConfig } from '../../apps/server/src/config.ts';

const args = process.argv.slice(2);
const option = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const seconds = Number(option('--seconds')) || 10;
const redisUrl = option('--redis') ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const connections = 50;
const TARGETS = { weight: 0.4, round: 0.25 };

async function signedLoad(url: string, credentials: { appKey: string; secret: string }, connections: number, seconds: number): Promise<LoadResult> {
  const script = new URL('./signed-load.ts', import.meta.url).pathname;
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, JSON.stringify({ url, ...credentials, connections, seconds })], { stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    child.stdout.on('data', (chunk) => (text += chunk));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`signed-load exited with ${code}`))));
  });
  return JSON.parse(output.trim().split('\n').pop()!);
}

async function bareBaseline(): Promise<LoadResult> {
  const bare = Fastify();
  const answer = { code: '200', msg: 'ok', date: { getType: 'link', id: 1, outcome: 'chosen', fallback: false, ruleId: 1, userId: 'zhangsan', linkUrl: 'https://work.weixin.qq.com/ca/x?customer_channel=lr_1', qrCode: null, url: 'https://work.weixin.qq.com/ca/x?customer_channel=lr_1', reasons: [], localDay: '2026-01-01' } };
  bare.get('/bare', async () => answer);
  const address = await bare.listen({ port: 0, host: '127.0.0.1' });
  const result = await load({ url: `${address}/bare?getType=link&id=1`, connections, seconds });
  await bare.close();
  return result;
}

/** A published link (rows as publishing leaves them; no WeCom needed to route) and an open API app. */
async function seed(db: Awaited<ReturnType<typeof startBenchServer>>['database']['db'], method: 'weight' | 'round') {
  const link = await db.execute<{ id: number }>(sql`
    INSERT INTO acq_link (get_type, link_name, allocation_method, user_list, state, status, link_id, url)
    VALUES ('link', ${`bench ${method}`}, ${method}, '["u1","u2","u3"]'::jsonb, ${`lk_bench_${method}`}, 1, ${`LINK_${method}`}, ${`https://work.weixin.qq.com/ca/${method}?customer_channel=lk_bench_${method}`})
    RETURNING id`);
  const id = Number(link.rows[0].id);
  for (const [index, user] of ['u1', 'u2', 'u3'].entries()) {
    await db.execute(sql`
      INSERT INTO acq_rule (acq_link_id, order_num, get_type, user_id, weight, round_limit, state, config_link_id, link_url)
      VALUES (${id}, ${index}, 'link', ${user}, ${index + 1}, 2, ${`lr_bench_${method}_${user}`}, ${`SUB_${method}_${user}`}, ${`https://work.weixin.qq.com/ca/${method}-${user}?customer_channel=lr_bench_${method}_${user}`})`);
  }
  return id;
}

async function routeHit(mode: 'postgres' | 'postgres+redis' | 'embedded') {
  const server = await startBenchServer(mode === 'embedded' ? 'embedded' : 'postgres', {
    deps: () => (mode === 'postgres+redis' ? { config: { ...loadBenchConfig(), REDIS_URL: redisUrl } } : {}),
  });
  try {
    const weightId = await seed(server.database.db, 'weight');
    const roundId = await seed(server.database.db, 'round');
    const credentials = { appKey: 'ak_bench', secret: 'bench-secret' };
    await server.database.db.execute(sql`INSERT INTO open_app (name, app_key, secret, rate_limit) VALUES ('bench', ${credentials.appKey}, ${credentials.secret}, 100000000)`);
    const hitsCounted = async (id: number) =>
      Number((await server.database.db.execute<{ hits: number }>(sql`SELECT coalesce(sum(d.hits), 0)::int AS hits FROM acq_rule_day d JOIN acq_rule r ON r.id = d.rule_id WHERE r.acq_link_id = ${id}`)).rows[0].hits);
    const hit = (id: number, connections: number, duration = seconds) => signedLoad(`${server.address}/scrm/open/route/hit?getType=link&id=${id}`, credentials, connections, duration);
    const health = (duration = seconds) => load({ url: `${server.address}/scrm/health`, connections, seconds: duration });
    // Warm-up (JIT, pools), not counted: the floor and both links.
    await health(3);
    for (const id of [weightId, roundId]) await hit(id, 10, 2);
    // The floor again between the links (each link's ratio is to the floor runs just before and after it): this
    // machine's speed drifts by a third within minutes.
    const floors = [await health()];
    const methods = [];
    for (const [method, id] of [['weight', weightId], ['round', roundId]] as const) {
      if (methods.length > 0) floors.push(await health());
      const countedBefore = await hitsCounted(id);
      const at50 = await hit(id, connections);
      const counted = (await hitsCounted(id)) - countedBefore;
      const at10 = await hit(id, 10);
      methods.push({ method, at50, at10, counted });
    }
    floors.push(await health());
    return { methods, floors };
  } finally {
    await server.close();
  }
}

// The bench server builds its own config; with Redis, the acquisition module needs REDIS_URL in it.
const loadBenchConfig = () => loadConfig({ LOG_LEVEL: 'silent', JWT_SECRET: 'bench-secret-bench-secret-0123', DATA_DIR: process.env.TMPDIR ?? '/tmp' });

type Mode = 'postgres+redis' | 'postgres' | 'embedded';
const modes: Mode[] = option('--modes')
  ? (option('--modes')!.split(',') as Mode[])
  : ['postgres+redis', 'postgres', ...(args.includes('--no-embedded') ? [] : ['embedded' as const])];
const bare = await bareBaseline();
console.log(`# route-hit (${serverRuntime}; ${seconds} s per run)`);
console.log(`bare Fastify GET (reference, no database): ${format(bare)}`);
const header = ['mode', 'route/hit', 'req/s @50', 'p99 @50', 'floor', 'ratio', 'target', 'p99 @10', '≤ 20 ms', 'counted', '≈ answered'];
const widths = [15, 9, 10, 8, 6, 6, 9, 8, 8, 8, 10];
const line = (cells: string[]) => cells.map((cell, i) => (i < 2 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
const errors = (r: LoadResult) => (r.errors || r.non2xx ? ` (errors ${r.errors}, non-2xx ${r.non2xx})` : '');
for (const mode of modes) {
  const { methods, floors } = await routeHit(mode);
  console.log(`\n## ${mode}; load average ${loadavg().map((n) => n.toFixed(2)).join(' ')}`);
  console.log(`health (floor) at 50 connections, before, between and after the links: ${floors.map((f) => f.requestsPerSecond.toFixed(0)).join(', ')} req/s (first: ${format(floors[0])})`);
  console.log(line(header));
  for (const [i, { method, at50, at10, counted }] of methods.entries()) {
    const floor = (floors[i].requestsPerSecond + floors[i + 1].requestsPerSecond) / 2;
    const ratio = at50.requestsPerSecond / floor;
    console.log(
      line([
        mode, method, at50.requestsPerSecond.toFixed(0), `${at50.p99} ms`, floor.toFixed(0), ratio.toFixed(3), `${ratio >= TARGETS[method] ? 'met' : 'NOT'} ≥${TARGETS[method]}`,
        `${at10.p99} ms`, at10.p99 <= 20 ? 'met' : 'NOT', String(counted), String(Math.round(at50.requestsPerSecond * seconds)),
      ]) + errors(at50) + errors(at10),
    );
  }
}
process.exit(0);
