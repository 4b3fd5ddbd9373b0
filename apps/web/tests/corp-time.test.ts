import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import dayjs from 'dayjs';
import { corpToday, fromCorpClock, toCorpClock } from '../src/components/corp-time.ts';

// The test process runs in UTC (scripts/test.mjs); the zones below are other than the process's own.
describe('the corp wall clock', () => {
  it('a picked 09:00 in Shanghai is 01:00 UTC, and reads back as 09:00', () => {
    const instant = fromCorpClock(dayjs('2026-12-05 09:00'), 'Asia/Shanghai');
    assert.equal(instant.toISOString(), '2026-12-05T01:00:00.000Z');
    assert.equal(toCorpClock(instant, 'Asia/Shanghai').format('YYYY-MM-DD HH:mm'), '2026-12-05 09:00');
  });

  it('round-trips every quarter hour of a year, across DST changes (New York, London) and a half-hour zone', () => {
    for (const zone of ['Asia/Shanghai', 'America/New_York', 'Europe/London', 'Asia/Kolkata', 'UTC']) {
      for (let at = Date.UTC(2026, 0, 1); at < Date.UTC(2027, 0, 1); at += 15 * 60_000) {
        const clock = toCorpClock(new Date(at), zone);
        const back = fromCorpClock(clock, zone).getTime();
        // A wall clock repeated when DST ends stands for two instants; either is the same wall clock.
        if (back !== at) assert.equal(toCorpClock(new Date(back), zone).format('YYYY-MM-DD HH:mm'), clock.format('YYYY-MM-DD HH:mm'), `${zone} ${new Date(at).toISOString()}`);
      }
    }
  });

  it("the corp's day differs from UTC's in the evening UTC", () => {
    const late = Date.UTC(2026, 11, 4, 20, 0);
    assert.equal(toCorpClock(new Date(late), 'Asia/Shanghai').format('YYYY-MM-DD'), '2026-12-05');
    assert.equal(toCorpClock(new Date(late), 'America/Los_Angeles').format('YYYY-MM-DD'), '2026-12-04');
    assert.match(corpToday('Asia/Shanghai'), /^\d{4}-\d{2}-\d{2}$/);
  });
});
