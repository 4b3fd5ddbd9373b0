import type { WecomClient } from '@scrm/wecom';
import { actorOf, type RequestContext } from '../../platform/auth/context.ts';
import { BadRequest, Conflict, InvalidField, NotFound } from '../../platform/http/errors.ts';
import type { Page } from '../../platform/http/schemas.ts';
import type { JobRecord, JobService } from '../../platform/jobs/job-service.ts';
import type { GroupRepository, MemberCursor, Viewer } from './groups.repository.ts';
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
  groups: GroupRepository;
  stats: Pick<GroupStatsRepository, 'groupDay' | 'byOwner' | 'byState'>;
  writes: Pick<GroupWriteRepository, 'storeGroups'>;
  jobs: Pick<JobService, 'start'>;
  /** The configured WeCom client; undefined when WeCom is not configured. */
  wecom: () => Pick<WecomClient, 'groupChats'> | undefined;
  timeZone: string;
  now: () => number;
  /** Rows per database read of an export. */
  exportBatchSize?: number;
}

async function viewerOf(ctx: RequestContext): Promise<Viewer> {
  return { scope: await ctx.scope(), user: ctx.user };
}

export function createGroupService(deps: GroupServiceDeps) {
  const { groups } = deps;

  function wecom() {
    const client = deps.wecom();
    if (!client) throw new BadRequest('groupWecomNotConfigured');
    return client;
  }

  async function groupInScope(viewer: Viewer, key: { id: number } | { chatId: string }): Promise<GroupRecord> {
    const group = await groups.groupBy(viewer, key);
    if (!group) throw new NotFound('groupChat', 'id' in key ? key.id : key.chatId);
    return group;
  }

  return {
    // ---- groups ------------------------------------------------------------------------------------

    async pageGroups(ctx: RequestContext, query: GroupPageQuery): Promise<Page<GroupRecord>> {
      return groups.pageGroups(await viewerOf(ctx), query);
    },

    async listGroups(ctx: RequestContext): Promise<GroupRecord[]> {
      return groups.liveGroups(await viewerOf(ctx));
    },

    async getGroup(ctx: RequestContext, id: number): Promise<GroupRecord> {
      return groupInScope(await viewerOf(ctx), { id });
    },

    /** The members in a group now. */
    async groupMembers(ctx: RequestContext, chatId: string): Promise<MemberRecord[]> {
      await groupInScope(await viewerOf(ctx), { chatId });
      return groups.currentMembers(chatId);
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
        const group = await this.getGroup(ctx, body.id);
        if (body.remark !== undefined && body.remark !== null) await groups.updateRemark(group.id, body.remark, actorOf(ctx));
        return this.getGroup(ctx, body.id);
      }
      if (!body.chatId) throw new InvalidField('chatId', 'groupChatIdRequired');
      if (await groups.groupExists(body.chatId)) throw new Conflict('groupChatExists', { chatId: body.chatId });
      const chat = await fetchGroupChat(wecom(), body.chatId);
      if (!chat) throw new NotFound('groupChat', body.chatId);
      await deps.writes.storeGroups([{ chat }], new Date(deps.now()));
      const stored = await groups.groupBy({ scope: { all: true }, user: ctx.user }, { chatId: body.chatId });
      if (body.remark) await groups.updateRemark(stored!.id, body.remark, actorOf(ctx));
      return groupInScope({ scope: { all: true }, user: ctx.user }, { chatId: body.chatId });
    },

    // ---- members -----------------------------------------------------------------------------------

    async pageMembers(ctx: RequestContext, query: MemberPageQuery): Promise<Page<MemberRecord>> {
      return groups.pageMembers(await viewerOf(ctx), query);
    },

    async getMember(ctx: RequestContext, id: number): Promise<MemberRecord> {
      const member = await groups.memberById(await viewerOf(ctx), id);
      if (!member) throw new NotFound('groupMember', id);
      return member;
    },

    /** 群人数, 今日新增, 今日退群人数 (today in the corp's time zone, by the app's clock). */
    async memberStat(ctx: RequestContext, chatId: string): Promise<MemberStat> {
      const date = dayOf(deps.now(), deps.timeZone);
      const figures = await deps.stats.groupDay(await viewerOf(ctx), chatId, date);
      if (!figures) throw new NotFound('groupChat', chatId);
      return { chatId, ...figures, date };
    },

    async groupStats(ctx: RequestContext, body: GroupStatsBody): Promise<GroupStats> {
      return { startDate: body.startDate, endDate: body.endDate, ...(await deps.stats.byOwner(await viewerOf(ctx), body)) };
    },

    async channelStats(ctx: RequestContext, body: ChannelStatsBody): Promise<ChannelStats> {
      return deps.stats.byState(await viewerOf(ctx), body);
    },

    /** The member page's rows (filters and data scope) as an xlsx stream. */
    async exportMembers(ctx: RequestContext, filters: MemberFilters, onError?: (error: unknown) => void) {
      const viewer = await viewerOf(ctx);
      const batchSize = deps.exportBatchSize ?? 2000;
      async function* batches() {
        let after: MemberCursor | null = null;
        for (;;) {
          const batch = await groups.memberBatch(viewer, filters, after, batchSize);
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
