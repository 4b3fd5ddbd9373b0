// Applies stored callback events. The wx_event table is the queue: workers on any number of replicas claim
// due rows with FOR UPDATE SKIP LOCKED, run the registered handlers, and on failure schedule a retry with
// exponential backoff until the event is dead-lettered. A worker that dies mid-event leaves its rows `processing` with a lease; once the lease
// runs out any worker claims them again.
// Per event: the handlers' `fetch` steps (WeCom calls) run outside any transaction, then their `apply`
// steps and the done mark in one short transaction.
import { randomUUID } from 'node:crypto';
import type { WecomEvent } from '@scrm/wecom';
import type pg from 'pg';
import { drizzle } from 'drizzle-orm/node-postgres';
import * as schema from '../../db/schema/index.ts';
import type { Db } from '../../platform/db/database.ts';
import type { Wecom } from '../../platform/wecom.ts';
import { withSessionLock } from '../../platform/wecom.ts';
import { entityOf, type EventRegistry } from './event-registry.ts';
import type { EventRepository, EventRow } from './event.repository.ts';

export interface EventWorkerOptions {
  /** Events claimed per round. Default 64. */
  batchSize?: number;
  /** Events applied at once (each holds a database connection). Default 4. */
  concurrency?: number;
  /** How often an idle worker looks for due events (other replicas' callbacks, retries). Default 500 ms. */
  pollIntervalMs?: number;
  /** How long a claim is held before another worker may take the event over. Default 60 s. */
  leaseMs?: number;
  /** Attempts before an event is dead. Default 8. */
  maxAttempts?: number;
  /** First retry delay, doubled each attempt (with jitter), capped by backoffMaxMs. Defaults 2 s and 1 h. */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
}

export interface EventWorker {
  readonly id: string;
  start(): void;
  /** Stops claiming; resolves when the round in progress has finished. */
  stop(): Promise<void>;
  /** Something was stored: look now instead of at the next poll. */
  wake(): void;
  /** Claims and applies one round; returns how many events it claimed (tests, benchmarks). */
  runOnce(): Promise<number>;
}

export interface EventWorkerDeps {
  db: Db;
  events: EventRepository;
  registry: EventRegistry;
  wecom: Wecom;
  now: () => number;
  log?: { error(data: object, message: string): void; warn(data: object, message: string): void };
}

/** Drizzle on one checked-out connection (same settings as platform/db/database.ts), made once per connection. */
const drizzleOfConnection = new WeakMap<pg.PoolClient, Db>();
function onConnection(client: pg.PoolClient): Db {
  let db = drizzleOfConnection.get(client);
  if (!db) drizzleOfConnection.set(client, (db = drizzle({ client, schema, casing: 'snake_case' }) as unknown as Db));
  return db;
}

/** Events of one entity applied in one transaction at most. */
const MAX_GROUP = 50;

export function createEventWorker(deps: EventWorkerDeps, options: EventWorkerOptions = {}): EventWorker {
  const batchSize = options.batchSize ?? 64;
  const concurrency = Math.max(1, options.concurrency ?? 4);
  const pollIntervalMs = options.pollIntervalMs ?? 500;
  const leaseMs = options.leaseMs ?? 60_000;
  const maxAttempts = options.maxAttempts ?? 8;
  const backoffBaseMs = options.backoffBaseMs ?? 2_000;
  const backoffMaxMs = options.backoffMaxMs ?? 3_600_000;
  const id = `${process.pid}-${randomUUID().slice(0, 8)}`;

  let running = false;
  let loop: Promise<void> | undefined;
  let wakeUp: (() => void) | undefined;
  let woken = false;

  const backoff = (attempt: number) => {
    const delay = Math.min(backoffMaxMs, backoffBaseMs * 2 ** Math.max(0, attempt - 1));
    return Math.round(delay * (1 + Math.random() * 0.2));
  };

  /**
   * Applies events of one entity (claim order) in one transaction, fetching once per handler and fetch key.
   * If that fails and there were several, each is tried on its own, so one bad event does not hold back
   * the others; a single event that fails is scheduled for retry.
   */
  async function apply(rows: EventRow[]): Promise<void> {
    const events = rows.map((row) => row.payload as WecomEvent);
    const handlers = deps.registry.handlersFor(events[0]);
    const contextOf = (row: EventRow) => ({ wecom: deps.wecom, eventId: row.id, attempt: row.attempts, now: deps.now });
    try {
      // Events of one entity never overlap, on any replica: the later one fetches the later state.
      await withSessionLock(deps.db, `wx-event-entity:${entityOf(events[0])}`, async (client) => {
        // fetched[handler][event]; events with the same fetch key share one fetch, made for the last of them.
        const fetched: unknown[][] = [];
        for (const { handler } of handlers) {
          const results: unknown[] = new Array(rows.length);
          const byKey = new Map<string, unknown>();
          for (let index = rows.length - 1; index >= 0; index--) {
            if (!handler.fetch) continue;
            const key = handler.fetchKey?.(events[index]);
            if (key !== undefined && byKey.has(key)) results[index] = byKey.get(key);
            else {
              results[index] = await handler.fetch(events[index], contextOf(rows[index]));
              if (key !== undefined) byKey.set(key, results[index]);
            }
          }
          fetched.push(results);
        }
        // One-step handlers call WeCom inside the transaction: have the token cached before it starts.
        if (handlers.some((handler) => handler.inTransaction)) await deps.wecom.client.getAccessToken();
        // The transaction runs on the lock's connection: one connection per entity in flight.
        await (client ? onConnection(client) : deps.db).transaction(async (tx) => {
          // Still ours? (A lease that ran out may have handed an event to another worker.)
          const held = await deps.events.lockHeld(
            tx,
            rows.map((row) => row.id),
            id,
          );
          for (const [position, row] of rows.entries()) {
            if (!held.has(row.id)) continue;
            for (const [index, { handler }] of handlers.entries()) await handler.apply(events[position], fetched[index][position], { ...contextOf(row), tx });
          }
          await deps.events.markDone(tx, [...held], id, 'applied', new Date(deps.now()));
        });
      });
    } catch (error) {
      if (rows.length > 1) {
        for (const row of rows) await apply([row]);
        return;
      }
      const [row] = rows;
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      const retryAt = new Date(deps.now() + backoff(row.attempts));
      const status = await deps.events.markFailed(row.id, id, message, retryAt, maxAttempts).catch(() => null);
      deps.log?.warn({ eventId: row.id, eventKey: row.eventKey, attempt: row.attempts, status, err: message }, 'callback event failed');
    }
  }

  async function runOnce(): Promise<number> {
    const now = deps.now();
    const rows = await deps.events.claim(id, batchSize, new Date(now), new Date(now + leaseMs));
    if (rows.length === 0) return 0;
    const ignored: number[] = [];
    // Events of one entity (and the same handlers) are applied together in claim order, at most
    // MAX_GROUP at a time; different entities run side by side.
    const groupsByEntity = new Map<string, EventRow[][]>();
    for (const row of rows) {
      const event = row.payload as WecomEvent;
      if (deps.registry.handlersFor(event).length === 0) {
        ignored.push(row.id);
        continue;
      }
      const handlerNames = deps.registry
        .handlersFor(event)
        .map((handler) => handler.name)
        .join(',');
      const key = `${entityOf(event)}|${handlerNames}`;
      const groups = groupsByEntity.get(key) ?? [];
      groupsByEntity.set(key, groups);
      const last = groups[groups.length - 1];
      if (last && last.length < MAX_GROUP) last.push(row);
      else groups.push([row]);
    }
    await deps.events.markIgnored(ignored, id, new Date(deps.now()));
    const queue = [...groupsByEntity.values()];
    const lanes = Array.from({ length: Math.min(concurrency, queue.length) }, async () => {
      for (let groups = queue.shift(); groups; groups = queue.shift()) {
        for (const group of groups) await apply(group);
      }
    });
    await Promise.all(lanes);
    return rows.length;
  }

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      if (woken) {
        woken = false;
        resolve();
        return;
      }
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wakeUp = undefined;
        resolve();
      }
      wakeUp = done;
    });

  async function run(): Promise<void> {
    while (running) {
      let claimed = 0;
      try {
        claimed = await runOnce();
      } catch (error) {
        if (!running) break;
        deps.log?.error({ err: error }, 'event worker round failed');
      }
      if (!running) break;
      if (claimed < batchSize) await sleep(pollIntervalMs);
    }
  }

  return {
    id,
    start() {
      if (running) return;
      running = true;
      loop = run();
    },
    async stop() {
      running = false;
      wakeUp?.();
      await loop;
      loop = undefined;
    },
    wake() {
      if (wakeUp) wakeUp();
      else woken = true;
    },
    runOnce,
  };
}
