// Full customer sync benchmark (run: `node --expose-gc --import tsx bench/sync/run.ts`; not a test).
// On PostgreSQL (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test): the customers.sync job
// body (get_follow_user_list → batch/get_by_user, 100 userids per call, pages of 100 → batched upserts →
// lost-marking) against the simulator in its own process, serving a generated corp of BENCH_EMPLOYEES
// employees (default 500) and BENCH_CUSTOMERS customers (default 100,000; about 1.5 relations each).
// Prints relations persisted per second (target ≥ 17,000/s) for a first sync into empty tables and for a
// second sync over the same corp, the WeCom calls made and the syncing process's peak RSS.
import { sql } from 'drizzle-orm';
import { startBenchServer } from '../lib/server.ts';
import { countingClient, formatNumber as format, startSimulatorProcess } from '../lib/simulator.ts';
import { createCustomerWriteRepository } from '../../apps/server/src/modules/customers/customer-writes.repository.ts';
import { runCustomerSync, type SyncCheckpoint, type SyncOptions } from '../../apps/server/src/modules/customers/customer-sync.ts';

const EMPLOYEES = Number(process.env.BENCH_EMPLOYEES ?? 500);
const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 100_000);
const TARGET = 17_000;


async function main(): Promise<void> {
  console.log(`# Customer full sync benchmark (node ${process.version}, PostgreSQL)`);
  const simulator = await startSimulatorProcess(
    ['--seed', 'bench-sync', '--employees', String(EMPLOYEES), '--customers', String(CUSTOMERS), '--groups', '0'],
    ['--max-old-space-size=4096'],
  );
  console.log(`corp: ${format(EMPLOYEES)} employees, ${format(CUSTOMERS)} customers (simulator generated and listening in ${format(simulator.startupMs / 1000, 1)} s)`);
  const server = await startBenchServer('postgres');
  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
  try {
    const { wecom, counter } = countingClient(simulator);
    const db = server.database.db;
    const options: SyncOptions = {
      batchSize: Number(process.env.BENCH_BATCH ?? 5000),
      concurrency: Number(process.env.BENCH_CONCURRENCY ?? 4),
    };
    console.log(`sync options: ${options.batchSize} relations per write, ${options.concurrency} userid chunks fetched at once`);
    const repository = createCustomerWriteRepository(db);
    const timing = { customers: 0, relations: 0 };
    const timed = <A extends unknown[]>(key: keyof typeof timing, work: (...args: A) => Promise<void>) => async (...args: A) => {
      const started = performance.now();
      await work(...args);
      timing[key] += performance.now() - started;
    };
    const writes = { ...repository, upsertCustomers: timed('customers', repository.upsertCustomers), upsertRelations: timed('relations', repository.upsertRelations) };
    const deps = { wecom, writes, departures: async () => new Map<string, Date>(), now: Date.now };

    for (const label of ['first sync (empty tables)', 'second sync (every row exists)']) {
      let checkpoint: SyncCheckpoint | null = null;
      let checkpoints = 0;
      const job = {
        progress: async () => {},
        checkpoint: async <T>() => checkpoint as T | null,
        saveCheckpoint: async (value: unknown) => {
          checkpoints++;
          checkpoint = value as SyncCheckpoint;
        },
      };
      counter.calls = 0;
      timing.customers = timing.relations = 0;
      global.gc?.();
      const baseline = process.memoryUsage().rss;
      peakRss = baseline;
      const started = performance.now();
      const result = await runCustomerSync(deps, job, options);
      const seconds = (performance.now() - started) / 1000;
      const perSecond = result.relations / seconds;
      const stored = await db.execute<{ customers: number; relations: number; active: number }>(sql`
        SELECT (SELECT count(*) FROM customer)::int AS customers, (SELECT count(*) FROM customer_relation)::int AS relations,
               (SELECT count(*) FROM customer_relation WHERE status = 'active')::int AS active`);
      const row = stored.rows[0];
      console.log(`\n## ${label}`);
      console.log(`employees ${format(result.employees)}, relations ${format(result.relations)}, customers ${format(result.customers)}, lost ${result.lost}, in ${format(seconds, 2)} s`);
      console.log(`relations persisted per second: ${format(perSecond)} (target ≥ ${format(TARGET)}: ${perSecond >= TARGET ? 'met' : 'NOT met'})`);
      console.log(`WeCom calls: ${format(counter.calls)} (${format(counter.calls / seconds)}/s); checkpoints saved: ${checkpoints}`);
      console.log(`time in writes: customers ${format(timing.customers / 1000, 2)} s, relations ${format(timing.relations / 1000, 2)} s`);
      console.log(`stored: ${format(Number(row.customers))} customers, ${format(Number(row.relations))} relation rows, ${format(Number(row.active))} active`);
      if (Number(row.active) !== result.relations || Number(row.relations) !== result.relations || result.lost !== 0) {
        throw new Error(`expected ${result.relations} active relations and nothing lost, found ${row.active} active of ${row.relations}`);
      }
      console.log(`RSS of the syncing process: ${format(baseline / 1024 / 1024)} MB before, peak ${format(peakRss / 1024 / 1024)} MB during`);
    }
  } finally {
    clearInterval(sampler);
    await server.close();
    const exited = new Promise((resolve) => simulator.child.once('exit', resolve));
    simulator.child.kill();
    await exited;
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
