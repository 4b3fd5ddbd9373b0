/**
 * The cost of one look at the schedules, on the event loop of the replica whose turn it is (every 20–30 s): pg-boss
 * 10's timekeeper (cron-parser's prev() per schedule, as Timekeeper.shouldSendIt) against ours (platform/jobs/cron.ts,
 * each expression read once). The schedules are those the modules register (grep `jobs.schedule(`), in the corp's
 * time zone.
 *
 *   node --import tsx bench/jobs/schedule-check.ts [--looks 40]
 */
import cronParser from 'cron-parser';
import { firesInMinuteOf, parseCron } from '../../apps/server/src/platform/jobs/cron.ts';

const SCHEDULES = [
  '*/15 * * * *', '7 * * * *', '*/5 * * * *', '* * * * *', '*/2 * * * *', '23 * * * *', '* * * * *', '7 * * * *', '30 2 * * *', '* * * * *',
];
const TZ = 'Asia/Shanghai';
const args = process.argv.slice(2);
const looks = Number(args[args.indexOf('--looks') + 1] || 40);
// Looks through a day, at any second of a minute.
const instants = Array.from({ length: looks }, (_, i) => new Date(Date.parse('2026-12-03T00:00:00Z') + i * 2_147_111));

function pgBoss(now: Date): number {
  let due = 0;
  for (const cron of SCHEDULES) {
    const previous = cronParser.parseExpression(cron, { tz: TZ }).prev();
    if ((now.getTime() - previous.getTime()) / 1000 < 60) due++;
  }
  return due;
}
const parsed = SCHEDULES.map((cron) => parseCron(cron));
const ours = (now: Date) => parsed.filter((schedule) => firesInMinuteOf(schedule, now, TZ)).length;

function perLook(look: (now: Date) => number): { first: number; median: number; max: number } {
  const times = instants.map((now) => {
    const started = performance.now();
    look(now);
    return performance.now() - started;
  });
  const sorted = times.slice(1).sort((a, b) => a - b);
  return { first: times[0], median: sorted[Math.floor(sorted.length / 2)], max: sorted[sorted.length - 1] };
}

// pg-boss's prev() reads the clock (currentDate defaults to now), as it does in the timekeeper.
const theirs = perLook(pgBoss);
const mine = perLook(ours);
const ms = (value: number) => `${value.toFixed(value < 1 ? 3 : 1)} ms`;
console.log(`# one look at ${SCHEDULES.length} schedules (${looks} looks)`);
console.log(`pg-boss 10 timekeeper (cron-parser): first ${ms(theirs.first)}, median ${ms(theirs.median)}, max ${ms(theirs.max)}`);
console.log(`ours (cron.ts):                      first ${ms(mine.first)}, median ${ms(mine.median)}, max ${ms(mine.max)}`);
console.log(`median ratio (pg-boss / ours): ${(theirs.median / mine.median).toFixed(0)}×`);
