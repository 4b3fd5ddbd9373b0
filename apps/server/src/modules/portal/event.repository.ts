import { and, desc, eq, gte, inArray, lte, sql, type SQL } from 'drizzle-orm';
import type { WecomEvent } from '@scrm/wecom';
import type { Db, DbOrTx } from '../../platform/db/database.ts';
import { countAll, paginate } from '../../platform/db/paging.ts';
import { wxEvent } from '../../db/schema/wecom.ts';
import type { EventPageBody } from './portal.schemas.ts';

export type EventRow = typeof wxEvent.$inferSelect;
export type EventStatus = 'pending' | 'processing' | 'done' | 'failed' | 'dead';

export interface NewEvent {
  eventKey: string;
  corpId: string;
  event: string;
  changeType: string | undefined;
  xml: string;
  payload: WecomEvent;
  createTime: Date | null;
  source: 'callback' | 'test';
  /** Why the event is stored as a dead letter (never applied; an admin sees it and can replay it); absent for a normal event. */
  deadLetter?: string;
}

const MAX_INSERTS_IN_FLIGHT = 4;
const MAX_INSERT_BATCH = 200;

function createBatchedInsert(db: Db): (event: NewEvent, now: Date) => Promise<number | null> {
  type Waiter = { event: NewEvent; now: Date; resolve: (id: number | null) => void; reject: (error: unknown) => void };
  const queue: Waiter[] = [];
  let inFlight = 0;

  async function insertBatch(batch: Waiter[]): Promise<void> {
    const rows = batch.map(
      ({ event, now }) =>
        sql`(${event.eventKey}, ${event.corpId}, ${event.event}, ${event.changeType ?? null}, ${event.xml}, ${JSON.stringify(event.payload)}::jsonb, ${event.createTime}::timestamptz, ${event.source}, ${now}::timestamptz, ${now}::timestamptz, ${event.deadLetter ? 'dead' : 'pending'}, ${event.deadLetter ?? null})`,
    );
    const result = await db.execute<{ id: number; event_key: string }>(sql`
      INSERT INTO wx_event (event_key, corp_id, event, change_type, xml, payload, create_time, source, next_attempt_at, received_at, status, last_error)
      VALUES ${sql.join(rows, sql`, `)}
      ON CONFLICT (event_key) DO NOTHING
      RETURNING id, event_key`);
    const inserted = new Map(result.rows.map((row) => [row.event_key, Number(row.id)]));
    for (const waiter of batch) {
      const id = inserted.get(waiter.event.eventKey);
      // The same event twice in one batch: the first waiter stored it, the second is a redelivery.
      inserted.delete(waiter.event.eventKey);
      waiter.resolve(id ?? null);
    }
  }

  function pump(): void {
    while (inFlight < MAX_INSERTS_IN_FLIGHT && queue.length > 0) {
      const batch = queue.splice(0, MAX_INSERT_BATCH);
      inFlight++;
      insertBatch(batch)
        .catch((error: unknown) => batch.forEach((waiter) => waiter.reject(error)))
        .finally(() => {
          inFlight--;
          pump();
        });
    }
  }

  return (event, now) =>
    new Promise((resolve, reject) => {
      queue.push({ event, now, resolve, reject });
      pump();
    });
}

export function createEventRepository(db: Db) {
  return {
    /**
     * Stores an event unless its key is already stored (a redelivery); resolves to the new row's id or null.
     * Callbacks arriving together share one multi-row INSERT (and one commit): under load the commits, not
     * the rows, are what costs.
     */
    insert: createBatchedInsert(db),

    async findByKey(eventKey: string): Promise<EventRow | undefined> {
      const [row] = await db.select().from(wxEvent).where(eq(wxEvent.eventKey, eventKey));
      return row;
    },

    /**
     * Claims up to `limit` due events for `worker` until `leaseUntil`: pending or failed ones whose time has
     * come, and processing ones whose holder's lease ran out (it crashed). SKIP LOCKED lets replicas claim
     * side by side without waiting on each other.
     */
    async claim(worker: string, limit: number, now: Date, leaseUntil: Date): Promise<EventRow[]> {
      const result = await db.execute<Record<string, unknown>>(sql`
        WITH due AS (
          SELECT id FROM wx_event
          WHERE status IN ('pending', 'failed', 'processing')
            AND ((status <> 'processing' AND next_attempt_at <= ${now}) OR (status = 'processing' AND locked_until < ${now}))
          ORDER BY next_attempt_at, id
          LIMIT ${limit}
          FOR UPDATE SKIP LOCKED
        )
        UPDATE wx_event e SET status = 'processing', locked_by = ${worker}, locked_until = ${leaseUntil}, attempts = e.attempts + 1
        FROM due WHERE e.id = due.id
        RETURNING e.id, e.event_key, e.event, e.change_type, e.payload, e.attempts`);
      return result.rows.map((row) => ({
        id: Number(row.id),
        eventKey: row.event_key as string,
        event: row.event as string,
        changeType: row.change_type as string | null,
        payload: row.payload,
        attempts: Number(row.attempts),
      })) as EventRow[];
    },

    /** Inside the handlers' transaction: locks the rows, and returns those `worker` still holds. */
    async lockHeld(tx: DbOrTx, ids: number[], worker: string): Promise<Set<number>> {
      const result = await tx.execute<{ id: number }>(
        sql`SELECT id FROM wx_event WHERE id IN (${sql.join(ids.map((id) => sql`${id}`), sql`, `)}) AND status = 'processing' AND locked_by = ${worker} ORDER BY id FOR UPDATE`,
      );
      return new Set(result.rows.map((row) => Number(row.id)));
    },

    async markDone(tx: DbOrTx, ids: number[], worker: string, outcome: 'applied' | 'ignored', now: Date): Promise<void> {
      if (ids.length === 0) return;
      await tx.execute(sql`
        UPDATE wx_event SET status = 'done', outcome = ${outcome}, processed_at = ${now}, locked_by = NULL, locked_until = NULL, last_error = NULL
        WHERE id IN (${sql.join(ids.map((id) => sql`${id}`), sql`, `)}) AND locked_by = ${worker}`);
    },

    /** Events without handlers. */
    markIgnored(ids: number[], worker: string, now: Date): Promise<void> {
      return this.markDone(db, ids, worker, 'ignored', now);
    },

    /** A failed attempt: retried at `retryAt`, or dead when it was the last one. */
    async markFailed(id: number, worker: string, error: string, retryAt: Date, maxAttempts: number): Promise<EventStatus | null> {
      const result = await db.execute<{ status: EventStatus }>(sql`
        UPDATE wx_event SET status = CASE WHEN attempts >= ${maxAttempts} THEN 'dead' ELSE 'failed' END,
               next_attempt_at = ${retryAt}, last_error = ${error.slice(0, 4000)}, locked_by = NULL, locked_until = NULL
        WHERE id = ${id} AND locked_by = ${worker}
        RETURNING status`);
      return result.rows[0]?.status ?? null;
    },

    /** Puts events back in the queue as new: any status except one being processed right now. */
    async replay(ids: number[], now: Date): Promise<number[]> {
      const rows = await db
        .update(wxEvent)
        .set({ status: 'pending', outcome: null, attempts: 0, nextAttemptAt: now, lastError: null, processedAt: null, lockedBy: null, lockedUntil: null })
        .where(and(inArray(wxEvent.id, ids), sql`NOT (${wxEvent.status} = 'processing' AND ${wxEvent.lockedUntil} > ${now})`))
        .returning({ id: wxEvent.id });
      return rows.map((row) => row.id);
    },

    page(query: EventPageBody) {
      const conditions: SQL[] = [];
      if (query.event) conditions.push(eq(wxEvent.event, query.event));
      if (query.changeType) conditions.push(eq(wxEvent.changeType, query.changeType));
      if (query.status) conditions.push(eq(wxEvent.status, query.status));
      if (query.source) conditions.push(eq(wxEvent.source, query.source));
      if (query.startTime) conditions.push(gte(wxEvent.receivedAt, query.startTime));
      if (query.endTime) conditions.push(lte(wxEvent.receivedAt, query.endTime));
      const where = conditions.length ? and(...conditions) : undefined;
      return paginate(
        query,
        async () => (await db.select({ count: countAll }).from(wxEvent).where(where))[0].count,
        (limit, offset) => db.select().from(wxEvent).where(where).orderBy(desc(wxEvent.receivedAt), desc(wxEvent.id)).limit(limit).offset(offset),
      );
    },

    async get(id: number): Promise<EventRow | undefined> {
      const [row] = await db.select().from(wxEvent).where(eq(wxEvent.id, id));
      return row;
    },

    async countByStatus(): Promise<Record<string, number>> {
      const rows = await db.select({ status: wxEvent.status, count: countAll }).from(wxEvent).groupBy(wxEvent.status);
      return Object.fromEntries(rows.map((row) => [row.status, row.count]));
    },
  };
}

export type EventRepository = ReturnType<typeof createEventRepository>;
