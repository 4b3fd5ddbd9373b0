import { and, desc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../platform/db/database.ts';
import { contains, countAll, paginate } from '../../platform/db/paging.ts';
import { bindViewer, employeeScope, type Viewer } from '../../platform/auth/data-scope.ts';
import { qwEmp } from '../../db/schema/wecom.ts';
import { inheritanceDeparture, inheritancePolicy, type DeparturePlanEntry, type DepartureResult, type DepartureStatus, type InheritanceMode } from '../../db/schema/loss.ts';
import type { LeaderFacts } from './inheritance-plan.ts';
import type { DeparturePageQuery } from './inheritance-policy.schemas.ts';

export type PolicyRow = typeof inheritancePolicy.$inferSelect;
/**
 * How WeCom confirmed a departure: the delete_user callback, its unassigned list (get_unassigned_list), or — an employee
 * with groups and no customers — the org mirror (no longer listed) with groups WeCom lists as awaiting inheritance.
 */
export type DepartureSource = 'delete_user' | 'unassigned' | 'groups';
export type DepartureRow = typeof inheritanceDeparture.$inferSelect;

/** Two reports of one employee's departure this close together are the same departure (delete_user, then get_unassigned_list). */
const SAME_DEPARTURE_MS = 2 * 86_400_000;
/** An HR announcement this soon after WeCom's confirmation is about that departure, not a new one. */
const ANNOUNCED_AFTER_MS = 30 * 86_400_000;
const OPEN: DepartureStatus[] = ['pending', 'queued', 'running'];

/**
 * The inheritance policy (one row per corp) and the departures it acts on. Jobs and callbacks use `system()`;
 * the console reads departures through `forViewer(viewer)` (the departed employee in the viewer's data scope,
 * through their bound user's last department).
 */
export function createInheritanceRepository(db: Db) {
  const system = {
    async policy(corpId: string, tx: DbOrTx = db): Promise<PolicyRow | undefined> {
      const [row] = await tx.select().from(inheritancePolicy).where(eq(inheritancePolicy.corpId, corpId));
      return row;
    },

    async savePolicy(tx: DbOrTx, corpId: string, values: Omit<typeof inheritancePolicy.$inferInsert, 'corpId' | 'id'>): Promise<PolicyRow> {
      const [row] = await tx
        .insert(inheritancePolicy)
        .values({ ...values, corpId })
        .onConflictDoUpdate({ target: inheritancePolicy.corpId, set: { ...values } })
        .returning();
      return row;
    },

    /** The departed employee's name and leaders as the directory has them (WeCom's direct_leader; their main department's leaders). */
    async leaderFacts(userid: string, tx: DbOrTx = db): Promise<LeaderFacts & { name: string | null }> {
      const [employee] = await tx
        .select({ name: qwEmp.name, directLeader: qwEmp.directLeader, mainDepartment: qwEmp.mainDepartment, department: qwEmp.department })
        .from(qwEmp)
        .where(eq(qwEmp.userid, userid));
      if (!employee) return { name: null, directLeaders: [], departmentLeaders: [] };
      const main = employee.mainDepartment ?? employee.department[0] ?? null;
      let departmentLeaders: string[] = [];
      if (main !== null) {
        // The department's leader list (WeCom's department_leader), then members flagged as leaders there.
        const result = await tx.execute<{ userid: string }>(sql`
          SELECT leader AS userid FROM (
            SELECT l.leader, l.ord AS position, 0 AS source FROM qw_dept d, unnest(d.leaders) WITH ORDINALITY AS l(leader, ord)
            WHERE d.dept_id = ${main} AND d.is_del = 0
            UNION ALL
            SELECT e.userid, 0, 1 FROM qw_emp e, unnest(e.department, e.is_leader_in_dept) AS m(dept_id, leader)
            WHERE m.dept_id = ${main} AND m.leader = 1 AND e.is_del = 0
          ) leaders ORDER BY source, position, userid`);
        departmentLeaders = [...new Set(result.rows.map((row) => row.userid))];
      }
      return { name: employee.name, directLeaders: employee.directLeader, departmentLeaders };
    },

    /** Names of these employees from the directory. */
    async names(userids: string[], tx: DbOrTx = db): Promise<Map<string, string>> {
      if (!userids.length) return new Map();
      const rows = await tx.select({ userid: qwEmp.userid, name: qwEmp.name }).from(qwEmp).where(inArray(qwEmp.userid, [...new Set(userids)]));
      return new Map(rows.map((row) => [row.userid, row.name]));
    },

    /** Whether the directory reports the employee as departed (left the corp). */
    async hasLeft(userid: string, tx: DbOrTx = db): Promise<boolean> {
      const [row] = await tx.select({ leftAt: qwEmp.leftAt, status: qwEmp.status }).from(qwEmp).where(eq(qwEmp.userid, userid));
      return Boolean(row && (row.leftAt || row.status === 5));
    },

    /**
     * The HR system says these employees left: a pending departure each (shown at once), unless one is open already or
     * WeCom confirmed their departure recently (the announcement is late). Returns the ids created.
     */
    async announce(tx: DbOrTx, userids: string[], source: 'nexus' | 'nexus-dept', now: Date): Promise<number[]> {
      const created: number[] = [];
      const names = await system.names(userids, tx);
      for (const userid of new Set(userids)) {
        const [latest] = await tx.select().from(inheritanceDeparture).where(eq(inheritanceDeparture.userid, userid)).orderBy(desc(inheritanceDeparture.id)).limit(1);
        if (latest && (OPEN.includes(latest.status) || (latest.confirmedAt && now.getTime() - latest.confirmedAt.getTime() < ANNOUNCED_AFTER_MS))) continue;
        const [row] = await tx
          .insert(inheritanceDeparture)
          .values({ userid, employeeName: names.get(userid) ?? '', status: 'pending', announcedBy: source, announcedAt: now, cuser: source, muser: source, ctime: now, mtime: now })
          .onConflictDoNothing()
          .returning({ id: inheritanceDeparture.id });
        if (row) created.push(row.id);
      }
      return created;
    },

    /**
     * WeCom says these employees left (delete_user, or get_unassigned_list): a pending departure becomes queued for the
     * policy; a departure already confirmed (the same one reported again) is left alone; otherwise a new one is queued.
     * Returns the ids queued now.
     */
    async confirm(tx: DbOrTx, departures: Array<{ userid: string; at: Date }>, source: DepartureSource, now: Date): Promise<number[]> {
      const queued: number[] = [];
      const names = await system.names(departures.map((departure) => departure.userid), tx);
      for (const { userid, at } of departures) {
        // Serialises reports of one employee (two callbacks, a callback and the refresh job).
        await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtextextended(${`inheritance-departure:${userid}`}, 0))`);
        const [latest] = await tx.select().from(inheritanceDeparture).where(eq(inheritanceDeparture.userid, userid)).orderBy(desc(inheritanceDeparture.id)).limit(1);
        if (latest?.status === 'pending') {
          await tx
            .update(inheritanceDeparture)
            .set({ status: 'queued', confirmedBy: source, confirmedAt: now, departedAt: at, employeeName: names.get(userid) ?? latest.employeeName, mtime: now, muser: source })
            .where(eq(inheritanceDeparture.id, latest.id));
          queued.push(latest.id);
          continue;
        }
        if (latest && latest.departedAt && Math.abs(latest.departedAt.getTime() - at.getTime()) < SAME_DEPARTURE_MS) continue;
        if (latest && OPEN.includes(latest.status)) continue;
        const [row] = await tx
          .insert(inheritanceDeparture)
          .values({ userid, employeeName: names.get(userid) ?? '', status: 'queued', confirmedBy: source, confirmedAt: now, departedAt: at, cuser: source, muser: source, ctime: now, mtime: now })
          .onConflictDoNothing()
          .returning({ id: inheritanceDeparture.id });
        if (row) queued.push(row.id);
      }
      return queued;
    },

    /** Employees the org mirror saw leave since `since` (WeCom no longer lists them), and when. */
    async recentlyLeft(since: Date): Promise<Array<{ userid: string; at: Date }>> {
      const rows = await db
        .select({ userid: qwEmp.userid, leftAt: qwEmp.leftAt })
        .from(qwEmp)
        .where(sql`${qwEmp.leftAt} >= ${since.toISOString()}::timestamptz`);
      return rows.map((row) => ({ userid: row.userid, at: row.leftAt! }));
    },

    /**
     * Departed employees WeCom's unassigned list reports (the lifecycle module's mirror of get_unassigned_list) who left
     * after `since`, and `others` found another way (departed owners of groups awaiting inheritance, whom the list of
     * customers does not show), with no departure recorded for that time: departures the delete_user callback never brought.
     */
    async unrecordedDepartures(since: Date, others: Array<{ userid: string; at: Date }> = []): Promise<Array<{ userid: string; at: Date; source: 'unassigned' | 'groups' }>> {
      const result = await db.execute<{ userid: string; at: Date | string; listed: boolean }>(sql`
        SELECT f.userid, max(f.at) AS at, bool_or(f.listed) AS listed FROM (
          SELECT u.handover_userid AS userid, u.dimission_time AS at, true AS listed FROM lifecycle_unassigned u
          WHERE u.dimission_time >= ${since.toISOString()}::timestamptz
          UNION ALL
          SELECT o->>'userid', (o->>'at')::timestamptz, false
          FROM jsonb_array_elements(${JSON.stringify(others.map((other) => ({ userid: other.userid, at: other.at.toISOString() })))}::jsonb) o
        ) f
        GROUP BY f.userid
        HAVING NOT EXISTS (
          SELECT 1 FROM inheritance_departure d WHERE d.userid = f.userid
            AND (d.status IN ('queued', 'running') OR d.departed_at > max(f.at) - interval '2 days'))
        ORDER BY 1 LIMIT 100`);
      return result.rows.map((row) => ({ userid: row.userid, at: new Date(row.at), source: row.listed === true ? 'unassigned' : 'groups' }));
    },

    /**
     * Takes a queued departure to run (or one whose run was interrupted before `staleBefore`); undefined when another
     * run has it, or it is not due (`notBefore` in the future).
     */
    async claim(id: number, now: Date, staleBefore: Date): Promise<DepartureRow | undefined> {
      const [row] = await db
        .update(inheritanceDeparture)
        .set({ status: 'running', startedAt: now, attempts: sql`${inheritanceDeparture.attempts} + 1`, mtime: now })
        .where(
          and(
            eq(inheritanceDeparture.id, id),
            sql`(${inheritanceDeparture.status} = 'queued' AND (${inheritanceDeparture.startedAt} IS NULL OR ${inheritanceDeparture.startedAt} <= ${now.toISOString()}::timestamptz)
              OR ${inheritanceDeparture.status} = 'running' AND ${inheritanceDeparture.startedAt} < ${staleBefore.toISOString()}::timestamptz)`,
          ),
        )
        .returning();
      return row;
    },

    /** Departures to run: queued and due, or interrupted. */
    async due(now: Date, staleBefore: Date): Promise<number[]> {
      const rows = await db
        .select({ id: inheritanceDeparture.id })
        .from(inheritanceDeparture)
        .where(
          sql`${inheritanceDeparture.status} = 'queued' AND (${inheritanceDeparture.startedAt} IS NULL OR ${inheritanceDeparture.startedAt} <= ${now.toISOString()}::timestamptz)
            OR ${inheritanceDeparture.status} = 'running' AND ${inheritanceDeparture.startedAt} < ${staleBefore.toISOString()}::timestamptz`,
        )
        .orderBy(inheritanceDeparture.id)
        .limit(100);
      return rows.map((row) => row.id);
    },

    /** The plan, stored before any transfer is asked for: a run interrupted after it repeats the same plan. */
    async savePlan(id: number, mode: InheritanceMode, plan: DeparturePlanEntry[], now: Date): Promise<void> {
      await db.update(inheritanceDeparture).set({ mode, plan, mtime: now }).where(eq(inheritanceDeparture.id, id));
    },

    /** Back to queued, not before `notBefore` (nothing to transfer yet: WeCom's unassigned list may not have it yet). */
    async requeue(id: number, notBefore: Date, now: Date): Promise<void> {
      await db.update(inheritanceDeparture).set({ status: 'queued', startedAt: notBefore, mtime: now }).where(eq(inheritanceDeparture.id, id));
    },

    async finish(
      tx: DbOrTx,
      id: number,
      values: { status: 'transferred' | 'manual'; mode?: InheritanceMode | null; results?: DepartureResult[]; reason?: string | null; reasonParams?: Record<string, unknown> | null },
      now: Date,
    ): Promise<void> {
      await tx
        .update(inheritanceDeparture)
        .set({ ...values, finishedAt: now, mtime: now, muser: 'system' })
        .where(eq(inheritanceDeparture.id, id));
    },

    async departure(id: number): Promise<DepartureRow | undefined> {
      const [row] = await db.select().from(inheritanceDeparture).where(eq(inheritanceDeparture.id, id));
      return row;
    },
  };

  const scoped = {
    async page(viewer: Viewer, query: DeparturePageQuery) {
      const conditions: Array<SQL | undefined> = [
        employeeScope(viewer, sql`${inheritanceDeparture.userid}`),
        query.status ? eq(inheritanceDeparture.status, query.status) : undefined,
        query.userid ? eq(inheritanceDeparture.userid, query.userid) : undefined,
        query.name ? sql`${inheritanceDeparture.employeeName} ILIKE ${contains(query.name)}` : undefined,
      ];
      const where = and(...conditions);
      return paginate(
        query,
        async () => (await db.select({ count: countAll }).from(inheritanceDeparture).where(where))[0].count,
        (limit, offset) => db.select().from(inheritanceDeparture).where(where).orderBy(desc(inheritanceDeparture.id)).limit(limit).offset(offset),
      );
    },

    /** Whether the employee is in the viewer's data scope. */
    async employeeVisible(viewer: Viewer, userid: string): Promise<boolean> {
      const scope = employeeScope(viewer, sql`${userid}`);
      if (!scope) return true;
      const result = await db.execute<{ visible: boolean }>(sql`SELECT ${scope} AS visible`);
      return Boolean(result.rows[0]?.visible);
    },
  };

  return {
    /** Unscoped: jobs, callbacks, the Nexus hook. */
    system: () => system,
    forViewer: (viewer: Viewer) => bindViewer(viewer, scoped),
  };
}

export type InheritanceRepository = ReturnType<typeof createInheritanceRepository>;
