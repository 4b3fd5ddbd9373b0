// Link counters from WeCom: openProfileCount (customers who opened the link) and addFriendCount (at least
// what WeCom counted) from customer_acquisition/statistic over the main link and its rules' sub-links,
// hourly and on demand; customer_acquisition callbacks that say a link stopped working set status 2.
import type { JobService } from '../../platform/jobs/job-service.ts';
import { and, eq, sql } from 'drizzle-orm';
import type { WecomClient, WecomEvent } from '@scrm/wecom';
import type { Db, Tx } from '../../platform/db/database.ts';
import { acqLink, acqRule } from '../../db/schema/index.ts';
import { reasonOf } from './wecom-publisher.ts';
import { notDeleted } from '../../platform/db/prepared.ts';

export const LINK_STATS_QUEUE = 'acq.link-stats';

export function createLinkStatsSync(deps: { db: Db; wecom: () => WecomClient; now: () => number; log: (message: string, error?: unknown) => void }) {
  const { db } = deps;

  /** Refreshes one published acquisition link's counters from WeCom. */
  async function syncLink(id: number): Promise<void> {
    const [link] = await db.select().from(acqLink).where(and(eq(acqLink.id, id), eq(acqLink.getType, 'link'), eq(acqLink.status, 1), notDeleted(acqLink)));
    if (!link?.linkId) return;
    const rules = await db.select({ configLinkId: acqRule.configLinkId }).from(acqRule).where(and(eq(acqRule.acqLinkId, id), notDeleted(acqRule)));
    const linkIds = [link.linkId, ...rules.map((rule) => rule.configLinkId).filter((value): value is string => Boolean(value))];
    const start = Math.floor((link.createTime ?? link.ctime).getTime() / 1000) - 60;
    const end = Math.floor(deps.now() / 1000);
    let clicks = 0;
    let added = 0;
    for (const linkId of linkIds) {
      const stat = await deps.wecom().acquisition.getStatistic({ link_id: linkId, start_time: start, end_time: end });
      clicks += stat.click_link_customer_cnt;
      added += stat.new_customer_cnt;
    }
    await db
      .update(acqLink)
      .set({ openProfileCount: clicks, addFriendCount: sql`greatest(${acqLink.addFriendCount}, ${added})`, statsSyncedAt: new Date(deps.now()) })
      .where(eq(acqLink.id, id));
  }

  return {
    syncLink,
    async syncAll(): Promise<void> {
      const rows = await db.select({ id: acqLink.id }).from(acqLink).where(and(eq(acqLink.getType, 'link'), eq(acqLink.status, 1), notDeleted(acqLink)));
      for (const row of rows) await syncLink(row.id).catch((error) => deps.log(`link statistics of ${row.id} failed: ${reasonOf(error)}`, error));
    },
    async start(jobs: Pick<JobService, 'boss' | 'createQueue' | 'schedule'>): Promise<void> {
      await jobs.createQueue(LINK_STATS_QUEUE, { retryLimit: 0 });
      await jobs.boss.work(LINK_STATS_QUEUE, async () => this.syncAll());
      await jobs.schedule(LINK_STATS_QUEUE, '7 * * * *', { tz: 'Asia/Shanghai' });
    },
    /** customer_acquisition callbacks: a deleted or unusable link (main or a rule's) marks its link status 2. */
    async onAcquisitionEvent(event: WecomEvent, tx: Tx): Promise<void> {
      if (event.kind !== 'customer_acquisition' || !event.linkId) return;
      if (event.changeType !== 'delete_link' && event.changeType !== 'link_unavailable') return;
      const reason = event.changeType === 'delete_link' ? `WeCom link ${event.linkId} was deleted in the admin console` : `WeCom link ${event.linkId} is unavailable`;
      await tx.execute(sql`
        UPDATE acq_link SET status = 2, status_reason = ${reason}, mtime = now()
        WHERE get_type = 'link' AND is_del = 0 AND status = 1
          AND (link_id = ${event.linkId} OR id IN (SELECT acq_link_id FROM acq_rule WHERE config_link_id = ${event.linkId}))`);
    },
  };
}
