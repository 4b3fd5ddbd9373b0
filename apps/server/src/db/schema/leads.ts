import { boolean, index, integer, jsonb, pgTable, smallint, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { audit, id, isDel, ref, time } from './columns.ts';

/**
 * pool: unassigned, in the public pool (公海); assigned: has an owner; converted: linked to a WeCom customer;
 * invalid: marked unusable; merged: folded into another lead (`mergedIntoId`), kept for history.
 */
export type LeadStatus = 'pool' | 'assigned' | 'converted' | 'invalid' | 'merged';

/** manual (added in the console), import (Excel), collect (third-party collection API). */
export type LeadSource = 'manual' | 'import' | 'collect';

/**
 * A lead (线索): a prospective customer, before or after they became a WeCom customer. The primary phone is
 * copied out of the contacts so duplicates are refused by one unique index (live, unmerged leads only).
 */
export const lead = pgTable(
  'lead',
  {
    id: id(),
    name: text().notNull(),
    /** 0 unknown, 1 male, 2 female (WeCom's convention). */
    gender: smallint().notNull().default(0),
    company: text().notNull().default(''),
    position: text().notNull().default(''),
    address: text().notNull().default(''),
    remark: text().notNull().default(''),
    source: text().$type<LeadSource>().notNull(),
    /** Where the lead came from, as the source named it (an import's column, a collecting platform). */
    channel: text().notNull().default(''),
    /** An acquisition channel (cust_channel) when the lead is attributed to one. */
    channelId: ref(),
    status: text().$type<LeadStatus>().notNull().default('pool'),
    /** The owning WeCom employee (qw_emp.userid); null while in the pool. Console users reach it through their binding. */
    ownerUserid: text(),
    assignedAt: time(),
    /** When and why the lead last went back to the pool (退回公海). */
    returnedAt: time(),
    returnReason: text(),
    /** The primary phone contact's value, for duplicate detection and lookup. */
    primaryPhone: text(),
    /** The linked WeCom customer. */
    externalUserid: text(),
    linkedAt: time(),
    /**
     * The State (contact way `state` / acquisition link `customer_channel`) of this lead's own link: a
     * customer added through it is linked to this lead.
     */
    linkState: text(),
    lastFollowAt: time(),
    nextFollowAt: time(),
    /** The nextFollowAt the owner was last reminded of (the reminder job queues one message per date). */
    followUpRemindedAt: time(),
    mergedIntoId: ref(),
    mergedAt: time(),
    /** The import (lead_import) and its spreadsheet row this lead came from: a row is applied at most once. */
    importId: ref(),
    importRow: integer(),
    isDel: isDel(),
    ...audit,
  },
  (t) => [
    uniqueIndex('lead_primary_phone_uq').on(t.primaryPhone).where(sql`merged_into_id IS NULL AND is_del = 0 AND primary_phone IS NOT NULL`),
    uniqueIndex('lead_external_userid_uq').on(t.externalUserid).where(sql`merged_into_id IS NULL AND is_del = 0 AND external_userid IS NOT NULL`),
    uniqueIndex('lead_link_state_uq').on(t.linkState),
    uniqueIndex('lead_import_row_uq').on(t.importId, t.importRow),
    index('lead_owner_userid_idx').on(t.ownerUserid, t.ctime).where(sql`is_del = 0`),
    // Live, unmerged leads by owner (migration 0037): a filtered page's count within a scope. The unfiltered total and
    // the owner views read lead_tally instead (0038): this index is read alone only while the visibility map is set.
    index('lead_live_owner_idx').on(t.ownerUserid).where(sql`is_del = 0 AND merged_into_id IS NULL`),
    index('lead_next_follow_idx').on(t.nextFollowAt).where(sql`is_del = 0 AND next_follow_at IS NOT NULL`),
    index('lead_status_idx').on(t.status, t.ctime),
    index('lead_ctime_idx').on(t.ctime, t.id),
  ],
);

/**
 * How many live, unmerged leads each owner has ('' for the pool), kept by statement triggers on lead (migration
 * 0038): 线索公海 opens with no filter, and its exact total is then a sum over the owners in the caller's scope. A
 * count read the leads themselves (the index alone only while the visibility map is set, which any update clears): half
 * the page's database time.
 */
export const leadTally = pgTable('lead_tally', {
  ownerUserid: text().primaryKey(),
  leads: integer().notNull().default(0),
});

/** phone, wechat (微信号), email, qq, other. */
export type LeadContactType = 'phone' | 'wechat' | 'email' | 'qq' | 'other';

/** A contact of a lead; exactly one primary per type a lead has. */
export const leadContact = pgTable(
  'lead_contact',
  {
    id: id(),
    leadId: ref().notNull(),
    type: text().$type<LeadContactType>().notNull(),
    value: text().notNull(),
    isPrimary: boolean().notNull().default(false),
    ctime: time().notNull().defaultNow(),
    cuser: text(),
  },
  (t) => [
    uniqueIndex('lead_contact_uq').on(t.leadId, t.type, t.value),
    uniqueIndex('lead_contact_primary_uq').on(t.leadId, t.type).where(sql`is_primary`),
    index('lead_contact_value_idx').on(t.type, t.value),
  ],
);

/** An SCRM tag (tag.type = 'self', the tags module's storage) on a lead. */
export const leadTag = pgTable(
  'lead_tag',
  {
    id: id(),
    leadId: ref().notNull(),
    tagId: ref().notNull(),
    ctime: time().notNull().defaultNow(),
    cuser: text(),
  },
  (t) => [uniqueIndex('lead_tag_uq').on(t.leadId, t.tagId), index('lead_tag_tag_id_idx').on(t.tagId)],
);

/** A follow-up record (跟进记录). */
export const leadFollowUp = pgTable(
  'lead_follow_up',
  {
    id: id(),
    leadId: ref().notNull(),
    /** phone, wechat, visit, other. */
    method: text().notNull().default('other'),
    content: text().notNull(),
    nextFollowAt: time(),
    /** The lead it was recorded on, when that lead was later merged into this one. */
    mergedFromId: ref(),
    userId: ref(),
    ctime: time().notNull().defaultNow(),
    cuser: text(),
  },
  (t) => [index('lead_follow_up_lead_idx').on(t.leadId, t.ctime)],
);

/** queued, running, completed, failed (retryable: upload the same file again). */
export type LeadImportStatus = 'queued' | 'running' | 'completed' | 'failed';

/** One Excel import: the file (by content hash, so a re-upload is recognised), its job and its counts. */
export const leadImport = pgTable(
  'lead_import',
  {
    id: id(),
    fileHash: text().notNull(),
    fileName: text().notNull().default(''),
    /** The uploaded file in the file store. */
    fileKey: text().notNull(),
    jobId: ref(),
    status: text().$type<LeadImportStatus>().notNull().default('queued'),
    /** Data rows seen (blank rows excluded); known once the whole file was read. */
    totalRows: integer(),
    /** Rows through which every row is settled (stored or reported): the checkpoint. */
    checkpointRow: integer().notNull().default(0),
    insertedRows: integer().notNull().default(0),
    invalidRows: integer().notNull().default(0),
    error: text(),
    /** The WeCom employee to give the imported leads (null: they go to the pool). */
    ownerUserid: text(),
    finishedAt: time(),
    ...audit,
  },
  (t) => [uniqueIndex('lead_import_file_hash_uq').on(t.fileHash)],
);

/** A spreadsheet row an import did not store, and why (the downloadable report). */
export const leadImportError = pgTable(
  'lead_import_error',
  {
    id: id(),
    importId: ref().notNull(),
    rowNumber: integer().notNull(),
    /** The column's header (as in the template), or '' for the row as a whole. */
    columnName: text().notNull().default(''),
    /** A message key (translated when the report is downloaded). */
    reason: text().notNull(),
    /** What the message refers to: the earlier row of a duplicate, the existing lead's id… */
    detail: text().notNull().default(''),
    /** The row's values, for the report. */
    rowValues: jsonb().$type<Record<string, string>>(),
  },
  (t) => [uniqueIndex('lead_import_error_uq').on(t.importId, t.rowNumber, t.columnName)],
);

/** A collection API request already applied (idempotency on the caller's request id, per app key). */
export const leadCollectRequest = pgTable(
  'lead_collect_request',
  {
    id: id(),
    appKey: text().notNull(),
    requestId: text().notNull(),
    leadId: ref().notNull(),
    created: boolean().notNull(),
    ctime: time().notNull().defaultNow(),
  },
  (t) => [uniqueIndex('lead_collect_request_uq').on(t.appKey, t.requestId)],
);

/** requested → waiting → completed | refused | limit_exceeded | failed (WeCom refused the request). */
export type LeadTransferStatus = 'waiting' | 'completed' | 'refused' | 'limit_exceeded' | 'failed' | 'no_record';

/** An on-the-job customer transfer (在职转移) requested from here, followed until WeCom settles it. */
export const leadTransfer = pgTable(
  'lead_transfer',
  {
    id: id(),
    externalUserid: text().notNull(),
    handoverUserid: text().notNull(),
    takeoverUserid: text().notNull(),
    status: text().$type<LeadTransferStatus>().notNull(),
    /** WeCom's per-customer errcode of transfer_customer (0: takeover started). */
    errcode: integer().notNull().default(0),
    failReason: text(),
    /** When the takeover happened, or is due (WeCom's takeover_time). */
    takeoverTime: time(),
    jobId: ref(),
    settledAt: time(),
    ...audit,
  },
  (t) => [
    index('lead_transfer_pair_idx').on(t.handoverUserid, t.takeoverUserid, t.status),
    index('lead_transfer_external_userid_idx').on(t.externalUserid, t.ctime),
  ],
);
