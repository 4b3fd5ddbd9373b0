// Customer and group transfers (继承) — resigned (离职) and on the job (在职) — as one service: every request is
// remembered (a batch with per-customer/per-group rows, the in-flight marker committed) before WeCom is called, so a
// crash in between leaves rows that read "unknown" and are never re-sent; WeCom's knowable rules
// (API-FACTS-OPERATIONS §20.2) are checked first and refused with a reason; a job polls the transfer results until
// every customer's transfer is final (WeCom takes up to 24 h). Used by the lifecycle routes, the leads module
// (在职转接 of a lead's customer) and the inheritance policy.
import { WecomApiError, type WecomClient } from '@scrm/wecom';
import { sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../platform/db/database.ts';
import { BadRequest, InvalidField } from '../../platform/http/errors.ts';
import { translate, type Locale } from '../../platform/http/i18n.ts';
import type { JobProgress, JobService } from '../../platform/jobs/job-service.ts';
import type { AppMessageService } from '../../platform/app-message.ts';
import { describeItemErrcode, readStoredFailure, storeWecomFailure, wecomFailureOf, type WecomFailure } from '../../platform/wecom-errors.ts';
import type { TimelineService } from '../journey/timeline.service.ts';
import type { SopService } from '../journey/sop.service.ts';
import type { AuditLogRepository } from '../nexus/audit-log.repository.ts';
import type { OrgRepository } from '../org/org.repository.ts';
import { assertEligibleEmployees } from '../org/eligibility.ts';
import type { CustomerTransfers } from '../customers/customer-transfers.ts';
import type { GroupTransfers } from '../groups/group-transfers.ts';
import type { TransferItemStatus, TransferKind, TransferOrigin } from '../../db/schema/lifecycle.ts';
import type { BatchRow, ItemRow, LifecycleRepository, NewItem } from './lifecycle.repository.ts';
import { transferSubject } from './transfer-subject.ts';
import './lifecycle.messages.ts';

export type { TransferItemStatus, TransferKind, TransferOrigin };

type OnJobCount = { count: number; secondNewest: Date | null };

/** The tracked job following a pair's customer transfers (transfer_result / resigned/transfer_result). */
export const TRANSFER_RESULT_JOB = 'lifecycle.transfer-result';
/** Untracked queue: starts the next result check of a pair when it is due (backoff). */
export const TRANSFER_RECHECK_QUEUE = 'lifecycle.transfer-recheck';
/** WeCom's per-call limit (external_userid, chat_id_list). */
const CALL_CHUNK = 100;
const DAY = 86_400_000;
/** WeCom's windows: 90 natural days of on-the-job transfer counting and relation protection. */
const WINDOW_DAYS = 90;
/** On-the-job transfers WeCom allows of one customer (or group) within the window. */
const ONJOB_TIMES = 2;
/** groupchat/transfer: at most 300 of one departed owner's groups a day. */
const RESIGNED_GROUPS_PER_DAY = 300;
/** A row still 'sending' this long after it was remembered never got WeCom's answer (a crash): unknown. */
export const SENDING_TIMEOUT_MS = 10 * 60_000;

export interface TransferRequestInput {
  handoverUserid: string;
  takeoverUserid: string;
  externalUserids: string[];
  chatIds: string[];
  origin: TransferOrigin;
  /** A request with a key already seen returns the first batch (a departure seen twice transfers once). */
  dedupeKey?: string;
  /** Who asked: an SCRM username, or 'system' (the default). */
  actor?: string;
  /** The request id for the audit log. */
  requestId?: string;
  /** The language of the reasons returned (default zh). */
  locale?: Locale;
  /** Tell the takeover employee by app message what WeCom took (default true; the inheritance policy's notifyTakeover). */
  notify?: boolean;
}

export interface OnJobTransferRequestInput extends TransferRequestInput {
  /** transfer_success_msg: what the customer reads when the transfer succeeds (≤ 200 characters). */
  transferSuccessMsg?: string;
}

export interface TransferRefusal {
  externalUserid?: string;
  chatId?: string;
  /** The customer's or group's name. */
  name: string;
  /** Why, in words (the input's locale). */
  reason: string;
}

/** An item as the operator reads it. */
export interface RenderedItem {
  id: number;
  batchId: number;
  kind: TransferKind;
  subject: 'customer' | 'group';
  target: string;
  targetName: string;
  handoverUserid: string;
  handoverName: string | null;
  takeoverUserid: string;
  takeoverName: string | null;
  status: TransferItemStatus;
  errcode: number | null;
  reason: string | null;
  detail: string | null;
  takeoverTime: Date | null;
  settledAt: Date | null;
  ctime: Date;
  cuser: string | null;
}

export interface TransferRequestResult {
  batchId: number;
  /** The dedupe key was seen before: this is the first batch, nothing was sent now. */
  repeated: boolean;
  counts: { sent: number; refused: number; failed: number; unknown: number };
  refused: TransferRefusal[];
  items: RenderedItem[];
  /** The result job following the customers (null when none waits). */
  jobId: number | null;
  /** When every customer was refused by WeCom's answer to the call as a whole: that failure (the leads endpoint answers with it). */
  callFailure?: WecomFailure;
}

export interface UnassignedOfEmployee {
  handoverUserid: string;
  name: string;
  leftAt: Date | null;
  customers: Array<{ externalUserid: string; name: string; listedByWecom: boolean; unassignedSince: Date | null }>;
  groups: Array<{ chatId: string; name: string; status: number }>;
}

/** A customer's transfer became final (or WeCom confirmed it waits): what other modules (leads) follow. */
export interface TransferSettlement {
  kind: TransferKind;
  origin: TransferOrigin | null;
  externalUserid: string;
  handoverUserid: string;
  takeoverUserid: string;
  status: 'done' | 'failed';
  /** customer_refused, customer_limit_exceed, no_record … */
  failReason: string | null;
  takeoverTime: Date | null;
  actor: string;
}

export type SettlementListener = (tx: DbOrTx, settlement: TransferSettlement) => Promise<void>;

export interface TransferServiceDeps {
  db: Pick<Db, 'transaction'>;
  repo: LifecycleRepository;
  /** The customers module's relations of the handover employee and the pending mark of a transfer. */
  customers: Pick<CustomerTransfers, 'handoverRelations' | 'customerNames' | 'requested' | 'settled'>;
  /** The groups module's groups of an owner, and the new owner once WeCom took a group. */
  groups: Pick<GroupTransfers, 'groupsOwnedBy' | 'groupsByChatIds' | 'ownerChanged'>;
  org: Pick<OrgRepository, 'employeeStates'>;
  jobs: Pick<JobService, 'start' | 'boss'>;
  appMessages: Pick<AppMessageService, 'queue' | 'deliverSoon'>;
  audit: Pick<AuditLogRepository, 'record'>;
  /** The customer timeline: a customer's transfer, once settled, is recorded there with the settlement. */
  timeline: Pick<TimelineService, 'record'>;
  /** The journey module's SOP tasks: an open task of a customer or group follows it to its new owner (in our transaction). */
  sop: Pick<SopService, 'followOwner'>;
  /** The WeCom client, or undefined when WeCom is not configured. */
  wecom: () => WecomClient | undefined;
  now: () => number;
  timeZone: string;
}

const RESULT_STATUS: Record<number, { status: TransferItemStatus; failReason?: string }> = {
  1: { status: 'done' },
  2: { status: 'waiting' },
  3: { status: 'failed', failReason: 'customer_refused' },
  4: { status: 'failed', failReason: 'customer_limit_exceed' },
  5: { status: 'failed', failReason: 'no_record' },
};
const FAIL_MESSAGES: Record<string, string> = { customer_refused: 'lcFailCustomerRefused', customer_limit_exceed: 'lcFailLimitExceeded', no_record: 'lcFailNoRecord' };

const RULE_PREFIX = 'rule:';
const ruleReason = (key: string, params: Record<string, string> = {}) => `${RULE_PREFIX}${JSON.stringify({ key, params })}`;
const isRuleRefusal = (item: Pick<ItemRow, 'failReason'>) => item.failReason?.startsWith(RULE_PREFIX) ?? false;

export function createTransferService(deps: TransferServiceDeps) {
  const { repo } = deps;
  const system = repo.system();
  const at = () => new Date(deps.now());
  const day = (date: Date) => date.toLocaleDateString('sv-SE', { timeZone: deps.timeZone });
  const listeners: SettlementListener[] = [];

  function client(): WecomClient {
    const wecom = deps.wecom();
    if (!wecom) throw new BadRequest('lcWecomNotConfigured');
    return wecom;
  }

  /** The names an item's words need: customers, groups and employees. */
  async function namesFor(items: Array<Pick<ItemRow, 'subject' | 'target' | 'handoverUserid' | 'takeoverUserid'>>, tx?: DbOrTx) {
    const customers = await deps.customers.customerNames(items.filter((item) => item.subject === 'customer').map((item) => item.target), tx);
    const groupRows = await deps.groups.groupsByChatIds(items.filter((item) => item.subject === 'group').map((item) => item.target), tx);
    const groups = new Map(groupRows.map((group) => [group.chatId, group.name]));
    const employees = await system.employeeNames(items.flatMap((item) => [item.handoverUserid, item.takeoverUserid]), tx);
    return { customers, groups, employees };
  }
  type Names = Awaited<ReturnType<typeof namesFor>>;

  /** An item in words: its status's meaning, or why it failed and what to do (through the WeCom error table for WeCom's codes). */
  function render(item: ItemRow, names: Names, locale: Locale): RenderedItem {
    const handoverName = names.employees.get(item.handoverUserid) || null;
    const takeoverName = names.employees.get(item.takeoverUserid) || null;
    const inWords = (name: string | null, userid: string) => name ?? translate('lcUnknownEmployee', locale, { userid });
    const targetName =
      item.subject === 'customer' ? names.customers.get(item.target) || (locale === 'zh' ? '该客户' : 'the customer') : names.groups.get(item.target) || (locale === 'zh' ? '未命名群' : 'unnamed group');
    const params = { customer: targetName, group: targetName, handover: inWords(handoverName, item.handoverUserid), takeover: inWords(takeoverName, item.takeoverUserid) };
    let reason: string | null = null;
    let detail: string | null = null;
    // Remembered but never answered, long after the call would have returned: the process stopped in between.
    const status: TransferItemStatus = item.status === 'sending' && deps.now() - item.ctime.getTime() > SENDING_TIMEOUT_MS ? 'unknown' : item.status;
    if (item.failReason?.startsWith(RULE_PREFIX)) {
      const rule = JSON.parse(item.failReason.slice(RULE_PREFIX.length)) as { key: string; params: Record<string, string> };
      reason = translate(rule.key, locale, { ...params, ...rule.params });
    } else if (item.failReason && FAIL_MESSAGES[item.failReason]) {
      reason = translate(FAIL_MESSAGES[item.failReason], locale, params);
    } else if (item.failReason) {
      const stored = readStoredFailure(item.failReason, locale);
      reason = stored?.message ?? item.failReason;
      detail = stored?.detail ?? null;
    } else if (item.errcode) {
      const subject = transferSubject(item.errcode, item, names.employees, item.subject === 'customer' ? names.customers.get(item.target) : undefined);
      const described = describeItemErrcode(item.errcode, locale, subject);
      reason = described?.message ?? null;
      detail = described?.detail ?? null;
    } else if (status === 'waiting') {
      reason = item.takeoverTime
        ? translate('lcStatusWaiting', locale, { time: item.takeoverTime.toLocaleString(locale === 'zh' ? 'zh-CN' : 'en-GB', { timeZone: deps.timeZone, hour12: false }) })
        : translate('lcStatusWaitingNoTime', locale);
    } else if (status === 'done') {
      reason = translate(item.subject === 'group' ? 'lcStatusGroupDone' : 'lcStatusDone', locale);
    } else if (status === 'unknown') {
      reason = translate('lcStatusUnknown', locale);
    } else if (status === 'sending') {
      reason = translate('lcStatusSending', locale);
    }
    return {
      id: item.id,
      batchId: item.batchId,
      kind: item.kind,
      subject: item.subject,
      target: item.target,
      targetName,
      handoverUserid: item.handoverUserid,
      handoverName,
      takeoverUserid: item.takeoverUserid,
      takeoverName,
      status,
      errcode: item.errcode,
      reason,
      detail,
      takeoverTime: item.takeoverTime,
      settledAt: item.settledAt,
      ctime: item.ctime,
      cuser: item.cuser,
    };
  }

  async function renderAll(items: ItemRow[], locale: Locale): Promise<RenderedItem[]> {
    const names = await namesFor(items);
    return items.map((item) => render(item, names, locale));
  }

  async function resultOf(batch: BatchRow, repeated: boolean, locale: Locale): Promise<TransferRequestResult> {
    const rows = await system.itemsOfBatch(batch.id);
    const items = await renderAll(rows, locale);
    const refusedIds = new Set(rows.filter(isRuleRefusal).map((row) => row.id));
    return {
      batchId: batch.id,
      repeated,
      counts: {
        sent: items.filter((item) => item.status === 'waiting' || item.status === 'done').length,
        refused: refusedIds.size,
        failed: items.filter((item) => item.status === 'failed' && !refusedIds.has(item.id)).length,
        unknown: items.filter((item) => item.status === 'unknown' || item.status === 'sending').length,
      },
      refused: items
        .filter((item) => refusedIds.has(item.id))
        .map((item) => ({ ...(item.subject === 'customer' ? { externalUserid: item.target } : { chatId: item.target }), name: item.targetName, reason: item.reason ?? '' })),
      items,
      jobId: batch.jobId ?? null,
      ...callFailureOf(rows),
    };
  }

  /** The rules SCRM knows (§20.2), per customer and group: the refused ones as failed items with the rule. */
  async function checkRules(kind: TransferKind, input: TransferRequestInput, leftAt: Date | null, now: Date, tx?: DbOrTx): Promise<NewItem[]> {
    const externalUserids = [...new Set(input.externalUserids)];
    const chatIds = [...new Set(input.chatIds)];
    const items: NewItem[] = [];
    const refuse = (subject: 'customer' | 'group', target: string, key: string, params: Record<string, string> = {}) =>
      items.push({ subject, target, status: 'failed', failReason: ruleReason(key, params) });
    const since = new Date(now.getTime() - WINDOW_DAYS * DAY);
    const overAYear = kind === 'resigned' && leftAt !== null && now.getTime() - leftAt.getTime() > 365 * DAY;

    const relations = new Set((await deps.customers.handoverRelations(input.handoverUserid, externalUserids, tx)).map((relation) => relation.externalUserid));
    // A departed employee's customers as WeCom lists them (get_unassigned_list) are theirs too, synced or not: an
    // employee who left before SCRM's first sync has no relations here.
    if (kind === 'resigned') for (const row of await system.unassignedOf(input.handoverUserid, tx)) relations.add(row.externalUserid);
    const open = await system.openTargets('customer', externalUserids, tx);
    const onJobCounts = kind === 'onjob' ? await system.onJobTransfersSince('customer', externalUserids, since, tx) : new Map<string, OnJobCount>();
    const protectedSince = kind === 'onjob' ? await system.doneSince(externalUserids, since, tx) : new Map<string, Date>();
    for (const externalUserid of externalUserids) {
      if (overAYear) refuse('customer', externalUserid, 'lcRuleLeftOverAYear');
      else if (open.has(externalUserid)) refuse('customer', externalUserid, 'lcRuleInFlight');
      else if (!relations.has(externalUserid)) refuse('customer', externalUserid, 'lcRuleNotCustomer');
      else if (protectedSince.has(externalUserid)) {
        const doneAt = protectedSince.get(externalUserid)!;
        refuse('customer', externalUserid, 'lcRuleProtected', { date: day(doneAt), until: day(new Date(doneAt.getTime() + WINDOW_DAYS * DAY)) });
      } else if ((onJobCounts.get(externalUserid)?.count ?? 0) >= ONJOB_TIMES) {
        refuse('customer', externalUserid, 'lcRuleOnJobTwice', { date: freeDay(onJobCounts.get(externalUserid)!) });
      } else items.push({ subject: 'customer', target: externalUserid, status: 'sending' });
    }

    const owned = new Map((await deps.groups.groupsByChatIds(chatIds, tx)).filter((group) => group.owner === input.handoverUserid).map((group) => [group.chatId, group]));
    const openGroups = await system.openTargets('group', chatIds, tx);
    const onJobGroupCounts = kind === 'onjob' ? await system.onJobTransfersSince('group', chatIds, since, tx) : new Map<string, OnJobCount>();
    let assignedToday = kind === 'resigned' ? await system.resignedGroupsSince(input.handoverUserid, startOfDay(now), tx) : 0;
    for (const chatId of chatIds) {
      if (overAYear) refuse('group', chatId, 'lcRuleLeftOverAYear');
      else if (!owned.has(chatId)) refuse('group', chatId, 'lcRuleGroupNotOwned');
      else if (openGroups.has(chatId)) refuse('group', chatId, 'lcRuleGroupInFlight');
      else if ((onJobGroupCounts.get(chatId)?.count ?? 0) >= ONJOB_TIMES) refuse('group', chatId, 'lcRuleGroupOnJobTwice', { date: freeDay(onJobGroupCounts.get(chatId)!) });
      else if (kind === 'resigned' && assignedToday >= RESIGNED_GROUPS_PER_DAY) refuse('group', chatId, 'lcRuleGroupDailyCap');
      else {
        assignedToday++;
        items.push({ subject: 'group', target: chatId, status: 'sending' });
      }
    }
    return items;
  }

  /**
   * The day a customer or group transferred on the job twice in the window may be transferred again: when the older of
   * the two (the second newest, when more were counted) is 90 days old and leaves the window.
   */
  function freeDay(counted: OnJobCount): string {
    return day(new Date(counted.secondNewest!.getTime() + WINDOW_DAYS * DAY));
  }

  /** Midnight of `now`'s day in the corp's time zone. */
  function startOfDay(now: Date): Date {
    const local = new Date(now.toLocaleString('en-US', { timeZone: deps.timeZone }));
    const offset = now.getTime() - local.getTime();
    local.setHours(0, 0, 0, 0);
    return new Date(local.getTime() + offset);
  }

  /** The customers' and groups' WeCom calls of a remembered batch, each answer recorded as it comes. */
  async function send(kind: TransferKind, batch: BatchRow, items: ItemRow[], transferSuccessMsg: string | null): Promise<void> {
    const wecom = client();
    const customers = items.filter((item) => item.subject === 'customer' && item.status === 'sending');
    const groups = items.filter((item) => item.subject === 'group' && item.status === 'sending');
    const names = await system.employeeNames([batch.handoverUserid, batch.takeoverUserid]);
    const subject = (errcode: number) => transferSubject(errcode, batch, names);
    /** Employees told of SOP tasks that came to them with a group (after the commit). */
    const recipients = new Set<string>();
    for (let i = 0; i < customers.length; i += CALL_CHUNK) {
      const chunk = customers.slice(i, i + CALL_CHUNK);
      const request = { handover_userid: batch.handoverUserid, takeover_userid: batch.takeoverUserid, external_userid: chunk.map((item) => item.target) };
      try {
        const response =
          kind === 'resigned'
            ? await wecom.transfers.transferResignedCustomers(request)
            : await wecom.transfers.transferCustomers({ ...request, ...(transferSuccessMsg ? { transfer_success_msg: transferSuccessMsg } : {}) });
        const byCustomer = new Map(response.customer.map((row) => [row.external_userid, row.errcode]));
        const now = at();
        await deps.db.transaction(async (tx) => {
          const accepted = chunk.filter((item) => (byCustomer.get(item.target) ?? 0) === 0);
          await system.answerItems(tx, accepted.map((item) => item.id), { status: 'waiting', errcode: 0, now });
          for (const [errcode, group] of groupBy(chunk.filter((item) => (byCustomer.get(item.target) ?? 0) !== 0), (item) => byCustomer.get(item.target)!)) {
            await system.answerItems(tx, group.map((item) => item.id), { status: 'failed', errcode, now });
          }
          // The relations show the takeover as pending at once (the customers module's mark).
          await deps.customers.requested(tx, accepted.map((item) => ({ externalUserid: item.target, handoverUserid: batch.handoverUserid, takeoverUserid: batch.takeoverUserid })), now);
        });
      } catch (error) {
        await recordCallFailure(chunk, error, subject);
      }
    }
    for (let i = 0; i < groups.length; i += CALL_CHUNK) {
      const chunk = groups.slice(i, i + CALL_CHUNK);
      const request = { chat_id_list: chunk.map((item) => item.target), new_owner: batch.takeoverUserid };
      try {
        const response = kind === 'resigned' ? await wecom.transfers.transferGroupChats(request) : await wecom.transfers.transferOnJobGroupChats(request);
        const failed = new Map((response.failed_chat_list ?? []).map((row) => [row.chat_id, row]));
        const now = at();
        await deps.db.transaction(async (tx) => {
          const moved = chunk.filter((item) => !failed.has(item.target));
          await system.answerItems(tx, moved.map((item) => item.id), { status: 'done', errcode: 0, now });
          for (const item of chunk.filter((row) => failed.has(row.target))) {
            const failure = failed.get(item.target)!;
            await system.answerItems(tx, [item.id], {
              status: 'failed',
              errcode: failure.errcode,
              failReason: storeWecomFailure({ errcode: failure.errcode, errmsg: failure.errmsg ?? '', api: kind === 'resigned' ? 'externalcontact/groupchat/transfer' : 'externalcontact/groupchat/onjob_transfer', subject: { name: names.get(batch.takeoverUserid) } }),
              now,
            });
          }
          // What SCRM wrote to WeCom shows at once: the groups have their new owner (the next groups sync agrees).
          await deps.groups.ownerChanged(tx, moved.map((item) => item.target), batch.takeoverUserid, kind === 'resigned');
          // Their open SOP tasks go to the new owner with them.
          for (const item of moved) {
            const told = await deps.sop.followOwner(tx, { subject: 'group', target: item.target, from: batch.handoverUserid, to: batch.takeoverUserid, actor: batch.cuser ?? 'system', cause: `lifecycle_transfer_item:${item.id}`, at: now });
            told.forEach((userid) => recipients.add(userid));
          }
        });
      } catch (error) {
        await recordCallFailure(chunk, error, subject);
      }
    }
    if (recipients.size) deps.appMessages.deliverSoon(recipients);
  }

  /**
   * A call that failed as a whole: WeCom's refusal fails its items with WeCom's reason; anything else (no answer,
   * a timeout) leaves WeCom's side unknown — never re-sent by SCRM.
   */
  async function recordCallFailure(chunk: ItemRow[], error: unknown, subject: (errcode: number) => { name?: string }) {
    const now = at();
    const ids = chunk.map((item) => item.id);
    await deps.db.transaction(async (tx) => {
      if (error instanceof WecomApiError) {
        const failure = wecomFailureOf(error, subject(error.errcode))!;
        await system.answerItems(tx, ids, { status: 'failed', errcode: error.errcode, failReason: storeWecomFailure(failure), now });
      } else {
        await system.answerItems(tx, ids, { status: 'unknown', errcode: null, now });
      }
    });
  }

  /**
   * A customer's transfer became final: the relation, the unassigned mirror, its open SOP tasks and the modules
   * following it. Called once per item (only for rows whose status this settlement changed). Returns the employees
   * to tell after the commit.
   */
  async function settled(tx: DbOrTx, item: ItemRow, settlement: Omit<TransferSettlement, 'kind' | 'origin' | 'externalUserid' | 'handoverUserid' | 'takeoverUserid'>): Promise<string[]> {
    await deps.customers.settled(tx, {
      externalUserid: item.target,
      handoverUserid: item.handoverUserid,
      takeoverUserid: item.takeoverUserid,
      outcome: settlement.status === 'done' ? 'completed' : 'failed',
      reason: settlement.failReason,
      at: settlement.takeoverTime ?? at(),
    });
    let told: string[] = [];
    if (settlement.status === 'done') {
      await system.dropUnassigned(tx, item.handoverUserid, item.target);
      // WeCom says the takeover employee has the customer now: the to-dos about them go along.
      told = await deps.sop.followOwner(tx, {
        subject: 'customer', target: item.target, from: item.handoverUserid, to: item.takeoverUserid, actor: settlement.actor, cause: `lifecycle_transfer_item:${item.id}`, at: settlement.takeoverTime ?? at(),
      });
    }
    const batch = await system.batch(item.batchId, tx);
    // On the relation it ended in: the takeover employee's when WeCom moved the customer, the handover's when it did not.
    const employees = await system.employeeNames([item.handoverUserid, item.takeoverUserid], tx);
    await deps.timeline.record(tx, [
      {
        type: 'transferred',
        occurredAt: settlement.takeoverTime ?? at(),
        externalUserid: item.target,
        userid: settlement.status === 'done' ? item.takeoverUserid : item.handoverUserid,
        actor: settlement.actor,
        data: {
          kind: item.kind, from: item.handoverUserid, fromName: employees.get(item.handoverUserid) ?? null, to: item.takeoverUserid,
          toName: employees.get(item.takeoverUserid) ?? null, status: settlement.status, failReason: settlement.failReason,
        },
        dedupeKey: `transferred:${item.id}`,
      },
    ]);
    for (const listener of listeners) {
      await listener(tx, { ...settlement, kind: item.kind, origin: batch?.origin ?? null, externalUserid: item.target, handoverUserid: item.handoverUserid, takeoverUserid: item.takeoverUserid });
    }
    return told;
  }

  async function request(kind: TransferKind, input: OnJobTransferRequestInput): Promise<TransferRequestResult> {
    const locale = input.locale ?? 'zh';
    const actor = input.actor ?? 'system';
    if (input.dedupeKey) {
      const seen = await system.batchByDedupeKey(input.dedupeKey);
      if (seen) return resultOf(seen, true, locale);
    }
    if (input.handoverUserid === input.takeoverUserid) throw new InvalidField('takeoverUserid', 'lcSameEmployee');
    const handover = (await deps.org.employeeStates([input.handoverUserid])).get(input.handoverUserid);
    const departures = await system.departures([input.handoverUserid]);
    const left = departures.has(input.handoverUserid);
    // WeCom lists the customers of employees who left before the org mirror knew them (get_unassigned_list): theirs
    // can still be inherited.
    if (!handover && !(kind === 'resigned' && left)) throw new InvalidField('handoverUserid', 'lcHandoverUnknown', { userid: input.handoverUserid });
    if (kind === 'resigned' && !left) throw new InvalidField('handoverUserid', 'lcHandoverNotLeft', { name: handover?.name || input.handoverUserid });
    if (kind === 'onjob' && left) throw new InvalidField('handoverUserid', 'lcHandoverLeft', { name: handover?.name || input.handoverUserid });
    await assertEligibleEmployees(deps.org, [{ userid: input.takeoverUserid, field: 'takeoverUserid' }]);
    if (input.externalUserids.length === 0 && input.chatIds.length === 0) throw new InvalidField('externalUserids', 'lcNothingPicked');
    client();

    const now = at();
    const transferSuccessMsg = kind === 'onjob' ? (input.transferSuccessMsg ?? null) : null;
    // The in-flight marker: the batch and its rows commit before WeCom is called. One request per handover employee
    // at a time checks the rules and remembers its rows (two at once would both see the customers free).
    const remembered = await deps.db.transaction(async (tx) => {
      await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtextextended(${`lifecycle-transfer:${input.handoverUserid}`}, 0))`);
      const planned = await checkRules(kind, input, departures.get(input.handoverUserid) ?? null, now, tx);
      const inserted = await system.insertBatch(
        tx,
        { kind, origin: input.origin, handoverUserid: input.handoverUserid, takeoverUserid: input.takeoverUserid, dedupeKey: input.dedupeKey ?? null, transferSuccessMsg, actor, now },
        planned,
      );
      if (!inserted) return null;
      const refused = inserted.items.filter(isRuleRefusal).length;
      await deps.audit.record(tx, { actor, requestId: input.requestId ?? input.dedupeKey ?? `lifecycle-${inserted.batch.id}`, now }, [
        {
          action: `lifecycle.transfer.${kind}`,
          targetType: 'lifecycle_transfer_batch',
          targetId: inserted.batch.id,
          after: {
            origin: input.origin,
            handoverUserid: input.handoverUserid,
            takeoverUserid: input.takeoverUserid,
            customers: inserted.items.filter((item) => item.subject === 'customer').map((item) => item.target),
            chatIds: inserted.items.filter((item) => item.subject === 'group').map((item) => item.target),
            refused,
            ...(transferSuccessMsg ? { transferSuccessMsg } : {}),
          },
        },
      ]);
      return inserted;
    });
    if (!remembered) {
      // The same key committed by a concurrent request meanwhile: its batch answers.
      return resultOf((await system.batchByDedupeKey(input.dedupeKey!))!, true, locale);
    }
    await send(kind, remembered.batch, remembered.items, transferSuccessMsg);

    const items = await system.itemsOfBatch(remembered.batch.id);
    const waiting = items.filter((item) => item.subject === 'customer' && item.status === 'waiting');
    const moved = { customers: waiting.length, groups: items.filter((item) => item.subject === 'group' && item.status === 'done').length };
    let jobId: number | null = null;
    // Unknown ones too: WeCom's result list, read only, tells whether it took them after all.
    const unknown = items.some((item) => item.subject === 'customer' && item.status === 'unknown');
    if (waiting.length > 0 || unknown) {
      const job = await deps.jobs.start(TRANSFER_RESULT_JOB, { kind, handoverUserid: input.handoverUserid, takeoverUserid: input.takeoverUserid }, { actor });
      jobId = job.id;
    }
    if (jobId !== null) await deps.db.transaction((tx) => system.setBatchJob(tx, remembered.batch.id, jobId!));
    // The takeover employee hears of what WeCom took (nothing when all was refused or unknown).
    if (input.notify !== false && (moved.customers > 0 || moved.groups > 0)) {
      await deps.db.transaction(async (tx) => {
        const handoverName = (await system.employeeNames([input.handoverUserid], tx)).get(input.handoverUserid) || translate('lcUnknownEmployee', 'zh', { userid: input.handoverUserid });
        await deps.appMessages.queue(tx, [
          {
            userid: input.takeoverUserid,
            kind: 'lifecycle.transfer',
            title: translate('lcMessageTitle', 'zh'),
            content: translate(kind === 'resigned' ? 'lcMessageResigned' : 'lcMessageOnJob', 'zh', { handover: handoverName, ...moved }),
            dedupeKey: `lifecycle.batch:${remembered.batch.id}`,
          },
        ]);
      });
      deps.appMessages.deliverSoon([input.takeoverUserid]);
    }
    return resultOf((await system.batch(remembered.batch.id))!, false, locale);
  }

  /** The result job: how the pair's customer transfers stand in WeCom, recorded; re-checked later while any waits. */
  async function checkResults(input: { kind: TransferKind; handoverUserid: string; takeoverUserid: string; attempt?: number }, job: Pick<JobProgress, 'progress'>) {
    const wecom = client();
    // Rows whose WeCom call never returned are unknown from now on (never re-sent); WeCom's record below may still settle them.
    await system.sendingToUnknown(new Date(deps.now() - SENDING_TIMEOUT_MS));
    // What WeCom reported, by its status (each record counted, whether or not it changed anything here).
    const counts = { waiting: 0, done: 0, refused: 0, limitExceeded: 0, noRecord: 0 };
    const COUNTED: Record<number, keyof typeof counts> = { 1: 'done', 2: 'waiting', 3: 'refused', 4: 'limitExceeded', 5: 'noRecord' };
    let nextDue: number | null = null;
    let checked = 0;
    /** Employees told of SOP tasks that came to them with a customer (after each page's commit). */
    const recipients = new Set<string>();
    const pages = input.kind === 'resigned' ? wecom.transfers.iterateResignedTransferResult(input.handoverUserid, input.takeoverUserid) : wecom.transfers.iterateTransferResult(input.handoverUserid, input.takeoverUserid);
    for await (const page of pages) {
      const now = at();
      await deps.db.transaction(async (tx) => {
        for (const customer of page.customer) {
          const mapped = RESULT_STATUS[customer.status] ?? { status: 'waiting' as const };
          const takeoverTime = customer.takeover_time ? new Date(customer.takeover_time * 1000) : null;
          const changed = await system.settleCustomer(tx, input, customer.external_userid, { status: mapped.status, failReason: mapped.failReason ?? null, takeoverTime, now, actor: 'wecom' });
          counts[COUNTED[customer.status] ?? 'waiting']++;
          if (mapped.status === 'waiting') {
            if (takeoverTime) nextDue = Math.min(nextDue ?? Infinity, takeoverTime.getTime());
            continue;
          }
          for (const item of changed) {
            const told = await settled(tx, item, { status: mapped.status as 'done' | 'failed', failReason: mapped.failReason ?? null, takeoverTime, actor: 'wecom' });
            told.forEach((userid) => recipients.add(userid));
          }
        }
      });
      if (recipients.size) deps.appMessages.deliverSoon(recipients);
      recipients.clear();
      checked += page.customer.length;
      await job.progress(checked);
    }
    const stillWaiting = await system.openCount(input);
    if (stillWaiting > 0) {
      // Backoff: shortly after the earliest takeover is due, else doubling from a minute up to an hour.
      const attempt = (input.attempt ?? 0) + 1;
      const backoff = Math.min(3600, 60 * 2 ** Math.min(attempt, 6));
      const dueIn = nextDue === null ? backoff : Math.ceil(((nextDue as number) - deps.now()) / 1000) + 60;
      // One queued recheck per pair: several batches of the same pair share it.
      await deps.jobs.boss.send(TRANSFER_RECHECK_QUEUE, { ...input, attempt }, {
        startAfter: Math.min(6 * 3600, Math.max(60, dueIn)),
        singletonKey: `${input.kind}:${input.handoverUserid}:${input.takeoverUserid}`,
      });
    }
    return { checked, ...counts, stillWaiting };
  }

  return {
    checkResults,

    /** Other modules follow customers' settlements (the leads module's transfer timeline and owner). */
    onSettled(listener: SettlementListener): void {
      listeners.push(listener);
    },

    /** The items of a batch, in words (`locale`). */
    async batchResult(batchId: number, locale: Locale): Promise<TransferRequestResult | null> {
      const batch = await system.batch(batchId);
      return batch ? resultOf(batch, false, locale) : null;
    },

    /** Items in words, for pages. */
    renderAll,

    /** Why WeCom would refuse transferring these customers now, by SCRM's knowable rules (those it would not: absent). */
    async blockedReasons(kind: TransferKind, handoverUserid: string, externalUserids: string[], locale: Locale): Promise<Map<string, string>> {
      if (externalUserids.length === 0) return new Map();
      const departures = await system.departures([handoverUserid]);
      const planned = await checkRules(kind, { handoverUserid, takeoverUserid: '', externalUserids, chatIds: [], origin: 'manual' }, departures.get(handoverUserid) ?? null, at());
      const refused = planned.filter((item) => item.status === 'failed');
      const names = await namesFor(refused.map((item) => ({ subject: item.subject, target: item.target, handoverUserid, takeoverUserid: handoverUserid })));
      const now = at();
      return new Map(
        refused.map((item) => {
          const row = { id: 0, batchId: 0, kind, subject: item.subject, target: item.target, handoverUserid, takeoverUserid: handoverUserid, status: 'failed' as const, errcode: null, failReason: item.failReason ?? null, takeoverTime: null, settledAt: null, ctime: now, cuser: null, mtime: now, muser: null };
          return [item.target, render(row, names, locale).reason ?? ''];
        }),
      );
    },

    /** transfer_fail (API-FACTS §14.1): the customer refused, or the takeover employee is over the limit. */
    async onTransferFail(tx: DbOrTx, event: { externalUserid: string; takeoverUserid: string; failReason: string | undefined }) {
      const reason = event.failReason === 'customer_limit_exceed' ? 'customer_limit_exceed' : 'customer_refused';
      const changed = await system.failOpenTransfers(tx, { externalUserid: event.externalUserid, takeoverUserid: event.takeoverUserid, reason, now: at() });
      for (const item of changed) await settled(tx, item, { status: 'failed', failReason: reason, takeoverTime: null, actor: 'wecom' });
    },

    /** Unscoped: jobs, callbacks, the inheritance policy, and the scoped routes after their checks. */
    system() {
      return {
        requestResigned: (input: TransferRequestInput): Promise<TransferRequestResult> => request('resigned', input),
        requestOnJob: (input: OnJobTransferRequestInput): Promise<TransferRequestResult> => request('onjob', input),
        /** A departed employee's unassigned customers (WeCom's list, and relations SCRM knows await inheritance) and groups. */
        async listUnassigned(handoverUserid: string): Promise<UnassignedOfEmployee> {
          const listed = await system.unassignedOf(handoverUserid);
          const relations = await deps.customers.handoverRelations(handoverUserid, 'all');
          const names = await deps.customers.customerNames(listed.map((row) => row.externalUserid));
          const byId = new Map<string, UnassignedOfEmployee['customers'][number]>();
          for (const row of listed) byId.set(row.externalUserid, { externalUserid: row.externalUserid, name: names.get(row.externalUserid) ?? '', listedByWecom: true, unassignedSince: row.dimissionTime });
          for (const relation of relations) {
            if (!relation.unassignedSince) continue;
            const known = byId.get(relation.externalUserid);
            if (known) known.name = known.name || relation.customerName;
            else byId.set(relation.externalUserid, { externalUserid: relation.externalUserid, name: relation.customerName, listedByWecom: false, unassignedSince: relation.unassignedSince });
          }
          const departures = await system.departures([handoverUserid]);
          const groups = await deps.groups.groupsOwnedBy(handoverUserid);
          return {
            handoverUserid,
            name: (await system.employeeNames([handoverUserid])).get(handoverUserid) ?? handoverUserid,
            leftAt: departures.get(handoverUserid) ?? null,
            customers: [...byId.values()],
            groups: groups.map((group) => ({ chatId: group.chatId, name: group.name, status: group.status })),
          };
        },
      };
    },
  };
}

/** The WeCom failure of the batch's customer calls when nothing else happened to them (every customer refused by one call failure). */
function callFailureOf(rows: ItemRow[]): { callFailure?: WecomFailure } {
  const customers = rows.filter((row) => row.subject === 'customer' && !isRuleRefusal(row));
  if (customers.length === 0 || customers.some((row) => row.status !== 'failed' || !row.failReason?.startsWith('{"wecomFailure":'))) return {};
  return { callFailure: (JSON.parse(customers[0].failReason!) as { wecomFailure: WecomFailure }).wecomFailure };
}

function groupBy<T, K>(values: T[], key: (value: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const value of values) groups.set(key(value), [...(groups.get(key(value)) ?? []), value]);
  return groups;
}

export type TransferService = ReturnType<typeof createTransferService>;
