// The broadcasts' storage. Made for the caller: `broadcasts.forViewer(viewer)` reads broadcasts of creators in the
// viewer's data scope (the creator themselves; for department scopes, creators in those departments), and the
// audience it plans reaches only relations and senders in the viewer's scope. `broadcasts.system()` reads without a
// scope: only for the dispatch and tracking jobs.
import { and, desc, eq, ilike, inArray, sql, type SQL } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../platform/db/database.ts';
import { contains, countAll, paginate, whereOf } from '../../platform/db/paging.ts';
import { bindViewer, employeeScope, relationScope, scopeCondition, type Viewer } from '../../platform/auth/data-scope.ts';
import type { Page } from '../../platform/http/schemas.ts';
import {
  broadcast,
  broadcastChunk,
  broadcastDnd,
  broadcastRecipient,
  broadcastSender,
  broadcastSettings,
  type BroadcastAudience,
  type BroadcastKind,
  type BroadcastStatus,
  type ReceiveLimitPeriod,
} from '../../db/schema/broadcasts.ts';
import { customerTagCondition, relationTagCondition } from '../tags/tag-filters.ts';
import type { BroadcastPageQuery, RecipientPageQuery } from './broadcasts.schemas.ts';
import { notDeleted } from '../../platform/db/prepared.ts';

export type { Viewer };
export type BroadcastRow = typeof broadcast.$inferSelect;
export type ChunkRow = typeof broadcastChunk.$inferSelect;
export type SenderRow = typeof broadcastSender.$inferSelect;
export type SettingsRow = typeof broadcastSettings.$inferSelect;

/** add_msg_template takes at most 10,000 customers or 2,000 groups a call (API-FACTS-OPERATIONS §17.1). */
export const CHUNK_SIZE: Record<BroadcastKind, number> = { customer: 10_000, group: 2_000, moment: 1 };

/**
 * What the broadcasts use of the customers module's filters (given by the composition root): the conditions of its
 * relation filters over the aliases `r` (customer_relation) and `c` (customer), and the employees of departments.
 */
export interface CustomerSegments {
  relationConditions(filters: { tagIds?: number[]; tagMatch?: 'any' | 'all'; addTimeStart?: string; addTimeEnd?: string; stageIds?: number[] }): SQL[];
  employeesInDepartments(deptIds: number[]): SQL;
}

/** The receive limit's window: the start of the current period (corp time zone) and the count allowed in it. */
export interface ReceiveWindow {
  period: ReceiveLimitPeriod;
  since: Date;
  count: number;
}

/** A planned recipient: who, by whom (null: no sender is their friend), and why left out. */
export interface PlanRow {
  target: string;
  name: string;
  userid: string | null;
  reason: 'not_friend' | 'receive_limit' | 'dnd' | null;
}

/** The customer segment of a broadcast, as SQL over `r` and `c` (plus the channel/link states the service resolved). */
export interface Segment {
  audience: BroadcastAudience;
  states: string[] | null;
  senders: string[];
  window: ReceiveWindow;
}

const textArray = (values: readonly string[]) => sql`ARRAY(SELECT jsonb_array_elements_text(${JSON.stringify(values)}::jsonb))`;
const idArray = (values: readonly number[]) => sql`ARRAY(SELECT jsonb_array_elements_text(${JSON.stringify(values)}::jsonb)::bigint)`;

/** Broadcasts the viewer reaches: their own, and those of creators in the departments of their scope. */
function broadcastScope(viewer: Viewer): SQL | undefined {
  return scopeCondition(viewer.scope, {
    self: sql`${broadcast.creatorId} = ${viewer.user.id}`,
    deptIn: (deptIds) => sql`${broadcast.creatorDeptId} IN (${sql.join(deptIds.map((id) => sql`${id}`), sql`, `)})`,
  });
}

/** Recipients per WeCom task: WeCom's limits unless smaller ones are given (tests). */
export type ChunkSizes = Partial<Record<'customer' | 'group', number>>;

export function createBroadcastRepository(db: Db, segments: CustomerSegments, options: { timeZone: string; chunkSize?: ChunkSizes }) {
  const chunkSize: Record<BroadcastKind, number> = { ...CHUNK_SIZE, ...options.chunkSize };
  const rows = async <T extends Record<string, unknown>>(query: SQL, tx: DbOrTx = db): Promise<T[]> => (await tx.execute<T>(query)).rows as T[];

  /** The customers of a segment with their sender (the chosen sender with the newest relation) and why one is left out. */
  function planQuery(viewer: Viewer, segment: Segment): SQL {
    const { audience } = segment;
    const conditions: (SQL | undefined)[] = [
      sql`r.status = 'active'`,
      relationScope(viewer),
      ...segments.relationConditions({ tagIds: audience.corpTagIds, tagMatch: audience.corpTagMatch, addTimeStart: audience.addTimeStart, addTimeEnd: audience.addTimeEnd, stageIds: audience.stageIds }),
      relationTagCondition({ tagIds: audience.selfTagIds, tagMatch: 'any' }),
      audience.excludeTagIds?.length ? sql`NOT ${customerTagCondition({ tagIds: audience.excludeTagIds, tagMatch: 'any' }, 'r')}` : undefined,
      segment.states ? sql`r.state = ANY(${textArray(segment.states)})` : undefined,
      audience.gender !== undefined ? sql`c.gender = ${audience.gender}` : undefined,
    ];
    const senders = textArray(segment.senders);
    return sql`
      WITH seg AS (
        SELECT DISTINCT r.external_userid FROM customer_relation r JOIN customer c ON c.external_userid = r.external_userid ${whereOf(conditions)}
      ),
      cand AS (
        SELECT DISTINCT ON (r.external_userid) r.external_userid, r.userid FROM customer_relation r JOIN seg ON seg.external_userid = r.external_userid
        WHERE r.status = 'active' AND r.userid = ANY(${senders})
        ORDER BY r.external_userid, r.createtime DESC, r.id DESC
      ),
      received AS (
        SELECT x.target, count(*) AS n FROM (
          SELECT br.target FROM broadcast_recipient br JOIN broadcast b ON b.id = br.broadcast_id
          WHERE b.kind = 'customer' AND br.status = 'delivered' AND br.send_time >= ${segment.window.since.toISOString()}::timestamptz
          UNION ALL
          SELECT o.target FROM broadcast_own_send o WHERE o.send_time >= ${segment.window.since.toISOString()}::timestamptz
        ) x JOIN seg ON seg.external_userid = x.target GROUP BY x.target
      )
      SELECT seg.external_userid AS target, COALESCE(c.name, '') AS name, cand.userid,
        CASE WHEN d.external_userid IS NOT NULL THEN 'dnd'
             WHEN cand.userid IS NULL THEN 'not_friend'
             WHEN COALESCE(received.n, 0) >= ${segment.window.count} THEN 'receive_limit' END AS reason
      FROM seg
      LEFT JOIN customer c ON c.external_userid = seg.external_userid
      LEFT JOIN cand ON cand.external_userid = seg.external_userid
      LEFT JOIN broadcast_dnd d ON d.external_userid = seg.external_userid
      LEFT JOIN received ON received.target = seg.external_userid`;
  }

  const scoped = {
    async page(viewer: Viewer, kind: BroadcastKind, query: BroadcastPageQuery): Promise<Page<BroadcastRow>> {
      const where = and(
        eq(broadcast.kind, kind),
        notDeleted(broadcast),
        broadcastScope(viewer),
        query.name ? ilike(broadcast.name, contains(query.name)) : undefined,
        query.status ? eq(broadcast.status, query.status) : undefined,
      );
      return paginate(
        query,
        async () => (await db.select({ count: countAll }).from(broadcast).where(where))[0].count,
        (limit, offset) => db.select().from(broadcast).where(where).orderBy(desc(broadcast.ctime), desc(broadcast.id)).limit(limit).offset(offset),
      );
    },

    async find(viewer: Viewer, kind: BroadcastKind, id: number): Promise<BroadcastRow | undefined> {
      const [row] = await db.select().from(broadcast).where(and(eq(broadcast.id, id), eq(broadcast.kind, kind), notDeleted(broadcast), broadcastScope(viewer)));
      return row;
    },

    /** Those of these broadcasts of a kind the viewer sees. */
    async findMany(viewer: Viewer, kind: BroadcastKind, ids: number[]): Promise<BroadcastRow[]> {
      return db.select().from(broadcast).where(and(inArray(broadcast.id, ids), eq(broadcast.kind, kind), notDeleted(broadcast), broadcastScope(viewer)));
    },

    /** Which of these employees are in the viewer's scope. */
    async employeesInScope(viewer: Viewer, userids: string[]): Promise<Set<string>> {
      if (!userids.length) return new Set();
      const scope = employeeScope(viewer, sql`u.userid`);
      const found = await rows<{ userid: string }>(sql`SELECT u.userid FROM unnest(${textArray(userids)}) AS u(userid) ${whereOf([scope])}`);
      return new Set(found.map((row) => row.userid));
    },

    /** The active, eligible (客户联系) employees of WeCom departments (sub-departments included) in the viewer's scope. */
    async employeesOfDepartments(viewer: Viewer, deptIds: number[]): Promise<string[]> {
      if (!deptIds.length) return [];
      const found = await rows<{ userid: string }>(sql`
        SELECT q.userid FROM qw_emp q WHERE q.userid IN ${segments.employeesInDepartments(deptIds)}
          AND q.is_del = 0 AND q.status = 1 AND q.left_at IS NULL AND q.customer_contact IS NOT FALSE ${(() => {
            const scope = employeeScope(viewer, sql`q.userid`);
            return scope ? sql`AND ${scope}` : sql``;
          })()}
        ORDER BY q.userid`);
      return found.map((row) => row.userid);
    },

    /** The plan of a customer broadcast (preview): per sender counts, exclusions by reason and a sample of those left out. */
    async previewCustomers(viewer: Viewer, segment: Segment) {
      // One pass over the plan: counts per sender and reason, with the first names of each group for the sample.
      const groups = await rows<{ userid: string | null; reason: PlanRow['reason']; count: number; names: string[] }>(sql`
        SELECT p.userid, p.reason, count(*)::int AS count,
          CASE WHEN p.reason IS NULL THEN ARRAY[]::text[] ELSE (array_agg(p.name ORDER BY p.name, p.target))[1:50] END AS names
        FROM (${planQuery(viewer, segment)}) p GROUP BY p.userid, p.reason`);
      const perSender = groups.filter((group) => group.reason === null).map((group) => ({ userid: group.userid!, count: Number(group.count) }));
      const reasons = new Map<string, number>();
      const sample: Array<{ name: string; reason: PlanRow['reason'] }> = [];
      for (const group of groups.filter((entry) => entry.reason !== null).sort((a, b) => String(a.reason).localeCompare(String(b.reason)))) {
        reasons.set(group.reason!, (reasons.get(group.reason!) ?? 0) + Number(group.count));
        for (const name of group.names) sample.push({ name, reason: group.reason });
      }
      return { perSender, reasons, sample: sample.slice(0, 50) };
    },

    /**
     * Stores the plan of a customer broadcast in `tx`: every customer of the segment as a recipient (planned in a
     * chunk of its sender, or excluded with the reason), then one chunk per sender and chunkSize recipients.
     */
    async storeCustomerPlan(viewer: Viewer, tx: DbOrTx, broadcastId: number, segment: Segment): Promise<void> {
      const plan = planQuery(viewer, segment);
      await tx.execute(sql`
        INSERT INTO broadcast_recipient (broadcast_id, target, name, userid, chunk_seq, status, reason)
        SELECT ${broadcastId}, p.target, p.name, COALESCE(p.userid, ''),
          CASE WHEN p.reason IS NULL THEN ((row_number() OVER (PARTITION BY p.userid, p.reason IS NULL ORDER BY p.target) - 1) / ${chunkSize.customer})::int END,
          CASE WHEN p.reason IS NULL THEN 'planned' ELSE 'excluded' END, p.reason
        FROM (${plan}) p`);
    },
  };

  /** Unscoped reads and the writes of the dispatch and tracking jobs (and of services after a scoped read). */
  const system = {
    async find(id: number, tx: DbOrTx = db): Promise<BroadcastRow | undefined> {
      const [row] = await tx.select().from(broadcast).where(and(eq(broadcast.id, id), notDeleted(broadcast)));
      return row;
    },
    async lock(tx: DbOrTx, id: number): Promise<BroadcastRow | undefined> {
      const [row] = await rows<{ id: number }>(sql`SELECT id FROM broadcast WHERE id = ${id} FOR UPDATE`, tx);
      return row ? system.find(id, tx) : undefined;
    },
    async insert(tx: DbOrTx, values: typeof broadcast.$inferInsert): Promise<BroadcastRow> {
      const [row] = await tx.insert(broadcast).values(values).returning();
      return row;
    },
    async update(tx: DbOrTx, id: number, values: Partial<typeof broadcast.$inferInsert>): Promise<void> {
      await tx.update(broadcast).set(values).where(eq(broadcast.id, id));
    },
    /** Soft-deletes drafts among these (already in the caller's scope); the ids deleted. */
    async deleteDrafts(tx: DbOrTx, ids: number[], actor: string, at: Date): Promise<number[]> {
      const deleted = await tx
        .update(broadcast)
        .set({ isDel: 1, muser: actor, mtime: at })
        .where(and(inArray(broadcast.id, ids), eq(broadcast.status, 'draft'), notDeleted(broadcast)))
        .returning({ id: broadcast.id });
      return deleted.map((row) => row.id);
    },
    /** Broadcasts in these states (jobs: due schedules, dispatches to resume, tracking to do). */
    async withStatus(statuses: BroadcastStatus[]): Promise<BroadcastRow[]> {
      return db.select().from(broadcast).where(and(inArray(broadcast.status, statuses), notDeleted(broadcast)));
    },

    // ---- plan -------------------------------------------------------------------------------------

    /** Recipients given in full (groups; moments' visible customers), inserted in `tx`. */
    async insertRecipients(tx: DbOrTx, broadcastId: number, recipients: Array<{ target: string; name: string; userid: string; chunkSeq: number | null; status: string; reason: string | null }>): Promise<void> {
      for (let start = 0; start < recipients.length; start += 5000) {
        const batch = recipients.slice(start, start + 5000);
        await tx.execute(sql`
          INSERT INTO broadcast_recipient (broadcast_id, target, name, userid, chunk_seq, status, reason)
          SELECT ${broadcastId}, x.target, x.name, x.userid, x.chunk_seq, x.status, x.reason
          FROM jsonb_to_recordset(${JSON.stringify(batch.map((r) => ({ target: r.target, name: r.name, userid: r.userid, chunk_seq: r.chunkSeq, status: r.status, reason: r.reason })))}::jsonb)
            AS x(target text, name text, userid text, chunk_seq int, status text, reason text)
          ON CONFLICT (broadcast_id, target) DO NOTHING`);
      }
    },

    /** Chunks and senders from the planned recipients (customers and groups); the planned and excluded counts. */
    async chunksFromRecipients(tx: DbOrTx, broadcastId: number): Promise<{ planned: number; excluded: number }> {
      await tx.execute(sql`
        INSERT INTO broadcast_chunk (broadcast_id, userid, seq, size)
        SELECT broadcast_id, userid, chunk_seq, count(*)::int FROM broadcast_recipient
        WHERE broadcast_id = ${broadcastId} AND status = 'planned' GROUP BY broadcast_id, userid, chunk_seq`);
      await tx.execute(sql`
        INSERT INTO broadcast_sender (broadcast_id, userid, planned)
        SELECT broadcast_id, userid, count(*)::int FROM broadcast_recipient
        WHERE broadcast_id = ${broadcastId} AND status = 'planned' GROUP BY broadcast_id, userid`);
      const [counts] = await rows<{ planned: number; excluded: number }>(sql`
        SELECT count(*) FILTER (WHERE status = 'planned')::int AS planned, count(*) FILTER (WHERE status = 'excluded')::int AS excluded
        FROM broadcast_recipient WHERE broadcast_id = ${broadcastId}`, tx);
      return { planned: Number(counts.planned), excluded: Number(counts.excluded) };
    },

    async insertChunk(tx: DbOrTx, values: typeof broadcastChunk.$inferInsert): Promise<void> {
      await tx.insert(broadcastChunk).values(values);
    },
    async insertSenders(tx: DbOrTx, broadcastId: number, senders: Array<{ userid: string; planned: number }>): Promise<void> {
      if (senders.length) await tx.insert(broadcastSender).values(senders.map((s) => ({ broadcastId, userid: s.userid, planned: s.planned }))).onConflictDoNothing();
    },

    // ---- chunks -----------------------------------------------------------------------------------

    async chunks(broadcastId: number, tx: DbOrTx = db): Promise<ChunkRow[]> {
      return tx.select().from(broadcastChunk).where(eq(broadcastChunk.broadcastId, broadcastId)).orderBy(broadcastChunk.userid, broadcastChunk.seq);
    },
    async chunkTargets(broadcastId: number, userid: string, seq: number): Promise<string[]> {
      const found = await rows<{ target: string }>(sql`
        SELECT target FROM broadcast_recipient WHERE broadcast_id = ${broadcastId} AND userid = ${userid} AND chunk_seq = ${seq} ORDER BY target`);
      return found.map((row) => row.target);
    },
    async setChunk(tx: DbOrTx, chunkId: number, values: Partial<typeof broadcastChunk.$inferInsert>): Promise<void> {
      await tx.update(broadcastChunk).set(values).where(eq(broadcastChunk.id, chunkId));
    },
    /** Chunks left in flight by an interrupted dispatch become unknown; the number changed. */
    async inFlightToUnknown(broadcastId: number): Promise<number> {
      const changed = await db
        .update(broadcastChunk)
        .set({ status: 'unknown' })
        .where(and(eq(broadcastChunk.broadcastId, broadcastId), eq(broadcastChunk.status, 'in_flight')))
        .returning({ id: broadcastChunk.id });
      if (changed.length) await db.execute(sql`UPDATE broadcast_recipient br SET status = 'unknown' FROM broadcast_chunk ch
        WHERE ch.broadcast_id = ${broadcastId} AND ch.status = 'unknown' AND br.broadcast_id = ch.broadcast_id AND br.userid = ch.userid AND br.chunk_seq = ch.seq AND br.status = 'planned'`);
      return changed.length;
    },
    /** The operator's choice: unknown chunks are sent again (their recipients planned again). */
    async unknownToPending(tx: DbOrTx, broadcastId: number): Promise<number> {
      const changed = await tx
        .update(broadcastChunk)
        .set({ status: 'pending', attempts: 0, failure: null })
        .where(and(eq(broadcastChunk.broadcastId, broadcastId), eq(broadcastChunk.status, 'unknown')))
        .returning({ id: broadcastChunk.id });
      await tx.execute(sql`UPDATE broadcast_recipient SET status = 'planned' WHERE broadcast_id = ${broadcastId} AND status = 'unknown'`);
      return changed.length;
    },
    /** Failed chunks are tried again (their recipients planned again). */
    async failedToPending(tx: DbOrTx, broadcastId: number): Promise<number> {
      const changed = await tx
        .update(broadcastChunk)
        .set({ status: 'pending', attempts: 0 })
        .where(and(eq(broadcastChunk.broadcastId, broadcastId), eq(broadcastChunk.status, 'failed')))
        .returning({ id: broadcastChunk.id });
      await tx.execute(sql`UPDATE broadcast_recipient br SET status = 'planned' FROM broadcast_chunk ch
        WHERE ch.broadcast_id = ${broadcastId} AND ch.status = 'pending' AND br.broadcast_id = ch.broadcast_id AND br.userid = ch.userid AND br.chunk_seq = ch.seq AND br.status = 'failed'`);
      return changed.length;
    },
    /** A chunk's recipients move from one status to another (all of them, or those listed). */
    async setChunkRecipients(tx: DbOrTx, broadcastId: number, chunk: { userid: string; seq: number }, from: string[], to: string, targets?: string[]): Promise<void> {
      await tx.execute(sql`UPDATE broadcast_recipient SET status = ${to}
        WHERE broadcast_id = ${broadcastId} AND userid = ${chunk.userid} AND chunk_seq = ${chunk.seq} AND status = ANY(${textArray(from)})
        ${targets ? sql`AND target = ANY(${textArray(targets)})` : sql``}`);
    },

    // ---- senders and results ----------------------------------------------------------------------

    async senders(broadcastId: number, tx: DbOrTx = db): Promise<SenderRow[]> {
      return tx.select().from(broadcastSender).where(eq(broadcastSender.broadcastId, broadcastId)).orderBy(broadcastSender.userid);
    },
    async setSender(tx: DbOrTx, broadcastId: number, userid: string, values: Partial<typeof broadcastSender.$inferInsert>): Promise<void> {
      await tx.update(broadcastSender).set(values).where(and(eq(broadcastSender.broadcastId, broadcastId), eq(broadcastSender.userid, userid)));
    },
    async setSendersWhere(tx: DbOrTx, broadcastId: number, from: string[], values: Partial<typeof broadcastSender.$inferInsert>): Promise<void> {
      await tx.update(broadcastSender).set(values).where(and(eq(broadcastSender.broadcastId, broadcastId), inArray(broadcastSender.status, from as never[])));
    },
    /** Results as WeCom reports them (recipient, status, send time), applied to the recipients still open. */
    async applyResults(tx: DbOrTx, broadcastId: number, results: Array<{ target: string; status: string; sendTime: Date | null }>): Promise<void> {
      for (let start = 0; start < results.length; start += 5000) {
        const batch = results.slice(start, start + 5000).map((r) => ({ target: r.target, status: r.status, send_time: r.sendTime?.toISOString() ?? null }));
        await tx.execute(sql`
          UPDATE broadcast_recipient br SET status = x.status, send_time = x.send_time
          FROM jsonb_to_recordset(${JSON.stringify(batch)}::jsonb) AS x(target text, status text, send_time timestamptz)
          WHERE br.broadcast_id = ${broadcastId} AND br.target = x.target AND br.status IN ('pending', 'planned', 'expired')`);
      }
    },
    /** Moments: customers who can see it, added as delivered (names from the customers they are). */
    async addMomentViewers(tx: DbOrTx, broadcastId: number, userid: string, targets: string[], at: Date): Promise<void> {
      for (let start = 0; start < targets.length; start += 5000) {
        const batch = targets.slice(start, start + 5000);
        await tx.execute(sql`
          INSERT INTO broadcast_recipient (broadcast_id, target, name, userid, status, send_time)
          SELECT ${broadcastId}, t.target, COALESCE(c.name, ''), ${userid}, 'delivered', ${at.toISOString()}::timestamptz
          FROM unnest(${textArray(batch)}) AS t(target) LEFT JOIN customer c ON c.external_userid = t.target
          ON CONFLICT (broadcast_id, target) DO NOTHING`);
      }
    },
    /** Open recipients become `to` (expiry, cancel), optionally only those of some senders. */
    async closeRecipients(tx: DbOrTx, broadcastId: number, from: string[], to: string, userids?: string[]): Promise<void> {
      await tx.execute(sql`UPDATE broadcast_recipient SET status = ${to} WHERE broadcast_id = ${broadcastId} AND status = ANY(${textArray(from)})
        ${userids ? sql`AND userid = ANY(${textArray(userids)})` : sql``}`);
    },
    async openRecipientCount(broadcastId: number, userid: string, seq: number): Promise<number> {
      const [row] = await rows<{ n: number }>(sql`SELECT count(*)::int AS n FROM broadcast_recipient WHERE broadcast_id = ${broadcastId} AND userid = ${userid} AND chunk_seq = ${seq} AND status = 'pending'`);
      return Number(row.n);
    },

    // ---- reading results --------------------------------------------------------------------------

    async recipientPage(broadcastId: number, query: RecipientPageQuery, visibleSenders: SQL | undefined) {
      const where = whereOf([
        sql`br.broadcast_id = ${broadcastId}`,
        visibleSenders,
        query.status ? sql`br.status = ${query.status}` : undefined,
        query.userid ? sql`br.userid = ${query.userid}` : undefined,
        query.name ? sql`br.name ILIKE ${contains(query.name)}` : undefined,
      ]);
      return paginate(
        query,
        async () => Number((await rows<{ n: number }>(sql`SELECT count(*)::int AS n FROM broadcast_recipient br ${where}`))[0].n),
        async (limit, offset) =>
          rows<{ target: string; name: string; userid: string; sender_name: string | null; status: string; reason: string | null; send_time: string | Date | null }>(sql`
            SELECT br.target, br.name, br.userid, e.name AS sender_name, br.status, br.reason, br.send_time
            FROM broadcast_recipient br LEFT JOIN qw_emp e ON e.userid = br.userid ${where}
            ORDER BY br.status, br.userid, br.name, br.target LIMIT ${limit} OFFSET ${offset}`),
      );
    },
    async recipientBatch(broadcastId: number, status: string | undefined, visibleSenders: SQL | undefined, after: string | null, limit: number) {
      return rows<{ target: string; name: string; userid: string; sender_name: string | null; status: string; reason: string | null; send_time: string | Date | null }>(sql`
        SELECT br.target, br.name, br.userid, e.name AS sender_name, br.status, br.reason, br.send_time
        FROM broadcast_recipient br LEFT JOIN qw_emp e ON e.userid = br.userid
        ${whereOf([sql`br.broadcast_id = ${broadcastId}`, visibleSenders, status ? sql`br.status = ${status}` : undefined, after !== null ? sql`br.target > ${after}` : undefined])}
        ORDER BY br.target LIMIT ${limit}`);
    },
    async recipientCounts(broadcastId: number, visibleSenders: SQL | undefined) {
      return rows<{ userid: string; status: string; n: number }>(sql`
        SELECT br.userid, br.status, count(*)::int AS n FROM broadcast_recipient br ${whereOf([sql`br.broadcast_id = ${broadcastId}`, visibleSenders])} GROUP BY br.userid, br.status`);
    },
    /** Per broadcast: its recipients delivered and planned (not excluded), of the visible senders. */
    async recipientTotals(broadcastIds: number[], visibleSenders: SQL | undefined) {
      return rows<{ broadcast_id: number; delivered: number; planned: number }>(sql`
        SELECT br.broadcast_id, count(*) FILTER (WHERE br.status = 'delivered')::int AS delivered, count(*) FILTER (WHERE br.status <> 'excluded')::int AS planned
        FROM broadcast_recipient br ${whereOf([sql`br.broadcast_id = ANY(${`{${broadcastIds.join(',')}}`}::bigint[])`, visibleSenders])} GROUP BY br.broadcast_id`);
    },
    async sendersOf(broadcastIds: number[]): Promise<SenderRow[]> {
      return db.select().from(broadcastSender).where(inArray(broadcastSender.broadcastId, broadcastIds));
    },
    async deliveredByDay(broadcastId: number, visibleSenders: SQL | undefined) {
      return rows<{ day: string; n: number }>(sql`
        SELECT to_char(br.send_time AT TIME ZONE ${options.timeZone}, 'YYYY-MM-DD') AS day, count(*)::int AS n FROM broadcast_recipient br
        ${whereOf([sql`br.broadcast_id = ${broadcastId}`, sql`br.status = 'delivered'`, sql`br.send_time IS NOT NULL`, visibleSenders])}
        GROUP BY 1 ORDER BY 1`);
    },

    // ---- do-not-disturb and settings --------------------------------------------------------------

    async dndPage(query: { pageNum: number; pageSize: number; name?: string }, visible: SQL | undefined) {
      const where = whereOf([query.name ? sql`d.name ILIKE ${contains(query.name)}` : undefined, visible]);
      return paginate(
        query,
        async () => Number((await rows<{ n: number }>(sql`SELECT count(*)::int AS n FROM broadcast_dnd d ${where}`))[0].n),
        async (limit, offset) => rows<{ id: number; external_userid: string; name: string; reason: string; cuser: string | null; ctime: string | Date }>(sql`
          SELECT d.id, d.external_userid, d.name, d.reason, d.cuser, d.ctime FROM broadcast_dnd d ${where} ORDER BY d.ctime DESC, d.id DESC LIMIT ${limit} OFFSET ${offset}`),
      );
    },
    async dndAdd(tx: DbOrTx, entries: Array<{ externalUserid: string; name: string; reason: string }>, actor: string): Promise<number> {
      if (!entries.length) return 0;
      const added = await tx
        .insert(broadcastDnd)
        .values(entries.map((entry) => ({ ...entry, cuser: actor, muser: actor })))
        .onConflictDoNothing()
        .returning({ id: broadcastDnd.id });
      return added.length;
    },
    async dndDelete(tx: DbOrTx, ids: number[], visible: SQL | undefined): Promise<Array<{ id: number; external_userid: string }>> {
      return rows(sql`DELETE FROM broadcast_dnd d ${whereOf([sql`d.id = ANY(${idArray(ids)})`, visible])} RETURNING d.id, d.external_userid`, tx);
    },
    async settings(): Promise<SettingsRow | undefined> {
      const [row] = await db.select().from(broadcastSettings).where(eq(broadcastSettings.id, 1));
      return row;
    },
    async saveSettings(tx: DbOrTx, values: Omit<typeof broadcastSettings.$inferInsert, 'id'>): Promise<void> {
      await tx.insert(broadcastSettings).values({ id: 1, ...values }).onConflictDoUpdate({ target: broadcastSettings.id, set: values });
    },
    /** Employees' own mass messages received by customers or groups (they count toward the receive limit). */
    async storeOwnSends(rowsToStore: Array<{ msgid: string; target: string; sendTime: Date }>): Promise<void> {
      for (let start = 0; start < rowsToStore.length; start += 5000) {
        const batch = rowsToStore.slice(start, start + 5000).map((r) => ({ msgid: r.msgid, target: r.target, send_time: r.sendTime.toISOString() }));
        await db.execute(sql`INSERT INTO broadcast_own_send (msgid, target, send_time)
          SELECT x.msgid, x.target, x.send_time FROM jsonb_to_recordset(${JSON.stringify(batch)}::jsonb) AS x(msgid text, target text, send_time timestamptz)
          ON CONFLICT DO NOTHING`);
      }
    },
    /** Groups' receive counts in the window: our delivered group broadcasts and their owners' own (storeOwnSends). */
    async groupReceived(chatIds: string[], since: Date): Promise<Map<string, number>> {
      if (!chatIds.length) return new Map();
      const found = await rows<{ target: string; n: number }>(sql`
        SELECT x.target, count(*)::int AS n FROM (
          SELECT br.target FROM broadcast_recipient br JOIN broadcast b ON b.id = br.broadcast_id
          WHERE b.kind = 'group' AND br.status = 'delivered' AND br.send_time >= ${since.toISOString()}::timestamptz AND br.target = ANY(${textArray(chatIds)})
          UNION ALL
          SELECT o.target FROM broadcast_own_send o WHERE o.send_time >= ${since.toISOString()}::timestamptz AND o.target = ANY(${textArray(chatIds)})
        ) x GROUP BY x.target`);
      return new Map(found.map((row) => [row.target, Number(row.n)]));
    },
    /** Moments: per sender, their active customers visible with the tags (any; all when none). */
    async momentAudience(senders: string[], corpTagIds: number[]): Promise<Array<{ userid: string; count: number }>> {
      if (!senders.length) return [];
      const tagged = relationTagCondition({ tagIds: corpTagIds, tagMatch: 'any' });
      const found = await rows<{ userid: string; n: number }>(sql`
        SELECT r.userid, count(DISTINCT r.external_userid)::int AS n FROM customer_relation r
        ${whereOf([sql`r.status = 'active'`, sql`r.userid = ANY(${textArray(senders)})`, tagged])} GROUP BY r.userid`);
      return found.map((row) => ({ userid: row.userid, count: Number(row.n) }));
    },
    async momentAudienceTotal(senders: string[], corpTagIds: number[]): Promise<number> {
      if (!senders.length) return 0;
      const tagged = relationTagCondition({ tagIds: corpTagIds, tagMatch: 'any' });
      const [row] = await rows<{ n: number }>(sql`
        SELECT count(DISTINCT r.external_userid)::int AS n FROM customer_relation r
        ${whereOf([sql`r.status = 'active'`, sql`r.userid = ANY(${textArray(senders)})`, tagged])}`);
      return Number(row.n);
    },
    /** Employee names by userid (the corp directory). */
    async employeeNames(userids: string[]): Promise<Map<string, string>> {
      if (!userids.length) return new Map();
      const found = await rows<{ userid: string; name: string }>(sql`SELECT userid, name FROM qw_emp WHERE userid = ANY(${textArray(userids)})`);
      return new Map(found.map((row) => [row.userid, row.name]));
    },
    async departmentNames(deptIds: number[]): Promise<Map<number, string>> {
      if (!deptIds.length) return new Map();
      const found = await rows<{ dept_id: number; name: string }>(sql`SELECT dept_id, name FROM qw_dept WHERE dept_id = ANY(${idArray(deptIds)})`);
      return new Map(found.map((row) => [Number(row.dept_id), row.name]));
    },
  };

  return {
    /** Recipients per WeCom task (add_msg_template: 10,000 customers or 2,000 groups a call). */
    chunkSize,
    /** The repository for one caller: their broadcasts and the customers and senders of their scope. */
    forViewer: (viewer: Viewer) => bindViewer(viewer, scoped),
    /** Unscoped: for the dispatch and tracking jobs, and for writes after a scoped read. */
    system: () => system,
    /** The relation scope of the viewer over a userid column (recipients and results of senders they may see). */
    sendersVisible: (viewer: Viewer, userid: SQL) => employeeScope(viewer, userid),
  };
}

export type BroadcastRepository = ReturnType<typeof createBroadcastRepository>;
