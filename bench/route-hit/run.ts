/**
 * bench/route-hit — issue 6's figures: `GET /scrm/open/route/hit` (signed, rate-limited, counters updated
 * atomically in the database) requests/s and p99 at 50 connections, against a bare Fastify route in the same
 * run (target: ratio ≥ 0.5, p99 ≤ 20 ms). On PostgreSQL with Redis (nonces and rate limits in Redis), on
 * PostgreSQL alone (both in the database), and embedded (PGlite).
 * The link is published with three rules: `weight` (one conditional upsert per hit) and `round` (one
 * transaction per hit holding the link's round row).
 * Usage: node --import tsx bench/route-hit/run.ts [--seconds 10] [--no-embedded | --modes postgres,embedded] [--redis redis://127.0.0.1:6379]
 */
import Fastify from 'fastify';
import { spawn } from 'node:child_process';
import { sql } from 'drizzle-orm';
import { format, load, type LoadResult } from '../lib/load.ts';
import { startBenchServer } from '../lib/server.ts';
import { loadConfig } from '../../apps/server/src/config.ts';

const args = process.argv.slice(2);
const option = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const seconds = Number(option('--seconds')) || 10;
const redisUrl = option('--redis') ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const connections = 50;

async function signedLoad(url: string, credentials: { appKey: string; secret: string }): Promise<LoadResult> {
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
    const results: Record<string, LoadResult> = {};
    for (const [method, id] of [['weight', weightId], ['round', roundId]] as const) {
      results[method] = await signedLoad(`${server.address}/scrm/open/route/hit?getType=link&id=${id}`, credentials);
      const counted = await server.database.db.execute<{ hits: number }>(sql`SELECT coalesce(sum(d.hits), 0)::int AS hits FROM acq_rule_day d JOIN acq_rule r ON r.id = d.rule_id WHERE r.acq_link_id = ${id}`);
      results[`${method} (hits counted)`] = { requestsPerSecond: Number(counted.rows[0].hits), p50: 0, p95: 0, p99: 0, errors: 0, non2xx: 0 };
    }
    return results;
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
console.log(`bare Fastify GET            ${format(bare)}`);
for (const mode of modes) {
  const results = await routeHit(mode);
  for (const method of ['weight', 'round'] as const) {
    const result = results[method];
    const counted = results[`${method} (hits counted)`].requestsPerSecond;
    const total = Math.round(result.requestsPerSecond * seconds);
    console.log(
      `route/hit ${method.padEnd(6)} ${mode.padEnd(15)} ${format(result)}; ratio ${(result.requestsPerSecond / bare.requestsPerSecond).toFixed(2)}; ` +
        `p99 ${result.p99 <= 20 ? '≤' : '>'} 20 ms; hits counted ${counted} (≈ ${total} answered)`,
    );
  }
}
process.exit(0);
