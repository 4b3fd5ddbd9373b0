import { and, asc, desc, eq, inArray, isNotNull, lte, sql, type SQL } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../platform/db/database.ts';
import { contains, paginate } from '../../platform/db/paging.ts';
import { bindViewer, employeeScope, type Viewer } from '../../platform/auth/data-scope.ts';
import type { Page } from '../../platform/http/schemas.ts';
import { sopCursor, sopEnrollment, sopRule, sopTask, type SopKind, type SopTaskState } from '../../db/schema/sop.ts';
import type { SopPageQuery, SopStatBody, SopTaskPageQuery } from './sop.schemas.ts';
import { notDeleted } from '../../platform/db/prepared.ts';

export type SopRuleRow = typeof sopRule.$inferSelect;
export type SopEnrollmentRow = typeof sopEnrollment.$inferSelect;
export type SopTaskRow = typeof sopTask.$inferSelect;
/** A task with the names an operator reads (employee, customer, group). */
export type SopTaskNamed = SopTaskRow & { employeeName: string | null; customerName: string | null; groupName: string | null };

const TIMELINE_CURSOR = 'timeline';
const num = (value: unknown) => Number(value ?? 0);

/** Task counts by state (SQL aggregates over sop_task t). */
const COMPLETION = sql`count(*)::int AS total,
  count(*) FILTER (WHERE t.state = 'done')::int AS done,
  count(*) FILTER (WHERE t.state = 'pending')::int AS pending,
  count(*) FILTER (WHERE t.state = 'overdue')::int AS overdue`;

/**
 * SOP rules, enrollments and tasks. Rules are configuration (any holder of the permission sees them); tasks are
 * read for a viewer (`forViewer`: the tasks of employees in their data scope) or for one employee (`ownTasks`:
 * 我的待办); the evaluator writes through the unscoped methods (`system`).
 */
export function createSopRepository(db: Db) {
  /** Tasks with names: the employee (the directory), the customer and the group (names only, for display). */
  const TASK_SELECT = sql`SELECT t.*, e.name AS employee_name, c.name AS customer_name, g.name AS group_name
    FROM sop_task t
    LEFT JOIN qw_emp e ON e.userid = t.userid
    LEFT JOIN customer c ON c.external_userid = t.external_userid
    LEFT JOIN group_chat g ON g.chat_id = t.chat_id`;

  const toTask = (row: Record<string, unknown>): SopTaskNamed => ({
    id: num(row.id),
    ruleId: num(row.rule_id),
    kind: row.kind as SopKind,
    enrollmentId: num(row.enrollment_id),
    stepId: row.step_id as string,
    subjectKey: row.subject_key as string,
    occurrence: row.occurrence as string,
    externalUserid: (row.external_userid as string | null) ?? null,
    chatId: (row.chat_id as string | null) ?? null,
    userid: row.userid as string,
    ruleName: row.rule_name as string,
    stepName: row.step_name as string,
    text: row.text as string,
    mediaIds: (row.media_ids as number[]) ?? [],
    dueAt: new Date(row.due_at as string),
    overdueAt: new Date(row.overdue_at as string),
    state: row.state as SopTaskState,
    doneAt: row.done_at ? new Date(row.done_at as string) : null,
    doneBy: (row.done_by as string | null) ?? null,
    ctime: new Date(row.ctime as string),
    employeeName: (row.employee_name as string | null) ?? null,
    customerName: (row.customer_name as string | null) ?? null,
    groupName: (row.group_name as string | null) ?? null,
  });

  const where = (parts: (SQL | undefined)[]) => {
    const present = parts.filter((part): part is SQL => part !== undefined);
    return present.length ? sql`WHERE ${sql.join(present, sql` AND `)}` : sql``;
  };

  function taskConditions(kind: SopKind, query: Omit<SopTaskPageQuery, 'pageNum' | 'pageSize'>): SQL[] {
    return [
      sql`t.kind = ${kind}`,
      query.ruleId ? sql`t.rule_id = ${query.ruleId}` : undefined,
      query.userIds?.length ? sql`t.userid IN (${sql.join(query.userIds.map((id) => sql`${id}`), sql`, `)})` : undefined,
      query.state ? sql`t.state = ${query.state}` : undefined,
      query.dueStart ? sql`t.due_at >= ${query.dueStart.toISOString()}::timestamptz` : undefined,
      query.dueEnd ? sql`t.due_at <= ${query.dueEnd.toISOString()}::timestamptz` : undefined,
    ].filter((part): part is SQL => part !== undefined);
  }

  async function taskPage(conditions: SQL[], query: { pageNum: number; pageSize: number }, order: SQL = sql`t.due_at DESC, t.id DESC`): Promise<Page<SopTaskNamed>> {
    return paginate(
      query,
      async () => num((await db.execute<{ count: number }>(sql`SELECT count(*)::int AS count FROM sop_task t ${where(conditions)}`)).rows[0].count),
      async (limit, offset) => (await db.execute(sql`${TASK_SELECT} ${where(conditions)} ORDER BY ${order} LIMIT ${limit} OFFSET ${offset}`)).rows.map(toTask),
    );
  }

  /** Read and changed for a viewer: tasks of employees in the viewer's data scope. */
  const scoped = {
    /** Of these employees, those in the viewer's data scope (an SOP reaches only employees its author may see). */
    async employeesInScope(viewer: Viewer, userids: string[]): Promise<Set<string>> {
      if (!userids.length) return new Set();
      const found = await db.execute<{ userid: string }>(
        sql`SELECT u.userid FROM unnest(${sql`ARRAY[${sql.join(userids.map((userid) => sql`${userid}`), sql`, `)}]::text[]`}) AS u(userid) WHERE ${employeeScope(viewer, sql`u.userid`) ?? sql`true`}`,
      );
      return new Set(found.rows.map((row) => row.userid));
    },

    async pageTasks(viewer: Viewer, kind: SopKind, query: SopTaskPageQuery): Promise<Page<SopTaskNamed>> {
      return taskPage([...taskConditions(kind, query), employeeScope(viewer, sql`t.userid`)].filter((part): part is SQL => part !== undefined), query);
    },

    /** Marks tasks done (pending or overdue ones in scope); the rows changed. */
    async markDone(viewer: Viewer, kind: SopKind, ids: number[], actor: string, at: Date, tx: DbOrTx = db): Promise<SopTaskRow[]> {
      const conditions = [sql`t.kind = ${kind}`, sql`t.id IN (${sql.join(ids.map((id) => sql`${id}`), sql`, `)})`, employeeScope(viewer, sql`t.userid`)];
      return markDoneWhere(tx, conditions, actor, at);
    },

    /** Of these ids, the tasks in scope already done. */
    async doneIds(viewer: Viewer, kind: SopKind, ids: number[], tx: DbOrTx = db): Promise<Set<number>> {
      const conditions = [sql`t.kind = ${kind}`, sql`t.state = 'done'`, sql`t.id IN (${sql.join(ids.map((id) => sql`${id}`), sql`, `)})`, employeeScope(viewer, sql`t.userid`)];
      return new Set((await tx.execute(sql`SELECT t.id FROM sop_task t ${where(conditions)}`)).rows.map((row) => num(row.id)));
    },

    /** Completion per SOP and per employee (tasks in scope). */
    async stat(viewer: Viewer, kind: SopKind, body: SopStatBody) {
      const conditions = where([...taskConditions(kind, body), employeeScope(viewer, sql`t.userid`)]);
      const [totals, bySop, byEmployee] = await Promise.all([
        db.execute(sql`SELECT ${COMPLETION} FROM sop_task t ${conditions}`),
        db.execute(sql`SELECT t.rule_id, max(r.name) AS name, ${COMPLETION} FROM sop_task t JOIN sop_rule r ON r.id = t.rule_id ${conditions} GROUP BY t.rule_id ORDER BY t.rule_id`),
        db.execute(sql`SELECT t.userid, max(e.name) AS name, ${COMPLETION} FROM sop_task t LEFT JOIN qw_emp e ON e.userid = t.userid ${conditions} GROUP BY t.userid ORDER BY total DESC, t.userid`),
      ]);
      return { totals: totals.rows[0], bySop: bySop.rows, byEmployee: byEmployee.rows };
    },

    /** Task counts per rule (in scope), for the rule list. */
    async countsByRule(viewer: Viewer, ruleIds: number[]): Promise<Map<number, { total: number; done: number; pending: number; overdue: number }>> {
      if (!ruleIds.length) return new Map();
      const conditions = where([sql`t.rule_id IN (${sql.join(ruleIds.map((id) => sql`${id}`), sql`, `)})`, employeeScope(viewer, sql`t.userid`)]);
      const rows = (await db.execute(sql`SELECT t.rule_id, ${COMPLETION} FROM sop_task t ${conditions} GROUP BY t.rule_id`)).rows;
      return new Map(rows.map((row) => [num(row.rule_id), { total: num(row.total), done: num(row.done), pending: num(row.pending), overdue: num(row.overdue) }]));
    },
  };

  async function markDoneWhere(tx: DbOrTx, conditions: (SQL | undefined)[], actor: string, at: Date): Promise<SopTaskRow[]> {
    const result = await tx.execute(sql`UPDATE sop_task t SET state = 'done', done_at = ${at.toISOString()}::timestamptz, done_by = ${actor}
      ${where([...conditions, sql`t.state IN ('pending', 'overdue')`])} RETURNING t.*`);
    return result.rows.map((row) => toTask(row));
  }

  return {
    forViewer: (viewer: Viewer) => bindViewer(viewer, scoped),

    /** 我的待办: one employee's own tasks (by their WeCom userid), never anyone else's. */
    own: (userid: string) => ({
      page: (conditions: SQL[], query: { pageNum: number; pageSize: number }, order?: SQL) => taskPage([sql`t.userid = ${userid}`, ...conditions], query, order),
      markDone: (tx: DbOrTx, ids: number[], actor: string, at: Date) =>
        markDoneWhere(tx, [sql`t.userid = ${userid}`, sql`t.id IN (${sql.join(ids.map((id) => sql`${id}`), sql`, `)})`], actor, at),
    }),

    rules: {
      async insert(tx: DbOrTx, values: typeof sopRule.$inferInsert): Promise<SopRuleRow> {
        const [row] = await tx.insert(sopRule).values(values).returning();
        return row;
      },
      async update(tx: DbOrTx, id: number, kind: SopKind, values: Partial<typeof sopRule.$inferInsert>): Promise<SopRuleRow | undefined> {
        const [row] = await tx.update(sopRule).set(values).where(and(eq(sopRule.id, id), eq(sopRule.kind, kind), notDeleted(sopRule))).returning();
        return row;
      },
      async get(id: number, kind: SopKind, tx: DbOrTx = db): Promise<SopRuleRow | undefined> {
        const [row] = await tx.select().from(sopRule).where(and(eq(sopRule.id, id), eq(sopRule.kind, kind), notDeleted(sopRule)));
        return row;
      },
      async page(kind: SopKind, query: SopPageQuery): Promise<Page<SopRuleRow>> {
        const conditions = and(
          eq(sopRule.kind, kind),
          notDeleted(sopRule),
          query.name ? sql`${sopRule.name} ILIKE ${contains(query.name)}` : undefined,
          query.enabled === undefined ? undefined : eq(sopRule.enabled, query.enabled),
        );
        return paginate(
          query,
          async () => (await db.select({ count: sql<number>`count(*)::int` }).from(sopRule).where(conditions))[0].count,
          (limit, offset) => db.select().from(sopRule).where(conditions).orderBy(desc(sopRule.id)).limit(limit).offset(offset),
        );
      },
      /** Soft-deletes rules of a kind; their pending enrollments end (no more tasks). */
      async delete(tx: DbOrTx, kind: SopKind, ids: number[], actor: string, at: Date): Promise<number> {
        const rows = await tx.update(sopRule).set({ isDel: 1, enabled: false, mtime: at, muser: actor }).where(and(inArray(sopRule.id, ids), eq(sopRule.kind, kind), notDeleted(sopRule))).returning({ id: sopRule.id });
        if (rows.length) await tx.update(sopEnrollment).set({ nextDueAt: null, endedAt: at }).where(and(inArray(sopEnrollment.ruleId, rows.map((row) => row.id)), isNotNull(sopEnrollment.nextDueAt)));
        return rows.length;
      },
    },

    /** Unscoped, for the evaluator job only. */
    system: {
      async enabledRules(tx: DbOrTx = db): Promise<SopRuleRow[]> {
        return tx.select().from(sopRule).where(and(eq(sopRule.enabled, true), notDeleted(sopRule))).orderBy(asc(sopRule.id));
      },
      async rulesByIds(tx: DbOrTx, ids: number[]): Promise<SopRuleRow[]> {
        if (!ids.length) return [];
        return tx.select().from(sopRule).where(inArray(sopRule.id, ids));
      },
      /** Marks a rule's occurrence enrolled; false when another run already enrolled it (or a later one). */
      async claimOccurrence(tx: DbOrTx, ruleId: number, occurrence: Date): Promise<boolean> {
        const rows = await tx
          .update(sopRule)
          .set({ lastOccurrenceAt: occurrence })
          .where(and(eq(sopRule.id, ruleId), sql`(${sopRule.lastOccurrenceAt} IS NULL OR ${sopRule.lastOccurrenceAt} < ${occurrence.toISOString()}::timestamptz)`))
          .returning({ id: sopRule.id });
        return rows.length > 0;
      },
      async enroll(tx: DbOrTx, rows: Array<typeof sopEnrollment.$inferInsert>): Promise<number> {
        if (!rows.length) return 0;
        let added = 0;
        for (let i = 0; i < rows.length; i += 500) {
          added += (await tx.insert(sopEnrollment).values(rows.slice(i, i + 500)).onConflictDoNothing().returning({ id: sopEnrollment.id })).length;
        }
        return added;
      },
      /** Enrollments with a step due by `now`, locked for this run (other replicas skip them). */
      async dueEnrollments(tx: DbOrTx, now: Date, limit: number): Promise<SopEnrollmentRow[]> {
        return tx.select().from(sopEnrollment).where(lte(sopEnrollment.nextDueAt, now)).orderBy(asc(sopEnrollment.nextDueAt), asc(sopEnrollment.id)).limit(limit).for('update', { skipLocked: true });
      },
      async setNextDue(tx: DbOrTx, id: number, nextDueAt: Date | null): Promise<void> {
        await tx.update(sopEnrollment).set({ nextDueAt }).where(eq(sopEnrollment.id, id));
      },
      /** The relation ended: its customer SOPs stop (no more tasks). */
      async endCustomerEnrollments(tx: DbOrTx, externalUserid: string, userid: string, at: Date): Promise<void> {
        await tx
          .update(sopEnrollment)
          .set({ nextDueAt: null, endedAt: at })
          .where(and(eq(sopEnrollment.externalUserid, externalUserid), eq(sopEnrollment.userid, userid), isNotNull(sopEnrollment.nextDueAt), sql`${sopEnrollment.triggeredAt} <= ${at.toISOString()}::timestamptz`));
      },
      /**
       * A customer's relation or a group changed hands (a settled transfer): the open enrollments and the open (pending
       * or overdue) tasks of `from` for it become `to`'s, due and overdue times and state kept; the tasks moved. Done
       * tasks stay with who did them. Enrollments first: one the evaluator is making tasks of is locked, so this waits
       * for its commit and the task statement below then sees (and moves) what it made.
       */
      async reassignOpen(tx: DbOrTx, subject: { kind: SopKind; externalUserid?: string; chatId?: string }, from: string, to: string): Promise<SopTaskRow[]> {
        const customer = subject.kind === 'customer';
        const target = customer ? sql`external_userid = ${subject.externalUserid ?? ''} AND chat_id IS NULL` : sql`chat_id = ${subject.chatId ?? ''}`;
        await tx.execute(sql`UPDATE sop_enrollment SET userid = ${to} WHERE ${target} AND userid = ${from} AND next_due_at IS NOT NULL`);
        const moved = await tx.execute(sql`UPDATE sop_task SET userid = ${to}
          WHERE kind = ${subject.kind} AND ${target} AND userid = ${from} AND state IN ('pending', 'overdue') RETURNING *`);
        return moved.rows.map((row) => toTask(row));
      },
      /** Rule edited: its open enrollments are looked at again on the next run (their steps may have changed). */
      async revisit(tx: DbOrTx, ruleId: number): Promise<void> {
        await tx.update(sopEnrollment).set({ nextDueAt: sopEnrollment.triggeredAt }).where(and(eq(sopEnrollment.ruleId, ruleId), isNotNull(sopEnrollment.nextDueAt)));
      },
      async stepIdsWithTasks(tx: DbOrTx, enrollmentId: number): Promise<Set<string>> {
        const rows = await tx.select({ stepId: sopTask.stepId }).from(sopTask).where(eq(sopTask.enrollmentId, enrollmentId));
        return new Set(rows.map((row) => row.stepId));
      },
      /** Inserts tasks; the ones that are new (a task already made is never made again). */
      async insertTasks(tx: DbOrTx, rows: Array<typeof sopTask.$inferInsert>): Promise<SopTaskRow[]> {
        if (!rows.length) return [];
        return tx.insert(sopTask).values(rows).onConflictDoNothing().returning();
      },
      /** Employees' names from the directory (in the caller's transaction). */
      async employeeNames(tx: DbOrTx, userids: string[]): Promise<Map<string, string>> {
        if (!userids.length) return new Map();
        const rows = await tx.execute<{ userid: string; name: string }>(sql`SELECT userid, name FROM qw_emp WHERE userid IN (${sql.join(userids.map((id) => sql`${id}`), sql`, `)})`);
        return new Map(rows.rows.map((row) => [row.userid, row.name]));
      },
      /** Tasks with their names (in the caller's transaction). */
      async namedTasks(tx: DbOrTx, ids: number[]): Promise<SopTaskNamed[]> {
        if (!ids.length) return [];
        return (await tx.execute(sql`${TASK_SELECT} WHERE t.id IN (${sql.join(ids.map((id) => sql`${id}`), sql`, `)}) ORDER BY t.id`)).rows.map(toTask);
      },
      /** Pending tasks late by now become overdue; the rows changed. */
      async markOverdue(tx: DbOrTx, now: Date, limit = 5000): Promise<SopTaskRow[]> {
        const result = await tx.execute(sql`UPDATE sop_task t SET state = 'overdue' WHERE t.id IN (
          SELECT id FROM sop_task WHERE state = 'pending' AND overdue_at <= ${now.toISOString()}::timestamptz ORDER BY id LIMIT ${limit} FOR UPDATE SKIP LOCKED) RETURNING t.*`);
        return result.rows.map((row) => toTask(row));
      },
      async cursor(tx: DbOrTx): Promise<number> {
        await tx.insert(sopCursor).values({ name: TIMELINE_CURSOR, eventId: 0 }).onConflictDoNothing();
        const [row] = await tx.select().from(sopCursor).where(eq(sopCursor.name, TIMELINE_CURSOR)).for('update');
        return row.eventId;
      },
      /**
       * Moves the cursor up to `upTo` but not past any event younger than `settleSeconds` (database time): an event of a
       * transaction still open may yet appear below a younger one's id, so recent events are read again next time.
       */
      async advanceCursor(tx: DbOrTx, from: number, upTo: number, settleSeconds: number): Promise<void> {
        const result = await tx.execute<{ settled: number | null }>(sql`SELECT COALESCE(
          (SELECT min(id) - 1 FROM customer_event WHERE id > ${from} AND id <= ${upTo} AND ctime > now() - make_interval(secs => ${settleSeconds})),
          ${upTo})::bigint AS settled`);
        const settled = Math.max(from, num(result.rows[0].settled));
        await tx.update(sopCursor).set({ eventId: settled, mtime: sql`now()` }).where(eq(sopCursor.name, TIMELINE_CURSOR));
      },
    },
  };
}

export type SopRepository = ReturnType<typeof createSopRepository>;
