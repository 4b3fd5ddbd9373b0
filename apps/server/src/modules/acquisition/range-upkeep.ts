// Range upkeep: the main multi-person link / QR code on WeCom — the one printed on posters — follows the
// allocation method. With `weight` or `round` its range is narrowed (update_link / update_contact_way) to
// the one employee the routing sequence holds for it (routing.service.ts, syncMain), so the next customer
// who scans it goes where the method says; after each add through it the next pick is held and the range
// moves on. With `default` (or nobody eligible) WeCom allocates over the range, which lists only the
// employees who may take customers now: one whose every rule is at its daily limit or outside its working
// hours is taken out, and put back when eligible again. Checked after each add, when a hit changes a count,
// at every working-hours boundary and at local midnight (pg-boss jobs with startAfter), and every 15
// minutes as a safety net. Idempotent: a check that finds nothing to change calls nothing.
import type { JobService } from '../../platform/jobs/job-service.ts';
import { eq } from 'drizzle-orm';
import type { Db } from '../../platform/db/database.ts';
import { withSessionLock } from '../../platform/wecom.ts';
import { acqLink, type GetType } from '../../db/schema/index.ts';
import { localTime } from '../../platform/local-time.ts';
import { boundaries, parseWorkingHours } from './routing/working-hours.ts';
import { unavailableUsers } from './routing.service.ts';
import { dailyCounts, loadRoutableLink, type RoutableLink } from './routing.repository.ts';
import { mainRange } from './link.service.ts';
import type { WecomPublisher } from './wecom-publisher.ts';
import { reasonOf } from './wecom-publisher.ts';

export const RANGE_UPKEEP_QUEUE = 'acq.range-upkeep';
export const RANGE_UPKEEP_ALL_QUEUE = 'acq.range-upkeep-all';

export interface RangeUpkeepDeps {
  db: Db;
  now: () => number;
  timeZone: string;
  publisher: WecomPublisher;
  /** Queues, schedules and sends (absent: no background checks). */
  jobs?: Pick<JobService, 'boss' | 'createQueue' | 'schedule'>;
  log?: (message: string, error?: unknown) => void;
  /** After the stored range changed (caches). */
  changed?: (getType: GetType, id: number) => void;
  /** The routing sequence's pick for the main link / QR (absent: only availability narrows the range). */
  sequence?: { syncMain(getType: GetType, id: number, link?: RoutableLink): Promise<{ userId: string } | null> };
}

/** The next instant at which availability may change: a window boundary of any rule, or local midnight. */
export function nextCheckAt(workingHours: string[], at: Date, timeZone: string): Date {
  const minutes = new Set<number>([0]);
  for (const text of workingHours) {
    try {
      for (const minute of boundaries(parseWorkingHours(text))) minutes.add(minute);
    } catch {
      // A draft's malformed hours never reach a published link; ignore defensively.
    }
  }
  const { minuteOfDay } = localTime(at, timeZone);
  const delta = Math.min(...[...minutes].map((minute) => (minute - minuteOfDay + 1440) % 1440 || 1440));
  const minuteStart = at.getTime() - (at.getTime() % 60_000);
  return new Date(minuteStart + delta * 60_000 + 1_000);
}

export function createRangeUpkeep(deps: RangeUpkeepDeps) {
  const { db, now, timeZone, publisher } = deps;
  const log = deps.log ?? (() => {});
  const scheduled = new Map<string, number>();
  const running = new Map<string, Promise<unknown>>();
  const again = new Set<string>();

  async function schedule(getType: GetType, id: number, workingHours: string[]): Promise<void> {
    if (!deps.jobs) return;
    const at = nextCheckAt(workingHours, new Date(now()), timeZone);
    const key = `${getType}:${id}`;
    if (scheduled.get(key) === at.getTime()) return;
    scheduled.set(key, at.getTime());
    await deps.jobs.boss.send(RANGE_UPKEEP_QUEUE, { getType, id }, { startAfter: at, singletonKey: `${key}:${at.toISOString()}`, singletonSeconds: 60 });
  }

  /** Brings the WeCom range of one link / QR code in line with availability now. */
  async function reconcile(getType: GetType, id: number): Promise<{ suspended: string[]; mainUserid: string | null; updated: boolean }> {
    return withSessionLock(db, `acq-range:${getType}:${id}`, async () => {
      const [row] = await db.select().from(acqLink).where(eq(acqLink.id, id));
      const link = await loadRoutableLink(db, getType, id);
      if (!row || !link || row.isDel || row.status !== 1 || !row.linkId) return { suspended: [], mainUserid: null, updated: false };
      const at = new Date(now());
      const { day, minuteOfDay } = localTime(at, timeZone);
      // A single-person QR code has nobody to narrow to or fall back to.
      const held = row.qrType === 1 || !deps.sequence ? null : await deps.sequence.syncMain(getType, id, link);
      const range = mainRange(row, link.rules);
      const inRange = new Set(range.users);
      let suspended: string[] = [];
      if (!held) {
        const counts = await dailyCounts(db, link.rules.map((rule) => rule.id), day);
        suspended = unavailableUsers(link.rules, counts, minuteOfDay).filter((userid) => inRange.has(userid));
        const active = range.users.filter((userid) => !suspended.includes(userid));
        // WeCom refuses an empty range, and a single-person QR code has nobody to fall back to: then the range
        // stays whole (hits still say nobody is eligible).
        if ((active.length === 0 && range.departments.length === 0) || row.qrType === 1) suspended = [];
      }
      const mainUserid = held?.userId ?? null;
      const stored = [...row.suspendedUsers].sort();
      let updated = false;
      if (stored.join('\n') !== suspended.join('\n') || row.mainUserid !== mainUserid) {
        try {
          const users = mainUserid ? [mainUserid] : range.users.filter((userid) => !suspended.includes(userid));
          await publisher.updateRange(getType, row.linkId, users, mainUserid ? [] : range.departments, row.qrType === 1 ? 1 : 2);
          await db.update(acqLink).set({ suspendedUsers: suspended, mainUserid }).where(eq(acqLink.id, id));
          updated = true;
          deps.changed?.(getType, id);
        } catch (error) {
          log(`range upkeep of ${getType} ${id} failed: ${reasonOf(error)}`, error);
        }
      }
      await schedule(getType, id, link.rules.map((rule) => rule.workingHours ?? ''));
      return { suspended: updated ? suspended : stored, mainUserid: updated ? mainUserid : row.mainUserid, updated };
    });
  }

  async function reconcileAll(): Promise<void> {
    const rows = await db.select({ id: acqLink.id, getType: acqLink.getType, isDel: acqLink.isDel }).from(acqLink).where(eq(acqLink.status, 1));
    for (const row of rows) if (!row.isDel) await reconcile(row.getType, row.id).catch((error) => log(`range upkeep of ${row.getType} ${row.id} failed`, error));
  }

  /** Asks for a check soon (in this process, coalesced: one at a time per link, one more if asked meanwhile). */
  function request(getType: GetType, id: number): Promise<unknown> {
    const key = `${getType}:${id}`;
    const current = running.get(key);
    if (current) {
      again.add(key);
      return current;
    }
    const run = (async () => {
      try {
        do {
          again.delete(key);
          await reconcile(getType, id).catch((error) => log(`range upkeep of ${key} failed`, error));
        } while (again.has(key));
      } finally {
        running.delete(key);
      }
    })();
    running.set(key, run);
    return run;
  }

  return {
    reconcile,
    request,
    /** Waits for the checks requested so far (tests). */
    async idle(): Promise<void> {
      while (running.size) await Promise.all([...running.values()]);
    },
    reconcileAll,
    async start(): Promise<void> {
      if (!deps.jobs) return;
      const { boss } = deps.jobs;
      await deps.jobs.createQueue(RANGE_UPKEEP_QUEUE, { retryLimit: 2 });
      await deps.jobs.createQueue(RANGE_UPKEEP_ALL_QUEUE, { retryLimit: 0 });
      await boss.work<{ getType: GetType; id: number }>(RANGE_UPKEEP_QUEUE, { pollingIntervalSeconds: 2 }, async (jobs) => {
        for (const job of jobs) {
          scheduled.delete(`${job.data.getType}:${job.data.id}`);
          await reconcile(job.data.getType, job.data.id);
        }
      });
      await boss.work(RANGE_UPKEEP_ALL_QUEUE, async () => {
        await reconcileAll();
      });
      await deps.jobs.schedule(RANGE_UPKEEP_ALL_QUEUE, '*/15 * * * *', { tz: timeZone });
    },
  };
}

export type RangeUpkeep = ReturnType<typeof createRangeUpkeep>;
