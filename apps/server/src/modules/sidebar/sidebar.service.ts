// The employee sidebar (聊天工具栏): who opened it (OAuth2), the JS-SDK signatures its page registers with, and what
// it shows of the conversation's customer or group — read and written through the customers, tags and groups
// modules' own services with the sidebar's context, a self-scope viewer bound to exactly that employee
// (sidebar-auth.ts), so it reaches their customers and their groups only. The quick-reply library (话术库) is managed
// in the console and sent from here with sendChatMessage.
import type { WecomClient } from '@scrm/wecom';
import { actorOf, type RequestContext } from '../../platform/auth/context.ts';
import { viewerOf } from '../../platform/auth/data-scope.ts';
import { AppError, InvalidField, NotFound } from '../../platform/http/errors.ts';
import { callWecom } from '../../platform/wecom-errors.ts';
import type { AuditLogRepository } from '../nexus/audit-log.repository.ts';
import type { CustomerRepository } from '../customers/customers.repository.ts';
import type { CustomerTagService } from '../tags/customer-tags.service.ts';
import type { TagService } from '../tags/tags.service.ts';
import type { GroupService } from '../groups/groups.service.ts';
import type { GroupRepository } from '../groups/groups.repository.ts';
import type { MediaService } from '../acquisition/media.service.ts';
import type { OrgRepository } from '../org/org.repository.ts';
import type { SidebarRepository } from './sidebar.repository.ts';
import type { TimelineService } from '../journey/timeline.service.ts';
import type { LeadService } from '../leads/leads.service.ts';
import type { LeadRecord, LeadUpdateBody } from '../leads/leads.schemas.ts';
import type { SidebarTokens } from './sidebar-auth.ts';
import type { ChatMessage, ReplyPageQuery, ReplySaveBody } from './sidebar.schemas.ts';

type LeadFollowMethod = NonNullable<LeadUpdateBody['followUp']>['method'];

export interface SidebarServiceDeps {
  db: import('../../platform/db/database.ts').Db;
  repository: SidebarRepository;
  tokens: SidebarTokens;
  /** The configured WeCom client; undefined when WeCom is not configured. */
  wecom: () => WecomClient | undefined;
  corpId: string;
  agentId: string | undefined;
  customers: Pick<CustomerRepository, 'forViewer'>;
  customerTags: Pick<CustomerTagService, 'setTags' | 'tagInfoPage'>;
  tags: Pick<TagService, 'grouped'>;
  groups: Pick<GroupService, 'groupMembers' | 'memberStat'>;
  groupRepository: Pick<GroupRepository, 'forViewer'>;
  media: Pick<MediaService, 'brief' | 'attachments'>;
  org: Pick<OrgRepository, 'activeEmployees'>;
  audit: Pick<AuditLogRepository, 'record'>;
  /** The customer timeline: a note is a follow_up event there. */
  timeline: Pick<TimelineService, 'record'>;
  /** The leads module's service: the customer's lead, linked and unlinked there (its timeline and audit). */
  leads: Pick<LeadService, 'customerLeadOf' | 'ownUnlinkedLeads' | 'linkCustomer' | 'unlinkCustomer' | 'page' | 'update'>;
  now: () => number;
}

const brief = (tag: { id: number; name: string; groupName: string }) => ({ id: tag.id, name: tag.name, groupName: tag.groupName });
const leadBrief = (lead: LeadRecord) => ({
  id: lead.id,
  name: lead.name,
  status: lead.status,
  ownerName: lead.ownerName,
  company: lead.company,
  primaryPhone: lead.primaryPhone,
  nextFollowAt: lead.nextFollowAt,
  lastFollowAt: lead.lastFollowAt,
  linkedAt: lead.linkedAt,
});

export function createSidebarService(deps: SidebarServiceDeps) {
  const { repository } = deps;
  const notesFor = async (ctx: RequestContext) => repository.forViewer(await viewerOf(ctx));
  function wecom(): WecomClient {
    const client = deps.wecom();
    if (!client) throw new AppError(400, 'sidebarWecomNotConfigured');
    return client;
  }

  /** The caller's own relation with the customer (any status: a lost customer's page still opens), else 404. */
  async function ownRelation(ctx: RequestContext, externalUserid: string) {
    const relations = await deps.customers.forViewer(await viewerOf(ctx)).relationsOfCustomer(externalUserid);
    const mine = relations.find((relation) => relation.userid === ctx.user.qwUserid);
    if (!mine) throw new NotFound('customer', externalUserid);
    return mine;
  }

  async function tagsOfRelation(ctx: RequestContext, externalUserid: string) {
    const found = await deps.customerTags.tagInfoPage(ctx, { pageNum: 1, pageSize: 1, externalUserid, userId: ctx.user.qwUserid ?? '' } as never);
    const record = found.records[0];
    return { corpTags: (record?.corpTags ?? []).map(brief), selfTags: (record?.selfTags ?? []).map(brief) };
  }

  return {
    /** POST /sidebar/auth: the code from connect/oauth2/authorize → the member → a sidebar token for them. */
    async signIn(code: string) {
      const info = await callWecom(() => wecom().oauth.getUserInfo(code));
      // Someone outside the corp (a customer opening the link in WeChat) has an openid, no userid.
      if (!info.userid) throw new AppError(403, 'sidebarNotAMember');
      const employee = (await deps.org.activeEmployees([info.userid])).get(info.userid);
      if (!employee) throw new AppError(403, 'sidebarEmployeeUnknown', { userid: info.userid });
      const { token, expiresAt } = await deps.tokens.sign(employee.userid);
      return { token, expiresAt, employee: { userid: employee.userid, name: employee.name } };
    },

    me(ctx: RequestContext) {
      return { userid: ctx.user.qwUserid ?? '', name: ctx.user.nickname };
    },

    /** ww.register's two signatures for the page URL (corp ticket for config, the app's for agentConfig). */
    async signatures(url: string) {
      const { tickets } = wecom();
      const [config, agentConfig] = await callWecom(() =>
        Promise.all([tickets.getConfigSignature(url), deps.agentId ? tickets.getAgentConfigSignature(url) : Promise.resolve(null)]),
      );
      const plain = (signed: { timestamp: number; nonceStr: string; signature: string }) => ({ timestamp: signed.timestamp, nonceStr: signed.nonceStr, signature: signed.signature });
      return { corpId: deps.corpId, agentId: deps.agentId ?? null, config: plain(config), agentConfig: agentConfig && plain(agentConfig) };
    },

    /** The single chat's (or contact profile's) customer as this employee sees them. */
    async customer(ctx: RequestContext, externalUserid: string) {
      const relation = await ownRelation(ctx, externalUserid);
      const customer = await deps.customers.forViewer(await viewerOf(ctx)).customerBy({ externalUserid });
      if (!customer) throw new NotFound('customer', externalUserid);
      const [tags, notes] = await Promise.all([tagsOfRelation(ctx, externalUserid), (await notesFor(ctx)).notesOf(externalUserid)]);
      return {
        customer: {
          externalUserid: customer.externalUserid,
          name: customer.name,
          avatar: customer.avatar,
          type: customer.type,
          gender: customer.gender,
          corpName: customer.corpName,
          corpFullName: customer.corpFullName,
          position: customer.position,
        },
        relation: {
          id: relation.id,
          addedAt: relation.createtime,
          addWay: relation.addWay,
          sourceName: relation.sourceName,
          channelName: relation.channelName,
          remark: relation.remark,
          description: relation.description,
          remarkCorpName: relation.remarkCorpName,
          remarkMobiles: relation.remarkMobiles,
          status: relation.status,
        },
        ...tags,
        notes,
      };
    },

    /** The lead linked to the chat's customer: the employee's own, with its timeline (another's is not shown). */
    async lead(ctx: RequestContext, externalUserid: string) {
      await ownRelation(ctx, externalUserid);
      const view = await deps.leads.customerLeadOf(ctx, externalUserid, ctx.user.qwUserid ?? '');
      return { lead: view.lead && leadBrief(view.lead), linkedElsewhere: view.linkedElsewhere, events: view.events };
    },

    /** The employee's own leads no customer is linked to, to link this customer to. */
    async searchLeads(ctx: RequestContext, keyword: string | undefined) {
      return (await deps.leads.ownUnlinkedLeads(ctx, keyword)).map(leadBrief);
    },

    /** Links the chat's customer to one of the employee's own leads (another's: 404), through the leads module. */
    async linkLead(ctx: RequestContext, externalUserid: string, clueId: number) {
      await ownRelation(ctx, externalUserid);
      await deps.leads.linkCustomer(ctx, clueId, externalUserid, { ownedBy: ctx.user.qwUserid ?? '' });
      return this.lead(ctx, externalUserid);
    },

    /** Unlinks the employee's own lead from the chat's customer (another's lead, or one linked elsewhere: 404). */
    async unlinkLead(ctx: RequestContext, externalUserid: string, clueId: number) {
      await ownRelation(ctx, externalUserid);
      await deps.leads.unlinkCustomer(ctx, clueId, { ownedBy: ctx.user.qwUserid ?? '', externalUserid });
      return this.lead(ctx, externalUserid);
    },

    /**
     * 我的待办's lead follow-ups: the employee's own leads whose next follow-up is due — the lead list's 待跟进 filter
     * (by the end of today in the corp's time zone) with "mine" — earliest first; overdue when that time has passed.
     */
    async dueLeads(ctx: RequestContext, query: { pageNum: number; pageSize: number }) {
      const found = await deps.leads.page(ctx, { ...query, mine: true, followUp: 'due', includeMerged: false });
      const now = deps.now();
      return { ...found, records: found.records.map((lead) => ({ ...leadBrief(lead), overdue: lead.nextFollowAt !== null && lead.nextFollowAt.getTime() < now })) };
    },

    /**
     * Marks a due follow-up done: a follow-up record on the employee's own lead (another's, or the pool's: 404, nothing
     * written), through the console's 手动跟进 — its follow-up list, the lead's timeline, the next follow-up time.
     */
    async followUpLead(ctx: RequestContext, body: { leadId: number; content: string; method: LeadFollowMethod; nextFollowAt?: Date }) {
      const lead = await deps.leads.update(
        ctx,
        { clueId: body.leadId, followUp: { content: body.content, method: body.method, nextFollowAt: body.nextFollowAt } },
        { ownedBy: ctx.user.qwUserid ?? '' },
      );
      return leadBrief(lead);
    },

    /** The relation ends with exactly these tags of the type: through the tags module (corp tags: WeCom mark_tag first). */
    async setTags(ctx: RequestContext, body: { externalUserid: string; tagType: 'corp' | 'self'; tagIds: number[] }) {
      await ownRelation(ctx, body.externalUserid);
      const result = await deps.customerTags.setTags(ctx, { externalUserid: body.externalUserid, userId: ctx.user.qwUserid ?? '', tagType: body.tagType, tagIds: body.tagIds });
      return { corpTags: result.corpTags.map(brief), selfTags: result.selfTags.map(brief) };
    },

    async tagOptions(ctx: RequestContext) {
      const shape = (groups: Awaited<ReturnType<TagService['grouped']>>) =>
        groups.filter((group) => group.tags.length > 0).map((group) => ({ id: group.id, name: group.groupName, tags: group.tags.map((tag) => ({ id: tag.id, name: tag.name })) }));
      const [corp, self] = await Promise.all([deps.tags.grouped(ctx, 'corp'), deps.tags.grouped(ctx, 'self')]);
      return { corp: shape(corp), self: shape(self) };
    },

    /** A note on the employee's relation, on the customer timeline too (follow_up) in the same transaction. */
    async addNote(ctx: RequestContext, externalUserid: string, content: string) {
      await ownRelation(ctx, externalUserid);
      const notes = await notesFor(ctx);
      const actor = actorOf(ctx);
      return deps.db.transaction(async (tx) => {
        const note = await notes.addNote(externalUserid, content, actor, tx);
        await deps.timeline.record(tx, [{ type: 'follow_up', occurredAt: note.ctime, externalUserid, userid: note.userid, actor, data: { content }, dedupeKey: `customer_note:${note.id}` }]);
        return note;
      });
    },

    async deleteNote(ctx: RequestContext, id: number) {
      if (!(await (await notesFor(ctx)).deleteOwnNote(id, actorOf(ctx)))) throw new NotFound('customerNote', id);
      return { id };
    },

    /** The console drawer's notes: every note on the customer's relations within the caller's scope. */
    async notesOf(ctx: RequestContext, externalUserid: string) {
      return (await notesFor(ctx)).notesOf(externalUserid);
    },

    /**
     * The group chat's group: one the employee owns, or one they are in now as a member (WeCom opens the sidebar in any
     * group chat they are in, and shows them its owner and members anyway); else 404. With today's joins and quits.
     */
    async group(ctx: RequestContext, chatId: string) {
      const asMember = { asMember: true };
      const group = await deps.groupRepository.forViewer(await viewerOf(ctx)).groupBy({ chatId }, asMember);
      if (!group) throw new NotFound('groupChat', chatId);
      const [members, stat] = await Promise.all([deps.groups.groupMembers(ctx, chatId, asMember), deps.groups.memberStat(ctx, chatId, asMember)]);
      return {
        chatId: group.chatId,
        name: group.name,
        ownerName: group.ownerName,
        notice: group.notice,
        createTime: group.createTime,
        memberCount: stat.memberCount,
        customerCount: stat.customerCount,
        joinedToday: stat.joinedToday,
        quitToday: stat.quitToday,
        members: members.map((member) => ({ name: member.groupNickname || member.name, type: member.type, joinTime: member.joinTime })),
      };
    },

    // ---- quick replies ---------------------------------------------------------------------------

    folders: (_ctx: RequestContext) => repository.replies.folders(),

    searchReplies: (_ctx: RequestContext, filters: { keyword?: string; folderId?: number }) => repository.replies.search(filters),

    /**
     * What the page passes to ww.sendChatMessage for a reply: text as it is; media-library items with the WeCom
     * media_id (uploaded again when it expired); links as news; mini-programs with their cover's public address.
     */
    async chatMessageOf(_ctx: RequestContext, id: number, coverUrl: (replyId: number) => string): Promise<ChatMessage> {
      const reply = await repository.replies.replyById(id);
      if (!reply) throw new NotFound('quickReply', id);
      if (reply.type === 'text') return { msgtype: 'text', text: { content: reply.content } };
      const [attachment] = reply.mediaId ? await callWecom(() => deps.media.attachments([reply.mediaId!])) : [];
      if (!attachment) throw new AppError(409, 'replyMediaGone', { title: reply.title });
      switch (attachment.msgtype) {
        case 'image':
          return { msgtype: 'image', image: { mediaid: attachment.image.media_id ?? '' } };
        case 'video':
          return { msgtype: 'video', video: { mediaid: attachment.video.media_id } };
        case 'file':
          return { msgtype: 'file', file: { mediaid: attachment.file.media_id } };
        case 'link':
          return { msgtype: 'news', news: { link: attachment.link.url, title: attachment.link.title, desc: attachment.link.desc ?? '', imgUrl: attachment.link.picurl ?? '' } };
        case 'miniprogram':
          return { msgtype: 'miniprogram', miniprogram: { appid: attachment.miniprogram.appid, title: attachment.miniprogram.title, page: attachment.miniprogram.page, imgUrl: coverUrl(reply.id) } };
      }
    },

    /** The mini-program reply's cover (media id), for the public cover address WeCom's client loads. */
    async coverMediaOf(id: number): Promise<number> {
      const reply = await repository.replies.replyById(id);
      if (!reply || reply.type !== 'miniprogram' || !reply.mediaId) throw new NotFound('quickReply', id);
      return reply.mediaId;
    },

    /** A reply was sent (sendChatMessage answered ok): its use count. */
    async replyUsed(_ctx: RequestContext, id: number) {
      if (!(await repository.replies.countUse(id))) throw new NotFound('quickReply', id);
      return { id };
    },

    // ---- the console's library ------------------------------------------------------------------

    async saveFolder(ctx: RequestContext, body: { id?: number; name: string; sort?: number }) {
      const id = await repository.replies.saveFolder(body, actorOf(ctx));
      if (!id) throw new NotFound('replyFolder', body.id);
      return (await repository.replies.folders()).find((folder) => folder.id === id)!;
    },

    async deleteFolders(ctx: RequestContext, ids: number[]) {
      const deleted = await repository.replies.deleteFolders(ids, actorOf(ctx));
      await deps.audit.record(deps.db, { actor: actorOf(ctx), requestId: ctx.requestId, now: new Date(deps.now()) }, ids.map((id) => ({ action: 'reply.folder.delete', targetType: 'reply_folder', targetId: id })));
      return { deleted };
    },

    page: (_ctx: RequestContext, query: ReplyPageQuery) => repository.replies.page(query),

    async saveReply(ctx: RequestContext, body: ReplySaveBody) {
      if (!(await repository.replies.folderById(body.folderId))) throw new InvalidField('folderId', 'replyFolderUnknown', { id: body.folderId });
      if (body.type !== 'text') {
        const media = (await deps.media.brief([body.mediaId!])).get(body.mediaId!);
        if (!media) throw new InvalidField('mediaId', 'replyMediaUnknown', { id: body.mediaId });
        if (media.type !== body.type) throw new InvalidField('mediaId', 'replyMediaKind', { title: media.title, type: media.type, expected: body.type });
      }
      const id = await repository.replies.saveReply(body, actorOf(ctx));
      if (!id) throw new NotFound('quickReply', body.id);
      return (await repository.replies.replyById(id))!;
    },

    async deleteReplies(ctx: RequestContext, ids: number[]) {
      const deleted = await repository.replies.deleteReplies(ids, actorOf(ctx));
      await deps.audit.record(deps.db, { actor: actorOf(ctx), requestId: ctx.requestId, now: new Date(deps.now()) }, ids.map((id) => ({ action: 'reply.delete', targetType: 'quick_reply', targetId: id })));
      return { deleted };
    },
  };
}

export type SidebarService = ReturnType<typeof createSidebarService>;
