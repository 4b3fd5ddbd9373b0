import { and, eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../platform/db/database.ts';
import { contains, paginate } from '../../platform/db/paging.ts';
import { lowerBound, upperBoundCondition } from '../../platform/db/time-range.ts';
import { bindViewer, employeeScope, type Viewer } from '../../platform/auth/data-scope.ts';
import { qwEmp } from '../../db/schema/wecom.ts';
import { lossRecord, lossSettings, type LossAlertState } from '../../db/schema/loss.ts';
import type { LossFilters, LossStatBody } from './loss-alerts.schemas.ts';

export type LossRow = typeof lossRecord.$inferSelect;
export type LossSettingsRow = typeof lossSettings.$inferSelect;

const list = (values: readonly (string | number)[]) => sql.join(values.map((value) => sql`${value}`), sql`, `);

/** WeCom departments and their sub-departments (the directory's tree). */
const departmentsBelow = (deptIds: number[]): SQL => sql`ARRAY(
  WITH RECURSIVE tree(dept_id) AS (
    SELECT unnest(ARRAY[${list(deptIds)}]::bigint[])
    UNION SELECT d.dept_id FROM qw_dept d JOIN tree ON d.parent_id = tree.dept_id AND d.is_del = 0
  ) SELECT dept_id FROM tree)::bigint[]`;

/**
 * Loss records and the alert settings. The event handler and the digest job write through `system()`; the console
 * reads through `forViewer(viewer)`: losses of employees in the viewer's data scope only.
 */
export function createLossRepository(db: Db, options: { timeZone: string }) {
  const { timeZone } = options;

  function conditions(viewer: Viewer, filters: LossFilters): SQL | undefined {
    return and(
      employeeScope(viewer, sql`${lossRecord.userid}`),
      filters.userIds?.length ? inArray(lossRecord.userid, filters.userIds) : undefined,
      filters.deptIds?.length ? sql`${lossRecord.deptIds} && ${departmentsBelow(filters.deptIds)}` : undefined,
      filters.kind ? eq(lossRecord.kind, filters.kind) : undefined,
      filters.startTime ? sql`${lossRecord.lostAt} >= ${lowerBound(filters.startTime, timeZone)}` : undefined,
      filters.endTime ? upperBoundCondition(sql`${lossRecord.lostAt}`, filters.endTime, timeZone) : undefined,
      filters.channelId ? eq(lossRecord.channelId, filters.channelId) : undefined,
      filters.name ? sql`${lossRecord.customerName} ILIKE ${contains(filters.name)}` : undefined,
    );
  }

  const system = {
    /** Records a loss (nothing when the same loss is recorded already: a redelivered event); the row inserted, if any. */
    async insert(tx: DbOrTx, values: typeof lossRecord.$inferInsert): Promise<LossRow | undefined> {
      const [row] = await tx.insert(lossRecord).values(values).onConflictDoNothing().returning();
      return row;
    },

    /** The employee's name and departments now (at the loss). */
    async employee(tx: DbOrTx, userid: string): Promise<{ name: string; deptIds: number[] } | undefined> {
      const [row] = await tx.select({ name: qwEmp.name, department: qwEmp.department }).from(qwEmp).where(eq(qwEmp.userid, userid));
      return row && { name: row.name, deptIds: row.department };
    },

    async settings(corpId: string, tx: DbOrTx = db): Promise<LossSettingsRow | undefined> {
      const [row] = await tx.select().from(lossSettings).where(eq(lossSettings.corpId, corpId));
      return row;
    },

    async saveSettings(tx: DbOrTx, corpId: string, values: Omit<typeof lossSettings.$inferInsert, 'corpId' | 'id'>): Promise<LossSettingsRow> {
      const [row] = await tx.insert(lossSettings).values({ ...values, corpId }).onConflictDoUpdate({ target: lossSettings.corpId, set: { ...values } }).returning();
      return row;
    },

    /** Losses whose alerts wait for the digest (oldest first). */
    async awaitingDigest(tx: DbOrTx, limit = 5000): Promise<LossRow[]> {
      return tx
        .select()
        .from(lossRecord)
        .where(sql`${lossRecord.employeeAlert} = 'digest' OR ${lossRecord.managerAlert} = 'digest'`)
        .orderBy(lossRecord.id)
        .limit(limit)
        .for('update', { skipLocked: true });
    },

    async markAlerts(tx: DbOrTx, ids: number[], which: 'employeeAlert' | 'managerAlert', state: LossAlertState): Promise<void> {
      if (ids.length) await tx.update(lossRecord).set({ [which]: state }).where(inArray(lossRecord.id, ids));
    },

    async setLastDigestDay(tx: DbOrTx, corpId: string, day: string): Promise<boolean> {
      const rows = await tx
        .update(lossSettings)
        .set({ lastDigestDay: day })
        .where(and(eq(lossSettings.corpId, corpId), sql`${lossSettings.lastDigestDay} IS DISTINCT FROM ${day}`))
        .returning({ id: lossSettings.id });
      return rows.length > 0;
    },

    /** Names of departments (the directory's). */
    async departmentNames(deptIds: number[]): Promise<Map<number, string>> {
      if (!deptIds.length) return new Map();
      const result = await db.execute<{ dept_id: number; name: string }>(sql`SELECT dept_id, name FROM qw_dept WHERE dept_id IN (${list([...new Set(deptIds)])})`);
      return new Map(result.rows.map((row) => [Number(row.dept_id), row.name]));
    },
  };

  const scoped = {
    async page(viewer: Viewer, query: LossFilters & { pageNum: number; pageSize: number }) {
      const where = conditions(viewer, query);
      return paginate(
        query,
        async () => (await db.select({ count: sql<number>`count(*)::int` }).from(lossRecord).where(where))[0].count,
        (limit, offset) => db.select().from(lossRecord).where(where).orderBy(sql`${lossRecord.lostAt} DESC, ${lossRecord.id} DESC`).limit(limit).offset(offset),
      );
    },

    /** Export rows after `afterId` (newest first by id: the export's keyset). */
    async batch(viewer: Viewer, filters: LossFilters, beforeId: number | null, limit: number): Promise<LossRow[]> {
      const where = and(conditions(viewer, filters), beforeId === null ? undefined : sql`${lossRecord.id} < ${beforeId}`);
      return db.select().from(lossRecord).where(where).orderBy(sql`${lossRecord.id} DESC`).limit(limit);
    },

    /** Losses per local day and kind, within [startDate, endDate]. */
    async perDay(viewer: Viewer, body: LossStatBody): Promise<Array<{ day: string; kind: string; n: number }>> {
      const where = conditions(viewer, { userIds: body.userIds, deptIds: body.deptIds, channelId: body.channelId, startTime: body.startDate, endTime: body.endDate });
      // Grouped by position: the time zone is a parameter, and two parameters are two expressions to PostgreSQL.
      const result = await db.execute<{ day: string; kind: string; n: number }>(sql`
        SELECT to_char(${lossRecord.lostAt} AT TIME ZONE ${timeZone}, 'YYYY-MM-DD') AS day, ${lossRecord.kind} AS kind, count(*)::int AS n
        FROM ${lossRecord} ${where ? sql`WHERE ${where}` : sql``} GROUP BY 1, 2`);
      const rows = result.rows;
      return rows.map((row) => ({ day: row.day, kind: row.kind, n: Number(row.n) }));
    },
  };

  return {
    /** Unscoped: the event handler, the digest job, settings. */
    system: () => system,
    forViewer: (viewer: Viewer) => bindViewer(viewer, scoped),
  };
}

export type LossRepository = ReturnType<typeof createLossRepository>;
