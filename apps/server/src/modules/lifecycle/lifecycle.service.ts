// What the lifecycle routes do for the caller (scope bound in: a handover employee outside the caller's scope is
// "not found"), and the unassigned mirror's refresh (get_unassigned_list, periodically and after delete_user).
import type { WecomClient } from '@scrm/wecom';
import type { Db, DbOrTx } from '../../platform/db/database.ts';
import { actorOf, type RequestContext } from '../../platform/auth/context.ts';
import { viewerOf } from '../../platform/auth/data-scope.ts';
import { BadRequest, NotFound } from '../../platform/http/errors.ts';
import type { JobProgress } from '../../platform/jobs/job-service.ts';
import type { Page } from '../../platform/http/schemas.ts';
import type { CustomerRepository } from '../customers/customers.repository.ts';
import type { CustomerTransfers } from '../customers/customer-transfers.ts';
import type { GroupTransfers } from '../groups/group-transfers.ts';
import type { ItemRow, LifecycleRepository } from './lifecycle.repository.ts';
import { SENDING_TIMEOUT_MS, type TransferService } from './transfer.service.ts';
import { TRANSFER_REQUEST_MAX, type OnJobTransferBody, type RecordPageQuery, type ResignedTransferBody, type UnassignedPageQuery } from './lifecycle.schemas.ts';
import type { z } from 'zod';
import type { onJobCandidatesQuery } from './lifecycle.schemas.ts';

/** The tracked job refreshing the unassigned mirror. */
export const UNASSIGNED_REFRESH_JOB = 'lifecycle.unassigned-refresh';
/** Untracked queue: hourly, and shortly after a delete_user, starts the refresh job. */
export const UNASSIGNED_REFRESH_QUEUE = 'lifecycle.unassigned-refresh-due';

export interface LifecycleServiceDeps {
  db: Pick<Db, 'transaction'>;
  repo: LifecycleRepository;
  transfers: TransferService;
  customers: Pick<CustomerRepository, 'forViewer'>;
  customerTransfers: Pick<CustomerTransfers, 'handoverRelations'>;
  groups: Pick<GroupTransfers, 'groupsOwnedBy' | 'groupCounts'>;
  wecom: () => WecomClient | undefined;
  now: () => number;
}

type OpenTransfer = { status: ItemRow['status']; takeoverUserid: string; takeoverName: string | null; batchId: number } | null;

export function createLifecycleService(deps: LifecycleServiceDeps) {
  const system = deps.repo.system();

  async function scopedEmployee(ctx: RequestContext, userid: string) {
    const viewer = await viewerOf(ctx);
    if (!(await deps.repo.forViewer(viewer).employeeInScope(userid))) throw new NotFound('wecomEmployee', userid);
    return viewer;
  }

  async function openTransfers(subject: 'customer' | 'group', targets: string[]): Promise<Map<string, OpenTransfer>> {
    const open = await system.openItems(subject, targets);
    const names = await system.employeeNames([...open.values()].map((item) => item.takeoverUserid));
    const stale = (item: ItemRow) => item.status === 'sending' && deps.now() - item.ctime.getTime() > SENDING_TIMEOUT_MS;
    return new Map(
      [...open].map(([target, item]) => [
        target,
        { status: stale(item) ? 'unknown' : item.status, takeoverUserid: item.takeoverUserid, takeoverName: names.get(item.takeoverUserid) || null, batchId: item.batchId },
      ]),
    );
  }

  const requestMeta = (ctx: RequestContext) => ({ actor: actorOf(ctx), requestId: ctx.requestId, locale: ctx.locale, origin: 'manual' as const });

  return {
    /** Departed employees in the caller's scope with customers or groups awaiting inheritance. */
    async unassignedPage(ctx: RequestContext, query: UnassignedPageQuery) {
      const viewer = await viewerOf(ctx);
      const groupCounts = await deps.groups.groupCounts(await system.departedUserids());
      const page = await deps.repo.forViewer(viewer).unassignedPage(query, { departedWithGroups: [...groupCounts.keys()] });
      return { ...page, records: page.records.map((row) => ({ ...row, groupCount: groupCounts.get(row.userid) ?? 0 })) };
    },

    /** One departed employee's unassigned customers and groups, with any open transfer of each. */
    async unassignedOf(ctx: RequestContext, userid: string) {
      await scopedEmployee(ctx, userid);
      const departures = await system.departures([userid]);
      if (!departures.has(userid)) throw new NotFound('wecomEmployee', userid);
      const listed = await deps.transfers.system().listUnassigned(userid);
      const customerTransfers = await openTransfers('customer', listed.customers.map((customer) => customer.externalUserid));
      const groupTransfers = await openTransfers('group', listed.groups.map((group) => group.chatId));
      return {
        userid,
        name: listed.name,
        leftAt: listed.leftAt,
        customers: listed.customers.map((customer) => ({ ...customer, transfer: customerTransfers.get(customer.externalUserid) ?? null })),
        groups: listed.groups.map((group) => ({ ...group, transfer: groupTransfers.get(group.chatId) ?? null })),
      };
    },

    async transferResigned(ctx: RequestContext, body: ResignedTransferBody) {
      await scopedEmployee(ctx, body.handoverUserid);
      let externalUserids = body.externalUserids;
      if (body.allCustomers) externalUserids = [...externalUserids, ...(await deps.transfers.system().listUnassigned(body.handoverUserid)).customers.map((customer) => customer.externalUserid)];
      let chatIds = body.chatIds;
      if (body.allGroups) chatIds = [...chatIds, ...(await deps.groups.groupsOwnedBy(body.handoverUserid)).map((group) => group.chatId)];
      return deps.transfers.system().requestResigned({
        ...requestMeta(ctx),
        handoverUserid: body.handoverUserid,
        takeoverUserid: body.takeoverUserid,
        externalUserids: [...new Set(externalUserids)],
        chatIds: [...new Set(chatIds)],
      });
    },

    async transferOnJob(ctx: RequestContext, body: OnJobTransferBody) {
      const viewer = await scopedEmployee(ctx, body.handoverUserid);
      let externalUserids = body.externalUserids;
      if (body.filters) {
        // The customer page's filters, over the handover employee's active relations the caller sees.
        const picked = await deps.customers.forViewer(viewer).bulkTargets({ ...body.filters, userIds: [body.handoverUserid] }, TRANSFER_REQUEST_MAX);
        if (picked.total > TRANSFER_REQUEST_MAX) throw new BadRequest('lcTooManyPicked', { total: picked.total, max: TRANSFER_REQUEST_MAX });
        externalUserids = [...externalUserids, ...picked.targets.map((target) => target.externalUserid)];
      }
      let chatIds = body.chatIds;
      if (body.allGroups) chatIds = [...chatIds, ...(await deps.groups.groupsOwnedBy(body.handoverUserid)).map((group) => group.chatId)];
      return deps.transfers.system().requestOnJob({
        ...requestMeta(ctx),
        handoverUserid: body.handoverUserid,
        takeoverUserid: body.takeoverUserid,
        externalUserids: [...new Set(externalUserids)],
        chatIds: [...new Set(chatIds)],
        ...(body.transferSuccessMsg ? { transferSuccessMsg: body.transferSuccessMsg } : {}),
      });
    },

    /** The handover employee's active customers (the customer page's filters), each with any open transfer and what would block it. */
    async onJobCandidates(ctx: RequestContext, query: z.output<typeof onJobCandidatesQuery>) {
      const viewer = await scopedEmployee(ctx, query.handoverUserid);
      const { handoverUserid, ...filters } = query;
      const page = await deps.customers.forViewer(viewer).pageRelations({ ...filters, userIds: [handoverUserid], status: 'active' });
      const ids = page.records.map((record) => record.externalUserid);
      const open = await openTransfers('customer', ids);
      const blocked = await deps.transfers.blockedReasons('onjob', handoverUserid, ids, ctx.locale);
      return {
        ...page,
        records: page.records.map((record) => ({
          relationId: record.id,
          externalUserid: record.externalUserid,
          name: record.customerName,
          remark: record.remark,
          createtime: record.createtime,
          stageName: record.stageName,
          transfer: open.get(record.externalUserid) ?? null,
          blockedReason: blocked.get(record.externalUserid) ?? null,
        })),
      };
    },

    async onJobGroups(ctx: RequestContext, handoverUserid: string) {
      await scopedEmployee(ctx, handoverUserid);
      const groups = await deps.groups.groupsOwnedBy(handoverUserid);
      const open = await openTransfers('group', groups.map((group) => group.chatId));
      return groups.map((group) => ({ chatId: group.chatId, name: group.name, transfer: open.get(group.chatId) ?? null }));
    },

    /** Transfer records of handover employees in the caller's scope, in words. */
    async recordPage(ctx: RequestContext, query: RecordPageQuery) {
      const viewer = await viewerOf(ctx);
      const page = await deps.repo.forViewer(viewer).recordPage(query);
      const rendered = await deps.transfers.renderAll(page.records, ctx.locale);
      return { ...page, records: rendered.map((item, index) => ({ ...item, origin: page.records[index].origin })) } satisfies Page<unknown>;
    },

    /** The refresh job: WeCom's whole unassigned list into the mirror; what it no longer lists goes. */
    async refreshUnassigned(job: Pick<JobProgress, 'progress'>) {
      const wecom = deps.wecom();
      if (!wecom) return { listed: 0, dropped: 0, skipped: true };
      const startedAt = new Date(deps.now());
      let listed = 0;
      for await (const page of wecom.transfers.iterateUnassignedList()) {
        await deps.db.transaction((tx) =>
          system.upsertUnassigned(
            tx,
            page.info.map((row) => ({ handoverUserid: row.handover_userid, externalUserid: row.external_userid, dimissionTime: row.dimission_time ? new Date(row.dimission_time * 1000) : null })),
            startedAt,
          ),
        );
        listed += page.info.length;
        await job.progress(listed);
      }
      const dropped = await deps.db.transaction((tx) => system.dropUnassignedNotSeen(tx, startedAt));
      // Rows whose WeCom call never returned (a crash) read unknown from now on; never re-sent.
      const unknown = await system.sendingToUnknown(new Date(deps.now() - SENDING_TIMEOUT_MS));
      return { listed, dropped, unknown };
    },

    /** delete_user (in the event's transaction): the employee's relations awaiting inheritance are unassigned at once, before WeCom's list is read again. */
    async onEmployeeDeparted(tx: DbOrTx, userid: string, at: Date) {
      const relations = await deps.customerTransfers.handoverRelations(userid, 'all', tx);
      await system.upsertUnassigned(tx, relations.map((relation) => ({ handoverUserid: userid, externalUserid: relation.externalUserid, dimissionTime: at })), new Date(deps.now()));
    },
  };
}

export type LifecycleService = ReturnType<typeof createLifecycleService>;
