// change_external_chat callbacks (API-FACTS §14.2), applied by "notify, then fetch": the event says which
// group changed; groupchat/get says what is true now. A member event whose CurMemVer is the member version
// already stored needs no fetch (a redelivery, or a sync got there first). A del_member event also tells
// who left, how (QuitScene) and when, which a fetch cannot. Applying an event twice changes nothing.
import type { ExternalChatEvent, WecomClient } from '@scrm/wecom';
import type { GroupWriteRepository } from './group-writes.repository.ts';
import { fetchGroupChat } from './group-sync.ts';
import type { DbOrTx } from '../../platform/db/database.ts';
import type { TimelineEventInput, TimelineService } from '../journey/timeline.service.ts';

export interface GroupEventDeps {
  wecom: Pick<WecomClient, 'groupChats'>;
  writes: Pick<GroupWriteRepository, 'groupVersion' | 'storeGroups' | 'attributeQuits' | 'markDismissed'>;
  now: () => number;
}

/** Where the customer timeline's group events go (the event's transaction). */
export interface GroupTimelineDeps {
  timeline: Pick<TimelineService, 'record'>;
  tx: DbOrTx;
  /** The stored group and memberships, read after the event's writes (in its transaction). */
  members: Pick<GroupWriteRepository, 'memberPeriods'>;
}

/** External members (customers) are type 2. */
const CUSTOMER_MEMBER = 2;
const seconds = (at: Date) => Math.floor(at.getTime() / 1000);

export type GroupEventOutcome = 'dismissed' | 'fetched' | 'up-to-date';

const MEMBER_CHANGES = new Set(['add_member', 'del_member']);

/** What the fetch step found: null when no fetch was needed (dismiss, or the member version is current). */
export type GroupEventFetched = { chat: Awaited<ReturnType<typeof fetchGroupChat>> } | null;

/** Step 1, outside any transaction: read the stored version and, if it is not current, the group from WeCom. */
export async function fetchForExternalChatEvent(deps: Pick<GroupEventDeps, 'wecom' | 'writes'>, event: ExternalChatEvent): Promise<GroupEventFetched> {
  if (event.changeType === 'dismiss') return null;
  const stored = await deps.writes.groupVersion(event.chatId);
  const upToDate =
    event.changeType === 'update' &&
    MEMBER_CHANGES.has(event.updateDetail ?? '') &&
    !!event.curMemVer &&
    stored !== null &&
    !stored.dismissed &&
    stored.memberVersion === event.curMemVer;
  return upToDate ? null : { chat: await fetchGroupChat(deps.wecom, event.chatId) };
}

/** Step 2, in the event's transaction: store what was fetched, and who left and how. */
export async function applyFetchedExternalChatEvent(
  deps: Pick<GroupEventDeps, 'writes' | 'now'> & { timeline?: GroupTimelineDeps },
  event: ExternalChatEvent,
  fetched: GroupEventFetched,
): Promise<GroupEventOutcome> {
  const at = new Date(event.createTime * 1000);
  if (event.changeType === 'dismiss') {
    await deps.writes.markDismissed([event.chatId], at);
    return 'dismissed';
  }
  let outcome: GroupEventOutcome = 'up-to-date';
  if (fetched) {
    if (fetched.chat) {
      // Members found gone without an event of their own left by now at the latest.
      await deps.writes.storeGroups([{ chat: fetched.chat }], new Date(Math.max(deps.now(), at.getTime())));
      outcome = 'fetched';
    } else {
      await deps.writes.markDismissed([event.chatId], at);
      outcome = 'dismissed';
    }
  }
  if (event.updateDetail === 'del_member' && event.memChangeList?.length) {
    await deps.writes.attributeQuits(event.chatId, event.memChangeList, event.quitScene ?? null, at);
  }
  if (deps.timeline && outcome !== 'dismissed') await recordGroupTimeline(deps.timeline, event);
  return outcome;
}

/**
 * The customer timeline's view of a group event: the group created, and each customer who joined or left (by the
 * stored membership period, so a redelivered event or the upgrade's backfill records nothing twice).
 */
async function recordGroupTimeline(deps: GroupTimelineDeps, event: ExternalChatEvent): Promise<void> {
  const joining = event.changeType === 'update' && event.updateDetail === 'add_member';
  const quitting = event.changeType === 'update' && event.updateDetail === 'del_member';
  if (event.changeType !== 'create' && !joining && !quitting) return;
  // A created group's customers joined with its creation; a member event names who joined or left.
  const group = await deps.members.memberPeriods(event.chatId, event.changeType === 'create' ? 'current' : (event.memChangeList ?? []), deps.tx);
  if (!group) return;
  const base = { chatId: event.chatId, userid: group.owner || null, actor: 'wecom' };
  const events: TimelineEventInput[] = [];
  if (event.changeType === 'create') {
    events.push({ ...base, type: 'group_created', occurredAt: group.createTime, data: { groupName: group.name, owner: group.owner }, dedupeKey: `group_created:${event.chatId}` });
  }
  for (const member of group.members) {
    if (member.type !== CUSTOMER_MEMBER) continue;
    if ((joining || event.changeType === 'create') && !member.quitTime) {
      events.push({
        ...base, type: 'group_joined', externalUserid: member.userid, occurredAt: member.joinTime,
        data: { chatId: event.chatId, groupName: group.name, joinScene: member.joinScene },
        dedupeKey: `group_joined:${event.chatId}:${member.userid}:${seconds(member.joinTime)}`,
      });
    }
    if (quitting && member.quitTime) {
      events.push({
        ...base, type: 'group_quit', externalUserid: member.userid, occurredAt: member.quitTime,
        data: { chatId: event.chatId, groupName: group.name, quitScene: member.quitScene },
        dedupeKey: `group_quit:${event.chatId}:${member.userid}:${seconds(member.joinTime)}`,
      });
    }
  }
  await deps.timeline.record(deps.tx, events);
}

/** Both steps in one go (tools and tests). */
export async function applyExternalChatEvent(deps: GroupEventDeps, event: ExternalChatEvent): Promise<GroupEventOutcome> {
  return applyFetchedExternalChatEvent(deps, event, await fetchForExternalChatEvent(deps, event));
}
