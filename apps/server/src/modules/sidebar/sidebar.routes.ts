import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { route } from '../../platform/http/route.ts';
import { envelope, idQuery, idsBody, page } from '../../platform/http/schemas.ts';
import { translate } from '../../platform/http/i18n.ts';
import type { RequestContext } from '../../platform/auth/context.ts';
import type { SidebarService } from './sidebar.service.ts';
import { sidebarContext } from './sidebar-auth.ts';
import type { MediaService } from '../acquisition/media.service.ts';
import {
  authBody,
  authResult,
  chatIdQuery,
  chatMessage,
  customerLead,
  customerView,
  dueLeadsQuery,
  dueLeadsResult,
  leadFollowUpBody,
  leadFollowUpResult,
  leadLinkBody,
  leadSearchBody,
  leadSearchResult,
  externalUseridQuery,
  folderRecord,
  folderSaveBody,
  groupView,
  meResult,
  noteDeleteBody,
  noteListQuery,
  noteRecord,
  noteSaveBody,
  replyIdBody,
  replyPageQuery,
  replyRecord,
  replySaveBody,
  replySearchBody,
  setTagsBody,
  sidebarSettings,
  signatureBody,
  signatureResult,
  tagOptions,
  tagsResult,
} from './sidebar.schemas.ts';

type Schema = z.ZodType;
type Infer<S> = S extends z.ZodType ? z.output<S> : undefined;

/** A /scrm/sidebar route: authenticated by the sidebar token (the scope's onRequest hook, sidebar-auth.ts), in the envelope. */
export function sidebarRoute<B extends Schema | undefined = undefined, Q extends Schema | undefined = undefined, R extends Schema = Schema>(
  app: FastifyInstance,
  definition: {
    method: 'GET' | 'POST';
    url: string;
    summary: string;
    body?: B;
    query?: Q;
    response: R;
    handler: (request: { ctx: RequestContext; body: Infer<B>; query: Infer<Q>; raw: FastifyRequest }) => Promise<z.output<R>> | z.output<R>;
  },
): void {
  app.route({
    method: definition.method,
    url: definition.url,
    schema: {
      summary: definition.summary,
      tags: ['sidebar'],
      security: [{ token: [] }],
      ...(definition.body ? { body: definition.body } : {}),
      ...(definition.query ? { querystring: definition.query } : {}),
      response: { 200: envelope(definition.response) },
    },
    handler: async (request) => {
      const date = await definition.handler({ ctx: request.ctx, body: request.body as Infer<B>, query: request.query as Infer<Q>, raw: request });
      return { code: '200', msg: translate('ok', request.ctx.locale), date };
    },
  });
}

/** The public address of a mini-program reply's cover, which WeCom's client loads (sendChatMessage imgUrl must be http(s)). */
const coverUrlOf = (request: FastifyRequest) => (replyId: number) => `${request.protocol}://${request.host}/scrm/sidebar/reply/cover?id=${replyId}`;

/** /scrm/sidebar/**: the employee's endpoints (sidebar token, scoped to that employee). */
export const sidebarRoutes = (service: SidebarService) => async (app: FastifyInstance) => {
  sidebarRoute(app, { method: 'GET', url: '/me', summary: 'The employee the sidebar token is for', response: meResult, handler: ({ ctx }) => service.me(ctx) });
  sidebarRoute(app, {
    method: 'POST', url: '/js-signature', summary: 'ww.register signatures (config and agentConfig) for the page URL', body: signatureBody, response: signatureResult,
    handler: ({ body }) => service.signatures(body.url),
  });
  sidebarRoute(app, {
    method: 'GET', url: '/customer', summary: "The chat's customer: profile, this employee's relation, tags and follow-up notes (404 unless it is this employee's customer)",
    query: externalUseridQuery, response: customerView, handler: ({ ctx, query }) => service.customer(ctx, query.externalUserid),
  });
  sidebarRoute(app, {
    method: 'POST', url: '/customer/tags', summary: "Sets the relation's corp or SCRM tags (corp tags are marked in WeCom first)", body: setTagsBody, response: tagsResult,
    handler: ({ ctx, body }) => service.setTags(ctx, body),
  });
  sidebarRoute(app, { method: 'GET', url: '/tag/options', summary: 'Corp and SCRM tags by group, to choose from', response: tagOptions, handler: ({ ctx }) => service.tagOptions(ctx) });
  sidebarRoute(app, {
    method: 'POST', url: '/note/save', summary: "A follow-up note on this employee's relation with the customer", body: noteSaveBody, response: noteRecord,
    handler: ({ ctx, body }) => service.addNote(ctx, body.externalUserid, body.content),
  });
  sidebarRoute(app, {
    method: 'POST', url: '/note/delete', summary: "Deletes one of this employee's notes", body: noteDeleteBody, response: z.object({ id: z.number() }),
    handler: ({ ctx, body }) => service.deleteNote(ctx, body.id),
  });
  sidebarRoute(app, {
    method: 'GET', url: '/lead', summary: "The lead linked to the chat's customer: this employee's own, with its timeline (404 unless the customer is theirs)",
    query: externalUseridQuery, response: customerLead, handler: ({ ctx, query }) => service.lead(ctx, query.externalUserid),
  });
  sidebarRoute(app, {
    method: 'POST', url: '/lead/search', summary: "This employee's own leads no customer is linked to (to link the chat's customer to)", body: leadSearchBody, response: leadSearchResult,
    handler: ({ ctx, body }) => service.searchLeads(ctx, body.keyword),
  });
  sidebarRoute(app, {
    method: 'POST', url: '/lead/link', summary: "Links the chat's customer to one of this employee's leads (another's: 404); the lead's timeline and the audit log", body: leadLinkBody, response: customerLead,
    handler: ({ ctx, body }) => service.linkLead(ctx, body.externalUserid, body.clueId),
  });
  sidebarRoute(app, {
    method: 'POST', url: '/lead/unlink', summary: "Unlinks this employee's lead from the chat's customer (another's, or linked to another customer: 404); the lead's timeline and the audit log", body: leadLinkBody, response: customerLead,
    handler: ({ ctx, body }) => service.unlinkLead(ctx, body.externalUserid, body.clueId),
  });
  sidebarRoute(app, {
    method: 'POST', url: '/lead/due', summary: "我的待办: this employee's own leads whose next follow-up is due (by the end of today, corp time zone), earliest first; overdue marked",
    body: dueLeadsQuery, response: dueLeadsResult, handler: ({ ctx, body }) => service.dueLeads(ctx, body),
  });
  sidebarRoute(app, {
    method: 'POST', url: '/lead/followup', summary: "Records a follow-up on this employee's own lead, as the console's 手动跟进 (another's or the pool's: 404, nothing written)",
    body: leadFollowUpBody, response: leadFollowUpResult, handler: ({ ctx, body }) => service.followUpLead(ctx, body),
  });
  sidebarRoute(app, {
    method: 'GET', url: '/group', summary: "The group chat's group (one this employee owns or is in now as a member; else 404): owner, members, today's joins and quits", query: chatIdQuery, response: groupView,
    handler: ({ ctx, query }) => service.group(ctx, query.chatId),
  });
  sidebarRoute(app, { method: 'GET', url: '/reply/folders', summary: '话术库 folders', response: z.array(folderRecord), handler: ({ ctx }) => service.folders(ctx) });
  sidebarRoute(app, {
    method: 'POST', url: '/reply/search', summary: '话术库: replies by keyword (title, text, media title) and folder', body: replySearchBody, response: z.array(replyRecord),
    handler: ({ ctx, body }) => service.searchReplies(ctx, body),
  });
  sidebarRoute(app, {
    method: 'POST', url: '/reply/message', summary: 'What to pass to ww.sendChatMessage for a reply (media uploaded to WeCom as needed)', body: replyIdBody, response: chatMessage,
    handler: ({ ctx, body, raw }) => service.chatMessageOf(ctx, body.id, coverUrlOf(raw)),
  });
  sidebarRoute(app, {
    method: 'POST', url: '/reply/used', summary: 'A reply was sent (sendChatMessage ok): counts its use', body: replyIdBody, response: z.object({ id: z.number() }),
    handler: ({ ctx, body }) => service.replyUsed(ctx, body.id),
  });
};

/** The sidebar's public endpoints: its settings and the sign-in (the code is the credential), and mini-program covers. */
export const sidebarPublicRoutes = (service: SidebarService, settings: () => z.output<typeof sidebarSettings>, mediaFiles: Pick<MediaService, 'file'>) =>
  async (app: FastifyInstance) => {
    const ok = (request: FastifyRequest) => translate('ok', request.headers['accept-language']?.toLowerCase().startsWith('en') ? 'en' : 'zh');
    app.get('/settings', { schema: { summary: 'What the page needs before sign-in: corp, app, the OAuth2 authorize address', tags: ['sidebar'], response: { 200: envelope(sidebarSettings) } } }, async (request) => ({
      code: '200', msg: ok(request), date: settings(),
    }));
    app.post('/auth', { schema: { summary: 'Sign-in: the OAuth2 code → auth/getuserinfo → the employee → a sidebar token', tags: ['sidebar'], body: authBody, response: { 200: envelope(authResult) } } }, async (request) => ({
      code: '200', msg: ok(request), date: await service.signIn((request.body as z.output<typeof authBody>).code),
    }));
    app.get('/reply/cover', { schema: { summary: "A mini-program reply's cover image (public: WeCom's client loads it)", tags: ['sidebar'], querystring: idQuery } }, async (request, reply) => {
      // Nobody's context (a self-scope viewer of no employee): the cover of a live mini-program reply is all it serves.
      const nobody = sidebarContext(request, { userid: '', name: '', userId: null, username: 'public' });
      const file = await mediaFiles.file(nobody, await service.coverMediaOf((request.query as { id: number }).id));
      return reply.type(file.mime).header('cache-control', 'public, max-age=3600').send(file.stream);
    });
  };

/** 话术库 in the console: /scrm/admin/reply/** (menu 话术库), and the notes on a customer in the customer drawer. */
export const replyAdminRoutes = (service: SidebarService) => async (app: FastifyInstance) => {
  route(app, { method: 'GET', url: '/folder/list', summary: '话术分组 list', permission: 'reply:list', response: z.array(folderRecord), handler: ({ ctx }) => service.folders(ctx) });
  route(app, { method: 'POST', url: '/folder/save', summary: '话术分组 添加或者修改', permission: 'reply:save', body: folderSaveBody, response: folderRecord, handler: ({ ctx, body }) => service.saveFolder(ctx, body) });
  route(app, { method: 'POST', url: '/folder/delete', summary: '话术分组 删除 (with their replies)', permission: 'reply:delete', body: idsBody, response: z.object({ deleted: z.number() }), handler: ({ ctx, body }) => service.deleteFolders(ctx, body.ids) });
  route(app, { method: 'POST', url: '/page', summary: '话术 分页查询 (folder, keyword, type)', permission: 'reply:list', body: replyPageQuery, response: page(replyRecord), handler: ({ ctx, body }) => service.page(ctx, body) });
  route(app, { method: 'POST', url: '/save', summary: '话术 添加或者修改 (text, or a media-library item of the type)', permission: 'reply:save', body: replySaveBody, response: replyRecord, handler: ({ ctx, body }) => service.saveReply(ctx, body) });
  route(app, { method: 'POST', url: '/delete', summary: '话术 删除', permission: 'reply:delete', body: idsBody, response: z.object({ deleted: z.number() }), handler: ({ ctx, body }) => service.deleteReplies(ctx, body.ids) });
};

export const noteAdminRoutes = (service: SidebarService) => async (app: FastifyInstance) => {
  route(app, {
    method: 'GET', url: '/list', summary: "跟进记录: employees' follow-up notes on a customer (their relations in the caller's scope)", permission: 'cust:info:query',
    query: noteListQuery, response: z.array(noteRecord), handler: ({ ctx, query }) => service.notesOf(ctx, query.externalUserid),
  });
};
