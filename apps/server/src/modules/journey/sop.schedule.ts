// When SOP steps are due and when recurrences occur, in the corp time zone: pure functions of instants.
import type { SopStep, SopTrigger } from '../../db/schema/sop.ts';
import { localTime, nextLocalMidnight } from '../../platform/local-time.ts';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const UNIT_MS = { minute: MINUTE_MS, hour: 60 * MINUTE_MS, day: DAY_MS } as const;
/** How far back a recurrence is looked for (a monthly one missed for a month is still found). */
const LOOKBACK_DAYS = 62;

const minutesOf = (time: string) => Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));

/** `day` (YYYY-MM-DD) plus `days`. */
export function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** The instant a wall clock in `timeZone` reads `day` at `minuteOfDay`. */
export function zonedInstant(day: string, minuteOfDay: number, timeZone: string): Date {
  const wall = Date.parse(`${day}T00:00:00Z`) + minuteOfDay * MINUTE_MS;
  let guess = wall;
  // Two corrections settle any fixed or daylight-saving offset.
  for (let i = 0; i < 2; i++) {
    const local = localTime(new Date(guess), timeZone);
    const read = Date.parse(`${local.day}T00:00:00Z`) + local.minuteOfDay * MINUTE_MS;
    guess += wall - read;
  }
  return new Date(guess - (guess % MINUTE_MS));
}

/** When a step started at `triggeredAt` is due: after N minutes/hours/days, or on day N (1 = the trigger's day) at a time. */
export function stepDueAt(triggeredAt: Date, when: SopStep['when'], timeZone: string): Date {
  if (when.type === 'after') return new Date(triggeredAt.getTime() + when.amount * UNIT_MS[when.unit]);
  const day = addDays(localTime(triggeredAt, timeZone).day, when.day - 1);
  return zonedInstant(day, minutesOf(when.time), timeZone);
}

/** When a task due at `dueAt` becomes overdue: after the rule's minutes, else at the end of its due day. */
export function overdueAtOf(dueAt: Date, overdueMinutes: number | null, timeZone: string): Date {
  return overdueMinutes ? new Date(dueAt.getTime() + overdueMinutes * MINUTE_MS) : nextLocalMidnight(dueAt, timeZone);
}

/** ISO weekday of a YYYY-MM-DD day: 1 Monday … 7 Sunday. */
const weekdayOf = (day: string) => ((new Date(`${day}T00:00:00Z`).getUTCDay() + 6) % 7) + 1;
const lastDayOfMonth = (day: string) => new Date(Date.UTC(Number(day.slice(0, 4)), Number(day.slice(5, 7)), 0)).getUTCDate();

/** Whether a recurrence occurs on `day`. */
function occursOn(trigger: Extract<SopTrigger, { type: 'recurrence' }>, day: string): boolean {
  if (trigger.every === 'daily') return true;
  if (trigger.every === 'weekly') return (trigger.weekDays?.length ? trigger.weekDays : [1]).includes(weekdayOf(day));
  const wanted = Math.min(trigger.monthDay ?? 1, lastDayOfMonth(day));
  return Number(day.slice(8, 10)) === wanted;
}

/**
 * The latest occurrence of a date or recurrence trigger at or before `now`, or null. Only the latest: a recurrence
 * missed for several periods (the server was down) is one occurrence, not one per period.
 */
export function latestOccurrence(trigger: SopTrigger, now: Date, timeZone: string): Date | null {
  if (trigger.type === 'date') {
    const at = new Date(trigger.at);
    return at.getTime() <= now.getTime() ? at : null;
  }
  if (trigger.type !== 'recurrence') return null;
  const today = localTime(now, timeZone).day;
  for (let back = 0; back <= LOOKBACK_DAYS; back++) {
    const day = addDays(today, -back);
    if (!occursOn(trigger, day)) continue;
    const at = zonedInstant(day, minutesOf(trigger.time), timeZone);
    if (at.getTime() <= now.getTime()) return at;
  }
  return null;
}
