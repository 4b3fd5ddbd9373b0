/**
 * bench/http-baseline — issue 21's figures for the authenticated page endpoints, each as a ratio to the floor
 * `GET /scrm/health` (one `SELECT 1`, no auth) measured on the same server in the same run (the mean of a
 * run just before and one just after each page, so drift on a busy machine shows instead of skewing one side):
 * - `POST /scrm/admin/sys/user/page` over 1,000 users: req/s at 50 connections ≥ 0.25 of the floor;
 * - `POST /scrm/admin/clue/page` over 1,000 leads (a third with SCRM tags): ≥ 0.25;
 * - `POST /scrm/admin/cust/emp/page` with the console's default filters over `--relations` relations (default
 *   1,000,000; 2,000 employees in four departments), exact totals: ≥ 0.1;
 * - for each, p99 at 10 connections ≤ 20 ms; each for an all-scope caller (admin) and a self-scope caller (a
 *   role with data scope 本人, bound to one employee), whose pages are checked once to hold only their rows;
 * - time from `npm start` to a healthy /scrm/health on an empty and on an existing data dir (targets ≤ 10 s, ≤ 3 s).
 * The load generator (autocannon) runs in its own process; the floor and every page are warmed up first (not
 * counted). Optionally (--bare) a bare Fastify route, for reference.
 * Usage: node --import tsx bench/http-baseline/run.ts [--seconds 10] [--relations 1000000] [--embedded] [--bare]
 *        [--only sys/user/page,clue/page] [--no-startup] [--profile DIR]
 * (--embedded also runs on PGlite; pass a smaller --relations with it. --profile writes a CPU profile of the server
 * during each page's run at 50 connections to DIR/<page>-<caller>.cpuprofile: where the time goes.)
 */
import Fastify from 'fastify';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Session } from 'node:inspector/promises';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { writeFileSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import { hashPassword } from '../../apps/server/src/platform/auth/password.ts';
import { format, load, type LoadResult } from '../lib/load.ts';
import { serverRuntime, startBenchServer } from '../lib/server.ts';
import { formatNumber } from '../lib/simulator.ts';

const args = process.argv.slice(2);
const option = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const seconds = Number(option('--seconds')) || 10;
const relations = Number(option('--relations') ?? 1_000_000);
const modes: ('postgres' | 'embedded')[] = args.includes('--embedded') ? ['postgres', 'embedded'] : ['postgres'];
const only = option('--only')?.split(',');
const profileDir = option('--profile');

/** Runs `work` under the CPU profiler when --profile is given (the server runs in this process). */
async function profiled<T>(name: string, work: () => Promise<T>): Promise<T> {
  if (!profileDir) return work();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  try {
    return await work();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(join(profileDir, `${name.replaceAll('/', '_')}.cpuprofile`), JSON.stringify(profile));
    session.disconnect();
  }
}

const EMPLOYEES = 2_000;
const USERS = 1_000;
const LEADS = 1_000;
/** The self-scope caller's employee: relation i goes to employee (i × 7919) mod 2,000, so each has relations ÷ 2,000. */
const SELF_EMPLOYEE = 'emp0007';
const SELF_PASSWORD = 'BenchSales2026';
const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗';
const GIVEN = '伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂';
/** A Chinese name from a number (surname, then one or two given characters). */
const chineseName = (i: SQL) =>
  sql`substr(${SURNAMES}, (${i} % 20)::int + 1, 1) || substr(${GIVEN}, ((${i} / 20) % 24)::int + 1, 1) || CASE WHEN ${i} % 3 = 0 THEN '' ELSE substr(${GIVEN}, ((${i} / 480) % 24)::int + 1, 1) END`;
type SQL = ReturnType<typeof sql>;
type Server = Awaited<ReturnType<typeof startBenchServer>>;
type Db = Server['database']['db'];

async function bareBaseline() {
  const bare = Fastify();
  bare.post('/bare', async () => ({ code: '200', msg: 'ok', date: { records: [], total: 0, pageNum: 1, pageSize: 10 } }));
  const address = await bare.listen({ port: 0, host: '127.0.0.1' });
  const result = await load({ url: `${address}/bare`, method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"pageNum":1,"pageSize":10}', seconds });
  await bare.close();
  return result;
}

/**
 * Runs `insert` with the table's secondary indexes dropped and rebuilds them after (as pg_get_indexdef
 * described them): a bulk load then a build is much faster than maintaining GIN indexes row by row, and
 * leaves the same indexes.
 */
async function withoutIndexes(db: Db, tables: string[], insert: () => Promise<void>) {
  const indexes = await db.execute<{ name: string; definition: string }>(sql`
    SELECT i.relname AS name, pg_get_indexdef(i.oid) AS definition FROM pg_index x
    JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
    WHERE t.relname IN (${sql.join(tables.map((table) => sql`${table}`), sql`, `)}) AND NOT x.indisprimary
      AND t.relnamespace = 'public'::regnamespace AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)`);
  for (const index of indexes.rows) await db.execute(sql.raw(`DROP INDEX "${index.name}"`));
  await insert();
  await db.execute(sql`SET maintenance_work_mem = '256MB'`);
  for (const index of indexes.rows) await db.execute(sql.raw(index.definition));
}

/** 2,000 employees in four WeCom departments, `relations` relations over two years, corp tags on a third of them. */
async function seedCustomers(db: Db) {
  let customers = Math.round(relations / 1.5);
  // A customer's second relation (i + customers) must go to another employee: customers × 7919 ≢ 0 (mod 2,000).
  if (customers % EMPLOYEES === 0) customers++;
  await db.execute(sql`
    INSERT INTO qw_dept (dept_id, name, parent_id, order_num)
    VALUES (1, '总公司', 0, 100), (2, '销售一部', 1, 90), (3, '销售二部', 1, 80), (4, '客户成功部', 1, 70), (5, '市场部', 1, 60)
    ON CONFLICT DO NOTHING`);
  await db.execute(sql`
    INSERT INTO qw_emp (userid, name, mobile, position, department, dept_order, is_leader_in_dept, main_department, gender, status, customer_contact)
    SELECT 'emp' || lpad(i::text, 4, '0'), ${chineseName(sql`i`)}, '139' || lpad(i::text, 8, '0'),
           CASE WHEN i % 50 = 0 THEN '主管' ELSE '客户经理' END, ARRAY[2 + i % 4]::bigint[], ARRAY[0]::bigint[],
           ARRAY[(i % 50 = 0)::int]::smallint[], 2 + i % 4, 1 + i % 2, 1, true
    FROM generate_series(0, ${EMPLOYEES - 1}) AS i`);
  const groups = await db.execute<{ id: number }>(sql`
    INSERT INTO tag_group (type, wecom_group_id, name, order_num) VALUES ('corp', 'etGroupBench', '客户等级', 10) RETURNING id`);
  await db.execute(sql`
    INSERT INTO tag (group_id, type, wecom_tag_id, name, order_num)
    SELECT ${groups.rows[0].id}, 'corp', 'etTag' || i, (ARRAY['重要客户','意向客户','普通客户','已成交','待回访','高净值','老客户','渠道客户','沉默客户'])[i + 1], 9 - i
    FROM generate_series(0, 8) AS i`);
  const batch = 250_000;
  await withoutIndexes(db, ['customer', 'customer_relation', 'customer_tag'], async () => {
    for (let from = 1; from <= customers; from += batch) {
      await db.execute(sql`
        INSERT INTO customer (external_userid, name, avatar, type, gender, corp_name, synced_at)
        SELECT 'wmBench' || lpad(i::text, 9, '0'), ${chineseName(sql`i`)}, 'https://wework.qpic.cn/avatar/' || i,
               1 + (i % 7 = 0)::int, i % 3, CASE WHEN i % 7 = 0 THEN '客户公司' || (i % 300) END, now()
        FROM generate_series(${from}::bigint, ${Math.min(customers, from + batch - 1)}::bigint) AS i`);
    }
    // Relation i: customer (i mod customers) + 1, employee (i × 7919) mod 2,000, added at a spread time over two
    // years; 12% ended (lost), 2% transferred; a fifth with a remark, a quarter from a channel.
    for (let from = 0; from < relations; from += batch) {
      await db.execute(sql`
        INSERT INTO customer_relation (external_userid, userid, remark, remark_mobiles, add_way, state, oper_userid, createtime, tag_ids, status, lost_at, lost_by)
        SELECT 'wmBench' || lpad(((i % ${customers}) + 1)::text, 9, '0'),
               'emp' || lpad(((i * 7919) % ${EMPLOYEES})::text, 4, '0'),
               CASE WHEN i % 5 = 0 THEN '老客户' || (i % 100) ELSE '' END,
               CASE WHEN i % 10 = 0 THEN jsonb_build_array('137' || lpad((i % 100000000)::text, 8, '0')) ELSE '[]'::jsonb END,
               (ARRAY[1, 2, 3, 4, 16, 202])[(i % 6) + 1],
               CASE WHEN i % 4 = 0 THEN 'channel-' || (i % 12) ELSE '' END,
               'emp' || lpad(((i * 7919) % ${EMPLOYEES})::text, 4, '0'),
               timestamptz '2025-01-01 00:00:00+08' + ((i * 104729) % (730 * 86400)) * interval '1 second',
               CASE WHEN i % 3 = 0 THEN jsonb_build_array('etTag' || (i % 9)) ELSE '[]'::jsonb END,
               CASE WHEN i % 8 = 0 THEN 'lost' WHEN i % 50 = 1 THEN 'transferred' ELSE 'active' END,
               CASE WHEN i % 8 = 0 OR i % 50 = 1 THEN timestamptz '2027-01-01 00:00:00+08' END,
               CASE WHEN i % 16 = 0 THEN 'customer' WHEN i % 8 = 0 THEN 'employee' END
        FROM generate_series(${from}::bigint, ${Math.min(relations, from + batch) - 1}::bigint) AS i`);
    }
    // The corp tags as the sync stores them: one customer_tag row per tagged relation, only for live relations.
    await db.execute(sql`
      INSERT INTO customer_tag (external_userid, userid, tag_id, tag_type)
      SELECT r.external_userid, r.userid, t.id, 'corp' FROM customer_relation r JOIN tag t ON t.wecom_tag_id = r.tag_ids->>0
      WHERE r.status = 'active'
      ON CONFLICT DO NOTHING`);
  });
  return customers;
}

/** 1,000 console users (as the seed's admin creates them) and 1,000 leads as the leads module stores them. */
async function seedUsersAndLeads(db: Db) {
  const passwordHash = await hashPassword('Bench12345');
  await db.execute(sql`
    INSERT INTO sys_user (username, nickname, password_hash, dept_id, phone, cuser)
    SELECT 'user' || i, '员工' || i, ${passwordHash}, 1, '138' || lpad(i::text, 8, '0'), 'bench' FROM generate_series(1, ${USERS}) AS i`);
  // Lead i: 20% in the pool, 5% converted (linked to a customer), 5% invalid, the rest assigned; owners are a sales
  // team of the first 50 employees (the self-scope caller's among them); sources and channels mixed; created
  // over a year, a primary phone each (lead_contact, copied to primary_phone).
  await db.execute(sql`
    INSERT INTO lead (name, gender, company, position, remark, source, channel, status, owner_userid, assigned_at, primary_phone,
                      external_userid, linked_at, last_follow_at, next_follow_at, ctime, mtime, cuser)
    SELECT ${chineseName(sql`(i * 31)`)}, i % 3, CASE WHEN i % 4 = 0 THEN '某某科技有限公司' || (i % 40) ELSE '' END,
           CASE WHEN i % 4 = 0 THEN '采购经理' ELSE '' END, CASE WHEN i % 6 = 0 THEN '展会名片' ELSE '' END,
           (ARRAY['manual', 'import', 'collect'])[(i % 3) + 1], (ARRAY['', '展会', '官网表单', '百度推广'])[(i % 4) + 1],
           CASE WHEN i % 5 = 0 THEN 'pool' WHEN i % 20 = 1 THEN 'converted' WHEN i % 20 = 2 THEN 'invalid' ELSE 'assigned' END,
           CASE WHEN i % 5 = 0 THEN NULL ELSE 'emp' || lpad((i % 50)::text, 4, '0') END,
           CASE WHEN i % 5 = 0 THEN NULL ELSE now() - (i % 300) * interval '1 day' END,
           '135' || lpad(i::text, 8, '0'),
           CASE WHEN i % 20 = 1 THEN 'wmBench' || lpad((i * 97)::text, 9, '0') END,
           CASE WHEN i % 20 = 1 THEN now() - (i % 200) * interval '1 day' END,
           CASE WHEN i % 5 <> 0 THEN now() - (i % 30) * interval '1 day' END,
           CASE WHEN i % 5 <> 0 AND i % 3 = 0 THEN now() + (i % 14) * interval '1 day' END,
           now() - (i % 365) * interval '1 day' - i * interval '1 minute', now(), 'bench'
    FROM generate_series(1, ${LEADS}) AS i`);
  await db.execute(sql`
    INSERT INTO lead_contact (lead_id, type, value, is_primary, cuser)
    SELECT id, 'phone', primary_phone, true, 'bench' FROM lead WHERE primary_phone IS NOT NULL`);
  // SCRM tags on a third of the leads (one each, a second on a ninth), as an operator tags a pool: the page reads
  // a lead's tag list only where it has one.
  const group = await db.execute<{ id: number }>(sql`INSERT INTO tag_group (type, name, order_num) VALUES ('self', '意向', 10) RETURNING id`);
  await db.execute(sql`
    INSERT INTO tag (group_id, type, name, order_num)
    SELECT ${group.rows[0].id}, 'self', (ARRAY['高意向', '中意向', '低意向', '已报价'])[i + 1], 4 - i FROM generate_series(0, 3) AS i`);
  await db.execute(sql`
    INSERT INTO lead_tag (lead_id, tag_id, cuser)
    SELECT l.id, t.id, 'bench' FROM lead l JOIN tag t ON t.group_id = ${group.rows[0].id}
    WHERE l.id % 3 = 0 AND (t.order_num = 4 - (l.id / 3) % 3 OR (l.id % 9 = 0 AND t.name = '已报价'))`);
}

/** A role with data scope 本人 holding the three pages, and a user in it bound to SELF_EMPLOYEE, through the API as an operator would. */
async function createSelfScopeUser(server: Server, adminToken: string): Promise<{ token: string; userId: number }> {
  const post = async (path: string, body: unknown) => {
    const response = await fetch(`${server.address}/scrm/admin${path}`, { method: 'POST', headers: { 'content-type': 'application/json', token: adminToken }, body: JSON.stringify(body) });
    const json = (await response.json()) as { code: string; msg: string; date: any };
    assert.equal(response.status, 200, `${path}: ${json.msg}`);
    return json.date;
  };
  const menus = await server.database.db.execute<{ id: number }>(sql`SELECT id FROM sys_menu WHERE perms IN ('sys:user:list', 'clue:list', 'cust:info:list')`);
  assert.equal(menus.rows.length, 3, 'the three pages’ menus');
  const role = await post('/sys/role/save', { name: '销售（本人）', roleKey: 'bench_self', dataScope: 5 });
  await post('/sys/role/updateMenus', { roleId: role.id, menuIds: menus.rows.map((row) => Number(row.id)) });
  const user = await post('/sys/user/save', { username: 'sales', nickname: '销售员', password: SELF_PASSWORD, deptId: 1 });
  await post('/sys/user/grantRoles', { userId: user.id, roleIds: [role.id] });
  await post('/sys/user/bindQwUserid', { userId: user.id, qwUserid: SELF_EMPLOYEE });
  return { token: await server.login('sales', SELF_PASSWORD), userId: user.id };
}

/**
 * CPU time used so far (ms) by this process (the server; the load generator runs in its own) and by each of
 * PostgreSQL's processes on this machine (Linux /proc; none elsewhere): where a page's time goes, in the application
 * or the database.
 */
function cpuNow(): { server: number; kernel: number; database: Map<string, number> } {
  const usage = process.cpuUsage();
  const database = new Map<string, number>();
  try {
    const tick = 1000 / 100; // USER_HZ: Linux reports process times in hundredths of a second
    for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
      try {
        if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('postgres')) continue;
        const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
        database.set(pid, (Number(fields[11]) + Number(fields[12])) * tick);
      } catch {
        // the process ended
      }
    }
  } catch {
    // no /proc
  }
  return { server: (usage.user + usage.system) / 1000, kernel: usage.system / 1000, database };
}

/** µs per request between two readings; the database's over the processes alive at both (the pooled connections). */
function cpuPerRequest(before: ReturnType<typeof cpuNow>, after: ReturnType<typeof cpuNow>, requests: number) {
  let database = 0;
  for (const [pid, time] of after.database) if (before.database.has(pid)) database += time - before.database.get(pid)!;
  const perRequest = (ms: number) => (ms / requests) * 1000;
  return { server: perRequest(after.server - before.server), kernel: perRequest(after.kernel - before.kernel), database: perRequest(database) };
}

/**
 * The server's stalls while `work` runs: its event loop's delay (p99 and max) and its GC pauses (the longest, and
 * their share of the time): what a request's p99 waits for beyond its own work and the database.
 */
async function stalls<T>(work: () => Promise<T>): Promise<[T, Stalls]> {
  const delay = monitorEventLoopDelay({ resolution: 1 });
  let gcMax = 0;
  let gcTotal = 0;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gcMax = Math.max(gcMax, entry.duration);
      gcTotal += entry.duration;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  delay.enable();
  const started = performance.now();
  try {
    const result = await work();
    const ms = (ns: number) => ns / 1e6;
    return [result, { loopP99: ms(delay.percentile(99)), loopMax: ms(delay.max), gcMax, gcShare: gcTotal / (performance.now() - started) }];
  } finally {
    delay.disable();
    observer.disconnect();
  }
}
interface Stalls {
  loopP99: number;
  loopMax: number;
  gcMax: number;
  gcShare: number;
}

interface Endpoint {
  label: string;
  path: string;
  body: object;
  target: number;
}

const ENDPOINTS: Endpoint[] = [
  { label: 'sys/user/page', path: '/scrm/admin/sys/user/page', body: { pageNum: 1, pageSize: 10 }, target: 0.25 },
  { label: 'clue/page', path: '/scrm/admin/clue/page', body: { pageNum: 1, pageSize: 20 }, target: 0.25 },
  // What 客户列表 sends on opening: its first page of 20 and the tag-match radio's initial value.
  { label: 'cust/emp/page', path: '/scrm/admin/cust/emp/page', body: { pageNum: 1, pageSize: 20, tagMatch: 'any' }, target: 0.1 },
].filter((endpoint) => !only || only.includes(endpoint.label));

interface Row {
  endpoint: string;
  caller: string;
  total: number;
  at50: LoadResult;
  /** CPU time per request at 50 connections: the server's process and PostgreSQL's (µs). */
  cpu: { server: number; kernel: number; database: number };
  at10: LoadResult;
  /** The server's stalls during the run at 10 connections. */
  stalls10: Stalls;
  target: number;
}

async function pages(mode: 'postgres' | 'embedded') {
  const server = await startBenchServer(mode);
  try {
    const db = server.database.db;
    const started = performance.now();
    const customers = await seedCustomers(db);
    await seedUsersAndLeads(db);
    // As autovacuum would after a bulk load, before the runs rather than during them: the planner sees the real row
    // counts, and the visibility map lets counts read indexes alone.
    await db.execute(sql`VACUUM (ANALYZE)`);
    // And the bulk load's dirty pages written out now, not by the checkpointer during the first runs.
    if (mode === 'postgres') await db.execute(sql`CHECKPOINT`);
    console.log(
      `data (${mode}): ${formatNumber(relations)} relations, ${formatNumber(customers)} customers, ${formatNumber(EMPLOYEES)} employees, ` +
        `${formatNumber(USERS + 2)} users, ${formatNumber(LEADS)} leads — seeded in ${formatNumber((performance.now() - started) / 1000, 1)} s`,
    );
    const adminToken = await server.login();
    const self = await createSelfScopeUser(server, adminToken);
    const callers = [
      { caller: 'all', token: adminToken },
      { caller: 'self', token: self.token },
    ];
    const post = async (path: string, token: string, body: object) => {
      const response = await fetch(`${server.address}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', token }, body: JSON.stringify(body) });
      const json = (await response.json()) as { msg: string; date: { total: number; records: Record<string, unknown>[] } };
      assert.equal(response.status, 200, `${path}: ${json.msg}`);
      return json.date;
    };
    const count = async (query: SQL) => Number((await db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM ${query}`)).rows[0].n);

    // Each page once per caller, checked against the database, so what is measured is the real, scoped page.
    const expected: Record<string, Record<string, { total: number; rowOk: (row: Record<string, unknown>) => boolean }>> = {
      'sys/user/page': {
        all: { total: await count(sql`sys_user WHERE is_del = 0`), rowOk: () => true },
        self: { total: 1, rowOk: (row) => row.id === self.userId },
      },
      'clue/page': {
        all: { total: await count(sql`lead WHERE is_del = 0 AND merged_into_id IS NULL`), rowOk: () => true },
        // Pool leads are open to every holder of clue:list; owned ones follow the data scope.
        self: {
          total: await count(sql`lead WHERE is_del = 0 AND merged_into_id IS NULL AND (owner_userid IS NULL OR owner_userid = ${SELF_EMPLOYEE})`),
          rowOk: (row) => row.ownerUserid === null || row.ownerUserid === SELF_EMPLOYEE,
        },
      },
      'cust/emp/page': {
        all: { total: relations, rowOk: () => true },
        self: { total: await count(sql`customer_relation WHERE userid = ${SELF_EMPLOYEE}`), rowOk: (row) => row.userid === SELF_EMPLOYEE },
      },
    };
    for (const endpoint of ENDPOINTS) {
      for (const { caller, token } of callers) {
        const page = await post(endpoint.path, token, endpoint.body);
        const want = expected[endpoint.label][caller];
        assert.equal(page.total, want.total, `${endpoint.label} (${caller}): exact total`);
        assert.ok(page.records.length > 0 && page.records.every(want.rowOk), `${endpoint.label} (${caller}): only the caller's rows`);
      }
    }
    assert.ok(expected['cust/emp/page'].self.total < relations && expected['clue/page'].self.total < expected['clue/page'].all.total);
    // The pages show the tags there are (the page's tag list once read none where no tag row's id was its lead's).
    for (const endpoint of ENDPOINTS.filter((e) => e.label !== 'sys/user/page')) {
      const page = await post(endpoint.path, adminToken, endpoint.body);
      const field = endpoint.label === 'clue/page' ? 'tags' : 'tagList';
      const listed = page.records.filter((row) => (row[field] as unknown[]).length > 0).length;
      assert.ok(listed > 0 && listed < page.records.length, `${endpoint.label}: some rows with tags, some without (${listed})`);
    }

    const health = (duration = seconds) => load({ url: `${server.address}/scrm/health`, seconds: duration });
    const runner = (endpoint: Endpoint, token: string) => (connections: number, duration = seconds) =>
      load({ url: `${server.address}${endpoint.path}`, method: 'POST', headers: { 'content-type': 'application/json', token }, body: JSON.stringify(endpoint.body), connections, seconds: duration });
    // Warm-up (JIT, pools, caches), not counted: the floor and every page.
    await health(3);
    for (const endpoint of ENDPOINTS) for (const { token } of callers) await runner(endpoint, token)(10, 2);
    const healthStart = cpuNow();
    const healthBefore = await health();
    const healthCpu = cpuPerRequest(healthStart, cpuNow(), healthBefore.requestsPerSecond * seconds);
    const rows: Row[] = [];
    // The floor again between pages (each page's ratio is to the floors just before and after it): this machine's
    // speed drifts by a third within minutes, more than the differences measured.
    const floors = [healthBefore];
    for (const endpoint of ENDPOINTS) {
      for (const { caller, token } of callers) {
        if (rows.length > 0) floors.push(await health());
        const run = runner(endpoint, token);
        const before = cpuNow();
        const at50 = await profiled(`${endpoint.label}-${caller}`, () => run(50));
        const cpu = cpuPerRequest(before, cpuNow(), at50.requestsPerSecond * seconds);
        const [at10, stalls10] = await stalls(() => run(10));
        rows.push({ endpoint: endpoint.label, caller, total: expected[endpoint.label][caller].total, at50, cpu, at10, stalls10, target: endpoint.target });
      }
    }
    const healthAfter = await health();
    floors.push(healthAfter);
    const healthAt10 = await load({ url: `${server.address}/scrm/health`, connections: 10, seconds });
    return { rows, floors, healthCpu, healthAt10, replanned: await replannedStatements(server) };
  } finally {
    await server.close();
  }
}

/**
 * The named statements PostgreSQL planned anew on every run (custom plans only, many runs) on the server's pooled
 * connections: planning such a statement can cost the database more than running it (pg_prepared_statements).
 */
async function replannedStatements(server: Server): Promise<string[]> {
  const clients = await Promise.all(Array.from({ length: server.database.pool.options.max ?? 10 }, () => server.database.pool.connect()));
  const plans = new Map<string, { generic: number; custom: number }>();
  try {
    for (const client of clients) {
      const { rows } = await client.query<{ statement: string; generic_plans: string; custom_plans: string }>(
        'SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements');
      for (const row of rows) {
        const counts = plans.get(row.statement) ?? { generic: 0, custom: 0 };
        counts.generic += Number(row.generic_plans);
        counts.custom += Number(row.custom_plans);
        plans.set(row.statement, counts);
      }
    }
  } finally {
    for (const client of clients) client.release();
  }
  return [...plans]
    .filter(([, counts]) => counts.custom >= 100 && counts.generic === 0)
    .map(([statement, counts]) => `${counts.custom} runs: ${statement.replace(/\s+/g, ' ').trim().slice(0, 160)}…`);
}

function printTable(mode: string, result: Awaited<ReturnType<typeof pages>>) {
  const { rows, floors, healthCpu, healthAt10, replanned } = result;
  /** Page i's floor: the mean of the floor runs just before and after it. */
  const floorOf = (i: number) => (floors[i].requestsPerSecond + floors[i + 1].requestsPerSecond) / 2;
  const errors = (r: LoadResult) => (r.errors || r.non2xx ? ` (errors ${r.errors}, non-2xx ${r.non2xx})` : '');
  console.log(`\n## ${mode}, ${seconds} s per run; load average ${loadavg().map((n) => n.toFixed(2)).join(' ')}`);
  console.log(`health (floor, one SELECT 1, no auth) at 50 connections, before, between and after the pages: ${floors.map((f) => f.requestsPerSecond.toFixed(0)).join(', ')} req/s`);
  console.log(`first floor run: ${format(floors[0])}; health at 10 connections: ${format(healthAt10)}`);
  console.log(`health's CPU per request (before): server ${healthCpu.server.toFixed(0)} µs (in the kernel ${healthCpu.kernel.toFixed(0)}), database ${healthCpu.database.toFixed(0)} µs`);
  const header = ['endpoint', 'caller', 'total', 'req/s @50', 'p99 @50', 'floor', 'ratio', 'target', 'p99 @10', '≤ 20 ms', 'CPU µs/req: server', 'kernel', 'database', '@10: loop p99/max', 'GC max/share'];
  const widths = [15, 6, 10, 10, 8, 6, 6, 8, 8, 8, 19, 6, 8, 17, 12];
  const line = (cells: string[]) => cells.map((cell, i) => (i < 2 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
  console.log(line(header));
  for (const [i, row] of rows.entries()) {
    const floor = floorOf(i);
    const ratio = row.at50.requestsPerSecond / floor;
    console.log(
      line([
        row.endpoint, row.caller, formatNumber(row.total), row.at50.requestsPerSecond.toFixed(0), `${row.at50.p99} ms`, floor.toFixed(0), ratio.toFixed(3),
        `${ratio >= row.target ? 'met' : 'NOT'} ≥${row.target}`, `${row.at10.p99} ms`, row.at10.p99 <= 20 ? 'met' : 'NOT',
        row.cpu.server.toFixed(0), row.cpu.kernel.toFixed(0), row.cpu.database.toFixed(0),
        `${row.stalls10.loopP99.toFixed(1)}/${row.stalls10.loopMax.toFixed(1)} ms`, `${row.stalls10.gcMax.toFixed(1)} ms/${(row.stalls10.gcShare * 100).toFixed(0)}%`,
      ]) + errors(row.at50) + errors(row.at10),
    );
  }
  if (mode === 'postgres') console.log(`statements planned anew on every run: ${replanned.length ? `\n  ${replanned.join('\n  ')}` : 'none'}`);
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

console.log(`# http-baseline (${serverRuntime}; ${formatNumber(relations)} relations)`);
for (const mode of modes) printTable(mode, await pages(mode));
if (args.includes('--bare')) console.log(`\nbare Fastify route (reference):  ${format(await bareBaseline())}`);
if (!args.includes('--no-startup')) {
  const dataDir = mkdtempSync(join(tmpdir(), 'scrm-start-'));
  console.log(`npm start → healthy, empty data dir:    ${(await startupTime(dataDir)).toFixed(2)} s (target ≤ 10 s)`);
  console.log(`npm start → healthy, existing data dir: ${(await startupTime(dataDir)).toFixed(2)} s (target ≤ 3 s)`);
  rmSync(dataDir, { recursive: true, force: true });
}
