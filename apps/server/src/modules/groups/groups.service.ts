import type { WecomClient } from '@scrm/wecom';
import { actorOf, type RequestContext } from '../../platform/auth/context.ts';
import { BadRequest, Conflict, InvalidField, NotFound } from '../../platform/http/errors.ts';
import type { Page } from '../../platform/http/schemas.ts';
import type { JobRecord, JobService } from '../../platform/jobs/job-service.ts';
import { viewerOf } from '../../platform/auth/data-scope.ts';
import type { GroupRepository, MemberCursor, ViewerGroupRepository } from './groups.repository.ts';
import type { GroupStatsRepository } from './group-stats.repository.ts';
import type { GroupWriteRepository } from './group-writes.repository.ts';
import { fetchGroupChat, GROUP_SYNC_JOB } from './group-sync.ts';
import { dayOf } from './group-days.ts';
import { streamMemberWorkbook } from './member-export.ts';
import type {
  ChannelStats, ChannelStatsBody, ChatSaveBody, GroupPageQuery, GroupRecord, GroupStats, GroupStatsBody, MemberFilters, MemberPageQuery, MemberRecord,
  MemberStat,
} from './groups.schemas.ts';

export interface GroupServiceDeps {
  groups: Pick<GroupRepository, 'forViewer' | 'groupExists'>;
  stats: Pick<GroupStatsRepository, 'forViewer'>;
  writes: Pick<GroupWriteRepository, 'storeGroups'>;
  jobs: Pick<JobService, 'start'>;
  /** The configured WeCom client; undefined when WeCom is not configured. */
  wecom: () => Pick<WecomClient, 'groupChats'> | undefined;
  timeZone: string;
  now: () => number;
  /** Rows per database read of an export. */
  exportBatchSize?: number;
}

export function createGroupService(deps: GroupServiceDeps) {
  const { groups } = deps;
  /** The group repository made for the caller. */
  const groupsFor = async (ctx: RequestContext) => groups.forViewer(await viewerOf(ctx));
  const statsFor = async (ctx: RequestContext) => deps.stats.forViewer(await viewerOf(ctx));

  function wecom() {
    const client = deps.wecom();
    if (!client) throw new BadRequest('groupWecomNotConfigured');
    return client;
  }

  async function groupInScope(visible: Pick<ViewerGroupRepository, 'groupBy'>, key: { id: number } | { chatId: string }): Promise<GroupRecord> {
    const group = await visible.groupBy(key);
    if (!group) throw new NotFound('groupChat', 'id' in key ? key.id : key.chatId);
    return group;
  }

  return {
    // ---- groups ------------------------------------------------------------------------------------

    async pageGroups(ctx: RequestContext, query: GroupPageQuery): Promise<Page<GroupRecord>> {
      return (await groupsFor(ctx)).pageGroups(query);
    },

    async listGroups(ctx: RequestContext): Promise<GroupRecord[]> {
      return (await groupsFor(ctx)).liveGroups();
    },

    async getGroup(ctx: RequestContext, id: number): Promise<GroupRecord> {
      return groupInScope(await groupsFor(ctx), { id });
    },

    /** The members in a group now (`asMember`: also in a group the caller's employee is in, see groupAccess). */
    async groupMembers(ctx: RequestContext, chatId: string, options: { asMember?: boolean } = {}): Promise<MemberRecord[]> {
      const visible = await groupsFor(ctx);
      if (!(await visible.groupBy({ chatId }, options))) throw new NotFound('groupChat', chatId);
      return visible.currentMembers(chatId, options);
    },

    /** A group by chat id the caller reaches (`asMember` as for groupMembers), else 404. */
    async groupByChatId(ctx: RequestContext, chatId: string, options: { asMember?: boolean } = {}): Promise<GroupRecord> {
      const group = await (await groupsFor(ctx)).groupBy({ chatId }, options);
      if (!group) throw new NotFound('groupChat', chatId);
      return group;
    },

    /** Starts the full sync, or returns the one already waiting or running. */
    async startSync(ctx: RequestContext): Promise<JobRecord> {
      wecom();
      return deps.jobs.start(GROUP_SYNC_JOB, {}, { actor: actorOf(ctx), exclusive: true });
    },

    /**
     * 企微聊天群 save: with id, edits the local remark; without, registers a group by chat id, fetched from
     * WeCom (groups are created in WeCom, never here).
     */
    async saveChat(ctx: RequestContext, body: ChatSaveBody): Promise<GroupRecord> {
      if (body.id) {
        const visible = await groupsFor(ctx);
        const group = await groupInScope(visible, { id: body.id });
        if (body.remark !== undefined && body.remark !== null) await visible.updateRemark(group.id, body.remark, actorOf(ctx));
        return groupInScope(visible, { id: body.id });
      }
      if (!body.chatId) throw new InvalidField('chatId', 'groupChatIdRequired');
      if (await groups.groupExists(body.chatId)) throw new Conflict('groupChatExists', { chatId: body.chatId });
      const chat = await fetchGroupChat(wecom(), body.chatId);
      if (!chat) throw new NotFound('groupChat', body.chatId);
      // Only a group the caller would see once stored: its owner is in their scope (nothing is stored otherwise).
      const visible = await groupsFor(ctx);
      if (!(await visible.ownerInScope(chat.owner))) throw new NotFound('groupChat', body.chatId);
      await deps.writes.storeGroups([{ chat }], new Date(deps.now()));
      const stored = await groupInScope(visible, { chatId: body.chatId });
      if (body.remark) await visible.updateRemark(stored.id, body.remark, actorOf(ctx));
      return groupInScope(visible, { chatId: body.chatId });
    },

    // ---- members -----------------------------------------------------------------------------------

    async pageMembers(ctx: RequestContext, query: MemberPageQuery): Promise<Page<MemberRecord>> {
      return (await groupsFor(ctx)).pageMembers(query);
    },

    async getMember(ctx: RequestContext, id: number): Promise<MemberRecord> {
      const member = await (await groupsFor(ctx)).memberById(id);
      if (!member) throw new NotFound('groupMember', id);
      return member;
    },

    /** 群人数, 今日新增, 今日退群人数 (today in the corp's time zone, by the app's clock). */
    async memberStat(ctx: RequestContext, chatId: string, options: { asMember?: boolean } = {}): Promise<MemberStat> {
      const date = dayOf(deps.now(), deps.timeZone);
      const figures = await (await statsFor(ctx)).groupDay(chatId, date, options);
      if (!figures) throw new NotFound('groupChat', chatId);
      return { chatId, ...figures, date };
    },

    async groupStats(ctx: RequestContext, body: GroupStatsBody): Promise<GroupStats> {
      return { startDate: body.startDate, endDate: body.endDate, ...(await (await statsFor(ctx)).byOwner(body)) };
    },

    async channelStats(ctx: RequestContext, body: ChannelStatsBody): Promise<ChannelStats> {
      return (await statsFor(ctx)).byState(body);
    },

    /** The member page's rows (filters and data scope) as an xlsx stream. */
    async exportMembers(ctx: RequestContext, filters: MemberFilters, onError?: (error: unknown) => void) {
      const visible = await groupsFor(ctx);
      const batchSize = deps.exportBatchSize ?? 2000;
      async function* batches() {
        let after: MemberCursor | null = null;
        for (;;) {
          const batch = await visible.memberBatch(filters, after, batchSize);
          if (batch.length === 0) return;
          yield batch;
          if (batch.length < batchSize) return;
          const last = batch[batch.length - 1];
          after = { joinTime: last.joinTime, id: last.id };
        }
      }
      return streamMemberWorkbook(batches(), { timeZone: deps.timeZone, onError });
    },
  };
}

export type GroupService = ReturnType<typeof createGroupService>;
