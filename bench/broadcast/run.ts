// Broadcast benchmark (run: `node --import tsx bench/broadcast/run.ts`; not a test). PostgreSQL on DATABASE_URL
// (default postgres://postgres@127.0.0.1:5432/test; a fresh database), the WeCom simulator in this process with
// BENCH_EMPLOYEES (200) employees and BENCH_CUSTOMERS (100,000) customers, mirrored into SCRM's tables by SQL
// (the org by its sync job). Measures a customer broadcast to all of them over every sender: the preview (plan),
// then save → send → the dispatch job's end (plan stored, one add_msg_template per sender and chunk, each marked in
// flight before its call): wall time (target ≤ 30 s), peak RSS of this process (SCRM and the simulator together),
// the WeCom calls made; then the same add_msg_template calls made raw with the client (same recipient lists, as many
// at once as the dispatch) in the same run, and the ratio.
process.env.DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/test';
import { loadavg } from 'node:os';
import { sql } from 'drizzle-orm';
import { createWecomTestEnv } from '../../apps/server/src/testing/wecom-test-env.ts';
import { DISPATCH_CONCURRENCY } from '../../apps/server/src/modules/broadcasts/broadcasts.service.ts';

const EMPLOYEES = Number(process.env.BENCH_EMPLOYEES ?? 200);
const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 100_000);
const format = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const mb = (bytes: number) => `${format(bytes / 1024 / 1024)} MB`;

const setupStarted = performance.now();
const env = await createWecomTestEnv({
  sizes: { departments: 10, employees: EMPLOYEES, customers: CUSTOMERS, groups: 0, tagGroups: 2, contactWays: 0, acquisitionLinks: 0, joinWays: 0, maxGroupMembers: 2 },
  eventWorker: false,
  seed: 'bench-broadcast',
});
let peakRss = process.memoryUsage().rss;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 25);
try {
  // Every employee may send (客户联系), as in a corp that broadcasts.
  for (const employee of env.sim.state.employees.values()) employee.customerContact = true;
  const admin = await env.login();
  await env.syncOrg();
  // The customers and relations, straight into SCRM's mirror (what customers.sync stores).
  const customers = [...env.sim.state.customers.values()];
  for (let start = 0; start < customers.length; start += 5000) {
    const batch = customers.slice(start, start + 5000).map((c) => ({ e: c.external_userid, n: c.name, g: c.gender, t: c.type }));
    await env.db.execute(sql`INSERT INTO customer (external_userid, name, gender, type)
      SELECT x.e, x.n, x.g, x.t FROM jsonb_to_recordset(${JSON.stringify(batch)}::jsonb) AS x(e text, n text, g int, t int) ON CONFLICT DO NOTHING`);
  }
  const relations = [...env.sim.state.employees.keys()].flatMap((userid) => env.sim.state.relationList(userid));
  for (let start = 0; start < relations.length; start += 5000) {
    const batch = relations.slice(start, start + 5000).map((r) => ({ e: r.external_userid, u: r.userid, c: new Date(r.createtime * 1000).toISOString() }));
    await env.db.execute(sql`INSERT INTO customer_relation (external_userid, userid, createtime)
      SELECT x.e, x.u, x.c FROM jsonb_to_recordset(${JSON.stringify(batch)}::jsonb) AS x(e text, u text, c timestamptz) ON CONFLICT DO NOTHING`);
  }
  await env.db.execute(sql`ANALYZE customer; ANALYZE customer_relation`);
  const eligible = await env.db.execute<{ userid: string }>(sql`SELECT userid FROM qw_emp WHERE is_del = 0 AND status = 1 AND left_at IS NULL AND customer_contact IS NOT FALSE ORDER BY userid`);
  const senders = eligible.rows.map((row) => row.userid);
  console.log(`broadcast benchmark — ${format(customers.length)} customers, ${format(relations.length)} relations, ${senders.length} senders, PostgreSQL; set up in ${format((performance.now() - setupStarted) / 1000, 1)} s; load average ${loadavg().map((n) => n.toFixed(2)).join(' ')}`);

  const call = async (url: string, body: unknown) => {
    const response = await admin.post(url, body);
    if (response.status !== 200) throw new Error(`${url}: ${response.status} ${response.body.msg}`);
    return response.body.date;
  };
  const saved = await call('/scrm/admin/broadcast/customer/save', { name: '基准群发', content: { text: '基准测试：全体客户' }, senders: { userids: senders }, audience: {} });

  env.wecomCalls.clear();
  const previewStarted = performance.now();
  const preview = await call('/scrm/admin/broadcast/customer/preview', { id: saved.id });
  const previewMs = performance.now() - previewStarted;
  console.log(`preview (plan): ${format(previewMs)} ms — ${format(preview.total)} recipients over ${preview.senders.length} senders in ${preview.tasks} tasks; left out: not a friend ${preview.excluded.notFriend}, receive limit ${preview.excluded.receiveLimit}, do-not-disturb ${preview.excluded.dnd}`);

  env.wecomCalls.clear();
  peakRss = process.memoryUsage().rss;
  const rssBefore = peakRss;
  const started = performance.now();
  const sending = call('/scrm/admin/broadcast/customer/send', { id: saved.id });
  const watchdog = setTimeout(async () => {
    const activity = await env.db.execute(sql`SELECT state, wait_event_type, wait_event, left(query, 160) AS query FROM pg_stat_activity WHERE datname = current_database()`);
    console.log('send still running after 60 s:', JSON.stringify(activity.rows, null, 1));
  }, 60_000);
  await sending;
  clearTimeout(watchdog);
  const answeredMs = performance.now() - started;
  let record;
  for (;;) {
    record = (await admin.get('/scrm/admin/broadcast/customer/get', { id: saved.id })).body.date;
    if (record.status !== 'sending') break;
    if (performance.now() - started > 120_000) {
      const jobs = await env.db.execute(sql`SELECT type, state, error, progress, total FROM sys_job WHERE type = 'broadcasts.dispatch' ORDER BY id DESC LIMIT 3`);
      throw new Error(`still sending after 120 s: ${JSON.stringify(record.chunkCounts)} jobs ${JSON.stringify(jobs.rows)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const dispatchMs = performance.now() - started;
  const scrmCalls = new Map(env.wecomCalls);
  const totalCalls = [...scrmCalls.values()].reduce((a, b) => a + b, 0);
  const templates = scrmCalls.get('externalcontact/add_msg_template') ?? 0;
  const simTasks = [...env.sim.state.groupMsgIndex.values()].filter((m) => m.text?.content === '基准测试：全体客户');
  const simRecipients = simTasks.reduce((sum, m) => sum + m.tasks.reduce((s, t) => s + t.recipients.length, 0), 0);
  console.log(`send → dispatched: ${format(dispatchMs / 1000, 2)} s (target ≤ 30 s; the send answered after ${format(answeredMs / 1000, 2)} s with the plan stored, then the dispatch job), status ${record.status}, ${format(record.plannedCount)} planned, chunks ${JSON.stringify(record.chunkCounts)}`);
  console.log(`WeCom calls: ${totalCalls} (${[...scrmCalls].map(([api, n]) => `${api} ${n}`).join(', ')}); the simulator holds ${simTasks.length} tasks with ${format(simRecipients)} recipients — ${simRecipients === preview.total && simTasks.length === preview.tasks ? 'exactly the preview' : 'NOT THE PREVIEW'}`);
  console.log(`peak RSS of this process (SCRM + simulator): ${mb(peakRss)} (${mb(rssBefore)} before the send)`);

  // The same add_msg_template calls, raw: the same sender and recipient lists with the client, as many at once as the
  // dispatch makes (DISPATCH_CONCURRENCY).
  const lists = await env.db.execute<{ userid: string; chunk_seq: number; targets: string[] }>(sql`
    SELECT userid, chunk_seq, array_agg(target ORDER BY target) AS targets FROM broadcast_recipient
    WHERE broadcast_id = ${saved.id} AND chunk_seq IS NOT NULL GROUP BY userid, chunk_seq ORDER BY userid, chunk_seq`);
  env.wecomCalls.clear();
  const rawStarted = performance.now();
  const queue = [...lists.rows];
  const caller = async () => {
    for (let list = queue.shift(); list; list = queue.shift()) {
      await env.wecom.client.broadcasts.addMsgTemplate({ chat_type: 'single', sender: list.userid, external_userid: list.targets, text: { content: '基准测试：直接调用' } });
    }
  };
  await Promise.all(Array.from({ length: DISPATCH_CONCURRENCY }, caller));
  const rawMs = performance.now() - rawStarted;
  const rawCalls = env.wecomCalls.get('externalcontact/add_msg_template') ?? 0;
  console.log(`raw add_msg_template: ${rawCalls} calls in ${format(rawMs / 1000, 2)} s; SCRM's dispatch (${templates} add_msg_template calls, with the plan stored and each chunk marked before and after its call) took ${format(dispatchMs / rawMs, 2)}× the raw calls`);
} finally {
  clearInterval(sampler);
  await env.close();
}
