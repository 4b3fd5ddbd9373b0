// What leads do with WeCom: on-the-job transfers of a lead's customer (through the lifecycle module's transfer
// service, which calls WeCom and follows the results; the leads keep their transfer rows and timeline in step by
// its settlements), corp tags (mark_tag), and linking customers added through a lead's link
// State or with a lead's phone as remark mobile (add_external_contact, and after each full customer sync).
import type { ExternalContactEvent, WecomClient } from '@scrm/wecom';
import type { Db, DbOrTx } from '../../platform/db/database.ts';
import { actorOf, type RequestContext } from '../../platform/auth/context.ts';
import { BadRequest, Conflict, InvalidField, NotFound } from '../../platform/http/errors.ts';
import type { JobProgress, JobRecord, JobService } from '../../platform/jobs/job-service.ts';
import type { LeadTransferStatus } from '../../db/schema/leads.ts';
import type { LeadRepository } from './leads.repository.ts';
import type { LeadService } from './leads.service.ts';
import type { CustomerTagService } from '../tags/customer-tags.service.ts';
import type { TransferService, TransferSettlement } from '../lifecycle/transfer.service.ts';
import { normaliseMobile } from './lead-import-rows.ts';
import { WecomError } from '../../platform/wecom-errors.ts';

/**
 * A check of a pair's on-the-job transfers, on demand and for rechecks queued before the lifecycle module followed
 * them: asks the lifecycle transfer service, whose settlements update the leads.
 */
export const TRANSFER_RESULT_JOB = 'leads.transfer-result';
/** Untracked queue of rechecks queued by earlier versions. */
export const TRANSFER_RECHECK_QUEUE = 'leads.transfer-recheck';
/** Job run after each full customer sync: links customers WeCom already had (linkSyncedCustomers). */
export const LINK_SYNCED_JOB = 'leads.link-synced';
/** The leads module's queue subscribed to the customers module's CUSTOMERS_SYNCED_EVENT. */
export const CUSTOMERS_SYNCED_QUEUE = 'leads.customers-synced';
/** Candidate customers per page. */
const SYNC_LINK_PAGE = 200;

/** A failed transfer's reason (the lifecycle module's) → the lead transfer's status. */
const FAIL_REASON: Record<string, LeadTransferStatus> = { customer_refused: 'refused', customer_limit_exceed: 'limit_exceeded', no_record: 'no_record' };

export interface LeadWecomDeps {
  /** Transactions; every query goes through the repository. */
  db: Pick<Db, 'transaction'>;
  leads: LeadRepository;
  service: Pick<LeadService, 'leadsFor' | 'link' | 'requireTags' | 'portraitTags'>;
  jobs: Pick<JobService, 'get'>;
  /** Corp tagging of relations (mark_tag first, then the local copy). */
  customerTags: Pick<CustomerTagService, 'mark'>;
  /** The lifecycle module's transfer service: requests, result checks and settlements. */
  transfers: Pick<TransferService, 'system' | 'checkResults' | 'onSettled'>;
  /** The WeCom client, or undefined when WeCom is not configured. */
  wecom: () => WecomClient | undefined;
  now: () => number;
}

export function createLeadWecomService(deps: LeadWecomDeps) {
  const { db, leads } = deps;
  const at = () => new Date(deps.now());

  /**
   * Links a customer to a lead: the unlinked lead whose link State the relation carries, else the only
   * unlinked lead holding one of the customer's remark mobiles (none when several do). Returns whether it
   * linked; a customer already linked to a lead is left alone.
   */
  async function linkCustomer(tx: DbOrTx, input: { externalUserid: string; state?: string; employeeUserid: string; when: Date }): Promise<boolean> {
    const { externalUserid } = input;
    const system = leads.system();
    if (await system.findByCustomer(externalUserid, tx)) return false;
    const tryLink = async (leadId: number, how: 'state' | 'remark_mobile') => {
      const row = await system.find(leadId, tx, { lock: true });
      if (!row || row.mergedIntoId !== null || row.externalUserid) return false;
      if (await system.unlinkedByHand(leadId, externalUserid, tx)) return false;
      await deps.service.link(tx, row, externalUserid, how, 'wecom', { employeeUserid: input.employeeUserid, now: input.when });
      return true;
    };
    if (input.state) {
      const byState = await system.leadIdByLinkState(input.state, tx);
      if (byState !== undefined && (await tryLink(byState, 'state'))) return true;
    }
    const mobiles = await system.remarkMobilesOf(tx, externalUserid);
    const phones = [...new Set(mobiles.map((m) => normaliseMobile(m)).filter((m): m is string => m !== null))];
    if (phones.length === 0) return false;
    const candidates = [...new Set((await system.leadsWithPhones(phones, tx)).filter((row) => row.externalUserid === null).map((row) => row.id))];
    return candidates.length === 1 && (await tryLink(candidates[0], 'remark_mobile'));
  }

  function client(): WecomClient {
    const wecom = deps.wecom();
    if (!wecom) throw new BadRequest('leadWecomNotConfigured');
    return wecom;
  }

  /** Appends an event to the lead linked to each customer (customers without a lead have no timeline). */
  async function eventOnLinkedLeads(tx: DbOrTx, entries: Array<{ externalUserid: string; type: string; actor: string | null; data: Record<string, unknown>; occurredAt?: Date }>) {
    if (entries.length === 0) return;
    const byCustomer = await leads.system().linkedLeadIds(tx, [...new Set(entries.map((entry) => entry.externalUserid))]);
    await leads.appendEvents(
      tx,
      entries.flatMap((entry) => {
        const leadId = byCustomer.get(entry.externalUserid);
        return leadId ? [{ leadId, type: entry.type, occurredAt: entry.occurredAt ?? at(), actor: entry.actor, data: { externalUserid: entry.externalUserid, ...entry.data } }] : [];
      }),
    );
  }

  /** Settles transfers with what WeCom reported; returns how many changed. Each change is one timeline entry. */
  async function settle(
    tx: DbOrTx,
    pair: { handoverUserid: string; takeoverUserid: string },
    externalUserid: string,
    status: LeadTransferStatus,
    details: { takeoverTime?: Date | null; failReason?: string | null; actor: string; onlyWaiting: boolean },
  ): Promise<number> {
    const now = at();
    const final = status !== 'waiting';
    const updated = await leads.settleTransfers(
      tx,
      { externalUserid, takeoverUserid: pair.takeoverUserid, handoverUserid: pair.handoverUserid || undefined },
      {
        status,
        ...(details.takeoverTime !== undefined ? { takeoverTime: details.takeoverTime } : {}),
        ...(details.failReason !== undefined ? { failReason: details.failReason } : {}),
        ...(final ? { settledAt: now } : {}),
        mtime: now,
        muser: details.actor,
      },
    );
    if (updated.length === 0 || !final) return 0;
    const handoverUserid = updated[0].handoverUserid;
    if (status === 'completed') {
      await eventOnLinkedLeads(tx, [{ externalUserid, type: 'transfer_completed', actor: details.actor, data: { handoverUserid, takeoverUserid: pair.takeoverUserid } }]);
      // The customer's main contact is now the takeover employee: so is the lead's owner.
      await leads.setOwnerOfCustomerLeads(tx, externalUserid, { ownerUserid: pair.takeoverUserid, assignedAt: now, mtime: now, muser: details.actor });
    } else {
      await eventOnLinkedLeads(tx, [
        { externalUserid, type: 'transfer_failed', actor: details.actor, data: { handoverUserid, takeoverUserid: pair.takeoverUserid, status, reason: details.failReason ?? status } },
      ]);
    }
    return updated.length;
  }

  /** The leads.transfer-result job: the lifecycle service checks the pair (its settlements reach the leads), counted as leads name them. */
  async function checkResults(input: { handoverUserid: string; takeoverUserid: string }, job: JobProgress) {
    const reported = await deps.transfers.checkResults({ kind: 'onjob', ...input }, job);
    const stillWaiting = await leads.system().waitingTransfers(input);
    return {
      checked: reported.checked,
      waiting: reported.waiting,
      completed: reported.done,
      refused: reported.refused,
      limit_exceeded: reported.limitExceeded,
      no_record: reported.noRecord,
      failed: 0,
      stillWaiting,
    };
  }

  /** A settlement of the lifecycle service: the lead's transfer row, timeline and owner follow. */
  deps.transfers.onSettled(async (tx, settlement: TransferSettlement) => {
    if (settlement.kind !== 'onjob') return;
    const status: LeadTransferStatus = settlement.status === 'done' ? 'completed' : (FAIL_REASON[settlement.failReason ?? ''] ?? 'failed');
    await settle(tx, settlement, settlement.externalUserid, status, {
      takeoverTime: settlement.takeoverTime,
      failReason: settlement.failReason,
      actor: settlement.actor,
      onlyWaiting: true,
    });
  });

  return {
    checkResults,
    settle,

    /**
     * Requests on-the-job transfers of the caller's customers through the lifecycle transfer service (which checks
     * WeCom's rules, calls WeCom and follows the results); records each customer's outcome on the linked leads.
     */
    async transfer(ctx: RequestContext, body: { externalUserids: string[]; handoverUserid: string; takeoverUserid: string; message?: string }) {
      if (body.handoverUserid === body.takeoverUserid) throw new InvalidField('takeoverUserid', 'leadTransferSameUser');
      const visible = await deps.service.leadsFor(ctx);
      const externalUserids = [...new Set(body.externalUserids)];
      // Only the caller's customers move: the handover employee's relation with each must be in the caller's scope
      // (a lead the caller sees linked to the customer is not enough).
      for (const externalUserid of externalUserids) {
        if (!(await visible.customerInScope(externalUserid, undefined, { userid: body.handoverUserid }))) throw new NotFound('customer', externalUserid);
      }
      client();
      const actor = actorOf(ctx);
      const result = await deps.transfers.system().requestOnJob({
        handoverUserid: body.handoverUserid,
        takeoverUserid: body.takeoverUserid,
        externalUserids,
        chatIds: [],
        origin: 'leads',
        actor,
        requestId: ctx.requestId,
        locale: ctx.locale,
        ...(body.message ? { transferSuccessMsg: body.message } : {}),
      });
      // WeCom refused the call as a whole: the caller reads WeCom's reason (nothing was requested).
      if (result.callFailure) throw new WecomError(result.callFailure);
      const customers = result.items.filter((item) => item.subject === 'customer');
      const job: JobRecord | null = result.jobId === null ? null : await deps.jobs.get(result.jobId);
      const now = at();
      const transfers = await db.transaction(async (tx) => {
        const rows = await leads.insertTransfers(
          tx,
          customers.map((item) => ({
            externalUserid: item.target,
            handoverUserid: body.handoverUserid,
            takeoverUserid: body.takeoverUserid,
            // Unknown (WeCom's answer never came) stays open: the lifecycle service settles it if WeCom has a record.
            status: (item.status === 'failed' ? 'failed' : 'waiting') as LeadTransferStatus,
            errcode: item.errcode ?? 0,
            failReason: item.status === 'failed' && item.errcode === null ? item.reason : null,
            jobId: item.status === 'failed' ? null : result.jobId,
            settledAt: item.status === 'failed' ? now : null,
            ctime: now,
            cuser: actor,
            mtime: now,
            muser: actor,
          })),
        );
        await eventOnLinkedLeads(
          tx,
          customers.map((item) => ({
            externalUserid: item.target,
            type: 'transfer_requested',
            actor,
            data: { handoverUserid: body.handoverUserid, takeoverUserid: body.takeoverUserid, errcode: item.errcode ?? 0 },
          })),
        );
        return rows;
      });
      const reasons = new Map(customers.map((item) => [item.target, item.status === 'failed' ? item.reason : null]));
      return {
        transfers: transfers.map((transfer) => ({ ...transfer, errorMessage: reasons.get(transfer.externalUserid) ?? null })),
        job,
      };
    },

    /**
     * mark_tag on the customer's relation(s), then the same change in our copy (changes made through the API
     * produce no callback). Tag ids are our corp tag ids.
     */
    async updateCorpTags(ctx: RequestContext, body: { externalUserid: string; userid?: string; addTagIds: number[]; removeTagIds: number[] }) {
      const visible = await deps.service.leadsFor(ctx);
      if (!(await visible.customerInScope(body.externalUserid))) throw new NotFound('customer', body.externalUserid);
      const add = await deps.service.requireTags(body.addTagIds, 'corp');
      const remove = (await deps.service.requireTags(body.removeTagIds, 'corp')).filter((t) => !add.some((a) => a.id === t.id));
      // Only relations in the caller's scope are tagged.
      const active = await visible.activeRelationUserids(body.externalUserid);
      let userids: string[];
      if (body.userid) {
        if (!active.includes(body.userid)) throw new InvalidField('userid', 'leadNoRelation', { userid: body.userid });
        userids = [body.userid];
      } else {
        const linked = await visible.findByCustomer(body.externalUserid);
        const owner = linked?.ownerUserid ?? null;
        userids = owner && active.includes(owner) ? [owner] : active;
      }
      if (userids.length === 0) throw new Conflict('leadNoRelation', { userid: '-' });
      client();
      const actor = actorOf(ctx);
      for (const userid of userids) {
        // The tags module marks in WeCom first and keeps its copy (one relation at a time).
        await deps.customerTags.mark(ctx, {
          externalUserid: body.externalUserid,
          userId: userid,
          tagType: 'corp',
          addTagIds: add.map((t) => t.id),
          removeTagIds: remove.map((t) => t.id),
        });
        await db.transaction((tx) =>
          eventOnLinkedLeads(tx, [
            { externalUserid: body.externalUserid, type: 'corp_tags_changed', actor, data: { userid, added: add.map((t) => t.name), removed: remove.map((t) => t.name) } },
          ]),
        );
      }
      return deps.service.portraitTags(ctx, { externalUserid: body.externalUserid });
    },

    /**
     * add_external_contact (and half/edit): links the customer to the lead whose link State it came through,
     * else to the one lead whose phone is among the relation's remark mobiles. Ambiguous matches (several
     * leads) and leads already linked elsewhere are left for linkCustomer by hand. Runs in the event's
     * transaction after the customers module stored the customer and relations.
     */
    onCustomerAdded: (tx: DbOrTx, event: ExternalContactEvent) =>
      linkCustomer(tx, { externalUserid: event.externalUserId, state: event.state, employeeUserid: event.userId, when: new Date(event.createTime * 1000) }),

    /**
     * After a full customer sync (job leads.link-synced): links the customers WeCom already had — added
     * before the callbacks were set up, or whose callbacks were missed — with the callback's rules, one
     * customer per transaction. Candidates are customers no lead is linked to with an active relation
     * whose State is an unlinked lead's link state, or with remark mobiles; the relation that speaks for a
     * customer (employee and time of the timeline entry) is the one with the lead's State, else the
     * earliest with remark mobiles. Idempotent: a linked customer is no candidate any more.
     */
    async linkSyncedCustomers(job?: Pick<JobProgress, 'progress'>): Promise<{ candidates: number; linked: number }> {
      let after = '';
      let candidates = 0;
      let linked = 0;
      for (;;) {
        const rows = await leads.system().linkCandidates(after, SYNC_LINK_PAGE);
        if (rows.length === 0) break;
        for (const row of rows) {
          const done = await db.transaction((tx) =>
            linkCustomer(tx, { externalUserid: row.external_userid, state: row.by_state ? row.state : undefined, employeeUserid: row.userid, when: new Date(row.createtime) }),
          );
          if (done) linked++;
        }
        candidates += rows.length;
        after = rows[rows.length - 1].external_userid;
        await job?.progress(candidates, undefined, { key: 'jobLeadsLinked', params: { linked } });
      }
      return { candidates, linked };
    },
  };
}

export type LeadWecomService = ReturnType<typeof createLeadWecomService>;
