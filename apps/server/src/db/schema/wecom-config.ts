import { boolean, jsonb, pgTable, smallint, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { audit, id, ref, time } from './columns.ts';

/** The one attachment of a group welcome template, as SCRM last wrote it to WeCom (names for the console). */
export type GroupWelcomeAttachmentKind = 'image' | 'link' | 'miniprogram' | 'file' | 'video';

/**
 * 入群欢迎语素材 (API-FACTS-OPERATIONS §19): SCRM's copy of the templates it wrote to WeCom's corp library (WeCom has
 * no list API, so this table is the list). Written in the same request that writes WeCom, right after it succeeds.
 */
export const groupWelcomeTemplate = pgTable(
  'group_welcome_template',
  {
    id: id(),
    /** WeCom's template_id. */
    templateId: text().notNull(),
    /** A name for the operator (WeCom has none). */
    name: text().notNull(),
    text: text(),
    /** The media library item sent as the one attachment (image, link, miniprogram, file or video), if any. */
    mediaId: ref(),
    attachmentType: text().$type<GroupWelcomeAttachmentKind>(),
    /** Its title when saved (the library item may be deleted later). */
    attachmentTitle: text(),
    /** Whether WeCom was asked to tell the members to apply it to their groups (add only). */
    notify: boolean().notNull().default(true),
    ...audit,
  },
  (t) => [uniqueIndex('group_welcome_template_template_id').on(t.templateId)],
);

/**
 * 聊天敏感词拦截规则 (API-FACTS-OPERATIONS §21): WeCom's rules, those SCRM made and those an administrator made in WeCom's
 * admin console (picked up by sync; WeCom lets an app change only its own). Range as WeCom ids; names are read
 * from the org mirror when shown.
 */
export const interceptRule = pgTable(
  'intercept_rule',
  {
    id: id(),
    /** WeCom's rule_id. */
    ruleId: text().notNull(),
    name: text().notNull(),
    words: jsonb().$type<string[]>().notNull().default([]),
    /** 1 mobile numbers, 2 email addresses, 3 red packets. */
    semantics: jsonb().$type<number[]>().notNull().default([]),
    /** 1 warn and block, 2 warn only. */
    interceptType: smallint().notNull(),
    /** WeCom userids of the applicable range. */
    userids: jsonb().$type<string[]>().notNull().default([]),
    /** WeCom department ids of the applicable range. */
    deptIds: jsonb().$type<number[]>().notNull().default([]),
    /** scrm: made through SCRM (editable here); wecom: made in WeCom's admin console (read-only here). */
    origin: text().$type<'scrm' | 'wecom'>().notNull(),
    wecomCreatedAt: time(),
    syncedAt: time(),
    ...audit,
  },
  (t) => [uniqueIndex('intercept_rule_rule_id').on(t.ruleId)],
);
