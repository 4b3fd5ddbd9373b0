import { localTime } from '../local-time.ts';

/**
 * Cron expressions (five fields: minute hour day-of-month month day-of-week) read once and matched against a minute
 * of wall-clock time. pg-boss 10 checks its schedules every 30 s with cron-parser over luxon, whose `prev()` steps a
 * time-zoned date field by field: 33–61 ms of the event loop for our ten schedules per check (85–370 ms on a busy 2-core
 * host): a stall every half minute on the replica that checks, and at every start. Matching the current minute
 * takes microseconds.
 */
export interface CronSchedule {
  minutes: boolean[];
  hours: boolean[];
  days: boolean[];
  months: boolean[];
  weekdays: boolean[];
  /** Whether day-of-month / day-of-week allow every value: when both are restricted, either one matching is enough. */
  everyDay: boolean;
  everyWeekday: boolean;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/** One field: `*`, `?`, `n`, `a-b`, each with an optional `/step`, comma-separated; names for months and weekdays. */
function parseField(text: string, min: number, max: number, what: string, names?: string[]): boolean[] {
  const allowed = new Array<boolean>(max + 1).fill(false);
  const value = (token: string) => {
    const named = names?.indexOf(token.toLowerCase()) ?? -1;
    const number = named >= 0 ? named + (names === MONTHS ? 1 : 0) : /^\d+$/.test(token) ? Number(token) : NaN;
    if (!(number >= min && number <= max)) throw new RangeError(`cron ${what}: ${token} is not in ${min}–${max}`);
    return number;
  };
  for (const item of text.split(',')) {
    const match = /^(\*|\?|(\w+)(?:-(\w+))?)(?:\/(\d+))?$/.exec(item);
    if (!match) throw new RangeError(`cron ${what}: cannot read "${item}"`);
    const [, , start, end, stepText] = match;
    const from = start === undefined ? min : value(start);
    // `a/n` runs from a to the field's end, as in cron-parser.
    const to = start === undefined ? max : end !== undefined ? value(end) : stepText !== undefined ? max : from;
    const step = stepText === undefined ? 1 : Number(stepText);
    if (step < 1 || from > to) throw new RangeError(`cron ${what}: "${item}" is empty`);
    for (let n = from; n <= to; n += step) allowed[n] = true;
  }
  return allowed;
}

const every = (allowed: boolean[], min: number, max: number) => allowed.slice(min, max + 1).every(Boolean);

export function parseCron(expression: string): CronSchedule {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5) throw new RangeError(`cron "${expression}": five fields (minute hour day month weekday)`);
  const weekdays = parseField(fields[4], 0, 7, 'weekday', WEEKDAYS);
  if (weekdays[7]) weekdays[0] = true; // 7 is Sunday too
  weekdays.length = 7;
  const days = parseField(fields[2], 1, 31, 'day of month');
  return {
    minutes: parseField(fields[0], 0, 59, 'minute'),
    hours: parseField(fields[1], 0, 23, 'hour'),
    days,
    months: parseField(fields[3], 1, 12, 'month', MONTHS),
    weekdays,
    everyDay: every(days, 1, 31),
    everyWeekday: every(weekdays, 0, 6),
  };
}

/** Whether the schedule names a minute of a local day (YYYY-MM-DD, minutes since midnight). */
function namesMinute(schedule: CronSchedule, day: string, minuteOfDay: number): boolean {
  if (!schedule.minutes[minuteOfDay % 60] || !schedule.hours[Math.floor(minuteOfDay / 60)]) return false;
  const [year, month, dayOfMonth] = day.split('-').map(Number);
  if (!schedule.months[month]) return false;
  const dayMatches = schedule.days[dayOfMonth];
  const weekdayMatches = schedule.weekdays[new Date(Date.UTC(year, month - 1, dayOfMonth)).getUTCDay()];
  // Classic cron: with both day fields restricted, either may match; otherwise the restricted one must.
  return !schedule.everyDay && !schedule.everyWeekday ? dayMatches || weekdayMatches : dayMatches && weekdayMatches;
}

/**
 * Whether the schedule fires in the minute holding `instant`, read on the wall clock of `timeZone` — pg-boss's rule
 * (its last firing time is less than 60 s before the check) put in other words. A minute skipped by a clock put
 * forward (daylight saving) fires in the minute after the gap, as it does with pg-boss.
 */
export function firesInMinuteOf(schedule: CronSchedule, instant: Date, timeZone: string): boolean {
  const now = localTime(instant, timeZone);
  if (namesMinute(schedule, now.day, now.minuteOfDay)) return true;
  const before = localTime(new Date(instant.getTime() - 60_000), timeZone);
  if (before.day === now.day) return gapNamed(schedule, now.day, before.minuteOfDay, now.minuteOfDay);
  // Across midnight: the rest of the day before, then the new day's minutes up to now (a clock put back: none).
  return before.day < now.day && (gapNamed(schedule, before.day, before.minuteOfDay, 1440) || gapNamed(schedule, now.day, -1, now.minuteOfDay));
}

/** Whether a minute strictly between two local minutes of a day is named (none when they are a minute apart). */
function gapNamed(schedule: CronSchedule, day: string, after: number, before: number): boolean {
  for (let minute = after + 1; minute < before; minute++) if (namesMinute(schedule, day, minute)) return true;
  return false;
}
