// Customer group sync benchmark (run: `node --expose-gc --import tsx bench/group-sync/run.ts`; not a test).
// On PostgreSQL (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test): the groups.sync job
// body (groupchat/list, groupchat/get with names for every group, batched upserts) against the simulator in
// its own process, serving a corp of BENCH_GROUPS groups (default 2,000) with exactly BENCH_MEMBERS members
// each (default 200). Prints members persisted per second (target ≥ 10,000/s) for a first sync into empty
// tables and for a second sync that finds nothing changed, the WeCom calls, and peak memory; then a sync
// into empty tables that WeCom fails halfway (rate limit on groupchat/get) and its retry, which resumes from
// the job's checkpoint (WeCom calls of each attempt); then the streamed xlsx export of every member through
// HTTP (rows/s, time to first byte, peak memory).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { createWecomSimulator } from '@scrm/wecom-sim';
import { startBenchServer } from '../lib/server.ts';
import { countingClient, formatNumber as format, startSimulatorProcess } from '../lib/simulator.ts';
import { createGroupWriteRepository } from '../../apps/server/src/modules/groups/group-writes.repository.ts';
import { runGroupSync, type GroupSyncDeps, type GroupSyncOptions } from '../../apps/server/src/modules/groups/group-sync.ts';
import { jobProgressOf, updateJobCheckpoint } from '../../apps/server/src/platform/jobs/job-service.ts';

const GROUPS = Number(process.env.BENCH_GROUPS ?? 2000);
const MEMBERS = Number(process.env.BENCH_MEMBERS ?? 200);
const TARGET = 10_000;

/** A corp whose every group has exactly MEMBERS members (mostly customers, some by QR with a state), saved as a simulator state file. */
function prepareCorp(file: string): { members: number; generationMs: number } {
  const started = performance.now();
  const sim = createWecomSimulator({
    seed: 'bench-groups',
    sizes: { departments: 10, employees: 100, customers: Math.max(2000, MEMBERS * 10), groups: GROUPS, maxGroupMembers: 20, contactWays: 1, acquisitionLinks: 1, joinWays: 1, tagGroups: 1 },
  });
  const customers = [...sim.state.customers.values()];
  let members = 0;
  let cursor = 0;
  for (const chat of sim.state.groupChats.values()) {
    chat.member_list = chat.member_list.slice(0, MEMBERS);
    const present = new Set(chat.member_list.map((member) => member.userid));
    while (chat.member_list.length < MEMBERS) {
      const customer = customers[cursor++ % customers.length];
      if (present.has(customer.external_userid)) continue;
      present.add(customer.external_userid);
      const byQr = chat.member_list.length % 3 === 0;
      chat.member_list.push({
        userid: customer.external_userid,
        type: 2,
        join_time: chat.create_time + chat.member_list.length * 60,
        join_scene: byQr ? 3 : 1,
        ...(byQr ? { state: `qr-${chat.member_list.length % 7}` } : { invitor: { userid: chat.owner } }),
        group_nickname: chat.member_list.length % 5 === 0 ? `昵称${chat.member_list.length}` : '',
        name: customer.name,
        ...(customer.unionid ? { unionid: customer.unionid } : {}),
      });
    }
    chat.versionCounter++;
    chat.member_version = sim.state.memberVersion(chat);
    members += chat.member_list.length;
  }
  writeFileSync(file, JSON.stringify(sim.toJSON()));
  void sim.close();
  return { members, generationMs: performance.now() - started };
}


async function main(): Promise<void> {
  console.log(`# Customer group sync benchmark (node ${process.version}, PostgreSQL)`);
  const dir = mkdtempSync(join(tmpdir(), 'scrm-bench-groups-'));
  const stateFile = join(dir, 'sim.json');
  const corp = prepareCorp(stateFile);
  console.log(`corp: ${format(GROUPS)} groups × ${MEMBERS} members = ${format(corp.members)} members (generated in ${format(corp.generationMs / 1000, 1)} s)`);

  const simulator = await startSimulatorProcess(['--seed', 'bench-groups', '--state', stateFile]);
  const server = await startBenchServer('postgres');
  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
  try {
    const { wecom, counter } = countingClient(simulator);
    const db = server.database.db;
    let progressReports = 0;
    const options: GroupSyncOptions = {
      batchMembers: Number(process.env.BENCH_BATCH ?? 10_000),
      concurrency: Number(process.env.BENCH_CONCURRENCY ?? 8),
      writeConcurrency: Number(process.env.BENCH_WRITES ?? 2),
    };
    const writes = createGroupWriteRepository(db);
    /** The job body's deps and progress for a sys_job row of its own (checkpoints as the job service keeps them). */
    const newJob = async () => {
      const created = await db.execute<{ id: number }>(sql`INSERT INTO sys_job (type, payload, cuser) VALUES ('groups.sync', '{}'::jsonb, 'bench') RETURNING id`);
      const jobId = Number(created.rows[0].id);
      const progress = jobProgressOf(db, jobId);
      const deps: GroupSyncDeps = {
        wecom,
        writes,
        inTransaction: (work) =>
          db.transaction((tx) => work({ writes: createGroupWriteRepository(tx), updateCheckpoint: (change) => updateJobCheckpoint(tx, jobId, change) })),
        now: Date.now,
      };
      const job = { ...progress, progress: async (...args: Parameters<typeof progress.progress>) => void (progressReports++, await progress.progress(...args)) };
      return { deps, job };
    };
    console.log(`sync options: ${options.batchMembers} members per write batch, ${options.concurrency} groupchat/get and ${options.writeConcurrency} writes in flight`);

    for (const [label, expectChanged] of [['first sync (empty tables)', true], ['second sync (nothing changed)', false]] as const) {
      counter.calls = 0;
      global.gc?.();
      const baseline = process.memoryUsage().rss;
      peakRss = baseline;
      const { deps, job } = await newJob();
      const started = performance.now();
      const result = await runGroupSync(deps, job, options);
      const seconds = (performance.now() - started) / 1000;
      const perSecond = result.members / seconds;
      const stored = await db.execute<{ groups: number; members: number; current: number }>(sql`
        SELECT (SELECT count(*) FROM group_chat)::int AS groups, (SELECT count(*) FROM group_member)::int AS members,
               (SELECT count(*) FROM group_member WHERE quit_time IS NULL)::int AS current`);
      const row = stored.rows[0];
      console.log(`\n## ${label}`);
      console.log(`groups ${format(result.groups)}, members ${format(result.members)}, quits ${result.quits}, in ${format(seconds, 2)} s`);
      console.log(`members persisted per second: ${format(perSecond)} (target ≥ ${format(TARGET)}: ${perSecond >= TARGET ? 'met' : 'NOT met'})`);
      console.log(`groups per second: ${format(result.groups / seconds)}; WeCom calls: ${format(counter.calls)} (${format(counter.calls / seconds)}/s)`);
      console.log(`stored: ${format(Number(row.groups))} groups, ${format(Number(row.members))} member rows, ${format(Number(row.current))} current`);
      if (Number(row.members) !== corp.members || Number(row.current) !== corp.members || result.members !== corp.members) {
        throw new Error(`expected ${corp.members} members stored, found ${row.members} (${row.current} current)`);
      }
      console.log(`RSS of the syncing process: ${format(baseline / 1024 / 1024)} MB before, peak ${format(peakRss / 1024 / 1024)} MB during`);
      if (!expectChanged && result.quits !== 0) throw new Error('a sync without changes recorded quits');
    }
    console.log(`\nprogress reports: ${progressReports}`);

    // WeCom fails halfway (groupchat/get rate-limited after half the groups); the retry resumes.
    await db.execute(sql`TRUNCATE group_member, group_chat`);
    const faults = (body: object) =>
      fetch(`${simulator.env.WECOM_API_BASE}/sim/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    await faults({ rateLimit: { calls: Math.floor(GROUPS / 2), windowMs: 3_600_000 }, apis: ['externalcontact/groupchat/get'] });
    const { deps, job } = await newJob();
    counter.calls = 0;
    let started = performance.now();
    const failure = await runGroupSync(deps, job, options).then(() => null, (error: unknown) => error);
    const failedSeconds = (performance.now() - started) / 1000;
    const failedCalls = counter.calls;
    if (!failure) throw new Error('the sync did not fail');
    const checkpointed = await db.execute<{ members: number }>(sql`SELECT count(*)::int AS members FROM group_member`);
    await faults({ reset: true });
    counter.calls = 0;
    started = performance.now();
    const resumed = await runGroupSync(deps, job, options);
    const resumedSeconds = (performance.now() - started) / 1000;
    const stored = await db.execute<{ members: number; current: number }>(sql`
      SELECT (SELECT count(*) FROM group_member)::int AS members, (SELECT count(*) FROM group_member WHERE quit_time IS NULL)::int AS current`);
    console.log(`\n## first sync failing halfway, then its retry`);
    console.log(`failed attempt: ${format(failedSeconds, 2)} s, ${format(failedCalls)} WeCom calls, ${format(Number(checkpointed.rows[0].members))} members committed with the checkpoint`);
    console.log(`retry: resumed ${resumed.resumed}, ${format(resumedSeconds, 2)} s, ${format(counter.calls)} WeCom calls (a full sync makes ${format(GROUPS + 2)})`);
    console.log(`result: groups ${format(resumed.groups)}, members ${format(resumed.members)}, quits ${resumed.quits}; stored ${format(Number(stored.rows[0].members))} member rows, ${format(Number(stored.rows[0].current))} current`);
    if (Number(stored.rows[0].members) !== corp.members || Number(stored.rows[0].current) !== corp.members || resumed.members !== corp.members) {
      throw new Error(`expected ${corp.members} members after the retry, found ${stored.rows[0].members} (${stored.rows[0].current} current), result ${resumed.members}`);
    }

    // The member export of every row, through HTTP: streamed, so memory stays flat.
    const token = await server.login();
    global.gc?.();
    const baseline = process.memoryUsage().rss;
    peakRss = baseline;
    started = performance.now();
    const response = await fetch(`${server.address}/scrm/admin/group/member/export`, {
      method: 'POST',
      headers: { token, 'content-type': 'application/json' },
      body: '{}',
    });
    if (!response.ok || !response.body) throw new Error(`export failed: ${response.status}`);
    let bytes = 0;
    let firstByteMs = 0;
    for await (const chunk of response.body) {
      if (bytes === 0) firstByteMs = performance.now() - started;
      bytes += (chunk as Uint8Array).length;
    }
    const exportSeconds = (performance.now() - started) / 1000;
    console.log(`\n## member export (xlsx, every row)`);
    console.log(`${format(corp.members)} rows, ${format(bytes / 1024 / 1024, 1)} MB in ${format(exportSeconds, 2)} s: ${format(corp.members / exportSeconds)} rows/s; first byte after ${format(firstByteMs)} ms`);
    console.log(`RSS of the process (server and client): ${format(baseline / 1024 / 1024)} MB before, peak ${format(peakRss / 1024 / 1024)} MB during`);
  } finally {
    clearInterval(sampler);
    await server.close();
    const exited = new Promise((resolve) => simulator.child.once('exit', resolve));
    simulator.child.kill();
    await exited;
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
