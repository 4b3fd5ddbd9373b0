// Time-range filters from the console: a date (YYYY-MM-DD) means a whole day in the corp's time zone,
// anything else an exact time.
import { sql, type SQL } from 'drizzle-orm';

const isDay = (value: string) => /^\d{4}-\d{2}-\d{2}$/.test(value);

/** The start of a day in the corp's time zone, or an exact time. */
export const lowerBound = (value: string, timeZone: string): SQL =>
  isDay(value) ? sql`((${value}::date)::timestamp AT TIME ZONE ${timeZone})` : sql`${value}::timestamptz`;

/** `column <= time`, or `column <` the end of the day for a date. */
export const upperBoundCondition = (column: SQL, value: string, timeZone: string): SQL =>
  isDay(value) ? sql`${column} < ((${value}::date + 1)::timestamp AT TIME ZONE ${timeZone})` : sql`${column} <= ${value}::timestamptz`;

