// add_external_contact whose State is one of ours (a link, a QR code or one of their rules): tag the
// customer (mark_tag), send the welcome message (send_welcome_msg, within its 20 s), then — in the event's
// transaction — attribute the relation, and count the add once per event.
//
// The WeCom calls happen in the handler's fetch step (outside the transaction). A welcome code is used at
// most once: what was sent for it is recorded before the fetch returns, so a retried event never sends
// twice; 41051 (already sent / expired) is final, 41096 (another app is sending) is retried a few times
// within the 20 s.
import { eq, sql } from 'drizzle-orm';
import { WecomApiError, type ExternalContactEvent, type WecomClient, type WecomEvent } from '@scrm/wecom';
import type { Db } from '../../platform/db/database.ts';
import type { EventHandler } from '../portal/event-registry.ts';
import { acqAdd, acqLink, acqWelcome, type GetType } from '../../db/schema/index.ts';
import { localTime } from '../../platform/local-time.ts';
import type { LinkRepository } from './link.repository.ts';
import type { MediaService } from './media.service.ts';
import { failureText } from '../../platform/wecom-errors.ts';
import type { CustomerTagService } from '../tags/customer-tags.service.ts';

export interface AcquisitionEventDeps {
  db: Db;
  links: Pick<LinkRepository, 'findByState'>;
  media: Pick<MediaService, 'attachments'>;
  timeZone: string;
  sleep?: (ms: number) => Promise<void>;
  /** The tags module's customer tagging: mark_tag in WeCom, and its local copy in the event's transaction. */
  customerTags: Pick<CustomerTagService, 'markInWecom' | 'recordCorpMark'>;
  /** After an add was counted (range upkeep). */
  counted?: (getType: GetType, id: number) => void;
}

interface Fetched {
  linkId: number;
  getType: GetType;
  ruleId: number | null;
  channelId: number | null;
  wecomLinkId: string | null;
  tagStatus: string;
  tagError: string | null;
  markedTags: string[];
  welcomeStatus: string;
  welcomeError: string | null;
  /** Through the main link / QR of a `weight` / `round` link: its routing sequence takes the add in (range upkeep). */
  mainPending: boolean;
}

const BUSY_RETRIES = 3;

export function createAcquisitionEventHandler(deps: AcquisitionEventDeps): EventHandler<Fetched | null> {
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));

  async function sendWelcome(client: WecomClient, code: string, link: { welcomeContent: string; mediaIds: number[] }): Promise<{ status: string; error: string | null }> {
    const [done] = await deps.db.select().from(acqWelcome).where(eq(acqWelcome.welcomeCode, code));
    if (done) return { status: done.status, error: done.error };
    let status = 'sent';
    let error: string | null = null;
    try {
      const attachments = (await deps.media.attachments(link.mediaIds)).slice(0, 9);
      const text = link.welcomeContent.trim();
      for (let attempt = 1; ; attempt++) {
        try {
          await client.welcome.send({ welcome_code: code, ...(text ? { text: { content: text } } : {}), ...(attachments.length ? { attachments } : {}) });
          break;
        } catch (caught) {
          if (caught instanceof WecomApiError && caught.errcode === 41096 && attempt < BUSY_RETRIES) {
            await sleep(1_000 * attempt);
            continue;
          }
          throw caught;
        }
      }
    } catch (caught) {
      status = caught instanceof WecomApiError && caught.errcode === 41051 ? 'already_sent' : 'failed';
      // Kept as data: read back in words in each reader's language (readStoredFailure), the raw code as detail.
      error = failureText(caught);
    }
    await deps.db.insert(acqWelcome).values({ welcomeCode: code, status, error }).onConflictDoNothing();
    return { status, error };
  }

  return {
    async fetch(event: WecomEvent, ctx) {
      if (event.kind !== 'change_external_contact' || event.changeType !== 'add_external_contact') return null;
      const contact = event as ExternalContactEvent;
      if (!contact.state) return null;
      const match = await deps.links.findByState(contact.state);
      if (!match || match.link.isDel) return null;
      const { link, rule } = match;
      const client = ctx.wecom.client;
      // Welcome first: its code lives 20 s.
      let welcome = { status: 'none', error: null as string | null };
      if (link.isSendWelcome === 1 && contact.welcomeCode) welcome = await sendWelcome(client, contact.welcomeCode, link);
      else if (link.isSendWelcome === 1) welcome = { status: 'skipped', error: 'no welcome code (a welcome message is configured in the admin console, or the customer chatted first)' };
      let tagStatus = 'none';
      let tagError: string | null = null;
      if (link.cstTags.length) {
        try {
          await deps.customerTags.markInWecom({ userid: contact.userId, externalUserid: contact.externalUserId }, { add: link.cstTags });
          tagStatus = 'marked';
        } catch (error) {
          tagStatus = 'failed';
          tagError = failureText(error);
        }
      }
      return {
        linkId: link.id,
        getType: link.getType,
        ruleId: rule?.id ?? null,
        channelId: link.channelId,
        wecomLinkId: rule?.configLinkId ?? link.linkId,
        tagStatus,
        tagError,
        markedTags: tagStatus === 'marked' ? link.cstTags : [],
        welcomeStatus: welcome.status,
        welcomeError: welcome.error,
        mainPending: !rule && (link.allocationMethod === 'weight' || link.allocationMethod === 'round'),
      };
    },

    async apply(event, fetched, ctx) {
      if (!fetched || event.kind !== 'change_external_contact') return;
      const contact = event as ExternalContactEvent;
      const { tx } = ctx;
      const day = localTime(new Date(contact.createTime * 1000), deps.timeZone).day;
      const inserted = await tx
        .insert(acqAdd)
        .values({
          eventId: ctx.eventId,
          acqLinkId: fetched.linkId,
          ruleId: fetched.ruleId,
          externalUserid: contact.externalUserId,
          userid: contact.userId,
          state: contact.state ?? '',
          day,
          welcomeCode: contact.welcomeCode ?? null,
          welcomeStatus: fetched.welcomeStatus,
          welcomeError: fetched.welcomeError,
          tagStatus: fetched.tagStatus,
          tagError: fetched.tagError,
          mainPending: fetched.mainPending,
        })
        .onConflictDoNothing()
        .returning({ id: acqAdd.id });
      if (!inserted.length) return; // this event was counted already
      await tx.update(acqLink).set({ addFriendCount: sql`${acqLink.addFriendCount} + 1` }).where(eq(acqLink.id, fetched.linkId));
      if (fetched.ruleId) {
        await tx.execute(sql`
          INSERT INTO acq_rule_day (rule_id, day, adds) VALUES (${fetched.ruleId}, ${day}, 1)
          ON CONFLICT (rule_id, day) DO UPDATE SET adds = acq_rule_day.adds + 1`);
      } else {
        // Through the main link / QR: the employee's rule (if any) counts the add.
        await tx.execute(sql`
          INSERT INTO acq_rule_day (rule_id, day, adds)
          SELECT id, ${day}, 1 FROM acq_rule WHERE acq_link_id = ${fetched.linkId} AND is_del = 0 AND user_id = ${contact.userId}
          ON CONFLICT (rule_id, day) DO UPDATE SET adds = acq_rule_day.adds + 1`);
      }
      // Attribution on the relation the customers module keeps (its handler ran first in this transaction).
      await tx.execute(sql`
        UPDATE customer_relation SET
          channel_id = ${fetched.channelId},
          channel_link_id = ${fetched.getType === 'link' ? fetched.wecomLinkId : null},
          channel_qr_id = ${fetched.getType === 'qr' ? fetched.linkId : null},
          mtime = now()
        WHERE external_userid = ${contact.externalUserId} AND userid = ${contact.userId} AND status = 'active'`);
      // The tags marked in WeCom, in the local copy at once (customer page, tag filter, export).
      await deps.customerTags.recordCorpMark(tx, { userid: contact.userId, externalUserid: contact.externalUserId }, { add: fetched.markedTags }, 'acquisition');
      deps.counted?.(fetched.getType, fetched.linkId);
    },
  };
}
