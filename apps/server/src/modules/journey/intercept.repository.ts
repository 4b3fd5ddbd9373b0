// Chat sensitive-word rules: SCRM's copy of WeCom's rules. A rule is corp configuration (WeCom's admin console shows
// every rule to its administrators), so reading is by the menu permission alone; what a caller may put in a rule's
// range is scoped: `forViewer(viewer).employeesInScope` says which employees the caller may add or remove.
// `system` methods are for the sync from WeCom and the service's own bookkeeping.
import { desc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../platform/db/database.ts';
import { contains, countAll, paginate, whereOf } from '../../platform/db/paging.ts';
import { bindViewer, employeeScope, type Viewer } from '../../platform/auth/data-scope.ts';
import type { Page } from '../../platform/http/schemas.ts';
import { qwDept, qwEmp } from '../../db/schema/wecom.ts';
import { interceptRule } from '../../db/schema/wecom-config.ts';
import type { InterceptPageQuery } from './intercept.schemas.ts';

export type InterceptRow = typeof interceptRule.$inferSelect;
export type InterceptValues = Omit<typeof interceptRule.$inferInsert, 'id' | 'ctime' | 'cuser'>;

const textArray = (values: string[]) => sql`ARRAY[${sql.join(values.map((value) => sql`${value}`), sql`, `)}]::text[]`;

export function createInterceptRepository(db: Db) {
  const scoped = {
    /** Which of these employees the viewer's data scope covers. */
    async employeesInScope(viewer: Viewer, userids: string[]): Promise<Set<string>> {
      if (!userids.length) return new Set();
      const result = await db.execute<{ userid: string }>(sql`SELECT u.userid FROM unnest(${textArray(userids)}) AS u(userid) ${whereOf([employeeScope(viewer, sql`u.userid`)])}`);
      return new Set(result.rows.map((row) => row.userid));
    },
  };

  return {
    forViewer: (viewer: Viewer) => bindViewer(viewer, scoped),

    async page(query: InterceptPageQuery): Promise<Page<InterceptRow>> {
      const where: SQL | undefined = query.name ? sql`(${interceptRule.name} ILIKE ${contains(query.name)} OR ${interceptRule.words}::text ILIKE ${contains(query.name)})` : undefined;
      return paginate(
        query,
        async () => (await db.select({ count: countAll }).from(interceptRule).where(where))[0].count,
        (limit, offset) => db.select().from(interceptRule).where(where).orderBy(desc(interceptRule.id)).limit(limit).offset(offset),
      );
    },

    async find(id: number, tx: DbOrTx = db): Promise<InterceptRow | undefined> {
      const [row] = await tx.select().from(interceptRule).where(eq(interceptRule.id, id));
      return row;
    },

    async findMany(ids: number[]): Promise<InterceptRow[]> {
      return ids.length ? db.select().from(interceptRule).where(inArray(interceptRule.id, ids)) : [];
    },

    async findByName(name: string): Promise<InterceptRow | undefined> {
      const [row] = await db.select().from(interceptRule).where(eq(interceptRule.name, name));
      return row;
    },

    async all(tx: DbOrTx = db): Promise<InterceptRow[]> {
      return tx.select().from(interceptRule);
    },

    async count(): Promise<number> {
      return (await db.select({ count: countAll }).from(interceptRule))[0].count;
    },

    /** A new rule; if a sync running at the same moment already copied it from WeCom, that copy becomes this one. */
    async insert(tx: DbOrTx, values: InterceptValues & { cuser: string }): Promise<InterceptRow> {
      const [row] = await tx.insert(interceptRule).values(values).onConflictDoUpdate({ target: interceptRule.ruleId, set: values }).returning();
      return row;
    },

    async update(tx: DbOrTx, id: number, values: Partial<InterceptValues>): Promise<InterceptRow> {
      const [row] = await tx.update(interceptRule).set(values).where(eq(interceptRule.id, id)).returning();
      return row;
    },

    async remove(tx: DbOrTx, ids: number[]): Promise<void> {
      if (ids.length) await tx.delete(interceptRule).where(inArray(interceptRule.id, ids));
    },

    /** Employees by userid from the directory (any state), with whether they are still active. */
    async employees(userids: string[]): Promise<Map<string, { name: string; active: boolean }>> {
      if (!userids.length) return new Map();
      const rows = await db
        .select({ userid: qwEmp.userid, name: qwEmp.name, active: sql<boolean>`(${qwEmp.isDel} = 0 AND ${qwEmp.leftAt} IS NULL AND ${qwEmp.status} <> 5)` })
        .from(qwEmp)
        .where(inArray(qwEmp.userid, [...new Set(userids)]));
      return new Map(rows.map((row) => [row.userid, { name: row.name, active: row.active }]));
    },

    /** Live departments by WeCom id, with names. */
    async departments(deptIds: number[]): Promise<Map<number, string>> {
      if (!deptIds.length) return new Map();
      const rows = await db.select({ deptId: qwDept.deptId, name: qwDept.name }).from(qwDept).where(sql`${inArray(qwDept.deptId, [...new Set(deptIds)])} AND ${qwDept.isDel} = 0`);
      return new Map(rows.map((row) => [row.deptId, row.name]));
    },
  };
}

export type InterceptRepository = ReturnType<typeof createInterceptRepository>;
