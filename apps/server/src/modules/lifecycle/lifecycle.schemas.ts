import { z } from 'zod';
import { dateTime, optionalText, page, pageQuery } from '../../platform/http/schemas.ts';
import { relationFilters, relationPageQuery } from '../customers/customers.schemas.ts';

const wecomUserid = z.string().trim().min(1).max(64);
const externalUserid = z.string().trim().min(1).max(64);
const chatId = z.string().trim().min(1).max(64);
/** What one request may name (WeCom takes 100 a call; SCRM makes the calls). */
export const TRANSFER_REQUEST_MAX = 1000;

export const TRANSFER_KINDS = ['resigned', 'onjob'] as const;
export const TRANSFER_ITEM_STATUSES = ['sending', 'waiting', 'done', 'failed', 'unknown'] as const;
export const TRANSFER_ORIGINS = ['manual', 'policy', 'leads'] as const;

// ---- unassigned (离职继承) ----------------------------------------------------------------------------------

export const unassignedPageQuery = pageQuery.extend({
  name: optionalText(64).describe("the departed employee's name (fuzzy)"),
  userid: optionalText(64).describe('one departed employee (WeCom userid)'),
});
export type UnassignedPageQuery = z.output<typeof unassignedPageQuery>;

export const unassignedEmployee = z.object({
  userid: z.string(),
  name: z.string(),
  /** When the employee left (WeCom's dimission_time, else when SCRM saw them go). */
  leftAt: dateTime.nullable(),
  /** Customers WeCom lists as unassigned (get_unassigned_list). */
  customerCount: z.number().int(),
  /** Groups the employee still owns. */
  groupCount: z.number().int(),
  /** Customers whose transfer WeCom is still settling (up to 24 h). */
  waitingCount: z.number().int(),
});

export const unassignedGetQuery = z.object({ userid: wecomUserid });

const openTransfer = z
  .object({ status: z.enum(TRANSFER_ITEM_STATUSES), takeoverUserid: z.string(), takeoverName: z.string().nullable().describe('null: an employee SCRM never synced'), batchId: z.number().int() })
  .nullable()
  .describe('the latest open transfer (sending, waiting or unknown), if any');

export const unassignedDetail = z.object({
  userid: z.string(),
  name: z.string(),
  leftAt: dateTime.nullable(),
  customers: z.array(
    z.object({
      externalUserid: z.string(),
      name: z.string(),
      /** Listed by WeCom's get_unassigned_list (else known from SCRM's relations only, e.g. before the next refresh). */
      listedByWecom: z.boolean(),
      unassignedSince: dateTime.nullable(),
      transfer: openTransfer,
    }),
  ),
  groups: z.array(z.object({ chatId: z.string(), name: z.string(), status: z.number().int(), transfer: openTransfer })),
});

// ---- transfer requests ----------------------------------------------------------------------------------------

const transferTargets = {
  handoverUserid: wecomUserid.describe('the employee whose customers and groups move (WeCom userid)'),
  takeoverUserid: wecomUserid.describe('the employee who takes them over (must be able to take customers)'),
  externalUserids: z.array(externalUserid).max(TRANSFER_REQUEST_MAX).default([]).describe('customers of the handover employee'),
  chatIds: z.array(chatId).max(TRANSFER_REQUEST_MAX).default([]).describe('groups the handover employee owns'),
  allGroups: z.boolean().default(false).describe("all the handover employee's groups"),
};

export const resignedTransferBody = z.object({
  ...transferTargets,
  allCustomers: z.boolean().default(false).describe("all the departed employee's customers"),
});
export type ResignedTransferBody = z.output<typeof resignedTransferBody>;

export const onJobTransferBody = z.object({
  ...transferTargets,
  filters: relationFilters.optional().describe("every active customer of the handover employee matching these filters (the customer page's), up to 1000"),
  transferSuccessMsg: optionalText(200).describe('what the customer reads when the transfer succeeds (WeCom sends its default when absent)'),
});
export type OnJobTransferBody = z.output<typeof onJobTransferBody>;

export const transferItem = z.object({
  id: z.number().int(),
  batchId: z.number().int(),
  kind: z.enum(TRANSFER_KINDS),
  subject: z.enum(['customer', 'group']),
  /** external_userid or chat_id. */
  target: z.string(),
  /** The customer's or group's name. */
  targetName: z.string(),
  handoverUserid: z.string(),
  handoverName: z.string().nullable().describe('null: an employee SCRM never synced'),
  takeoverUserid: z.string(),
  takeoverName: z.string().nullable().describe('null: an employee SCRM never synced'),
  status: z.enum(TRANSFER_ITEM_STATUSES),
  /** What the status means and, when it failed or is unknown, why and what to do — in the reader's language. */
  reason: z.string().nullable(),
  /** The raw WeCom code and text, when WeCom gave one. */
  detail: z.string().nullable(),
  takeoverTime: dateTime.nullable(),
  settledAt: dateTime.nullable(),
  ctime: dateTime,
  cuser: z.string().nullable(),
});

export const transferResult = z.object({
  batchId: z.number().int(),
  /** A request with a dedupe key already seen: the first batch's outcome. */
  repeated: z.boolean(),
  counts: z.object({ sent: z.number().int(), refused: z.number().int(), failed: z.number().int(), unknown: z.number().int() }),
  /** Customers and groups SCRM refused before calling WeCom (its rules), with the reason. */
  refused: z.array(z.object({ externalUserid: z.string().optional(), chatId: z.string().optional(), name: z.string(), reason: z.string() })),
  items: z.array(transferItem),
  /** The job following the customers' results (GET /scrm/admin/job/get), null when none is needed. */
  jobId: z.number().int().nullable(),
});

// ---- records ---------------------------------------------------------------------------------------------------

export const recordPageQuery = pageQuery.extend({
  kind: z.enum(TRANSFER_KINDS).optional(),
  status: z.enum(TRANSFER_ITEM_STATUSES).optional(),
  subject: z.enum(['customer', 'group']).optional(),
  origin: z.enum(TRANSFER_ORIGINS).optional(),
  handoverUserid: optionalText(64),
  takeoverUserid: optionalText(64),
  target: optionalText(64).describe('one customer (external_userid) or group (chat_id)'),
  batchId: z.coerce.number().int().positive().optional(),
  beginTime: dateTime.optional(),
  endTime: dateTime.optional(),
});
export type RecordPageQuery = z.output<typeof recordPageQuery>;
export const recordPage = page(transferItem.extend({ origin: z.enum(TRANSFER_ORIGINS) }));

// ---- on-the-job candidates ---------------------------------------------------------------------------------------

export const onJobCandidatesQuery = relationPageQuery.omit({ userIds: true, status: true }).extend({ handoverUserid: wecomUserid });
export const onJobCandidate = z.object({
  relationId: z.number().int(),
  externalUserid: z.string(),
  name: z.string(),
  remark: z.string().nullable(),
  createtime: dateTime.nullable(),
  /** 客户阶段 the relation is in (the filter `stageIds` picks by it). */
  stageName: z.string().nullable(),
  transfer: openTransfer,
  /** Why WeCom would refuse it now (SCRM's knowable rules), null when it can go. */
  blockedReason: z.string().nullable(),
});
export const onJobCandidatePage = page(onJobCandidate);
export const onJobGroupsQuery = z.object({ handoverUserid: wecomUserid });
export const onJobGroups = z.array(z.object({ chatId: z.string(), name: z.string(), transfer: openTransfer }));
