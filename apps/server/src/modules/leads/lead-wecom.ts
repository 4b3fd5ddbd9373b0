// What leads do with WeCom: on-the-job transfers (transfer_customer, followed by the transfer_result job
// and transfer_fail callbacks), corp tags (mark_tag), and linking customers added through a lead's link
// State or with a lead's phone as remark mobile (add_external_contact, and after each full customer sync).
import { WecomApiError, type ExternalContactEvent, type WecomClient } from '@scrm/wecom';
import type { Db, DbOrTx } from '../../platform/db/database.ts';
import { actorOf, type RequestContext } from '../../platform/auth/context.ts';
import { BadRequest, Conflict, InvalidField, NotFound } from '../../platform/http/errors.ts';
import type { JobProgress, JobService } from '../../platform/jobs/job-service.ts';
import type { LeadTransferStatus } from '../../db/schema/leads.ts';
import type { LeadRepository } from './leads.repository.ts';
import type { LeadService } from './leads.service.ts';
import type { CustomerTagService } from '../tags/customer-tags.service.ts';
import type { CustomerTransfers } from '../customers/customer-transfers.ts';
import { normaliseMobile } from './lead-import-rows.ts';
import { asWecomError, describeItemErrcode, errcodeOf, type WecomErrorSubject } from '../../platform/wecom-errors.ts';
import { transferSubject } from './lead-transfer-subject.ts';

export const TRANSFER_RESULT_JOB = 'leads.transfer-result';
/** Untracked queue: starts the next transfer_result check when a takeover is due. */
export const TRANSFER_RECHECK_QUEUE = 'leads.transfer-recheck';
const TRANSFER_CHUNK = 100;
/** Job run after each full customer sync: links customers WeCom already had (linkSyncedCustomers). */
export const LINK_SYNCED_JOB = 'leads.link-synced';
/** The leads module's queue subscribed to the customers module's CUSTOMERS_SYNCED_EVENT. */
export const CUSTOMERS_SYNCED_QUEUE = 'leads.customers-synced';
/** Candidate customers per page. */
const SYNC_LINK_PAGE = 200;

/** transfer_result status → ours (1 done, 2 waiting, 3 refused, 4 takeover over its limit, 5 no record). */
const RESULT_STATUS: Record<number, LeadTransferStatus> = { 1: 'completed', 2: 'waiting', 3: 'refused', 4: 'limit_exceeded', 5: 'no_record' };
const FAIL_REASON: Record<string, LeadTransferStatus> = { customer_refused: 'refused', customer_limit_exceed: 'limit_exceeded' };

export interface LeadWecomDeps {
  /** Transactions; every query goes through the repository. */
  db: Pick<Db, 'transaction'>;
  leads: LeadRepository;
  service: Pick<LeadService, 'leadsFor' | 'link' | 'requireTags' | 'portraitTags'>;
  jobs: Pick<JobService, 'start' | 'boss'>;
  /** Corp tagging of relations (mark_tag first, then the local copy). */
  customerTags: Pick<CustomerTagService, 'mark'>;
  /** The customers module's pending mark of a transfer on the handover relation (requested, settled). */
  customerTransfers: Pick<CustomerTransfers, 'requested' | 'settled'>;
  /** The WeCom client, or undefined when WeCom is not configured. */
  wecom: () => WecomClient | undefined;
  now: () => number;
}

/** A WeCom failure as the operator reads it (platform/wecom-errors.ts), naming whom it concerns. */
function wecomFailure(error: unknown, subject?: WecomErrorSubject): never {
  throw asWecomError(error, subject);
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
    // The customer's relation stops showing the transfer as pending (completed: the handover relation ends).
    await deps.customerTransfers.settled(tx, {
      externalUserid,
      handoverUserid,
      takeoverUserid: pair.takeoverUserid,
      outcome: status === 'completed' ? 'completed' : 'failed',
      reason: details.failReason ?? status,
      at: details.takeoverTime ?? now,
    });
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

  /** The transfer_result job: asks WeCom how the pair's transfers stand, records it, and re-checks later while any wait. */
  async function checkResults(input: { handoverUserid: string; takeoverUserid: string }, job: JobProgress) {
    const wecom = client();
    const counts: Record<LeadTransferStatus, number> = { waiting: 0, completed: 0, refused: 0, limit_exceeded: 0, failed: 0, no_record: 0 };
    let nextDue: number | null = null;
    let checked = 0;
    for await (const page of wecom.transfers.iterateTransferResult(input.handoverUserid, input.takeoverUserid)) {
      await db.transaction(async (tx) => {
        for (const customer of page.customer) {
          const status = RESULT_STATUS[customer.status] ?? 'waiting';
          const takeoverTime = customer.takeover_time ? new Date(customer.takeover_time * 1000) : null;
          await settle(tx, input, customer.external_userid, status, {
            takeoverTime,
            failReason: status === 'refused' ? 'customer_refused' : status === 'limit_exceeded' ? 'customer_limit_exceed' : undefined,
            actor: 'wecom',
            onlyWaiting: true,
          });
          counts[status]++;
          if (status === 'waiting' && takeoverTime) nextDue = Math.min(nextDue ?? Infinity, takeoverTime.getTime());
        }
      });
      checked += page.customer.length;
      await job.progress(checked);
    }
    const stillWaiting = await leads.system().waitingTransfers(input);
    if (stillWaiting > 0) {
      // Check again shortly after the earliest takeover is due (at least a minute, at most an hour away).
      const dueIn = nextDue === null ? 3600 : Math.ceil(((nextDue as number) - deps.now()) / 1000) + 60;
      await deps.jobs.boss.send(TRANSFER_RECHECK_QUEUE, input, { startAfter: Math.min(3600, Math.max(60, dueIn)) });
    }
    return { checked, ...counts, stillWaiting };
  }

  return {
    checkResults,
    settle,

    /** Requests on-the-job transfers (100 per WeCom call), records each customer's outcome, starts the result job. */
    async transfer(ctx: RequestContext, body: { externalUserids: string[]; handoverUserid: string; takeoverUserid: string; message?: string }) {
      if (body.handoverUserid === body.takeoverUserid) throw new InvalidField('takeoverUserid', 'leadTransferSameUser');
      const visible = await deps.service.leadsFor(ctx);
      const externalUserids = [...new Set(body.externalUserids)];
      // Only the caller's customers move: the handover employee's relation with each must be in the caller's scope
      // (a lead the caller sees linked to the customer is not enough).
      for (const externalUserid of externalUserids) {
        if (!(await visible.customerInScope(externalUserid, undefined, { userid: body.handoverUserid }))) throw new NotFound('customer', externalUserid);
      }
      const wecom = client();
      const actor = actorOf(ctx);
      const names = await leads.employeeNames([body.handoverUserid, body.takeoverUserid]);
      const outcomes: Array<{ externalUserid: string; errcode: number }> = [];
      for (let i = 0; i < externalUserids.length; i += TRANSFER_CHUNK) {
        const chunk = externalUserids.slice(i, i + TRANSFER_CHUNK);
        try {
          const response = await wecom.transfers.transferCustomers({
            handover_userid: body.handoverUserid,
            takeover_userid: body.takeoverUserid,
            external_userid: chunk,
            ...(body.message ? { transfer_success_msg: body.message } : {}),
          });
          const byCustomer = new Map(response.customer.map((row) => [row.external_userid, row.errcode]));
          for (const externalUserid of chunk) outcomes.push({ externalUserid, errcode: byCustomer.get(externalUserid) ?? 0 });
        } catch (error) {
          // Nothing of this call was accepted: the first call failing fails the request; later ones are recorded.
          if (!(error instanceof WecomApiError)) throw error;
          if (outcomes.length === 0) wecomFailure(error, transferSubject(errcodeOf(error) ?? 0, body, names));
          for (const externalUserid of chunk) outcomes.push({ externalUserid, errcode: error.errcode });
        }
      }
      const waiting = outcomes.some((outcome) => outcome.errcode === 0);
      const job = waiting ? await deps.jobs.start(TRANSFER_RESULT_JOB, { handoverUserid: body.handoverUserid, takeoverUserid: body.takeoverUserid }, { actor }) : null;
      const now = at();
      const transfers = await db.transaction(async (tx) => {
        const rows = await leads.insertTransfers(
          tx,
            outcomes.map((outcome) => ({
              externalUserid: outcome.externalUserid,
              handoverUserid: body.handoverUserid,
              takeoverUserid: body.takeoverUserid,
              status: (outcome.errcode === 0 ? 'waiting' : 'failed') as LeadTransferStatus,
              errcode: outcome.errcode,
              jobId: outcome.errcode === 0 ? (job?.id ?? null) : null,
              settledAt: outcome.errcode === 0 ? null : now,
              ctime: now,
              cuser: actor,
              mtime: now,
              muser: actor,
            })),
        );
        // WeCom settles them later: the customers' relations show them as pending at once.
        await deps.customerTransfers.requested(
          tx,
          outcomes.filter((outcome) => outcome.errcode === 0).map((outcome) => ({ externalUserid: outcome.externalUserid, handoverUserid: body.handoverUserid, takeoverUserid: body.takeoverUserid })),
          now,
        );
        await eventOnLinkedLeads(
          tx,
          outcomes.map((outcome) => ({
            externalUserid: outcome.externalUserid,
            type: 'transfer_requested',
            actor,
            data: { handoverUserid: body.handoverUserid, takeoverUserid: body.takeoverUserid, errcode: outcome.errcode },
          })),
        );
        return rows;
      });
      const customerNames = new Map<string, string>();
      for (const transfer of transfers) {
        if (transfer.errcode !== 0 && !customerNames.has(transfer.externalUserid)) customerNames.set(transfer.externalUserid, (await leads.customer(transfer.externalUserid))?.name ?? '');
      }
      return {
        transfers: transfers.map((transfer) => ({
          ...transfer,
          errorMessage: describeItemErrcode(transfer.errcode, ctx.locale, transferSubject(transfer.errcode, transfer, names, customerNames.get(transfer.externalUserid)))?.message ?? null,
        })),
        job,
      };
    },

    /** transfer_fail (API-FACTS §14.1): the customer refused, or the takeover employee is over the limit. */
    async onTransferFail(tx: DbOrTx, event: ExternalContactEvent) {
      const reason = event.failReason ?? 'unknown';
      await settle(tx, { handoverUserid: '', takeoverUserid: event.userId }, event.externalUserId, FAIL_REASON[reason] ?? 'refused', {
        failReason: reason,
        actor: 'wecom',
        onlyWaiting: true,
      });
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
