import { z } from 'zod';
import { dateTime, id, optionalText, page, pageQuery, requiredText } from '../../platform/http/schemas.ts';
import { eventRecord, FOLLOW_METHODS, LEAD_STATUSES } from '../leads/leads.schemas.ts';

const externalUserid = z.string().trim().min(1).max(64);
const chatId = z.string().trim().min(1).max(64);

// ---- who is using it -----------------------------------------------------------------------------

export const sidebarSettings = z.object({
  corpId: z.string(),
  agentId: z.string().nullable().describe('the app (WECOM_AGENT_ID) the page registers with (agentConfig)'),
  oauthAuthorizeUrl: z.string().describe("WeCom's connect/oauth2/authorize on its open host (WECOM_OAUTH_BASE)"),
  demo: z.boolean().describe('the demo client bridge is served (demo mode on this machine only)'),
});

export const authBody = z.object({ code: z.string().trim().min(1).max(512).describe('the code connect/oauth2/authorize gave the page') });
export const authResult = z.object({
  token: z.string().describe('the sidebar token (header `token`): only /scrm/sidebar/**, only this employee'),
  expiresAt: dateTime,
  employee: z.object({ userid: z.string(), name: z.string() }),
});

export const meResult = z.object({ userid: z.string(), name: z.string() });

export const signatureBody = z.object({ url: z.string().trim().url().max(2048).describe('the page URL (without #…) the client will check') });
const signature = z.object({ timestamp: z.number(), nonceStr: z.string(), signature: z.string() });
export const signatureResult = z.object({
  corpId: z.string(),
  agentId: z.string().nullable(),
  config: signature.describe('ww.register getConfigSignature (corp jsapi_ticket)'),
  agentConfig: signature.nullable().describe('ww.register getAgentConfigSignature (app ticket); null without WECOM_AGENT_ID'),
});

// ---- a customer ----------------------------------------------------------------------------------

export const externalUseridQuery = z.object({ externalUserid });

const tagItem = z.object({ id: z.number(), name: z.string(), groupName: z.string() });

export const noteRecord = z.object({
  id: z.number(),
  externalUserid: z.string(),
  userid: z.string().describe("the employee whose relation the note is on (who wrote it)"),
  employeeName: z.string().nullable(),
  content: z.string(),
  ctime: dateTime,
  mine: z.boolean().describe('written by the caller (the sidebar employee): they may delete it'),
});
export type NoteRecord = z.output<typeof noteRecord>;

export const customerView = z.object({
  customer: z.object({
    externalUserid: z.string(),
    name: z.string(),
    avatar: z.string().nullable(),
    type: z.number().describe('1 WeChat user, 2 WeCom user'),
    gender: z.number(),
    corpName: z.string().nullable(),
    corpFullName: z.string().nullable(),
    position: z.string().nullable(),
  }),
  relation: z.object({
    id: z.number(),
    addedAt: dateTime.describe('when this employee added the customer'),
    addWay: z.number(),
    sourceName: z.string().nullable().describe('the acquisition link or channel QR code the customer came through'),
    channelName: z.string().nullable(),
    remark: z.string(),
    description: z.string(),
    remarkCorpName: z.string(),
    remarkMobiles: z.array(z.string()),
    status: z.string(),
  }),
  corpTags: z.array(tagItem),
  selfTags: z.array(tagItem),
  notes: z.array(noteRecord),
});

export const setTagsBody = z.object({
  externalUserid,
  tagType: z.enum(['corp', 'self']),
  tagIds: z.array(z.number().int().positive()).max(500).describe('the tags of this type the relation ends up with'),
});
export const tagsResult = z.object({ corpTags: z.array(tagItem), selfTags: z.array(tagItem) });

export const tagOptions = z.object({
  corp: z.array(z.object({ id: z.number(), name: z.string(), tags: z.array(z.object({ id: z.number(), name: z.string() })) })),
  self: z.array(z.object({ id: z.number(), name: z.string(), tags: z.array(z.object({ id: z.number(), name: z.string() })) })),
});

export const noteSaveBody = z.object({ externalUserid, content: requiredText(2000) });
export const noteDeleteBody = z.object({ id });
export const noteListQuery = z.object({ externalUserid });

// ---- the customer's lead ------------------------------------------------------------------------

const leadBrief = z.object({
  id: z.number(),
  name: z.string(),
  status: z.enum(LEAD_STATUSES),
  ownerName: z.string().nullable(),
  company: z.string(),
  primaryPhone: z.string().nullable(),
  nextFollowAt: dateTime.nullable(),
  lastFollowAt: dateTime.nullable(),
  linkedAt: dateTime.nullable(),
});
export const customerLead = z.object({
  lead: leadBrief.nullable().describe("the employee's own lead linked to the customer"),
  linkedElsewhere: z.boolean().describe("the customer is linked to a lead that is not this employee's (the pool's or a colleague's)"),
  events: z.array(eventRecord).describe("the lead's timeline, newest first (50)"),
});
export const leadSearchBody = z.object({ keyword: optionalText(64).describe('name contains, or phone contains when digits') });
export const leadSearchResult = z.array(leadBrief);
export const leadLinkBody = z.object({ externalUserid, clueId: id });

// ---- my to-dos: the employee's lead follow-ups that are due ---------------------------------------

export const dueLeadsQuery = pageQuery.extend({ pageSize: z.coerce.number().int().min(1).max(100).default(50) });
export const dueLead = leadBrief.extend({ overdue: z.boolean().describe('the next follow-up time has passed') });
export const dueLeadsResult = page(dueLead).describe('earliest next follow-up first');
export const leadFollowUpBody = z.object({
  leadId: id,
  content: requiredText(2000).describe('what was done (required, as in the console)'),
  method: z.enum(FOLLOW_METHODS).default('wechat'),
  nextFollowAt: dateTime.optional().describe('the next follow-up time; without it the lead has none (as in the console)'),
});
export const leadFollowUpResult = leadBrief;

// ---- a group ------------------------------------------------------------------------------------

export const chatIdQuery = z.object({ chatId });
export const groupView = z.object({
  chatId: z.string(),
  name: z.string(),
  ownerName: z.string().nullable(),
  notice: z.string(),
  createTime: dateTime,
  memberCount: z.number(),
  customerCount: z.number(),
  joinedToday: z.number(),
  quitToday: z.number(),
  members: z.array(z.object({ name: z.string(), type: z.number().describe('1 employee, 2 customer'), joinTime: dateTime })),
});

// ---- quick replies (话术库) ---------------------------------------------------------------------

export const REPLY_TYPES = ['text', 'image', 'link', 'miniprogram', 'video', 'file'] as const;

export const folderRecord = z.object({ id: z.number(), name: z.string(), sort: z.number(), replyCount: z.number() });
export const folderSaveBody = z.object({ id: id.optional(), name: requiredText(64), sort: z.number().int().min(0).max(9999).optional() });
export const replyRecord = z.object({
  id: z.number(),
  folderId: z.number(),
  folderName: z.string(),
  title: z.string(),
  type: z.enum(REPLY_TYPES),
  content: z.string().describe('the text of a text reply'),
  mediaId: z.number().nullable().describe('the media-library item of the other kinds'),
  mediaTitle: z.string().nullable(),
  sort: z.number(),
  useCount: z.number(),
  mtime: dateTime,
});
export type ReplyRecord = z.output<typeof replyRecord>;
export const replyPageQuery = pageQuery.extend({ folderId: id.optional(), keyword: optionalText(64), type: z.enum(REPLY_TYPES).optional() });
export type ReplyPageQuery = z.output<typeof replyPageQuery>;
export const replySaveBody = z
  .object({
    id: id.optional(),
    folderId: id,
    title: requiredText(64),
    type: z.enum(REPLY_TYPES),
    content: z.string().trim().max(4000).optional().describe('text replies: the text (at most 4000 characters)'),
    mediaId: id.optional().describe('other kinds: the media-library item of that type'),
    sort: z.number().int().min(0).max(9999).optional(),
  })
  .refine((body) => (body.type === 'text' ? !!body.content : !!body.mediaId), { message: 'a text reply needs content; other kinds a mediaId', path: ['content'] });
export type ReplySaveBody = z.output<typeof replySaveBody>;

export const replySearchBody = z.object({ keyword: optionalText(64), folderId: id.optional() });

/** What the page hands to ww.sendChatMessage (API-FACTS-OPERATIONS §23.5: JS keys mediaid and imgUrl). */
export const chatMessage = z.object({
  msgtype: z.enum(['text', 'image', 'video', 'file', 'news', 'miniprogram']),
  text: z.object({ content: z.string() }).optional(),
  image: z.object({ mediaid: z.string() }).optional(),
  video: z.object({ mediaid: z.string() }).optional(),
  file: z.object({ mediaid: z.string() }).optional(),
  news: z.object({ link: z.string(), title: z.string(), desc: z.string(), imgUrl: z.string() }).optional(),
  miniprogram: z.object({ appid: z.string(), title: z.string(), imgUrl: z.string(), page: z.string() }).optional(),
});
export type ChatMessage = z.output<typeof chatMessage>;
export const replyIdBody = z.object({ id });
