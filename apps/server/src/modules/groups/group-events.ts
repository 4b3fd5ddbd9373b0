// change_external_chat callbacks (API-FACTS §14.2), applied by "notify, then fetch": the event says which
// group changed; groupchat/get says what is true now. A member event whose CurMemVer is the member version
// already stored needs no fetch (a redelivery, or a sync got there first). A del_member event also tells
// who left, how (QuitScene) and when, which a fetch cannot. Applying an event twice changes nothing.
import type { ExternalChatEvent, WecomClient } from '@scrm/wecom';
import type { GroupWriteRepository } from './group-writes.repository.ts';
import { fetchGroupChat } from './group-sync.ts';

export interface GroupEventDeps {
  wecom: Pick<WecomClient, 'groupChats'>;
  writes: Pick<GroupWriteRepository, 'groupVersion' | 'storeGroups' | 'attributeQuits' | 'markDismissed'>;
  now: () => number;
}

export type GroupEventOutcome = 'dismissed' | 'fetched' | 'up-to-date';

const MEMBER_CHANGES = new Set(['add_member', 'del_member']);

export async function applyExternalChatEvent(deps: GroupEventDeps, event: ExternalChatEvent): Promise<GroupEventOutcome> {
  const at = new Date(event.createTime * 1000);
  if (event.changeType === 'dismiss') {
    await deps.writes.markDismissed([event.chatId], at);
    return 'dismissed';
  }
  let outcome: GroupEventOutcome = 'up-to-date';
  const stored = await deps.writes.groupVersion(event.chatId);
  const upToDate =
    event.changeType === 'update' &&
    MEMBER_CHANGES.has(event.updateDetail ?? '') &&
    !!event.curMemVer &&
    stored !== null &&
    !stored.dismissed &&
    stored.memberVersion === event.curMemVer;
  if (!upToDate) {
    const chat = await fetchGroupChat(deps.wecom, event.chatId);
    if (chat) {
      // Members found gone without an event of their own left by now at the latest.
      await deps.writes.storeGroups([{ chat }], new Date(Math.max(deps.now(), at.getTime())));
      outcome = 'fetched';
    } else {
      await deps.writes.markDismissed([event.chatId], at);
      outcome = 'dismissed';
    }
  }
  if (event.updateDetail === 'del_member' && event.memChangeList?.length) {
    await deps.writes.attributeQuits(event.chatId, event.memChangeList, event.quitScene ?? null, at);
  }
  return outcome;
}
