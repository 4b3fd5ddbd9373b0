import { sql } from 'drizzle-orm';
import { bigint, index, integer, pgTable, text } from 'drizzle-orm/pg-core';
import { audit, id, isDel, ref } from './columns.ts';

/**
 * 跟进记录: an employee's notes on a customer, on their relation (external_userid + the employee's WeCom userid).
 * Written from the sidebar by that employee; read there and in the console's customer drawer within the viewer's scope.
 */
export const customerNote = pgTable(
  'customer_note',
  {
    id: id(),
    externalUserid: text().notNull(),
    /** The employee (WeCom userid) whose relation the note is on, and who wrote it. */
    userid: text().notNull(),
    content: text().notNull(),
    isDel: isDel(),
    ...audit,
  },
  (t) => [index('customer_note_customer_idx').on(t.externalUserid, t.ctime).where(sql`is_del = 0`)],
);

/** 话术库 folders. */
export const replyFolder = pgTable('reply_folder', {
  id: id(),
  name: text().notNull(),
  sort: integer().notNull().default(0),
  isDel: isDel(),
  ...audit,
});

/**
 * 话术: a quick reply the employee sends into the chat from the sidebar (JS-SDK sendChatMessage). Text is its own
 * content; image, link, mini-program, video and file replies are an item of the media library (acq_media).
 */
export const quickReply = pgTable(
  'quick_reply',
  {
    id: id(),
    folderId: ref().notNull(),
    title: text().notNull(),
    /** text | image | link | miniprogram | video | file (the media item's type). */
    type: text().notNull(),
    content: text().notNull().default(''),
    mediaId: ref(),
    sort: integer().notNull().default(0),
    useCount: bigint({ mode: 'number' }).notNull().default(0),
    isDel: isDel(),
    ...audit,
  },
  (t) => [index('quick_reply_folder_idx').on(t.folderId).where(sql`is_del = 0`)],
);
