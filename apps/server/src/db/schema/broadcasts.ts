import { boolean, index, integer, jsonb, pgTable, primaryKey, smallint, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { audit, id, isDel, ref, time } from './columns.ts';

/** customer: 客户群发 (add_msg_template single); group: 客户群群发 (chat_type group); moment: 朋友圈 (add_moment_task). */
export type BroadcastKind = 'customer' | 'group' | 'moment';
export type BroadcastStatus = 'draft' | 'scheduled' | 'sending' | 'sent' | 'cancelled' | 'failed';

/** What a broadcast sends: text and media-library items (acq_media ids), in order. */
export interface BroadcastContent {
  text: string;
  mediaIds: number[];
}

/** Who sends: WeCom employees (userids) and WeCom departments (sub-departments included). */
export interface BroadcastSenders {
  userids: string[];
  deptIds: number[];
}

/**
 * Who receives. Customers: a segment over relations (corp tags any/all, SCRM tags, excluded tags, channel or
 * link, add-time range, gender); groups: chosen groups or the groups of chosen owners; moments: visible to
 * customers with these corp tags (all the senders' customers when none).
 */
export interface BroadcastAudience {
  corpTagIds?: number[];
  corpTagMatch?: 'any' | 'all';
  selfTagIds?: number[];
  excludeTagIds?: number[];
  channelIds?: number[];
  linkIds?: number[];
  /** 客户阶段 ids: customers in any of these stages. */
  stageIds?: number[];
  addTimeStart?: string;
  addTimeEnd?: string;
  gender?: 0 | 1 | 2;
  chatIds?: string[];
  ownerUserids?: string[];
}

/**
 * A broadcast (群发 / 朋友圈). Its creator's user and department decide who else sees it (the data scope of the
 * creator's records); its senders and audience were checked against the creator's scope when it was saved and sent.
 */
export const broadcast = pgTable(
  'broadcast',
  {
    id: id(),
    kind: text().$type<BroadcastKind>().notNull(),
    name: text().notNull(),
    status: text().$type<BroadcastStatus>().notNull().default('draft'),
    content: jsonb().$type<BroadcastContent>().notNull(),
    senders: jsonb().$type<BroadcastSenders>().notNull(),
    audience: jsonb().$type<BroadcastAudience>().notNull(),
    /** Send at this time (null: at once when sent). */
    scheduleAt: time(),
    creatorId: ref().notNull(),
    creatorDeptId: ref(),
    /** The creator's WeCom account (self scope reaches their own relations through it). */
    creatorQwUserid: text(),
    /** When the dispatch began and ended (every chunk created, failed or unknown). */
    dispatchedAt: time(),
    sentAt: time(),
    /** Unconfirmed tasks count as expired after this (settings' expiry days after sentAt). */
    expireAt: time(),
    /** When senders who have not confirmed get the reminder (settings' reminder time). */
    remindAt: time(),
    /** Tracking ended: every task final, or expired, or cancelled. */
    trackedAt: time(),
    lastTrackAt: time(),
    cancelledAt: time(),
    /** Why the broadcast failed (a stored WeCom failure or a reason key). */
    failure: text(),
    /** Times remind was called (WeCom allows three within 24 hours). */
    remindTimes: jsonb().$type<string[]>().notNull().default([]),
    plannedCount: integer().notNull().default(0),
    excludedCount: integer().notNull().default(0),
    isDel: isDel(),
    ...audit,
  },
  (table) => [index('broadcast_kind_idx').on(table.kind, table.isDel, table.ctime), index('broadcast_status_idx').on(table.status)],
);

/** pending: to call; in_flight: marked before the call (committed); created: WeCom task made (msgid / jobid kept); failed: WeCom refused; unknown: found in flight after a crash or a lost answer. */
export type BroadcastChunkStatus = 'pending' | 'in_flight' | 'created' | 'failed' | 'unknown';

/**
 * One WeCom task: add_msg_template for one sender and at most WeCom's per-call number of recipients, or one
 * add_moment_task. Marked in flight (committed) before the call and its msgid kept after, so a resumed dispatch
 * never makes a second task: a chunk found in flight is unknown and sent again only when the operator says so.
 */
export const broadcastChunk = pgTable(
  'broadcast_chunk',
  {
    id: id(),
    broadcastId: ref().notNull(),
    /** The sender (group owner); '' for a moment task (its senders are broadcast_sender rows). */
    userid: text().notNull(),
    seq: integer().notNull(),
    status: text().$type<BroadcastChunkStatus>().notNull().default('pending'),
    size: integer().notNull().default(0),
    msgid: text(),
    /** add_moment_task's job, then its moment. */
    jobid: text(),
    momentId: text(),
    attempts: integer().notNull().default(0),
    failure: text(),
    /** Recipients WeCom listed as invalid (fail_list). */
    failCount: integer().notNull().default(0),
    calledAt: time(),
    createdAt: time(),
    /** Tracking: the task is final (every result read). */
    settled: boolean().notNull().default(false),
    cancelled: boolean().notNull().default(false),
  },
  (table) => [uniqueIndex('broadcast_chunk_seq_idx').on(table.broadcastId, table.userid, table.seq), index('broadcast_chunk_msgid_idx').on(table.msgid)],
);

/** waiting: not yet confirmed in WeCom; sent: confirmed (发送 / 发表); expired; cancelled; failed (no task made). */
export type BroadcastSenderStatus = 'waiting' | 'sent' | 'expired' | 'cancelled' | 'failed';

/** One sender of a broadcast and whether they confirmed their task(s). */
export const broadcastSender = pgTable(
  'broadcast_sender',
  {
    broadcastId: ref().notNull(),
    userid: text().notNull(),
    status: text().$type<BroadcastSenderStatus>().notNull().default('waiting'),
    planned: integer().notNull().default(0),
    sentAt: time(),
    remindedAt: time(),
  },
  (table) => [primaryKey({ columns: [table.broadcastId, table.userid] })],
);

/**
 * planned: in a chunk not yet created; pending: task created, the sender has not sent; delivered; not_friend;
 * over_limit; failed (WeCom's fail_list or the chunk failed); expired; cancelled; excluded (left out, `reason`).
 */
export type BroadcastRecipientStatus = 'planned' | 'pending' | 'delivered' | 'not_friend' | 'over_limit' | 'failed' | 'expired' | 'cancelled' | 'excluded' | 'unknown';
/** Why a customer was left out: not a friend of any sender, at the receive limit, on the do-not-disturb list. */
export type BroadcastExclusion = 'not_friend' | 'receive_limit' | 'dnd';

/** A recipient (customer or group) of a broadcast: its sender and chunk, its outcome; names kept as planned. */
export const broadcastRecipient = pgTable(
  'broadcast_recipient',
  {
    broadcastId: ref().notNull(),
    /** external_userid, or chat_id for group broadcasts. */
    target: text().notNull(),
    /** The customer's or group's name when planned. */
    name: text().notNull().default(''),
    userid: text().notNull().default(''),
    chunkSeq: integer(),
    status: text().$type<BroadcastRecipientStatus>().notNull(),
    reason: text().$type<BroadcastExclusion>(),
    sendTime: time(),
  },
  (table) => [
    primaryKey({ columns: [table.broadcastId, table.target] }),
    index('broadcast_recipient_sender_idx').on(table.broadcastId, table.userid, table.chunkSeq),
    index('broadcast_recipient_delivered_idx').on(table.target, table.sendTime),
  ],
);

/** Customers who asked not to be messaged: every customer broadcast leaves them out. */
export const broadcastDnd = pgTable(
  'broadcast_dnd',
  {
    id: id(),
    externalUserid: text().notNull(),
    name: text().notNull().default(''),
    reason: text().notNull().default(''),
    ...audit,
  },
  (table) => [uniqueIndex('broadcast_dnd_customer_idx').on(table.externalUserid)],
);

/** month: per calendar month (count null: the days of that month, WeCom's current default); week; day. */
export type ReceiveLimitPeriod = 'month' | 'week' | 'day';

/** The corp's broadcast settings (one row, id 1). */
export const broadcastSettings = pgTable('broadcast_settings', {
  id: smallint().primaryKey(),
  receiveLimitPeriod: text().$type<ReceiveLimitPeriod>().notNull().default('month'),
  receiveLimitCount: integer(),
  expireDays: integer().notNull().default(3),
  /** HH:mm in the corp's time zone; null: no reminder. */
  remindTime: text().default('17:00'),
  ...audit,
});

/** Employees' own mass messages (get_groupmsg_list_v2, 个人发表) delivered to customers or groups (target: external_userid or chat_id): they count toward the receive limit. */
export const broadcastOwnSend = pgTable(
  'broadcast_own_send',
  {
    msgid: text().notNull(),
    target: text().notNull(),
    sendTime: time().notNull(),
  },
  (table) => [primaryKey({ columns: [table.msgid, table.target] }), index('broadcast_own_send_target_idx').on(table.target, table.sendTime)],
);
