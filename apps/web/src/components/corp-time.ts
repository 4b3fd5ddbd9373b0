import dayjs, { type Dayjs } from 'dayjs';

/**
 * The corp's wall clock. Schedules and calendar days are the corp's (the server's TZ_DEFAULT, sent with the
 * current user), not the browser's: an operator travelling or on a machine set to UTC still schedules 09:00
 * Beijing time. Pickers hold a Dayjs whose digits are the corp's wall clock; these convert at the edges.
 * (useCorpTimeZone in auth/session.tsx gives the zone.)
 */
const formatters = new Map<string, Intl.DateTimeFormat>();
function parts(date: Date, timeZone: string): Record<string, number> {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formatters.set(timeZone, format);
  }
  return Object.fromEntries(format.formatToParts(date).filter((part) => part.type !== 'literal').map((part) => [part.type, Number(part.value)]));
}

/** An instant as the corp's wall clock, in a Dayjs for pickers and formatting (its digits are the corp's). */
export function toCorpClock(instant: Date | string, timeZone: string): Dayjs {
  const p = parts(new Date(instant), timeZone);
  return dayjs(new Date(p.year, p.month - 1, p.day, p.hour, p.minute, p.second));
}

/** The instant a corp wall-clock time (a picker's value) stands for. */
export function fromCorpClock(clock: Dayjs, timeZone: string): Date {
  const wall = Date.UTC(clock.year(), clock.month(), clock.date(), clock.hour(), clock.minute(), clock.second());
  // The zone's offset at a guess, then at the corrected instant (they differ only across a DST change).
  const offsetAt = (instant: number) => {
    const p = parts(new Date(instant), timeZone);
    return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(instant / 1000) * 1000;
  };
  const first = wall - offsetAt(wall);
  return new Date(wall - offsetAt(first));
}

/** The corp's date today, YYYY-MM-DD. */
export function corpToday(timeZone: string): string {
  return toCorpClock(new Date(), timeZone).format('YYYY-MM-DD');
}
