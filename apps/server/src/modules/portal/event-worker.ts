// Applies stored callback events. The wx_event table is the queue: workers on any number of replicas claim
// due rows with FOR UPDATE SKIP LOCKED, run the registered handlers, and on failure schedule a retry with
// exponential backoff until the event is dead-lettered. A worker that dies mid-event leaves its rows `processing` with a lease; once the lease
// runs out any worker claims them again.
// Per round: the claimed events are grouped by entity (see `entityOf`), and the groups are shared out among
// `concurrency` lanes. A lane takes several entities at once: it holds their advisory locks (so no replica
// works on the same entities meanwhile), runs the handlers' `fetch` steps (WeCom calls) outside any
// transaction, several entities side by side, then their `apply` steps and the done marks of all of them in
// one short transaction: a handful of round trips for the lot instead of some eight per event. An entity
// whose fetch or apply fails is left out and retried on its own, event by event, as before.
import { randomUUID } from 'node:crypto';
import type { WecomEvent } from '@scrm/wecom';
import type pg from 'pg';
import { dbOnConnection, type Db } from '../../platform/db/database.ts';
import type { Wecom } from '../../platform/wecom.ts';
import { advisoryLockId } from '../../platform/wecom.ts';
import { failureText, wecomFailureOf } from '../../platform/wecom-errors.ts';
import { entityOf, type EventHandler, type EventRegistry } from './event-registry.ts';
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

/** Events applied in one transaction at most (whole entities: one entity's claimed events are never split). */
const MAX_TX_EVENTS = 64;
/** WeCom fetches a lane makes at once. */
const FETCH_CONCURRENCY = 8;

type HandlerEntry = ReturnType<EventRegistry['handlersFor']>[number];

/** The claimed events of one entity, in claim order, each with its handlers. */
interface Unit {
  entity: string;
  rows: EventRow[];
  events: WecomEvent[];
  handlers: HandlerEntry[][];
}

/**
 * Runs `work` holding the session-level advisory locks of `entities` on a connection of its own (the lock
 * names `withSessionLock` would use). The locks are taken in one statement in ascending id order, so two
 * workers locking overlapping sets cannot deadlock.
 */
async function withEntityLocks<T>(db: Db, entities: string[], work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const pool = (db as unknown as { $client: pg.Pool }).$client;
  const ids = [...new Set(entities.map((entity) => advisoryLockId(`wx-event-entity:${entity}`)))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('SELECT count(pg_advisory_lock(id)) FROM (SELECT id FROM unnest($1::bigint[]) AS id ORDER BY id) AS sorted', [ids.map(String)]);
    try {
      return await work(client);
    } finally {
      await client.query('SELECT pg_advisory_unlock_all()').catch((error: Error) => {
        broken = error; // a connection that may still hold the locks must not go back to the pool
      });
    }
  } catch (error) {
    broken ??= error instanceof Error ? error : new Error(String(error));
    throw error;
  } finally {
    client.release(broken);
  }
}

async function mapLimit<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}

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

  const contextOf = (row: EventRow) => ({ wecom: deps.wecom, eventId: row.id, attempt: row.attempts, now: deps.now });

  /**
   * The handlers' fetches for one entity: fetched[event][handler]. Events with the same handler and fetch key
   * share one fetch, made for the last of them (it is the newest state for each).
   */
  async function fetchUnit(unit: Unit): Promise<unknown[][]> {
    const fetched: unknown[][] = unit.rows.map(() => []);
    const shared = new Map<EventHandler<unknown>, Map<string, unknown>>();
    for (let position = unit.rows.length - 1; position >= 0; position--) {
      for (const [index, { handler }] of unit.handlers[position].entries()) {
        if (!handler.fetch) continue;
        const key = handler.fetchKey?.(unit.events[position]);
        let byKey = shared.get(handler);
        if (!byKey) shared.set(handler, (byKey = new Map()));
        if (key !== undefined && byKey.has(key)) fetched[position][index] = byKey.get(key);
        else {
          fetched[position][index] = await handler.fetch(unit.events[position], contextOf(unit.rows[position]));
          if (key !== undefined) byKey.set(key, fetched[position][index]);
        }
      }
    }
    return fetched;
  }

  /**
   * Applies several entities' events: their locks held throughout, fetches outside the transaction, then one
   * transaction for every entity whose fetch succeeded. An entity whose apply throws is taken out and the
   * transaction run again without it. Entities that failed are retried on their own (`recover`).
   */
  async function applyUnits(units: Unit[]): Promise<void> {
    const failed: Array<{ unit: Unit; error: unknown }> = [];
    const settled = new Set<Unit>();
    try {
      await withEntityLocks(
        deps.db,
        units.map((unit) => unit.entity),
        async (client) => {
          const fetched = new Map<Unit, unknown[][]>();
          await mapLimit(units, FETCH_CONCURRENCY, async (unit) => {
            try {
              fetched.set(unit, await fetchUnit(unit));
            } catch (error) {
              failed.push({ unit, error });
              settled.add(unit);
            }
          });
          let ready = units.filter((unit) => fetched.has(unit));
          // One-step handlers call WeCom inside the transaction: have the token cached before it starts.
          if (ready.some((unit) => unit.handlers.some((handlers) => handlers.some((entry) => entry.inTransaction)))) await deps.wecom.client.getAccessToken();
          // The transaction runs on the locks' connection: one connection per lane.
          const db = dbOnConnection(client);
          while (ready.length > 0) {
            let culprit: Unit | undefined;
            try {
              await db.transaction(async (tx) => {
                // Still ours? (A lease that ran out may have handed an event to another worker.)
                const held = await deps.events.lockHeld(
                  tx,
                  ready.flatMap((unit) => unit.rows.map((row) => row.id)),
                  id,
                );
                for (const unit of ready) {
                  const results = fetched.get(unit)!;
                  try {
                    for (const [position, row] of unit.rows.entries()) {
                      if (!held.has(row.id)) continue;
                      for (const [index, { handler }] of unit.handlers[position].entries()) {
                        await handler.apply(unit.events[position], results[position][index], { ...contextOf(row), tx });
                      }
                    }
                  } catch (error) {
                    culprit = unit;
                    throw error;
                  }
                }
                await deps.events.markDone(tx, [...held], id, 'applied', new Date(deps.now()));
              });
              for (const unit of ready) settled.add(unit);
              ready = [];
            } catch (error) {
              if (!culprit) throw error;
              failed.push({ unit: culprit, error });
              settled.add(culprit);
              ready = ready.filter((unit) => unit !== culprit);
            }
          }
        },
      );
    } catch (error) {
      // The locks, the connection or the transaction itself failed: nothing unsettled was applied.
      for (const unit of units) if (!settled.has(unit)) failed.push({ unit, error });
    }
    for (const { unit, error } of failed) await recover(unit, error);
  }

  /**
   * An entity that failed: with several events, each is tried on its own (claim order), so one bad event
   * does not hold back the others; a single event is scheduled for retry, or dead-lettered.
   */
  async function recover(unit: Unit, error: unknown): Promise<void> {
    if (unit.rows.length > 1) {
      for (const [position, row] of unit.rows.entries()) {
        await applyUnits([{ entity: unit.entity, rows: [row], events: [unit.events[position]], handlers: [unit.handlers[position]] }]);
      }
      return;
    }
    const [row] = unit.rows;
    // A WeCom failure is kept as data, so the event page reads it in words in each reader's language with the raw
    // code on a details line (platform/wecom-errors.ts); anything else as its name and message.
    const message = wecomFailureOf(error) ? failureText(error) : error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    const retryAt = new Date(deps.now() + backoff(row.attempts));
    const status = await deps.events.markFailed(row.id, id, message, retryAt, maxAttempts).catch(() => null);
    deps.log?.warn({ eventId: row.id, eventKey: row.eventKey, attempt: row.attempts, status, err: message }, 'callback event failed');
  }

  async function runOnce(): Promise<number> {
    const now = deps.now();
    const rows = await deps.events.claim(id, batchSize, new Date(now), new Date(now + leaseMs));
    if (rows.length === 0) return 0;
    const ignored: number[] = [];
    // All claimed events of one entity form one unit, applied in claim order; different entities are
    // applied side by side, several to a transaction.
    const units = new Map<string, Unit>();
    let handled = 0;
    // Arrival order (the UPDATE … RETURNING of the claim does not keep one).
    rows.sort((a, b) => a.id - b.id);
    for (const row of rows) {
      const event = row.payload as WecomEvent;
      const handlers = deps.registry.handlersFor(event);
      if (handlers.length === 0) {
        ignored.push(row.id);
        continue;
      }
      const entity = entityOf(event);
      let unit = units.get(entity);
      if (!unit) units.set(entity, (unit = { entity, rows: [], events: [], handlers: [] }));
      unit.rows.push(row);
      unit.events.push(event);
      unit.handlers.push(handlers);
      handled++;
    }
    await deps.events.markIgnored(ignored, id, new Date(deps.now()));
    const queue = [...units.values()];
    const laneCount = Math.min(concurrency, queue.length);
    // Shared evenly between the lanes, so they finish together.
    const perTransaction = Math.max(1, Math.min(MAX_TX_EVENTS, Math.ceil(handled / Math.max(1, laneCount))));
    const lanes = Array.from({ length: laneCount }, async () => {
      while (queue.length > 0) {
        const taken: Unit[] = [];
        let events = 0;
        while (queue.length > 0 && events < perTransaction) {
          const unit = queue.shift()!;
          taken.push(unit);
          events += unit.rows.length;
        }
        await applyUnits(taken);
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
