import { sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../platform/db/database.ts';
import { bindViewer, relationScope, type Viewer } from '../../platform/auth/data-scope.ts';
import { whereOf } from './relation-filters.ts';
import type { DailyStat } from './customers.schemas.ts';

type Row = Record<string, unknown>;

/**
 * Per-day figures straight from the relation table, over the corp's days (generate_series in its time
 * zone): a relation is new on the day of its createtime, lost on the day of its lost_at, and alive at a
 * moment when it began before it and had not ended yet. "Alive at the end of each day" is the count alive
 * at the range start plus the running sum of starts minus ends, so the relation table is read three times
 * by index ranges instead of once per day.
 */
export function createCustomerStatsRepository(db: DbOrTx, options: { timeZone: string }) {
  const tz = options.timeZone;
  const scoped = {
    async daily(viewer: Viewer, query: { startDate: string; endDate: string; userIds?: string[] }): Promise<DailyStat[]> {
      const rangeStart = sql`((${query.startDate}::date)::timestamp AT TIME ZONE ${tz})`;
      const rangeEnd = sql`((${query.endDate}::date + 1)::timestamp AT TIME ZONE ${tz})`;
      const base: (SQL | undefined)[] = [
        relationScope(viewer),
        query.userIds?.length ? sql`r.userid IN (${sql.join(query.userIds.map((id) => sql`${id}`), sql`, `)})` : undefined,
      ];
      const result = await db.execute<Row>(sql`
        WITH days AS (
          SELECT d::date AS day FROM generate_series(${query.startDate}::date, ${query.endDate}::date, interval '1 day') AS d
        ), added AS (
          SELECT (r.createtime AT TIME ZONE ${tz})::date AS day, count(*) AS n
          FROM customer_relation r ${whereOf([...base, sql`r.createtime >= ${rangeStart}`, sql`r.createtime < ${rangeEnd}`])}
          GROUP BY 1
        ), ended AS (
          SELECT (r.lost_at AT TIME ZONE ${tz})::date AS day,
                 count(*) AS n,
                 count(*) FILTER (WHERE r.status = 'lost') AS lost,
                 count(*) FILTER (WHERE r.status = 'lost' AND r.lost_by = 'customer') AS by_customer,
                 count(*) FILTER (WHERE r.status = 'lost' AND r.lost_by = 'employee') AS by_employee,
                 count(*) FILTER (WHERE r.status = 'transferred') AS transferred
          FROM customer_relation r ${whereOf([...base, sql`r.lost_at >= ${rangeStart}`, sql`r.lost_at < ${rangeEnd}`])}
          GROUP BY 1
        ), alive_before AS (
          SELECT count(*) AS n FROM customer_relation r
          ${whereOf([...base, sql`r.createtime < ${rangeStart}`, sql`(r.lost_at IS NULL OR r.lost_at >= ${rangeStart})`])}
        )
        SELECT to_char(days.day, 'YYYY-MM-DD') AS date,
               COALESCE(added.n, 0) AS new_count,
               COALESCE(ended.by_customer, 0) AS lost_by_customer,
               COALESCE(ended.by_employee, 0) AS lost_by_employee,
               COALESCE(ended.lost, 0) AS lost_count,
               COALESCE(ended.transferred, 0) AS transferred_count,
               alive_before.n + sum(COALESCE(added.n, 0) - COALESCE(ended.n, 0)) OVER (ORDER BY days.day) AS alive_count
        FROM days
        LEFT JOIN added ON added.day = days.day
        LEFT JOIN ended ON ended.day = days.day
        CROSS JOIN alive_before
        ORDER BY days.day`);
      return result.rows.map((row) => {
        const newCount = Number(row.new_count);
        const lostCount = Number(row.lost_count);
        return {
          date: row.date as string,
          newCount,
          lostByCustomer: Number(row.lost_by_customer),
          lostByEmployee: Number(row.lost_by_employee),
          lostCount,
          netCount: newCount - lostCount,
          transferredCount: Number(row.transferred_count),
          aliveCount: Number(row.alive_count),
        };
      });
    },
  };
  return {
    /** The figures one caller may see: every count applies their data scope. */
    forViewer: (viewer: Viewer) => bindViewer(viewer, scoped),
  };
}

export type CustomerStatsRepository = ReturnType<typeof createCustomerStatsRepository>;
