// An app wired to an in-process WeCom simulator, for end-to-end tests: the app listens on 127.0.0.1:0,
// its WeCom client talks to the simulator (own port), and the simulator's callbacks go to the app's
// /scrm/wx/portal. `settle()` waits until every callback was delivered and every stored event applied.
//
//   const env = await createWecomTestEnv();
//   env.sim.actions.addCustomer({ userid: 'zhangsan' });
//   await env.settle();
//   const admin = await env.login();
//   ...
//   await env.close();
import { sql } from 'drizzle-orm';
import { createWecomSimulator, type CorpSizes, type WecomSimulator, type WecomSimulatorOptions } from '@scrm/wecom-sim';
import { createTestApp, type TestApp } from './test-app.ts';
import { createWecom, simulatorSettings, type Wecom } from '../platform/wecom.ts';
import { createEventRegistry, type EventRegistry } from '../modules/portal/event-registry.ts';
import type { EventWorkerOptions } from '../modules/portal/event-worker.ts';
import type { AppDeps } from '../app.ts';
import type { JobRecord } from '../platform/jobs/job-service.ts';

/** A small corp: quick to generate and to sync. */
export const SMALL_CORP: Partial<CorpSizes> = {
  departments: 4,
  employees: 8,
  customers: 30,
  groups: 4,
  tagGroups: 2,
  contactWays: 2,
  acquisitionLinks: 1,
  joinWays: 1,
  maxGroupMembers: 10,
};

export interface WecomTestEnvOptions {
  /** Corp sizes (default SMALL_CORP). */
  sizes?: Partial<CorpSizes>;
  seed?: string;
  /** More simulator options (faults, delivery, transfers, clock…). */
  simulator?: Partial<WecomSimulatorOptions>;
  /** Event worker settings; default: polls every 50 ms, 1 s first retry, 5 attempts. */
  eventWorker?: EventWorkerOptions | false;
  env?: Record<string, string>;
  deps?: Partial<AppDeps>;
  /** Tokens and tickets in Redis instead of the database. */
  redis?: { url: string; keyPrefix: string };
}

export interface WecomTestEnv extends TestApp {
  sim: WecomSimulator;
  wecom: Wecom;
  events: EventRegistry;
  /** The app's base URL, e.g. http://127.0.0.1:41234. */
  url: string;
  /** The portal URL the simulator posts callbacks to. */
  portalUrl: string;
  /**
   * The app's and the simulator's clock (ms). It runs with real time; assigning `clock.now` jumps it (and
   * keeps running from there), e.g. to make a retry due.
   */
  clock: { now: number };
  /** Waits until the simulator delivered every callback and no stored event is pending, processing or due. */
  settle(options?: { timeoutMs?: number }): Promise<void>;
  /** Counts of wx_event rows by status. */
  eventCounts(): Promise<Record<string, number>>;
  /** Starts a tracked job by type and waits for it (throws if it failed). */
  runJob(type: string, payload?: object): Promise<JobRecord>;
  /** Department sync, then employee sync. */
  syncOrg(): Promise<void>;
  /** WeCom API calls the app's client made, by API path (e.g. `user/get`); reset with `.clear()`. */
  wecomCalls: Map<string, number>;
}

export async function createWecomTestEnv(options: WecomTestEnvOptions = {}): Promise<WecomTestEnv> {
  let offset = 0;
  const clock = {
    get now() {
      return Date.now() + offset;
    },
    set now(value: number) {
      offset = value - Date.now();
    },
  };
  const now = () => clock.now;
  const sim = createWecomSimulator({
    seed: options.seed ?? 'scrm-test',
    sizes: { ...SMALL_CORP, ...options.sizes },
    clock: now,
    delivery: { retryDelayMs: 100, timeoutMs: 5000 },
    settleIntervalMs: 0,
    ...options.simulator,
  });
  const simUrl = await sim.listen(0, '127.0.0.1');
  const credentials = sim.credentials();
  const events = createEventRegistry();
  const wecomCalls = new Map<string, number>();
  const countingFetch: typeof fetch = (input, init) => {
    const path = new URL(String(input instanceof Request ? input.url : input)).pathname.replace(/^.*\/cgi-bin\//, '');
    wecomCalls.set(path, (wecomCalls.get(path) ?? 0) + 1);
    return fetch(input, init);
  };
  let wecom: (Wecom & { close(): Promise<void> }) | undefined;
  let t: TestApp;
  try {
    t = await createTestApp({
      env: options.env,
      deps: async (database) => {
        wecom = await createWecom(simulatorSettings(credentials, simUrl), {
          db: database.db,
          now,
          redisUrl: options.redis?.url,
          redisKeyPrefix: options.redis?.keyPrefix,
          client: { fetch: countingFetch, retry: { baseDelayMs: 20, rateLimitDelayMs: 50, maxDelayMs: 500 } },
        });
        return {
          wecom,
          events,
          now,
          eventWorker: options.eventWorker ?? { pollIntervalMs: 50, backoffBaseMs: 1000, maxAttempts: 5 },
          ...options.deps,
        };
      },
    });
  } catch (error) {
    await sim.close();
    throw error;
  }
  const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
  const portalUrl = `${address}/scrm/wx/portal`;
  sim.setCallbackUrl(portalUrl);

  const eventCounts = async () => {
    const result = await t.db.execute<{ status: string; count: number }>(sql`SELECT status, count(*)::int AS count FROM wx_event GROUP BY status`);
    return Object.fromEntries(result.rows.map((row) => [row.status, Number(row.count)]));
  };

  const env: WecomTestEnv = {
    ...t,
    clock,
    sim,
    wecom: wecom!,
    events,
    url: address,
    portalUrl,
    eventCounts,
    wecomCalls,
    async settle({ timeoutMs = 15_000 } = {}) {
      const deadline = Date.now() + timeoutMs;
      await sim.flushDeliveries();
      for (;;) {
        const result = await t.db.execute<{ count: number }>(sql`
          SELECT count(*)::int AS count FROM wx_event
          WHERE status IN ('pending', 'processing') OR (status = 'failed' AND next_attempt_at <= ${new Date(clock.now)})`);
        if (Number(result.rows[0].count) === 0) {
          // A handler may have made the simulator emit more callbacks (rare); settle those too.
          await sim.flushDeliveries();
          const again = await t.db.execute<{ count: number }>(sql`SELECT count(*)::int AS count FROM wx_event WHERE status IN ('pending', 'processing')`);
          if (Number(again.rows[0].count) === 0) return;
        }
        if (Date.now() > deadline) throw new Error(`events still unprocessed after ${timeoutMs} ms: ${JSON.stringify(await eventCounts())}`);
        events.worker?.wake();
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async runJob(type, payload = {}) {
      const started = await t.jobs.start(type, payload, { actor: 'test' });
      const job = await t.jobs.waitFor(started.id, 60_000);
      if (job.state !== 'completed') throw new Error(`job ${type} ${job.state}: ${job.error}`);
      return job;
    },
    async syncOrg() {
      await env.runJob('org.dept.sync');
      await env.runJob('org.emp.sync');
    },
    async close() {
      await sim.close();
      await t.close();
      await wecom?.close();
    },
  };
  return env;
}
