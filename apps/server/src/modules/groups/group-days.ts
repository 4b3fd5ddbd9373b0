// Days in the corp's time zone (Asia/Shanghai by default): "today", day ranges and the SQL bounds of days.
import { sql, type SQL } from 'drizzle-orm';
import { lowerBound, upperBoundCondition } from '../../platform/db/time-range.ts';

/** `YYYY-MM-DD` of an instant in a time zone. */
export function dayOf(instantMs: number, timeZone: string): string {
  return new Intl.DateTimeFormat('sv-SE', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(instantMs));
}

/** Every day from `start` to `end` (inclusive), as `YYYY-MM-DD`. */
export function daysBetween(start: string, end: string): string[] {
  const days: string[] = [];
  for (let time = Date.parse(`${start}T00:00:00Z`), last = Date.parse(`${end}T00:00:00Z`); time <= last; time += 86_400_000) {
    days.push(new Date(time).toISOString().slice(0, 10));
  }
  return days;
}

/** The first instant of a day in the time zone. */
export const startOfDay = (day: string, timeZone: string): SQL => sql`((${day}::date)::timestamp AT TIME ZONE ${timeZone})`;

/** The first instant after a day in the time zone. */
export const endOfDay = (day: string, timeZone: string): SQL => sql`((${day}::date + 1)::timestamp AT TIME ZONE ${timeZone})`;

/** `column >=` the start of a day, or an exact time. */
export const atOrAfter = (column: SQL, value: string, timeZone: string): SQL => sql`${column} >= ${lowerBound(value, timeZone)}`;

/** `column <` the end of a day, or `<=` an exact time. */
export const atOrBefore = upperBoundCondition;

/** The day (in the time zone) of a timestamptz column, as `YYYY-MM-DD` text. */
export const dayOfColumn = (column: SQL, timeZone: string): SQL => sql`to_char(${column} AT TIME ZONE ${timeZone}, 'YYYY-MM-DD')`;
