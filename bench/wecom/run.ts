// WeCom client and simulator benchmark (run: `node --import tsx bench/wecom/run.ts`; not a test).
//  1. Large demo corp generation time and heap (500 employees, 100,000 customers).
//  2. Calls/s through WecomClient vs raw fetch of the same calls against the simulator, and the ratio
//     (client overhead; target ≥ 0.8). The client's outbound pacing is raised so it measures overhead,
//     not WeCom's 10,000 calls/min policy.
//  3. batch/get_by_user pages (100 relations each) the simulator serves per second on the large corp
//     (target ≥ 2,000), with autocannon in its own process, and following real cursors with fetch.
import { WecomClient } from '@scrm/wecom';
import { generateCorp } from '@scrm/wecom-sim';
import { load } from '../lib/load.ts';
import { formatNumber as format, startSimulatorProcess } from '../lib/simulator.ts';

const CALLS = Number(process.env.BENCH_CALLS ?? 4000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const SIZES = { employees: 500, customers: 100_000, departments: 40, groups: 1000 };

/** Runs `task(i)` for i in [0, total) with `workers` in flight; returns calls per second. */
async function throughput(total: number, workers: number, task: (index: number) => Promise<void>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (next < total) await task(next++);
    }),
  );
  return total / ((performance.now() - started) / 1000);
}


async function main(): Promise<void> {
  console.log(`# WeCom client and simulator benchmark (node ${process.version})`);

  // 1. Generation.
  const heapBefore = process.memoryUsage().heapUsed;
  const generationStarted = performance.now();
  const corp = generateCorp({ seed: 'bench', sizes: SIZES });
  const generationMs = performance.now() - generationStarted;
  let relations = 0;
  for (const byUser of corp.relationsByUser.values()) relations += byUser.size;
  const heapMb = (process.memoryUsage().heapUsed - heapBefore) / 1024 / 1024;
  console.log(`generate corp: ${SIZES.employees} employees, ${format(corp.customers.size)} customers, ${format(relations)} relations, ${SIZES.groups} groups in ${format(generationMs)} ms (heap +${format(heapMb)} MB)`);

  const simulator = await startSimulatorProcess(['--seed', 'bench', '--employees', String(SIZES.employees), '--customers', String(SIZES.customers), '--groups', String(SIZES.groups)]);
  try {
    const { WECOM_API_BASE: base, WECOM_CORP_ID: corpId, WECOM_SECRET: secret } = simulator.env;
    const client = new WecomClient({ corpId, secret, baseUrl: base, callsPerMinute: 100_000_000 });
    const token = await client.getAccessToken();
    const follow = (await client.externalContact.getFollowUserList()).follow_user;

    // 2. Client vs raw fetch: the same user/get and externalcontact/list calls.
    const rawCall = async (index: number) => {
      const userid = follow[index % follow.length];
      const path = index % 2 === 0 ? `user/get?userid=${userid}` : `externalcontact/list?userid=${userid}`;
      const response = await fetch(`${base}/cgi-bin/${path}&access_token=${token}`);
      const body = (await response.json()) as { errcode: number };
      if (body.errcode !== 0) throw new Error(`raw call failed: ${body.errcode}`);
    };
    const clientCall = async (index: number) => {
      const userid = follow[index % follow.length];
      if (index % 2 === 0) await client.contacts.getUser(userid);
      else await client.externalContact.list(userid);
    };
    await throughput(500, CONCURRENCY, rawCall); // warm-up both paths
    await throughput(500, CONCURRENCY, clientCall);
    const rawRuns: number[] = [];
    const clientRuns: number[] = [];
    // Alternate which path goes first so neither benefits from running second (warm caches, less contention).
    for (let round = 0; round < 4; round++) {
      if (round % 2 === 0) rawRuns.push(await throughput(CALLS, CONCURRENCY, rawCall));
      clientRuns.push(await throughput(CALLS, CONCURRENCY, clientCall));
      if (round % 2 === 1) rawRuns.push(await throughput(CALLS, CONCURRENCY, rawCall));
    }
    const raw = Math.max(...rawRuns);
    const viaClient = Math.max(...clientRuns);
    console.log(`raw fetch:   ${format(raw)} calls/s (best of 4 × ${CALLS} calls, ${CONCURRENCY} in flight; runs ${rawRuns.map((value) => format(value)).join(', ')})`);
    console.log(`WecomClient: ${format(viaClient)} calls/s (runs ${clientRuns.map((value) => format(value)).join(', ')})`);
    console.log(`client/raw ratio: ${format(viaClient / raw, 2)} (target ≥ 0.80)`);

    // 3. batch/get_by_user pages served per second.
    const userids = follow.slice(0, 100);
    const pageBody = JSON.stringify({ userid_list: userids, limit: 100 });
    const loadResult = await load({
      url: `${base}/cgi-bin/externalcontact/batch/get_by_user?access_token=${token}`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: pageBody,
      connections: 16,
      seconds: SECONDS,
    });
    console.log(`batch/get_by_user (autocannon, 16 connections, ${SECONDS} s): ${format(loadResult.requestsPerSecond)} pages/s of 100, p50 ${loadResult.p50} ms, p99 ${loadResult.p99} ms, errors ${loadResult.errors + loadResult.non2xx} (target ≥ 2,000)`);

    // The same through real cursors: every relation of 100 employees, 8 cursor chains in parallel.
    const chains = Array.from({ length: 8 }, (_, index) => follow.slice((index * 100) % follow.length, ((index * 100) % follow.length) + 100)).filter((chain) => chain.length > 0);
    let pages = 0;
    let items = 0;
    const cursorStarted = performance.now();
    await Promise.all(
      chains.map(async (chain) => {
        let cursor = '';
        do {
          const response = await fetch(`${base}/cgi-bin/externalcontact/batch/get_by_user?access_token=${token}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ userid_list: chain, cursor, limit: 100 }),
          });
          const page = (await response.json()) as { errcode: number; next_cursor: string; external_contact_list: unknown[] };
          if (page.errcode !== 0) throw new Error(`batch/get_by_user failed: ${page.errcode}`);
          pages++;
          items += page.external_contact_list.length;
          cursor = page.next_cursor;
        } while (cursor);
      }),
    );
    const cursorSeconds = (performance.now() - cursorStarted) / 1000;
    console.log(`batch/get_by_user following cursors end to end (this process fetches and parses every page; ${chains.length} chains): ${format(pages / cursorSeconds)} pages/s, ${format(items)} relations in ${format(cursorSeconds, 2)} s`);
  } finally {
    simulator.child.kill('SIGTERM');
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
