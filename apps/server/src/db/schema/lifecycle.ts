// Lifecycle (客户继承): the mirror of WeCom's unassigned customers of departed employees, and every transfer SCRM
// asked WeCom for — a batch per request, a row per customer or group with its outcome.
import { sql } from 'drizzle-orm';
import { bigint, index, integer, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { audit, id, ref, time } from './columns.ts';

/** One row per (departed employee, customer) WeCom's get_unassigned_list reports; rows not reported any more go. */
export const lifecycleUnassigned = pgTable(
  'lifecycle_unassigned',
  {
    id: id(),
    handoverUserid: text().notNull(),
    externalUserid: text().notNull(),
    /** WeCom's dimission_time. */
    dimissionTime: time(),
    /** When a refresh last saw the row. */
    seenAt: time().notNull(),
  },
  (t) => [uniqueIndex('lifecycle_unassigned_uq').on(t.handoverUserid, t.externalUserid), index('lifecycle_unassigned_seen_idx').on(t.seenAt)],
);

export type TransferKind = 'resigned' | 'onjob';
export type TransferOrigin = 'manual' | 'policy' | 'leads';
/**
 * sending: remembered, WeCom being called (a crash leaves it; shown as unknown after a while and never re-sent);
 * waiting: WeCom took it (takeover within 24 h); done; failed (reason); unknown: WeCom's answer never came.
 */
export type TransferItemStatus = 'sending' | 'waiting' | 'done' | 'failed' | 'unknown';

/** A transfer request: one handover → one takeover employee, customers and groups. */
export const lifecycleTransferBatch = pgTable(
  'lifecycle_transfer_batch',
  {
    id: id(),
    kind: text().$type<TransferKind>().notNull(),
    origin: text().$type<TransferOrigin>().notNull(),
    handoverUserid: text().notNull(),
    takeoverUserid: text().notNull(),
    /** A request with a key already seen returns this batch (a departure seen twice transfers once). */
    dedupeKey: text(),
    transferSuccessMsg: text(),
    /** The transfer-result job following the batch's customers. */
    jobId: ref(),
    ...audit,
  },
  (t) => [
    uniqueIndex('lifecycle_transfer_batch_dedupe_uq').on(t.dedupeKey).where(sql`dedupe_key IS NOT NULL`),
    index('lifecycle_transfer_batch_ctime_idx').on(t.ctime),
  ],
);

/** One customer or group of a batch and how its transfer stands. */
export const lifecycleTransferItem = pgTable(
  'lifecycle_transfer_item',
  {
    id: id(),
    batchId: bigint({ mode: 'number' }).notNull(),
    kind: text().$type<TransferKind>().notNull(),
    /** customer: target is an external_userid; group: a chat_id. */
    subject: text().$type<'customer' | 'group'>().notNull(),
    target: text().notNull(),
    handoverUserid: text().notNull(),
    takeoverUserid: text().notNull(),
    status: text().$type<TransferItemStatus>().notNull(),
    /** WeCom's errcode (0: accepted), null when SCRM refused it before calling or WeCom never answered. */
    errcode: integer(),
    /** Why it failed: a rule SCRM checks (rule:…), WeCom's transfer_fail reason, or a stored WeCom failure. */
    failReason: text(),
    /** When the takeover happened, or is due (WeCom's takeover_time). */
    takeoverTime: time(),
    settledAt: time(),
    ...audit,
  },
  (t) => [
    index('lifecycle_transfer_item_batch_idx').on(t.batchId),
    index('lifecycle_transfer_item_target_idx').on(t.target, t.ctime),
    index('lifecycle_transfer_item_pair_idx').on(t.handoverUserid, t.takeoverUserid, t.status),
    index('lifecycle_transfer_item_status_idx').on(t.status, t.ctime),
  ],
);
