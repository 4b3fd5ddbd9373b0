import { z } from 'zod';
import { dateTime, id, optionalText, pageQuery, requiredText } from '../../platform/http/schemas.ts';

/** WeCom's limits (API-FACTS-OPERATIONS §19): ≤100 templates a corp; text ≤3000 bytes on add, 4000 on edit. */
export const GROUP_WELCOME_LIMITS = { templates: 100, addTextBytes: 3000, editTextBytes: 4000, linkTitleBytes: 128, linkDescBytes: 512, miniprogramTitleBytes: 64 } as const;
export const ATTACHMENT_KINDS = ['image', 'link', 'miniprogram', 'file', 'video'] as const;

export const groupWelcomeSaveBody = z.object({
  id: id.optional().describe('absent: a new template (added to WeCom); present: changes it in WeCom'),
  name: requiredText(64).describe('a name for the operator (WeCom keeps none)'),
  text: z.string().max(4000).default('').describe('the welcome text; %NICKNAME% becomes the customer\'s nickname; at most 3000 bytes (4000 when edited) as WeCom counts them'),
  mediaId: z.number().int().positive().nullable().optional().describe('one media-library item sent after the text: image, link, miniprogram, file or video'),
  notify: z.boolean().default(true).describe('WeCom tells the members to apply it to their groups (new templates only)'),
});
export type GroupWelcomeSaveBody = z.output<typeof groupWelcomeSaveBody>;

export const groupWelcomePageQuery = pageQuery.extend({
  name: optionalText(64).describe('name or text contains'),
});
export type GroupWelcomePageQuery = z.output<typeof groupWelcomePageQuery>;

export const groupWelcomeRecord = z.object({
  id: z.number(),
  templateId: z.string().describe('WeCom template_id'),
  name: z.string(),
  text: z.string().nullable(),
  mediaId: z.number().nullable(),
  attachmentType: z.enum(ATTACHMENT_KINDS).nullable(),
  attachmentTypeText: z.string().nullable().describe('the attachment kind in words'),
  attachmentTitle: z.string().nullable(),
  notify: z.boolean(),
  cuser: z.string().nullable(),
  ctime: dateTime,
  muser: z.string().nullable(),
  mtime: dateTime,
});
export type GroupWelcomeRecord = z.output<typeof groupWelcomeRecord>;
