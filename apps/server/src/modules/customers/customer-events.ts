// change_external_contact callbacks (API-FACTS §14.1), applied by "notify, then fetch": the event says
// which customer changed; externalcontact/get says what is true now. Applying an event twice, or late, or
// out of order, leaves the same rows.
import { WecomApiError, type ExternalContactEvent, type ExternalContactGetResponse, type WecomClient } from '@scrm/wecom';
import type { CustomerWriteRepository } from './customer-writes.repository.ts';
import { customerRowOf, relationRowOfFollowUser } from './wecom-mapping.ts';
import type { DbOrTx } from '../../platform/db/database.ts';
import type { TimelineEventInput, TimelineService } from '../journey/timeline.service.ts';
import { sourceOfState } from '../acquisition/state-names.ts';

/** externalcontact/get errcodes meaning "no such customer (any more)": 40096 invalid id, 84061 no relation. */
const GONE_ERRCODES = new Set([40096, 84061]);

export interface CustomerEventDeps {
  writes: Pick<CustomerWriteRepository, 'upsertCustomers' | 'upsertRelations' | 'endRelation' | 'attributeLoss' | 'recordTransferFailure' | 'activeRelation'>;
  now: () => number;
  /** The event's transaction: the timeline's events are recorded in it. */
  tx: DbOrTx;
  /** The stored callback's id (wx_event): what makes an edit's events unique. */
  eventId: number;
  timeline: Pick<TimelineService, 'record'>;
  /** SCRM's corp tags of these WeCom tag ids (the tags module's), for a tags_changed event that names them as SCRM does. */
  corpTags: (wecomTagIds: readonly string[], tx: DbOrTx) => Promise<Array<{ id: number; name: string; groupName: string; wecomTagId: string | null }>>;
}

const DAY_MS = 86_400_000;

/** The customer as WeCom has it now, or null when WeCom no longer knows them. */
export async function fetchCustomer(wecom: Pick<WecomClient, 'externalContact'>, externalUserid: string): Promise<ExternalContactGetResponse | null> {
  try {
    return await wecom.externalContact.getWithAllFollowUsers(externalUserid);
  } catch (error) {
    if (error instanceof WecomApiError && GONE_ERRCODES.has(error.errcode)) return null;
    throw error;
  }
}

/** Stores a customer and every relation WeCom reported for them. */
export async function storeCustomer(deps: { writes: Pick<CustomerWriteRepository, 'upsertCustomers' | 'upsertRelations'>; now: () => number }, contact: ExternalContactGetResponse): Promise<void> {
  const externalUserid = contact.external_contact.external_userid;
  await deps.writes.upsertCustomers([customerRowOf(contact.external_contact)], new Date(deps.now()));
  await deps.writes.upsertRelations(contact.follow_user.map((follow) => relationRowOfFollowUser(externalUserid, follow)));
}

/**
 * Applies one change_external_contact event given what WeCom said about the customer afterwards
 * (`fetchCustomer`, called outside the transaction; null when WeCom no longer knows them).
 */
export async function applyExternalContactEvent(deps: CustomerEventDeps, event: ExternalContactEvent, contact: ExternalContactGetResponse | null): Promise<void> {
  const key = { externalUserid: event.externalUserId, userid: event.userId };
  const at = new Date(event.createTime * 1000);
  // The relation as it was, to tell what this event changed (the customer timeline).
  const before = await deps.writes.activeRelation(key);
  if (contact) await storeCustomer(deps, contact);
  // A relation WeCom still has (or has again, after a re-add) did not end, whatever the event said.
  const follow = contact?.follow_user.find((candidate) => candidate.userid === event.userId);
  const stillFollows = follow !== undefined;
  const record = (events: TimelineEventInput[]) => deps.timeline.record(deps.tx, events);
  const ended = async (lostBy: 'customer' | 'employee') =>
    (await deps.writes.endRelation(key, { status: 'lost', lostBy, at })) > 0 || (await deps.writes.attributeLoss(key, lostBy, at)) > 0;

  switch (event.changeType) {
    case 'add_external_contact':
    case 'add_half_external_contact': {
      if (!follow) return;
      // Keyed by the relation's add time: a redelivered callback, a later event and the upgrade's backfill agree.
      const state = event.state ?? follow.state ?? '';
      const source = await sourceOfState(deps.tx, state);
      await record([
        {
          type: 'customer_added',
          occurredAt: new Date(follow.createtime * 1000),
          externalUserid: key.externalUserid,
          userid: key.userid,
          actor: 'wecom',
          data: {
            state,
            addWay: follow.add_way ?? 0,
            ...(source
              ? {
                  sourceType: source.sourceType, sourceId: source.sourceId, sourceName: source.sourceName, channelId: source.channelId, channelName: source.channelName,
                  ...(source.getType ? { linkId: source.sourceId, linkName: source.sourceName, getType: source.getType } : {}),
                }
              : {}),
          },
          dedupeKey: `customer_added:${key.externalUserid}:${key.userid}:${follow.createtime}`,
        },
      ]);
      return;
    }
    case 'edit_external_contact':
      if (before && follow) await recordEdits(deps, key, before, relationRowOfFollowUser(key.externalUserid, follow), at, `wx:${deps.eventId}`);
      return;
    case 'del_external_contact':
      if (stillFollows) return;
      if (event.source === 'DELETE_BY_TRANSFER') {
        // An on-the-job transfer moved the customer to another employee: an end, not a loss.
        await deps.writes.endRelation(key, { status: 'transferred', lostBy: null, at });
        return;
      }
      if (await ended('employee')) {
        await record([{ type: 'customer_deleted', occurredAt: at, externalUserid: key.externalUserid, userid: key.userid, actor: 'wecom', dedupeKey: `customer_deleted:${key.externalUserid}:${key.userid}:${event.createTime}` }]);
      }
      return;
    case 'del_follow_user':
      if (stillFollows) return;
      if (await ended('customer')) {
        const days = before ? Math.max(0, Math.floor((at.getTime() - before.createtime.getTime()) / DAY_MS)) : undefined;
        await record([
          { type: 'customer_lost', occurredAt: at, externalUserid: key.externalUserid, userid: key.userid, actor: 'wecom', data: days === undefined ? {} : { days }, dedupeKey: `customer_lost:${key.externalUserid}:${key.userid}:${event.createTime}` },
        ]);
      }
      return;
    case 'transfer_fail':
      // UserID is the takeover employee; the customer stays with whoever still follows them.
      await deps.writes.recordTransferFailure(event.externalUserId, event.userId, event.failReason ?? 'unknown');
      return;
  }
}

/**
 * What an employee changed in WeCom (edit_external_contact): the remark, description or mobiles, and the corp
 * tags on the relation — each change recorded once (dedupe by the event's key).
 */
async function recordEdits(
  deps: Pick<CustomerEventDeps, 'tx' | 'timeline' | 'corpTags'>,
  key: { externalUserid: string; userid: string },
  before: NonNullable<Awaited<ReturnType<CustomerWriteRepository['activeRelation']>>>,
  after: ReturnType<typeof relationRowOfFollowUser>,
  at: Date,
  eventKey: string,
): Promise<void> {
  const events: TimelineEventInput[] = [];
  const base = { occurredAt: at, externalUserid: key.externalUserid, userid: key.userid, actor: 'wecom' } as const;
  const remark: Record<string, unknown> = {};
  if (after.remark !== before.remark) remark.remark = after.remark;
  if (after.description !== before.description) remark.description = after.description;
  if (JSON.stringify(after.remarkMobiles) !== JSON.stringify(before.remarkMobiles)) remark.mobiles = after.remarkMobiles;
  if (Object.keys(remark).length) events.push({ ...base, type: 'remark_changed', data: remark, dedupeKey: `remark_changed:${key.externalUserid}:${key.userid}:${eventKey}` });
  const addedIds = after.tagIds.filter((id) => !before.tagIds.includes(id));
  const removedIds = before.tagIds.filter((id) => !after.tagIds.includes(id));
  if (addedIds.length || removedIds.length) {
    const known = await deps.corpTags([...addedIds, ...removedIds], deps.tx);
    // By SCRM's tag where known; WeCom's names (as the relation carried them) otherwise.
    const named = (ids: string[], wecomNames: Array<{ groupName: string; tagName: string; tagId?: string }> | null) =>
      ids.map((wecomTagId) => {
        const tag = known.find((candidate) => candidate.wecomTagId === wecomTagId);
        if (tag) return { id: tag.id, name: tag.name, groupName: tag.groupName };
        const wecom = wecomNames?.find((candidate) => candidate.tagId === wecomTagId);
        return { id: null, name: wecom?.tagName ?? '', groupName: wecom?.groupName ?? '', wecomTagId };
      });
    events.push({
      ...base,
      type: 'tags_changed',
      data: { added: named(addedIds, after.tags), removed: named(removedIds, before.tags), source: 'corp' },
      dedupeKey: `tags_changed:${key.externalUserid}:${key.userid}:${eventKey}`,
    });
  }
  await deps.timeline.record(deps.tx, events);
}
