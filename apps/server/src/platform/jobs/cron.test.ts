import { test } from 'node:test';
import assert from 'node:assert/strict';
import cronParser from 'cron-parser';
import { firesInMinuteOf, parseCron } from './cron.ts';

// Every schedule the modules register, and the other forms the parser reads.
const EXPRESSIONS = [
  '* * * * *', '*/2 * * * *', '*/5 * * * *', '*/15 * * * *', '7 * * * *', '23 * * * *', '0 3 * * *', '30 2 * * *',
  '0 0 1 * *', '15 9 * * 1-5', '0 8 * * MON,wed,Fri', '5/20 * * * *', '0 12 9 JAN-MAR *', '0 0 9 * 5', '0 0 * * 7',
  '10-20/3 1,13 * * *', '0 0 */10 * *', '59 23 31 12 ?', '30 1 * * *',
];
/** New York's clocks went forward at 07:00Z: a minute skipped (02:00–02:59) fires at 03:00, where pg-boss fires it an hour late. */
const SPRING_FORWARD = Date.parse('2026-03-08T07:00:00Z');

/** pg-boss 10's rule (Timekeeper.shouldSendIt): the last firing time is less than 60 s before now. */
function pgBossSends(expression: string, timeZone: string, now: Date): boolean {
  const previous = cronParser.parseExpression(expression, { tz: timeZone, currentDate: now }).prev();
  return (now.getTime() - previous.getTime()) / 1000 < 60;
}

test('fires when pg-boss would send, and only then: across daylight saving changes and a year\'s end', () => {
  // cron-parser takes 2–20 ms a step on this machine, so its rule is asked only where one of the two says "fires":
  // next() lists its firings (it also lists a phantom one before a DST change, which its prev() — pg-boss's rule —
  // does not fire). Each window is its first 8 firings or 4 days, whichever ends first. New York puts its clocks
  // forward on 2026-03-08 and back on 2026-11-01; Shanghai's window holds a month's and a year's start.
  let fired = 0;
  const windows: [string, string][] = [['America/New_York', '2026-03-06T23:00:00Z'], ['America/New_York', '2026-10-30T23:00:00Z'], ['Asia/Shanghai', '2026-12-29T00:00:00Z']];
  for (const expression of EXPRESSIONS) {
    const schedule = parseCron(expression);
    for (const [timeZone, from] of windows) {
      const start = Date.parse(from);
      const end = start + 4 * 86_400_000;
      const listed = new Set<number>();
      const firings = cronParser.parseExpression(expression, { tz: timeZone, currentDate: new Date(start - 1), endDate: new Date(end) });
      while (listed.size < 8 && firings.hasNext()) listed.add(firings.next().getTime());
      const until = listed.size === 8 ? Math.max(...listed) + 60_000 : end;
      for (let minute = start; minute < until; minute += 60_000) {
        // A check comes at any second of a minute (every 30 s, whichever replica takes its turn).
        const now = new Date(minute + 17_000);
        const ours = firesInMinuteOf(schedule, now, timeZone);
        const skippedHour = timeZone === 'America/New_York' && minute >= SPRING_FORWARD && minute < SPRING_FORWARD + 3600_000;
        if (!skippedHour && (ours || listed.has(minute))) assert.equal(ours, pgBossSends(expression, timeZone, now), `${expression} in ${timeZone} at ${now.toISOString()}`);
        if (ours) fired++;
      }
    }
  }
  assert.ok(fired > 200, `the windows hold firings (${fired})`);
});

test('a minute skipped by a clock put forward fires once, in the first minute after the gap', () => {
  const fires = (expression: string) => {
    const schedule = parseCron(expression);
    const minutes: string[] = [];
    for (let minute = SPRING_FORWARD - 3 * 3600_000; minute < SPRING_FORWARD + 3 * 3600_000; minute += 60_000) {
      if (firesInMinuteOf(schedule, new Date(minute + 17_000), 'America/New_York')) minutes.push(new Date(minute).toISOString().slice(11, 16));
    }
    return minutes;
  };
  assert.deepEqual(fires('30 2 * * *'), ['07:00'], '02:30 did not happen that night: at 03:00 EDT');
  assert.deepEqual(fires('0 3 * * *'), ['07:00'], '03:00 EDT itself: once');
  assert.deepEqual(fires('0 1 * * *'), ['06:00'], 'before the change: as usual');
  assert.equal(fires('*/30 * * * *').length, 12, 'every half hour: six from 23:00 EST to 01:30, one at 03:00 EDT for 02:00, 02:30 and 03:00, five from 03:30 to 05:30');
});

test('reads what cron-parser reads, and refuses what no schedule means', () => {
  const schedule = parseCron('0 8 * * MON-FRI');
  assert.deepEqual(schedule.weekdays, [false, true, true, true, true, true, false]);
  assert.equal(schedule.everyDay, true);
  assert.equal(schedule.everyWeekday, false);
  assert.equal(parseCron('0 0 * * 0,7').weekdays.filter(Boolean).length, 1, '7 is Sunday, as 0');
  for (const bad of ['', '* * * *', '* * * * * *', '60 * * * *', '* 24 * * *', '* * 0 * *', '* * * 13 *', '* * * * 8', '*/0 * * * *', '5-1 * * * *', 'a * * * *', '* * L * *', '1,,2 * * * *']) {
    assert.throws(() => parseCron(bad), RangeError, bad);
  }
});
