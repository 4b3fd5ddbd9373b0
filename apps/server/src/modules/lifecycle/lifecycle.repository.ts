// The lifecycle module's tables: the unassigned mirror and the transfer batches and items. Pages are made for the
// caller (`forViewer`): a transfer, and a departed employee's unassigned customers, belong to the handover
// employee, visible to the scopes that cover them — a departed employee by their last department (the system user
// bound to them, even one deleted since). Jobs, callbacks and the inheritance policy read through `system()`.
import { and, eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../platform/db/database.ts';
import { employeeScope, bindViewer, type Viewer } from '../../platform/auth/data-scope.ts';
import { paginate, whereOf } from '../../platform/db/paging.ts';
import type { Page } from '../../platform/http/schemas.ts';
import { lifecycleTransferBatch, lifecycleTransferItem, lifecycleUnassigned, type TransferItemStatus, type TransferKind, type TransferOrigin } from '../../db/schema/lifecycle.ts';
import type { RecordPageQuery, UnassignedPageQuery } from './lifecycle.schemas.ts';

const jsonList = (values: readonly string[]) => sql`(SELECT jsonb_array_elements_text(${JSON.stringify(values)}::jsonb))`;
const DAY = 86_400_000;

/**
 * The employees a viewer's scope covers, departed ones included (platform/auth employeeScope: an employee who left
 * by the last system user bound to them and its department).
 */
export const lifecycleEmployeeScope = (viewer: Viewer, userid: SQL): SQL | undefined => employeeScope(viewer, userid);

export interface NewBatch {
  kind: TransferKind;
  origin: TransferOrigin;
  handoverUserid: string;
  takeoverUserid: string;
  dedupeKey: string | null;
  transferSuccessMsg: string | null;
  actor: string;
  now: Date;
}

export interface NewItem {
  subject: 'customer' | 'group';
  target: string;
  status: TransferItemStatus;
  errcode?: number | null;
  failReason?: string | null;
}

export type BatchRow = typeof lifecycleTransferBatch.$inferSelect;
export type ItemRow = typeof lifecycleTransferItem.$inferSelect;

export interface UnassignedEmployeeRow {
  userid: string;
  name: string;
  leftAt: Date | null;
  customerCount: number;
  /** Customers whose transfer WeCom is still settling. */
  waitingCount: number;
}

export interface RecordRow extends ItemRow {
  origin: TransferOrigin;
  batchCuser: string | null;
}

const num = (value: unknown) => Number(value ?? 0);
const dateOrNull = (value: unknown) => (value === null || value === undefined ? null : value instanceof Date ? value : new Date(value as string));

export function createLifecycleRepository(db: Db) {
  const scoped = {
    /** Departed employees the viewer's scope covers who still have customers awaiting inheritance in WeCom (or a name filter). */
    async unassignedPage(viewer: Viewer, query: UnassignedPageQuery, extra: { departedWithGroups: string[] }): Promise<Page<UnassignedEmployeeRow>> {
      const scope = lifecycleEmployeeScope(viewer, sql`x.userid`);
      const withGroups = extra.departedWithGroups;
      const conditions = [
        scope,
        query.name ? sql`x.name ILIKE ${`%${query.name.replace(/[\\%_]/g, (c) => `\\${c}`)}%`}` : undefined,
        query.userid ? sql`x.userid = ${query.userid}` : undefined,
      ];
      // Departed employees with unassigned customers (WeCom's list) or groups still theirs.
      const source = sql`(
        SELECT q.userid, q.name, COALESCE((SELECT max(u.dimission_time) FROM lifecycle_unassigned u WHERE u.handover_userid = q.userid), q.left_at) AS left_at,
          (SELECT count(*) FROM lifecycle_unassigned u WHERE u.handover_userid = q.userid)::int AS customer_count,
          (SELECT count(*) FROM lifecycle_transfer_item i WHERE i.handover_userid = q.userid AND i.kind = 'resigned' AND i.subject = 'customer' AND i.status IN ('sending', 'waiting'))::int AS waiting_count
        FROM qw_emp q
        -- Departed by the org mirror, or by WeCom's unassigned list before the mirror knows it (no delete_user came).
        WHERE (q.left_at IS NOT NULL OR q.status = 5 OR EXISTS (SELECT 1 FROM lifecycle_unassigned u WHERE u.handover_userid = q.userid))
          AND (EXISTS (SELECT 1 FROM lifecycle_unassigned u WHERE u.handover_userid = q.userid)
            ${withGroups.length ? sql`OR q.userid IN ${jsonList(withGroups)}` : sql``})
      ) x`;
      const where = whereOf(conditions);
      return paginate(
        query,
        async () => num((await db.execute(sql`SELECT count(*)::int AS count FROM ${source} ${where}`)).rows[0].count),
        async (limit, offset) =>
          (await db.execute(sql`SELECT * FROM ${source} ${where} ORDER BY x.left_at DESC NULLS LAST, x.userid LIMIT ${limit} OFFSET ${offset}`)).rows.map((row) => ({
            userid: row.userid as string,
            name: row.name as string,
            leftAt: dateOrNull(row.left_at),
            customerCount: num(row.customer_count),
            waitingCount: num(row.waiting_count),
          })),
      );
    },

    /** Whether the viewer's scope covers the employee (departed ones by their last department). */
    async employeeInScope(viewer: Viewer, userid: string): Promise<boolean> {
      const scope = lifecycleEmployeeScope(viewer, sql`${userid}`);
      if (!scope) return true;
      return (await db.execute(sql`SELECT ${scope} AS ok`)).rows[0].ok === true;
    },

    /** Transfer records (one per customer or group), newest first, of handover employees in the viewer's scope. */
    async recordPage(viewer: Viewer, query: RecordPageQuery): Promise<Page<RecordRow>> {
      const conditions = [
        lifecycleEmployeeScope(viewer, sql`i.handover_userid`),
        query.kind ? sql`i.kind = ${query.kind}` : undefined,
        query.status ? sql`i.status = ${query.status}` : undefined,
        query.subject ? sql`i.subject = ${query.subject}` : undefined,
        query.handoverUserid ? sql`i.handover_userid = ${query.handoverUserid}` : undefined,
        query.takeoverUserid ? sql`i.takeover_userid = ${query.takeoverUserid}` : undefined,
        query.target ? sql`i.target = ${query.target}` : undefined,
        query.batchId ? sql`i.batch_id = ${query.batchId}` : undefined,
        query.origin ? sql`b.origin = ${query.origin}` : undefined,
        query.beginTime ? sql`i.ctime >= ${query.beginTime.toISOString()}::timestamptz` : undefined,
        query.endTime ? sql`i.ctime <= ${query.endTime.toISOString()}::timestamptz` : undefined,
      ];
      const where = whereOf(conditions);
      const from = sql`FROM lifecycle_transfer_item i JOIN lifecycle_transfer_batch b ON b.id = i.batch_id`;
      return paginate(
        query,
        async () => num((await db.execute(sql`SELECT count(*)::int AS count ${from} ${where}`)).rows[0].count),
        async (limit, offset) =>
          (await db.execute(sql`SELECT i.*, b.origin, b.cuser AS batch_cuser ${from} ${where} ORDER BY i.ctime DESC, i.id DESC LIMIT ${limit} OFFSET ${offset}`)).rows.map(
            (row) => ({ ...itemOf(row), origin: row.origin as TransferOrigin, batchCuser: (row.batch_cuser as string | null) ?? null }),
          ),
      );
    },
  };

  const system = {
    async batchByDedupeKey(key: string, tx: DbOrTx = db): Promise<BatchRow | undefined> {
      const [row] = await tx.select().from(lifecycleTransferBatch).where(eq(lifecycleTransferBatch.dedupeKey, key));
      return row;
    },

    async batch(id: number, tx: DbOrTx = db): Promise<BatchRow | undefined> {
      const [row] = await tx.select().from(lifecycleTransferBatch).where(eq(lifecycleTransferBatch.id, id));
      return row;
    },

    /** The batch and its items in one go (the in-flight marker: items 'sending'); null when the dedupe key was taken meanwhile. */
    async insertBatch(tx: DbOrTx, batch: NewBatch, items: NewItem[]): Promise<{ batch: BatchRow; items: ItemRow[] } | null> {
      const [row] = await tx
        .insert(lifecycleTransferBatch)
        .values({
          kind: batch.kind,
          origin: batch.origin,
          handoverUserid: batch.handoverUserid,
          takeoverUserid: batch.takeoverUserid,
          dedupeKey: batch.dedupeKey,
          transferSuccessMsg: batch.transferSuccessMsg,
          ctime: batch.now,
          cuser: batch.actor,
          mtime: batch.now,
          muser: batch.actor,
        })
        .onConflictDoNothing()
        .returning();
      if (!row) return null;
      const inserted = items.length
        ? await tx
            .insert(lifecycleTransferItem)
            .values(
              items.map((item) => ({
                batchId: row.id,
                kind: batch.kind,
                subject: item.subject,
                target: item.target,
                handoverUserid: batch.handoverUserid,
                takeoverUserid: batch.takeoverUserid,
                status: item.status,
                errcode: item.errcode ?? null,
                failReason: item.failReason ?? null,
                settledAt: item.status === 'failed' ? batch.now : null,
                ctime: batch.now,
                cuser: batch.actor,
                mtime: batch.now,
                muser: batch.actor,
              })),
            )
            .returning()
        : [];
      return { batch: row, items: inserted };
    },

    async setBatchJob(tx: DbOrTx, batchId: number, jobId: number): Promise<void> {
      await tx.update(lifecycleTransferBatch).set({ jobId }).where(eq(lifecycleTransferBatch.id, batchId));
    },

    async itemsOfBatch(batchId: number, tx: DbOrTx = db): Promise<ItemRow[]> {
      return tx.select().from(lifecycleTransferItem).where(eq(lifecycleTransferItem.batchId, batchId)).orderBy(lifecycleTransferItem.id);
    },

    /** WeCom's answer for items still being sent (a settlement that came first is kept). */
    async answerItems(tx: DbOrTx, ids: number[], values: { status: TransferItemStatus; errcode: number | null; failReason?: string | null; takeoverTime?: Date | null; now: Date }): Promise<void> {
      if (ids.length === 0) return;
      const final = values.status === 'done' || values.status === 'failed';
      await tx
        .update(lifecycleTransferItem)
        .set({
          status: values.status,
          errcode: values.errcode,
          failReason: values.failReason ?? null,
          ...(values.takeoverTime !== undefined ? { takeoverTime: values.takeoverTime } : {}),
          ...(final ? { settledAt: values.now } : {}),
          mtime: values.now,
          muser: 'wecom',
        })
        .where(and(inArray(lifecycleTransferItem.id, ids), inArray(lifecycleTransferItem.status, ['sending', 'unknown'])));
    },

    /**
     * WeCom's transfer_result for one customer of a pair: the items still open (waiting, or unknown: WeCom's record
     * says it took it after all) take the status; returns the items that changed.
     */
    async settleCustomer(
      tx: DbOrTx,
      pair: { kind: TransferKind; handoverUserid: string; takeoverUserid: string },
      externalUserid: string,
      values: { status: TransferItemStatus; failReason?: string | null; takeoverTime: Date | null; now: Date; actor: string },
    ): Promise<ItemRow[]> {
      const final = values.status === 'done' || values.status === 'failed';
      return tx
        .update(lifecycleTransferItem)
        .set({
          status: values.status,
          errcode: 0,
          ...(values.failReason !== undefined ? { failReason: values.failReason } : {}),
          takeoverTime: values.takeoverTime,
          ...(final ? { settledAt: values.now } : {}),
          mtime: values.now,
          muser: values.actor,
        })
        .where(
          and(
            eq(lifecycleTransferItem.kind, pair.kind),
            eq(lifecycleTransferItem.subject, 'customer'),
            eq(lifecycleTransferItem.target, externalUserid),
            eq(lifecycleTransferItem.handoverUserid, pair.handoverUserid),
            eq(lifecycleTransferItem.takeoverUserid, pair.takeoverUserid),
            inArray(lifecycleTransferItem.status, ['waiting', 'unknown']),
          ),
        )
        .returning();
    },

    /** transfer_fail callback: the takeover employee's open on-the-job or resigned transfer of the customer failed. */
    async failOpenTransfers(tx: DbOrTx, input: { externalUserid: string; takeoverUserid: string; reason: string; now: Date }): Promise<ItemRow[]> {
      return tx
        .update(lifecycleTransferItem)
        .set({ status: 'failed', failReason: input.reason, settledAt: input.now, mtime: input.now, muser: 'wecom' })
        .where(
          and(
            eq(lifecycleTransferItem.subject, 'customer'),
            eq(lifecycleTransferItem.target, input.externalUserid),
            eq(lifecycleTransferItem.takeoverUserid, input.takeoverUserid),
            inArray(lifecycleTransferItem.status, ['waiting', 'unknown']),
          ),
        )
        .returning();
    },

    async openCount(pair: { kind: TransferKind; handoverUserid: string; takeoverUserid: string }, tx: DbOrTx = db): Promise<number> {
      const result = await tx.execute(sql`SELECT count(*)::int AS count FROM lifecycle_transfer_item
        WHERE kind = ${pair.kind} AND subject = 'customer' AND handover_userid = ${pair.handoverUserid} AND takeover_userid = ${pair.takeoverUserid} AND status = 'waiting'`);
      return num(result.rows[0].count);
    },

    /** Items whose WeCom call never returned (a crash, a lost answer): unknown, never re-sent by SCRM. */
    async sendingToUnknown(olderThan: Date, tx: DbOrTx = db): Promise<number> {
      const rows = await tx
        .update(lifecycleTransferItem)
        .set({ status: 'unknown', mtime: new Date(), muser: 'system' })
        .where(and(eq(lifecycleTransferItem.status, 'sending'), sql`${lifecycleTransferItem.ctime} < ${olderThan.toISOString()}::timestamptz`))
        .returning({ id: lifecycleTransferItem.id });
      return rows.length;
    },

    /** The latest open transfer (sending, waiting, unknown) of each target. */
    async openItems(subject: 'customer' | 'group', targets: string[], tx: DbOrTx = db): Promise<Map<string, ItemRow>> {
      if (targets.length === 0) return new Map();
      const result = await tx.execute(sql`SELECT DISTINCT ON (target) * FROM lifecycle_transfer_item
        WHERE subject = ${subject} AND status IN ('sending', 'waiting', 'unknown') AND target IN ${jsonList(targets)}
        ORDER BY target, ctime DESC, id DESC`);
      return new Map(result.rows.map((row) => [row.target as string, itemOf(row)]));
    },

    // ---- the rules WeCom applies that SCRM can know from its own records (API-FACTS-OPERATIONS §20.2) ------------

    /** Targets with a transfer still open (being sent, waiting for the takeover, or unknown). */
    async openTargets(subject: 'customer' | 'group', targets: string[], tx: DbOrTx = db): Promise<Set<string>> {
      if (targets.length === 0) return new Set();
      const result = await tx.execute<{ target: string }>(sql`SELECT DISTINCT target FROM lifecycle_transfer_item
        WHERE subject = ${subject} AND status IN ('sending', 'waiting', 'unknown') AND target IN ${jsonList(targets)}`);
      return new Set(result.rows.map((row) => row.target));
    },

    /**
     * On-the-job transfers of these customers (or groups) WeCom took, or may have, since `since` (at most 2 in 90 days): how many,
     * and when the second newest was requested — once that one is out of the window, fewer than two remain.
     */
    async onJobTransfersSince(subject: 'customer' | 'group', targets: string[], since: Date, tx: DbOrTx = db): Promise<Map<string, { count: number; secondNewest: Date | null }>> {
      if (targets.length === 0) return new Map();
      const result = await tx.execute<{ target: string; count: number; second_newest: Date | string | null }>(sql`
        SELECT target, count(*)::int AS count, (array_agg(ctime ORDER BY ctime DESC))[2] AS second_newest FROM lifecycle_transfer_item
        WHERE kind = 'onjob' AND subject = ${subject} AND ctime >= ${since.toISOString()}::timestamptz AND target IN ${jsonList(targets)}
          AND (status IN ('sending', 'waiting', 'done', 'unknown') OR (status = 'failed' AND errcode = 0))
        GROUP BY target`);
      return new Map(result.rows.map((row) => [row.target, { count: num(row.count), secondNewest: dateOrNull(row.second_newest) }]));
    },

    /** Customers whose transfer completed since `since` (WeCom's 90-day protection of the new relation). */
    async doneSince(targets: string[], since: Date, tx: DbOrTx = db): Promise<Map<string, Date>> {
      if (targets.length === 0) return new Map();
      const result = await tx.execute<{ target: string; at: Date }>(sql`SELECT target, max(COALESCE(takeover_time, settled_at)) AS at FROM lifecycle_transfer_item
        WHERE subject = 'customer' AND status = 'done' AND COALESCE(takeover_time, settled_at) >= ${since.toISOString()}::timestamptz AND target IN ${jsonList(targets)}
        GROUP BY target`);
      return new Map(result.rows.map((row) => [row.target, new Date(row.at)]));
    },

    /** A departed owner's groups assigned to new owners since `since` (WeCom: at most 300 a day per owner). */
    async resignedGroupsSince(handoverUserid: string, since: Date, tx: DbOrTx = db): Promise<number> {
      const result = await tx.execute(sql`SELECT count(*)::int AS count FROM lifecycle_transfer_item
        WHERE kind = 'resigned' AND subject = 'group' AND handover_userid = ${handoverUserid} AND ctime >= ${since.toISOString()}::timestamptz
          AND status IN ('sending', 'done', 'unknown')`);
      return num(result.rows[0].count);
    },

    // ---- the unassigned mirror ------------------------------------------------------------------------------------

    async upsertUnassigned(tx: DbOrTx, rows: Array<{ handoverUserid: string; externalUserid: string; dimissionTime: Date | null }>, seenAt: Date): Promise<void> {
      if (rows.length === 0) return;
      for (let i = 0; i < rows.length; i += 500) {
        await tx
          .insert(lifecycleUnassigned)
          .values(rows.slice(i, i + 500).map((row) => ({ ...row, seenAt })))
          .onConflictDoUpdate({
            target: [lifecycleUnassigned.handoverUserid, lifecycleUnassigned.externalUserid],
            set: { dimissionTime: sql`COALESCE(excluded.dimission_time, ${lifecycleUnassigned.dimissionTime})`, seenAt },
          });
      }
    },

    /** After a full refresh: what WeCom no longer lists has been assigned. */
    async dropUnassignedNotSeen(tx: DbOrTx, since: Date): Promise<number> {
      const rows = await tx
        .delete(lifecycleUnassigned)
        .where(sql`${lifecycleUnassigned.seenAt} < ${since.toISOString()}::timestamptz`)
        .returning({ id: lifecycleUnassigned.id });
      return rows.length;
    },

    async dropUnassigned(tx: DbOrTx, handoverUserid: string, externalUserid: string): Promise<void> {
      await tx.delete(lifecycleUnassigned).where(and(eq(lifecycleUnassigned.handoverUserid, handoverUserid), eq(lifecycleUnassigned.externalUserid, externalUserid)));
    },

    async unassignedOf(handoverUserid: string, tx: DbOrTx = db): Promise<Array<{ externalUserid: string; dimissionTime: Date | null }>> {
      return tx
        .select({ externalUserid: lifecycleUnassigned.externalUserid, dimissionTime: lifecycleUnassigned.dimissionTime })
        .from(lifecycleUnassigned)
        .where(eq(lifecycleUnassigned.handoverUserid, handoverUserid))
        .orderBy(lifecycleUnassigned.externalUserid);
    },

    /**
     * Departed employees among these userids, with when they left: by the org mirror, or listed by WeCom's unassigned
     * list though the mirror never knew them (they left before SCRM was installed) or does not know yet that they left
     * (no delete_user came, and the org sync has not run since).
     */
    async departures(userids: string[], tx: DbOrTx = db): Promise<Map<string, Date | null>> {
      if (userids.length === 0) return new Map();
      const result = await tx.execute<{ userid: string; left_at: Date | null; dimission: Date | null }>(sql`
        SELECT q.userid, q.left_at, (SELECT max(u.dimission_time) FROM lifecycle_unassigned u WHERE u.handover_userid = q.userid) AS dimission
        FROM qw_emp q WHERE (q.left_at IS NOT NULL OR q.status = 5) AND q.userid IN ${jsonList(userids)}
        UNION ALL
        SELECT u.handover_userid, NULL, max(u.dimission_time) FROM lifecycle_unassigned u
        WHERE u.handover_userid IN ${jsonList(userids)} AND NOT EXISTS (SELECT 1 FROM qw_emp q WHERE q.userid = u.handover_userid AND (q.left_at IS NOT NULL OR q.status = 5))
        GROUP BY u.handover_userid`);
      return new Map(result.rows.map((row) => [row.userid, dateOrNull(row.dimission) ?? dateOrNull(row.left_at)]));
    },

    /** All departed employees (org mirror). */
    async departedUserids(tx: DbOrTx = db): Promise<string[]> {
      const result = await tx.execute<{ userid: string }>(sql`SELECT userid FROM qw_emp WHERE left_at IS NOT NULL OR status = 5`);
      return result.rows.map((row) => row.userid);
    },

    async employeeNames(userids: string[], tx: DbOrTx = db): Promise<Map<string, string>> {
      const unique = [...new Set(userids.filter(Boolean))];
      if (unique.length === 0) return new Map();
      const result = await tx.execute<{ userid: string; name: string }>(sql`SELECT userid, name FROM qw_emp WHERE userid IN ${jsonList(unique)}`);
      return new Map(result.rows.map((row) => [row.userid, row.name]));
    },
  };

  return {
    forViewer: (viewer: Viewer) => bindViewer(viewer, scoped),
    system: () => system,
  };
}

function itemOf(row: Record<string, unknown>): ItemRow {
  return {
    id: num(row.id),
    batchId: num(row.batch_id),
    kind: row.kind as TransferKind,
    subject: row.subject as 'customer' | 'group',
    target: row.target as string,
    handoverUserid: row.handover_userid as string,
    takeoverUserid: row.takeover_userid as string,
    status: row.status as TransferItemStatus,
    errcode: row.errcode === null || row.errcode === undefined ? null : num(row.errcode),
    failReason: (row.fail_reason as string | null) ?? null,
    takeoverTime: dateOrNull(row.takeover_time),
    settledAt: dateOrNull(row.settled_at),
    ctime: dateOrNull(row.ctime) as Date,
    cuser: (row.cuser as string | null) ?? null,
    mtime: dateOrNull(row.mtime) as Date,
    muser: (row.muser as string | null) ?? null,
  };
}

export type LifecycleRepository = ReturnType<typeof createLifecycleRepository>;
export { DAY };
