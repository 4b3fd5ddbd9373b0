import { boolean, index, integer, jsonb, pgTable, smallint, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { audit, id, time } from './columns.ts';

/**
 * A customer group chat (客户群), as WeCom last described it (groupchat/get). A dismissed group keeps its
 * row, marked dismissed, with its members as they were.
 */
export const groupChat = pgTable(
  'group_chat',
  {
    id: id(),
    chatId: text().notNull(),
    name: text().notNull().default(''),
    /** The owner's WeCom userid (群主). */
    owner: text().notNull().default(''),
    notice: text().notNull().default(''),
    /** Admins' WeCom userids. */
    adminList: jsonb().$type<string[]>().notNull().default([]),
    /** groupchat/list status: 0 normal, 1 owner resigned, 2 inheritance in progress, 3 inherited. */
    status: smallint().notNull().default(0),
    dismissed: boolean().notNull().default(false),
    dismissedAt: time(),
    /** When the group was created (WeCom's create_time). */
    createTime: time().notNull(),
    /** WeCom's member_version at the last fetch: events whose CurMemVer equals it need no refetch. */
    memberVersion: text().notNull().default(''),
    /** Members and external members (customers) at the last fetch. */
    memberCount: integer().notNull().default(0),
    customerCount: integer().notNull().default(0),
    /** A local note (企微聊天群 save). */
    remark: text().notNull().default(''),
    /** When the stored copy was last refreshed from WeCom. */
    syncedAt: time(),
    ...audit,
  },
  (t) => [
    uniqueIndex('group_chat_chat_id_uq').on(t.chatId),
    index('group_chat_owner_idx').on(t.owner, t.createTime),
    index('group_chat_create_time_idx').on(t.createTime, t.id),
  ],
);

/**
 * One membership period of a group member (employee or customer): from joining to quitting. A member who
 * quits keeps the row with the quit time (and the quit scene when an event said it); joining again is a new
 * row, so at most one row per (group, member) is current.
 */
export const groupMember = pgTable(
  'group_member',
  {
    id: id(),
    chatId: text().notNull(),
    /** The employee's userid or the customer's external_userid. */
    userid: text().notNull(),
    /** 1 corp member (employee), 2 external contact (customer). */
    type: smallint().notNull(),
    unionid: text(),
    joinTime: time().notNull(),
    /** 1 invited directly, 2 invited by link, 3 scanned the group QR code. */
    joinScene: smallint().notNull().default(0),
    /** Who invited the member (employee userid); null when joined by QR. */
    invitor: text(),
    groupNickname: text().notNull().default(''),
    name: text().notNull().default(''),
    /** The join way's state the member came through ('' when none). */
    state: text().notNull().default(''),
    /** When the member left; null while in the group. */
    quitTime: time(),
    /** 0 left by themselves, 1 removed by the owner or an admin; null when unknown (found gone by a fetch). */
    quitScene: smallint(),
    ...audit,
  },
  (t) => [
    uniqueIndex('group_member_current_uq').on(t.chatId, t.userid).where(sql`quit_time IS NULL`),
    index('group_member_chat_join_idx').on(t.chatId, t.joinTime, t.id),
    index('group_member_state_join_idx').on(t.state, t.joinTime).where(sql`state <> ''`),
    index('group_member_join_time_idx').on(t.joinTime),
    index('group_member_quit_time_idx').on(t.quitTime).where(sql`quit_time IS NOT NULL`),
    index('group_member_userid_idx').on(t.userid),
  ],
);
