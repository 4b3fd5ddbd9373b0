import { randomBytes } from 'node:crypto';
import { describeItemErrcode } from '../../platform/wecom-errors.ts';
import type { Db, DbOrTx, Tx } from '../../platform/db/database.ts';
import { actorOf, type RequestContext } from '../../platform/auth/context.ts';
import { viewerOf } from '../../platform/auth/data-scope.ts';
import { BadRequest, Conflict, InvalidField, NotFound } from '../../platform/http/errors.ts';
import type { Page } from '../../platform/http/schemas.ts';
import { isUniqueViolation } from '../system/unique-violation.ts';
import type { LeadContactType, LeadStatus } from '../../db/schema/leads.ts';
import { derivedStatus, type LeadRepository, type LeadRow, type NewLeadEvent, type ViewerLeads } from './leads.repository.ts';
import { normaliseMobile } from './lead-import-rows.ts';
import type { ContactInput, LeadAddBody, LeadKey, LeadPageQuery, LeadRecord, LeadUpdateBody } from './leads.schemas.ts';
import { localTime } from '../../platform/local-time.ts';
import type { AppMessageService, NewAppMessage } from '../../platform/app-message.ts';
import type { AuditLogRepository, AuditEntry } from '../nexus/audit-log.repository.ts';
import { streamWorkbook } from '../../platform/excel.ts';
import { LEAD_EXPORT_COLUMNS } from './lead-export.ts';
import { transferSubject } from '../lifecycle/transfer-subject.ts';
import type { LeadFilter } from './leads.repository.ts';

export interface LeadServiceDeps {
  /** Transactions; every query goes through the repository. */
  db: Pick<Db, 'transaction'>;
  leads: LeadRepository;
  now: () => number;
  timeZone: string;
  /** Reminders to owners (WeCom app messages, queued with the change that causes them). */
  appMessages: Pick<AppMessageService, 'queue' | 'deliverSoon'>;
  /** Assignments, returns, claims and deletions are audited with the change. */
  audit: Pick<AuditLogRepository, 'record'>;
}

/** How a lead got linked to a WeCom customer. */
export type LinkMethod = 'manual' | 'state' | 'remark_mobile' | 'merge';

type Contact = { type: LeadContactType; value: string; primary: boolean };

const unique = <T>(values: T[]) => [...new Set(values)];

/**
 * Normalises contacts (phones to 11 digits, duplicates refused) and settles primaries: a type with one
 * value makes it primary; a type with several needs exactly one flagged primary.
 */
export function settleContacts(contacts: ContactInput[]): Contact[] {
  const seen = new Set<string>();
  const result: Contact[] = [];
  for (const contact of contacts) {
    let value = contact.value.trim();
    if (contact.type === 'phone') {
      const phone = normaliseMobile(value);
      if (!phone) throw new InvalidField('contacts', 'leadBadMobile', { value });
      value = phone;
    }
    if (contact.type === 'email') value = value.toLowerCase();
    const key = `${contact.type}:${value}`;
    if (seen.has(key)) throw new InvalidField('contacts', 'leadContactDuplicate', { value });
    seen.add(key);
    result.push({ type: contact.type, value, primary: contact.primary });
  }
  for (const type of unique(result.map((contact) => contact.type))) {
    const ofType = result.filter((contact) => contact.type === type);
    if (ofType.length === 1) ofType[0].primary = true;
    else if (ofType.filter((contact) => contact.primary).length !== 1) throw new InvalidField('contacts', 'leadPrimaryPerType', { type });
  }
  return result;
}

/** The local midnight starting the day `instant` falls on (time zones with whole-minute offsets). */
export function startOfLocalDay(instant: Date, timeZone: string): Date {
  const ms = instant.getTime();
  return new Date(ms - (((ms % 60_000) + 60_000) % 60_000) - localTime(instant, timeZone).minuteOfDay * 60_000);
}

/** A lead owner as a request names it: a WeCom employee's userid, or (older form) a console user id bound to one. */
export type OwnerRef = { userid?: string; userId?: number };

const EXPORT_SLICE = 500;

/** `YYYY-MM-DD HH:mm` in the time zone. */
const formatLocal = (date: Date, timeZone: string) =>
  new Intl.DateTimeFormat('sv-SE', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false }).format(date);

export function createLeadService(deps: LeadServiceDeps) {
  const { db, leads } = deps;
  const at = () => new Date(deps.now());

  /** The repository's filter for a page query: 待跟进 means a next follow-up by the end of today (TZ_DEFAULT). */
  const filterOf = <Q extends Omit<LeadPageQuery, 'pageNum' | 'pageSize'>>(query: Q): Q & LeadFilter => {
    if (query.followUp !== 'due') return query;
    const endOfToday = new Date(startOfLocalDay(at(), deps.timeZone).getTime() + 86_400_000 - 1);
    return { ...query, followUpBefore: endOfToday };
  };

  /** The leads repository made for the caller. */
  const leadsFor = async (ctx: RequestContext): Promise<ViewerLeads> => leads.forViewer(await viewerOf(ctx));

  async function requireLead(visible: ViewerLeads, id: number, tx?: DbOrTx, options: { lock?: boolean; writable?: boolean; ownedBy?: string } = {}): Promise<LeadRow> {
    const row = await visible.find(id, tx, { lock: options.lock });
    // `ownedBy` (the sidebar's employee): another's lead is as if it did not exist, before anything else is said of it.
    if (!row || (options.ownedBy !== undefined && row.ownerUserid !== options.ownedBy)) throw new NotFound('lead', id);
    if (options.writable && row.mergedIntoId !== null) throw new Conflict('leadMerged', { targetId: row.mergedIntoId });
    return row;
  }

  /**
   * The WeCom employee who is to own leads: given by userid, or (the older form) by a console user id meaning the
   * employee bound to that user. Active in the org mirror, else 400.
   */
  async function requireOwner(owner: OwnerRef, tx: DbOrTx | undefined, field = 'userid'): Promise<{ userid: string; name: string }> {
    let userid = owner.userid;
    if (userid === undefined && owner.userId !== undefined) {
      const user = await leads.activeUser(owner.userId, tx);
      if (!user) throw new InvalidField('userId', 'leadOwnerInvalid', { id: owner.userId });
      if (!user.qwUserid) throw new InvalidField('userId', 'leadOwnerUnbound', { name: user.nickname });
      userid = user.qwUserid;
      field = 'userId';
    }
    const employee = userid ? await leads.activeEmployee(userid, tx) : undefined;
    if (!employee) throw new InvalidField(field, 'leadOwnerEmployeeInvalid', { userid: userid ?? '' });
    return employee;
  }

  /** The owner's reminder that leads were given to them (one message per owner and action). */
  function assignedMessage(ownerUserid: string, names: string[], by: string): NewAppMessage {
    const which = names.length === 1 ? `线索「${names[0]}」` : `「${names.slice(0, 5).join('、')}」${names.length > 5 ? '等' : ''} ${names.length} 条线索`;
    return { userid: ownerUserid, kind: 'lead.assigned', title: '线索分配提醒', content: `${by}把${which}分配给你，请在 SCRM「线索公海 → 线索列表」中及时跟进。` };
  }

  const auditActor = (ctx: RequestContext, now: Date) => ({ actor: actorOf(ctx), requestId: ctx.requestId, now });
  const auditOf = (row: LeadRow) => ({ name: row.name, status: row.status, ownerUserid: row.ownerUserid, ownerName: row.ownerName });

  /** Visible, unmerged leads by id, locked; 404 for any the caller cannot see, 409 for a merged one. */
  async function requireLeads(visible: ViewerLeads, clueIds: number[], tx: DbOrTx): Promise<LeadRow[]> {
    const ids = unique(clueIds).sort((a, b) => a - b);
    const rows = await visible.findMany(ids, tx, { lock: true });
    const missing = ids.filter((id) => !rows.some((row) => row.id === id));
    if (missing.length) throw new NotFound('lead', missing.join(','));
    const merged = rows.find((row) => row.mergedIntoId !== null);
    if (merged) throw new Conflict('leadMerged', { targetId: merged.mergedIntoId });
    return rows;
  }

  /** Gives leads to an owner (assign, claim): events, audit, and the owner's reminder unless they took them. */
  async function giveLeads(ctx: RequestContext, tx: DbOrTx, rows: LeadRow[], owner: { userid: string; name: string }, how: 'assigned' | 'claimed', now: Date) {
    const actor = actorOf(ctx);
    const changed = rows.filter((row) => row.ownerUserid !== owner.userid);
    if (changed.length === 0) return changed;
    await leads.update(tx, changed.map((row) => row.id), { ownerUserid: owner.userid, assignedAt: now, nextFollowAt: null, mtime: now, muser: actor });
    await leads.update(tx, changed.filter((row) => row.status === 'pool').map((row) => row.id), { status: 'assigned' });
    await leads.appendEvents(
      tx,
      changed.map((row) => ({
        leadId: row.id,
        type: how,
        occurredAt: now,
        actor,
        data: { fromOwnerUserid: row.ownerUserid, fromOwnerName: row.ownerName, toOwnerUserid: owner.userid, toOwnerName: owner.name },
      })),
    );
    await deps.audit.record(
      tx,
      auditActor(ctx, now),
      changed.map((row): AuditEntry => ({ action: `lead.${how === 'assigned' ? 'assign' : 'claim'}`, targetType: 'lead', targetId: row.id, before: auditOf(row), after: { ownerUserid: owner.userid, ownerName: owner.name } })),
    );
    if (how === 'assigned' && owner.userid !== ctx.user.qwUserid) {
      await deps.appMessages.queue(tx, [assignedMessage(owner.userid, changed.map((row) => row.name), ctx.user.nickname || actor)]);
    }
    return changed;
  }

  async function requireTags(tagIds: number[], type: 'self' | 'corp', tx?: DbOrTx) {
    const ids = unique(tagIds);
    const found = await leads.liveTags(ids, type, tx);
    const missing = ids.filter((id) => !found.some((row) => row.id === id));
    if (missing.length) throw new InvalidField('tagIds', type === 'self' ? 'leadTagInvalid' : 'leadCorpTagInvalid', { id: missing.join(',') });
    return found;
  }

  /** Refuses a primary phone that already is another live lead's. */
  async function assertPhoneFree(phone: string | null, exceptId: number | null, tx: DbOrTx) {
    if (!phone) return;
    const holder = await leads.system().findByPrimaryPhone(phone, tx);
    if (holder && holder.id !== exceptId) throw new Conflict('leadPhoneTaken', { phone, leadId: holder.id });
  }

  /** Turns the unique index's verdict (a concurrent insert the check could not see) into the conflict. */
  async function guardPhone<T>(phone: string | null, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (isUniqueViolation(error) && phone) {
        const holder = await leads.system().findByPrimaryPhone(phone);
        throw new Conflict('leadPhoneTaken', { phone, leadId: holder?.id ?? '?' });
      }
      throw error;
    }
  }

  /** The lead a request has just written, as it answers it (the request found it through its scope). */
  async function record(id: number, tx?: DbOrTx): Promise<LeadRecord> {
    const row = await leads.system().find(id, tx);
    if (!row) throw new NotFound('lead', id);
    return (await leads.withTags([row], tx))[0];
  }

  const primaryPhoneOf = (contacts: Contact[]) => contacts.find((contact) => contact.type === 'phone' && contact.primary)?.value ?? null;

  /**
   * Links a lead to a WeCom customer (by hand, through the lead's link State, a remark mobile, or a merge).
   * An unowned lead gets the employee's system user as owner when one is bound. Idempotent.
   */
  async function link(tx: DbOrTx, row: LeadRow, externalUserid: string, how: LinkMethod, actor: string | null, options: { employeeUserid?: string; now?: Date } = {}) {
    if (row.externalUserid === externalUserid) return false;
    if (row.externalUserid) throw new Conflict('leadAlreadyLinked', { externalUserid: row.externalUserid });
    const other = await leads.system().findByCustomer(externalUserid, tx);
    if (other && other.id !== row.id) throw new Conflict('leadCustomerTaken', { leadId: other.id });
    const when = options.now ?? at();
    // An unowned lead is owned by the employee the customer added.
    const ownerUserid = row.ownerUserid ?? options.employeeUserid ?? null;
    const customer = await leads.customer(externalUserid, tx);
    await leads.update(tx, [row.id], {
      externalUserid,
      linkedAt: when,
      status: 'converted',
      ...(ownerUserid !== row.ownerUserid ? { ownerUserid, assignedAt: when } : {}),
      mtime: when,
      muser: actor,
    });
    await leads.appendEvents(tx, [
      { leadId: row.id, type: 'linked', occurredAt: when, actor, data: { externalUserid, how, customerName: customer?.name ?? null, employeeUserid: options.employeeUserid ?? null } },
    ]);
    return true;
  }

  async function resolveKey(visible: ViewerLeads, key: LeadKey, tx?: DbOrTx): Promise<{ lead: LeadRow | undefined; externalUserid: string | null }> {
    if ((key.clueId === undefined) === (key.externalUserid === undefined)) throw new BadRequest('leadKeyRequired');
    if (key.clueId !== undefined) {
      const row = await requireLead(visible, key.clueId, tx);
      return { lead: row, externalUserid: row.externalUserid };
    }
    const externalUserid = key.externalUserid!;
    const row = await visible.findByCustomer(externalUserid, tx);
    if (!row && !(await visible.customerVisible(externalUserid, tx))) throw new NotFound('customer', externalUserid);
    return { lead: row, externalUserid };
  }

  return {
    leadsFor,
    link,
    requireLead,
    requireTags,
    resolveKey,
    record,

    /** The owner an import gives its leads: an active WeCom employee (or a console user bound to one). */
    async requireOwnerForImport(_ctx: RequestContext, owner: OwnerRef): Promise<string> {
      return (await requireOwner(owner, undefined, 'ownerUserid')).userid;
    },

    async page(ctx: RequestContext, query: LeadPageQuery): Promise<Page<LeadRecord>> {
      return (await leadsFor(ctx)).page(filterOf(query));
    },

    /** The list as xlsx: the page's filters and order, names (owner, tags) not ids; streamed in slices. */
    async exportLeads(ctx: RequestContext, query: Omit<LeadPageQuery, 'pageNum' | 'pageSize'>, onError?: (error: unknown) => void) {
      const visible = await leadsFor(ctx);
      const filter = filterOf(query);
      async function* batches() {
        for (let offset = 0; ; offset += EXPORT_SLICE) {
          const rows = await visible.slice(filter, offset, EXPORT_SLICE);
          if (rows.length) yield rows;
          if (rows.length < EXPORT_SLICE) return;
        }
      }
      return streamWorkbook(batches(), LEAD_EXPORT_COLUMNS, { timeZone: deps.timeZone, sheetName: '线索', onError });
    },

    /** 领取: pool leads become the caller's (the caller must be bound to a WeCom employee). */
    async claim(ctx: RequestContext, clueIds: number[]) {
      if (!ctx.user.qwUserid) throw new BadRequest('leadClaimNeedsBinding');
      const visible = await leadsFor(ctx);
      const now = at();
      return db.transaction(async (tx) => {
        const owner = await requireOwner({ userid: ctx.user.qwUserid! }, tx);
        const rows = await requireLeads(visible, clueIds, tx);
        const taken = rows.filter((row) => row.ownerUserid !== null && row.ownerUserid !== owner.userid);
        if (taken.length) throw new Conflict('leadNotInPool', { ids: taken.map((row) => row.id).join(',') });
        const changed = await giveLeads(ctx, tx, rows, owner, 'claimed', now);
        return { changed: changed.length, unchanged: rows.length - changed.length };
      });
    },

    /** 退回公海: owned leads go back to the pool, with the reason on their timeline and in the audit log. */
    async returnToPool(ctx: RequestContext, clueIds: number[], reason: string) {
      const actor = actorOf(ctx);
      const visible = await leadsFor(ctx);
      const now = at();
      return db.transaction(async (tx) => {
        const rows = await requireLeads(visible, clueIds, tx);
        const unowned = rows.filter((row) => row.ownerUserid === null);
        if (unowned.length) throw new Conflict('leadNotOwned', { ids: unowned.map((row) => row.id).join(',') });
        for (const row of rows) {
          await leads.update(tx, [row.id], {
            ownerUserid: null,
            assignedAt: null,
            nextFollowAt: null,
            returnedAt: now,
            returnReason: reason,
            status: row.status === 'assigned' ? 'pool' : row.status,
            mtime: now,
            muser: actor,
          });
        }
        await leads.appendEvents(
          tx,
          rows.map((row) => ({ leadId: row.id, type: 'returned', occurredAt: now, actor, data: { reason, fromOwnerUserid: row.ownerUserid, fromOwnerName: row.ownerName } })),
        );
        await deps.audit.record(
          tx,
          auditActor(ctx, now),
          rows.map((row): AuditEntry => ({ action: 'lead.return', targetType: 'lead', targetId: row.id, before: auditOf(row), after: { ownerUserid: null, reason } })),
        );
        return { changed: rows.length, unchanged: 0 };
      });
    },

    /** Deletes leads (kept, marked deleted: their phone and customer are free again), audited. */
    async remove(ctx: RequestContext, clueIds: number[]) {
      const actor = actorOf(ctx);
      const visible = await leadsFor(ctx);
      const now = at();
      return db.transaction(async (tx) => {
        const ids = unique(clueIds).sort((a, b) => a - b);
        const rows = await visible.findMany(ids, tx, { lock: true });
        const missing = ids.filter((id) => !rows.some((row) => row.id === id));
        if (missing.length) throw new NotFound('lead', missing.join(','));
        await leads.update(tx, ids, { isDel: 1, mtime: now, muser: actor });
        await leads.appendEvents(tx, rows.map((row) => ({ leadId: row.id, type: 'deleted', occurredAt: now, actor, data: {} })));
        await deps.audit.record(tx, auditActor(ctx, now), rows.map((row): AuditEntry => ({ action: 'lead.delete', targetType: 'lead', targetId: row.id, before: auditOf(row), after: null })));
        return { changed: rows.length, unchanged: 0 };
      });
    },

    /**
     * The follow-up reminder job: each owned lead whose next follow-up date has come gets one app message to its
     * owner per date (the lead remembers the date it reminded of, in the transaction that queues the message;
     * the message's dedupe key says the same). Returns how many were queued.
     */
    async remindFollowUps(): Promise<number> {
      let queued = 0;
      const owners = new Set<string>();
      for (;;) {
        const count = await db.transaction(async (tx) => {
          const due = await leads.system().dueFollowUps(at(), 200, tx);
          for (const row of due) {
            await leads.update(tx, [row.id], { followUpRemindedAt: row.nextFollowAt });
            owners.add(row.ownerUserid);
          }
          await deps.appMessages.queue(
            tx,
            due.map((row) => ({
              userid: row.ownerUserid,
              kind: 'lead.follow-up',
              title: '线索跟进提醒',
              content: `线索「${row.name}」约定的跟进时间（${formatLocal(row.nextFollowAt, deps.timeZone)}）已到，请及时跟进。`,
              dedupeKey: `lead.follow-up:${row.id}:${row.nextFollowAt.toISOString()}`,
            })),
          );
          return due.length;
        });
        queued += count;
        if (count < 200) break;
      }
      deps.appMessages.deliverSoon(owners);
      return queued;
    },

    async add(ctx: RequestContext, body: LeadAddBody): Promise<LeadRecord> {
      const actor = actorOf(ctx);
      const now = at();
      const contacts = settleContacts([
        ...(body.phone ? [{ type: 'phone' as const, value: body.phone, primary: true }] : []),
        ...(body.wechat ? [{ type: 'wechat' as const, value: body.wechat, primary: true }] : []),
        ...(body.email ? [{ type: 'email' as const, value: body.email, primary: true }] : []),
        ...(body.contacts ?? []),
      ]);
      const primaryPhone = primaryPhoneOf(contacts);
      const id = await guardPhone(primaryPhone, () =>
        db.transaction(async (tx) => {
          await assertPhoneFree(primaryPhone, null, tx);
          const owner = body.ownerUserid || body.ownerId ? await requireOwner({ userid: body.ownerUserid, userId: body.ownerId }, tx, 'ownerUserid') : undefined;
          if (body.tagIds?.length) await requireTags(body.tagIds, 'self', tx);
          const leadId = await leads.insert(tx, {
            name: body.name,
            gender: body.gender ?? 0,
            company: body.company ?? '',
            position: body.position ?? '',
            address: body.address ?? '',
            remark: body.remark ?? '',
            channel: body.channel ?? '',
            channelId: body.channelId ?? null,
            source: 'manual',
            status: owner ? 'assigned' : 'pool',
            ownerUserid: owner?.userid ?? null,
            assignedAt: owner ? now : null,
            primaryPhone,
            ctime: now,
            cuser: actor,
            mtime: now,
            muser: actor,
          });
          await leads.replaceContacts(tx, leadId, contacts, actor);
          if (body.tagIds?.length) await leads.addTags(tx, [leadId], unique(body.tagIds), actor);
          const events: NewLeadEvent[] = [{ leadId, type: 'created', occurredAt: now, actor, data: { source: 'manual' } }];
          if (owner) {
            events.push({ leadId, type: 'assigned', occurredAt: now, actor, data: { fromOwnerUserid: null, toOwnerUserid: owner.userid, toOwnerName: owner.name } });
            if (owner.userid !== ctx.user.qwUserid) await deps.appMessages.queue(tx, [assignedMessage(owner.userid, [body.name], ctx.user.nickname || actor)]);
          }
          if (body.tagIds?.length) events.push({ leadId, type: 'tags_changed', occurredAt: now, actor, data: { added: unique(body.tagIds), removed: [] } });
          await leads.appendEvents(tx, events);
          return leadId;
        }),
      );
      const created = await record(id);
      if (created.ownerUserid) deps.appMessages.deliverSoon([created.ownerUserid]);
      return created;
    },

    /**
     * Edits a lead and/or records a follow-up on it (手动跟进: the console, and the sidebar's due follow-ups).
     * `ownedBy`: only that employee's own lead (the sidebar reaches its employee's leads, not the pool): else 404.
     */
    async update(ctx: RequestContext, body: LeadUpdateBody, options: { ownedBy?: string } = {}): Promise<LeadRecord> {
      const actor = actorOf(ctx);
      const visible = await leadsFor(ctx);
      const now = at();
      await db.transaction(async (tx) => {
        const row = await requireLead(visible, body.clueId, tx, { lock: true, ownedBy: options.ownedBy });
        if (row.mergedIntoId !== null) throw new Conflict('leadMerged', { targetId: row.mergedIntoId });
        const changes: Record<string, unknown> = {};
        const fields = ['name', 'gender', 'company', 'position', 'address', 'remark', 'channel', 'channelId'] as const;
        for (const field of fields) {
          const value = body[field];
          if (value !== undefined && value !== row[field]) changes[field] = value;
        }
        let status: LeadStatus = row.status;
        if (body.invalid === true && row.status !== 'invalid') status = 'invalid';
        if (body.invalid === false && row.status === 'invalid') status = derivedStatus(row);
        const events: NewLeadEvent[] = [];
        if (Object.keys(changes).length) events.push({ leadId: row.id, type: 'updated', occurredAt: now, actor, data: { changes } });
        if (status !== row.status) events.push({ leadId: row.id, type: 'status_changed', occurredAt: now, actor, data: { from: row.status, to: status } });
        const followUp = body.followUp;
        if (followUp) {
          const followUpId = await leads.insertFollowUp(tx, {
            leadId: row.id,
            method: followUp.method,
            content: followUp.content,
            nextFollowAt: followUp.nextFollowAt ?? null,
            userId: ctx.user.id,
            ctime: now,
            cuser: actor,
          });
          events.push({ leadId: row.id, type: 'followed_up', occurredAt: now, actor, data: { followUpId, method: followUp.method, content: followUp.content } });
        }
        // The next follow-up date: set on its own, or with a follow-up record.
        const nextFollowAt = body.nextFollowAt !== undefined ? body.nextFollowAt : followUp ? (followUp.nextFollowAt ?? null) : undefined;
        if (body.nextFollowAt !== undefined && (body.nextFollowAt?.getTime() ?? null) !== (row.nextFollowAt?.getTime() ?? null)) {
          events.push({ leadId: row.id, type: 'next_follow_changed', occurredAt: now, actor, data: { from: row.nextFollowAt, to: nextFollowAt } });
        }
        await leads.update(tx, [row.id], {
          ...changes,
          status,
          ...(followUp ? { lastFollowAt: now } : {}),
          ...(nextFollowAt !== undefined ? { nextFollowAt } : {}),
          mtime: now,
          muser: actor,
        });
        await leads.appendEvents(tx, events);
      });
      return record(body.clueId);
    },

    async setContacts(ctx: RequestContext, clueId: number, input: ContactInput[]) {
      const actor = actorOf(ctx);
      const visible = await leadsFor(ctx);
      const contacts = settleContacts(input);
      const primaryPhone = primaryPhoneOf(contacts);
      const now = at();
      await guardPhone(primaryPhone, () =>
        db.transaction(async (tx) => {
          const row = await requireLead(visible, clueId, tx, { lock: true, writable: true });
          await assertPhoneFree(primaryPhone, row.id, tx);
          const before = await leads.contactsOf([row.id], tx);
          await leads.replaceContacts(tx, row.id, contacts, actor);
          await leads.update(tx, [row.id], { primaryPhone, mtime: now, muser: actor });
          await leads.appendEvents(tx, [
            {
              leadId: row.id,
              type: 'contacts_changed',
              occurredAt: now,
              actor,
              data: { before: before.map(({ type, value, primary }) => ({ type, value, primary })), after: contacts },
            },
          ]);
        }),
      );
      return (await leads.contactsOf([clueId])).map(({ leadId: _leadId, ...contact }) => contact);
    },

    /**
     * Links a lead to a customer by hand (the console, the sidebar), on the lead's timeline and in the audit log.
     * `ownedBy`: only that employee's own lead (the sidebar reaches its employee's leads, not the pool): else 404.
     */
    async linkCustomer(ctx: RequestContext, clueId: number, externalUserid: string, options: { ownedBy?: string } = {}): Promise<LeadRecord> {
      const actor = actorOf(ctx);
      const visible = await leadsFor(ctx);
      const now = at();
      await db.transaction(async (tx) => {
        const row = await requireLead(visible, clueId, tx, { lock: true, writable: true, ownedBy: options.ownedBy });
        // Only a customer the caller may see (one of its relations in their scope), as on the customer pages.
        if (!(await visible.customerInScope(externalUserid, tx))) throw new NotFound('customer', externalUserid);
        if (await link(tx, row, externalUserid, 'manual', actor, { now })) {
          await deps.audit.record(tx, auditActor(ctx, now), [
            { action: 'lead.link', targetType: 'lead', targetId: row.id, before: { ...auditOf(row), externalUserid: null }, after: { externalUserid, status: 'converted' } },
          ]);
        }
      });
      return record(clueId);
    },

    /**
     * The lead linked to a customer as one employee sees it in the sidebar: their own lead with its timeline, or only
     * that the customer is linked to a lead not theirs (the pool's or a colleague's: nothing about it is shown, and the
     * page offers no link that would fail). The caller checked the customer is the employee's.
     */
    async customerLeadOf(ctx: RequestContext, externalUserid: string, employeeUserid: string) {
      const linked = await leads.system().findByCustomer(externalUserid);
      if (!linked || linked.ownerUserid !== employeeUserid) return { lead: null, linkedElsewhere: linked !== undefined, events: [] };
      const [withTags] = await leads.withTags([linked]);
      const events = await (await leadsFor(ctx)).eventsPage(linked.id, { pageNum: 1, pageSize: 50 });
      return { lead: withTags, linkedElsewhere: false, events: events.records };
    },

    /** The employee's own leads no customer is linked to (the sidebar's link search): by name, or by phone when digits. */
    async ownUnlinkedLeads(ctx: RequestContext, keyword: string | undefined): Promise<LeadRecord[]> {
      const byPhone = keyword !== undefined && /^\d{3,}$/.test(keyword);
      const found = await (await leadsFor(ctx)).page({ pageNum: 1, pageSize: 20, includeMerged: false, mine: true, status: 'assigned', ...(keyword ? (byPhone ? { phone: keyword } : { name: keyword }) : {}) });
      return found.records;
    },

    /**
     * Unlinks a lead from its WeCom customer by hand: the status follows from its facts again (assigned, or the pool;
     * invalid stays), the `unlinked` entry is on the lead's timeline and the customer's (recorded while still linked),
     * the audit log has it, and the automatic linking leaves that pair alone from then on (lead-wecom.ts).
     * `externalUserid`: the customer the caller means (another: 404); `ownedBy` as for linkCustomer.
     */
    async unlinkCustomer(ctx: RequestContext, clueId: number, options: { ownedBy?: string; externalUserid?: string } = {}): Promise<LeadRecord> {
      const actor = actorOf(ctx);
      const visible = await leadsFor(ctx);
      const now = at();
      await db.transaction(async (tx) => {
        const row = await requireLead(visible, clueId, tx, { lock: true, writable: true, ownedBy: options.ownedBy });
        if (options.externalUserid !== undefined && row.externalUserid !== options.externalUserid) throw new NotFound('lead', clueId);
        const externalUserid = row.externalUserid;
        if (!externalUserid) throw new Conflict('leadNotLinked');
        const customer = await leads.customer(externalUserid, tx);
        await leads.appendEvents(tx, [{ leadId: row.id, type: 'unlinked', occurredAt: now, actor, data: { externalUserid, customerName: customer?.name ?? null } }]);
        const status: LeadStatus = row.status === 'invalid' ? 'invalid' : derivedStatus({ externalUserid: null, ownerUserid: row.ownerUserid });
        await leads.update(tx, [row.id], { externalUserid: null, linkedAt: null, status, mtime: now, muser: actor });
        await deps.audit.record(tx, auditActor(ctx, now), [
          { action: 'lead.unlink', targetType: 'lead', targetId: row.id, before: { ...auditOf(row), externalUserid, customerName: customer?.name ?? null }, after: { externalUserid: null, status } },
        ]);
      });
      return record(clueId);
    },

    /** Assigns leads to a WeCom employee (or the employee bound to a console user, the older form); the owner is told. */
    async batchAssign(ctx: RequestContext, clueIds: number[], to: OwnerRef) {
      const visible = await leadsFor(ctx);
      const now = at();
      const result = await db.transaction(async (tx) => {
        const owner = await requireOwner(to, tx);
        const rows = await requireLeads(visible, clueIds, tx);
        const changed = await giveLeads(ctx, tx, rows, owner, 'assigned', now);
        return { owner, assigned: changed.length, unchanged: rows.length - changed.length };
      });
      if (result.assigned) deps.appMessages.deliverSoon([result.owner.userid]);
      return { assigned: result.assigned, unchanged: result.unchanged, ownerUserid: result.owner.userid, ownerName: result.owner.name };
    },

    /**
     * Folds the sources into the target: the target gets their contacts and tags (copied; the sources keep
     * theirs) and their follow-ups and timeline (moved, each remembering the lead it came from); a linked
     * customer and an owner carry over when the target has none. Sources become `merged`, never deleted.
     */
    async merge(ctx: RequestContext, targetId: number, sourceIds: number[]): Promise<LeadRecord> {
      const actor = actorOf(ctx);
      const visible = await leadsFor(ctx);
      const sources = unique(sourceIds).sort((a, b) => a - b);
      if (sources.includes(targetId)) throw new InvalidField('sourceIds', 'leadMergeSelf');
      const now = at();
      await db.transaction(async (tx) => {
        const rows = await visible.findMany([targetId, ...sources], tx, { lock: true });
        const target = rows.find((row) => row.id === targetId);
        if (!target) throw new NotFound('lead', targetId);
        const missing = sources.filter((id) => !rows.some((row) => row.id === id));
        if (missing.length) throw new NotFound('lead', missing.join(','));
        const merged = rows.find((row) => row.mergedIntoId !== null);
        if (merged) throw new Conflict('leadMerged', { targetId: merged.mergedIntoId });
        const sourceRows = rows.filter((row) => row.id !== targetId);
        const customers = unique(rows.map((row) => row.externalUserid).filter((value): value is string => value !== null));
        if (customers.length > 1) throw new Conflict('leadMergeCustomers');

        // Sources first: once merged, their primary phone and customer no longer count as taken.
        await leads.update(tx, sources, { status: 'merged', mergedIntoId: targetId, mergedAt: now, mtime: now, muser: actor });

        const contacts = await leads.contactsOf([targetId, ...sources], tx);
        const targetContacts = contacts.filter((contact) => contact.leadId === targetId);
        const have = new Set(targetContacts.map((contact) => `${contact.type}:${contact.value}`));
        const primaryTypes = new Set(targetContacts.filter((contact) => contact.primary).map((contact) => contact.type));
        const added: Array<{ type: LeadContactType; value: string; primary: boolean }> = [];
        for (const contact of contacts) {
          if (contact.leadId === targetId || have.has(`${contact.type}:${contact.value}`)) continue;
          have.add(`${contact.type}:${contact.value}`);
          // A type the target lacks takes the source's primary as its primary.
          const primary = contact.primary && !primaryTypes.has(contact.type);
          if (primary) primaryTypes.add(contact.type);
          added.push({ type: contact.type, value: contact.value, primary });
        }
        await leads.insertContacts(tx, added.map((contact) => ({ leadId: targetId, type: contact.type, value: contact.value, isPrimary: contact.primary, cuser: actor })));
        const primaryPhone = target.primaryPhone ?? added.find((contact) => contact.type === 'phone' && contact.primary)?.value ?? null;

        const sourceTags = unique((await Promise.all(sources.map((id) => leads.tagIdsOfLead(id, tx)))).flat());
        const tagsAdded = (await leads.addTags(tx, [targetId], sourceTags, actor)).get(targetId) ?? [];

        await leads.moveRecords(tx, sources, targetId);

        const externalUserid = target.externalUserid ?? customers[0] ?? null;
        const ownerUserid = target.ownerUserid ?? sourceRows.find((row) => row.ownerUserid !== null)?.ownerUserid ?? null;
        const lastFollowAt = rows.map((row) => row.lastFollowAt).filter((value): value is Date => value !== null).sort((a, b) => b.getTime() - a.getTime())[0] ?? null;
        const linkedAt = target.linkedAt ?? sourceRows.find((row) => row.externalUserid !== null)?.linkedAt ?? null;
        const status: LeadStatus = target.status === 'invalid' ? 'invalid' : derivedStatus({ externalUserid, ownerUserid });
        await leads.update(tx, [targetId], {
          primaryPhone,
          externalUserid,
          linkedAt,
          ownerUserid,
          ...(ownerUserid !== target.ownerUserid ? { assignedAt: now } : {}),
          lastFollowAt,
          status,
          mtime: now,
          muser: actor,
        });
        await leads.appendEvents(tx, [
          {
            leadId: targetId,
            type: 'merged',
            occurredAt: now,
            actor,
            data: { sourceIds: sources, contactsAdded: added.length, tagsAdded, externalUserid: externalUserid !== target.externalUserid ? externalUserid : null },
          },
          ...sources.map((id) => ({ leadId: id, type: 'merged_into', occurredAt: now, actor, data: { targetId } })),
        ]);
      });
      return record(targetId);
    },

    async tagList(_ctx: RequestContext, filters: { name?: string; groupId?: number }) {
      return leads.selfTags(filters);
    },

    /** Adds SCRM tags to leads, and to customers (customer_tag, the customer as a whole) and their linked leads. */
    async tagBatchAdd(ctx: RequestContext, body: { clueIds?: number[]; externalUserids?: string[]; tagIds: number[] }) {
      const actor = actorOf(ctx);
      const visible = await leadsFor(ctx);
      const clueIds = unique(body.clueIds ?? []);
      const externalUserids = unique(body.externalUserids ?? []);
      if (clueIds.length === 0 && externalUserids.length === 0) throw new BadRequest('leadTagTargetRequired');
      const tagIds = unique(body.tagIds);
      const now = at();
      return db.transaction(async (tx) => {
        await requireTags(tagIds, 'self', tx);
        const rows = await visible.findMany(clueIds, tx, { lock: true });
        const missing = clueIds.filter((id) => !rows.some((row) => row.id === id));
        if (missing.length) throw new NotFound('lead', missing.join(','));
        const leadIds = new Set(rows.filter((row) => row.mergedIntoId === null).map((row) => row.id));
        for (const externalUserid of externalUserids) {
          if (!(await visible.customerVisible(externalUserid, tx))) throw new NotFound('customer', externalUserid);
          const linked = await visible.findByCustomer(externalUserid, tx);
          if (linked) leadIds.add(linked.id);
        }
        await leads.addCustomerSelfTags(tx, externalUserids, tagIds, actor);
        const added = await leads.addTags(tx, [...leadIds], tagIds, actor);
        await leads.appendEvents(
          tx,
          [...added].map(([leadId, ids]) => ({ leadId, type: 'tags_changed', occurredAt: now, actor, data: { added: ids, removed: [] } })),
        );
        return { leads: leadIds.size, customers: externalUserids.length };
      });
    },

    async tagDelete(ctx: RequestContext, clueId: number, tagIds: number[]) {
      const actor = actorOf(ctx);
      const visible = await leadsFor(ctx);
      const now = at();
      return db.transaction(async (tx) => {
        const row = await requireLead(visible, clueId, tx, { lock: true, writable: true });
        const removed = (await leads.removeTags(tx, [row.id], unique(tagIds))).get(row.id) ?? [];
        if (removed.length) await leads.appendEvents(tx, [{ leadId: row.id, type: 'tags_changed', occurredAt: now, actor, data: { added: [], removed } }]);
        return { removed: removed.length };
      });
    },

    async tagDeleteByCustomer(ctx: RequestContext, externalUserid: string, tagIds: number[]) {
      const actor = actorOf(ctx);
      const visible = await leadsFor(ctx);
      const now = at();
      return db.transaction(async (tx) => {
        if (!(await visible.customerVisible(externalUserid, tx))) throw new NotFound('customer', externalUserid);
        const ids = unique(tagIds);
        await leads.removeCustomerSelfTags(tx, externalUserid, ids);
        const linked = await visible.findByCustomer(externalUserid, tx);
        let removed: number[] = [];
        if (linked) {
          removed = (await leads.removeTags(tx, [linked.id], ids)).get(linked.id) ?? [];
          if (removed.length) await leads.appendEvents(tx, [{ leadId: linked.id, type: 'tags_changed', occurredAt: now, actor, data: { added: [], removed } }]);
        }
        return { removed: removed.length };
      });
    },

    /** Replaces the SCRM tags of a lead (and of its linked customer), or of a customer (and its linked lead). */
    async updateSysTags(ctx: RequestContext, key: LeadKey, tagIds: number[]) {
      const actor = actorOf(ctx);
      const visible = await leadsFor(ctx);
      const wanted = unique(tagIds);
      const now = at();
      await db.transaction(async (tx) => {
        const { lead: row, externalUserid } = await resolveKey(visible, key, tx);
        if (row?.mergedIntoId) throw new Conflict('leadMerged', { targetId: row.mergedIntoId });
        await requireTags(wanted, 'self', tx);
        if (row) {
          const current = await leads.tagIdsOfLead(row.id, tx);
          const add = wanted.filter((id) => !current.includes(id));
          const remove = current.filter((id) => !wanted.includes(id));
          await leads.addTags(tx, [row.id], add, actor);
          await leads.removeTags(tx, [row.id], remove);
          if (add.length || remove.length) await leads.appendEvents(tx, [{ leadId: row.id, type: 'tags_changed', occurredAt: now, actor, data: { added: add, removed: remove } }]);
        }
        if (externalUserid) {
          const current = await leads.customerSelfTagIds(externalUserid, tx);
          await leads.addCustomerSelfTags(tx, [externalUserid], wanted.filter((id) => !current.includes(id)), actor);
          await leads.removeCustomerSelfTags(tx, externalUserid, current.filter((id) => !wanted.includes(id)));
        }
      });
      return { tagIds: wanted };
    },

    async detail(ctx: RequestContext, key: LeadKey) {
      const visible = await leadsFor(ctx);
      const { lead: row, externalUserid } = await resolveKey(visible, key);
      if (!row) throw new NotFound('lead', externalUserid);
      const [withTags] = await leads.withTags([row]);
      const [contacts, followUps] = await Promise.all([leads.contactsOf([row.id]), leads.followUpsOf(row.id, 50)]);
      let customer = null;
      let transfers: Awaited<ReturnType<ViewerLeads['transfersOf']>> = [];
      if (row.externalUserid) {
        // The customer's relations and transfers as far as the caller's scope reaches (other employees' remarks and
        // remark mobiles are theirs).
        const found = await leads.customer(row.externalUserid);
        if (found) customer = { ...found, relations: await visible.relationsOf(row.externalUserid) };
        transfers = await visible.transfersOf(row.externalUserid);
      }
      const names = await leads.employeeNames([...transfers.flatMap((transfer) => [transfer.handoverUserid, transfer.takeoverUserid]), ...(customer?.relations.map((relation) => relation.userid) ?? [])]);
      return {
        ...withTags,
        contacts: contacts.map(({ leadId: _leadId, ...contact }) => contact),
        followUps,
        customer: customer && { ...customer, relations: customer.relations.map((relation) => ({ ...relation, name: names.get(relation.userid) ?? null })) },
        transfers: transfers.map((transfer) => ({
          ...transfer,
          handoverName: names.get(transfer.handoverUserid) ?? null,
          takeoverName: names.get(transfer.takeoverUserid) ?? null,
          errorMessage: describeItemErrcode(transfer.errcode, ctx.locale, transferSubject(transfer.errcode, transfer, names, customer?.name))?.message ?? null,
        })),
      };
    },

    /** Corp tags (per relation, WeCom's) and SCRM tags (the lead's and the customer's) of a lead or customer. */
    async portraitTags(ctx: RequestContext, key: LeadKey) {
      const visible = await leadsFor(ctx);
      const { lead: row, externalUserid } = await resolveKey(visible, key);
      const selfIds = unique([...(row ? await leads.tagIdsOfLead(row.id) : []), ...(externalUserid ? await leads.customerSelfTagIds(externalUserid) : [])]);
      const corpRows = externalUserid ? await visible.customerCorpTags(externalUserid) : [];
      const corpTags: Array<{ id: number; name: string; groupId: number; groupName: string; userids: string[] }> = [];
      for (const corpRow of corpRows) {
        const existing = corpTags.find((t) => t.id === corpRow.id);
        if (existing) existing.userids.push(corpRow.userid);
        else corpTags.push({ id: corpRow.id, name: corpRow.name, groupId: corpRow.groupId, groupName: corpRow.groupName, userids: [corpRow.userid] });
      }
      return { corpTags, selfTags: await leads.tagRefs(selfIds) };
    },

    async dynamics(ctx: RequestContext, body: LeadKey & { pageNum: number; pageSize: number; types?: string[] }) {
      const visible = await leadsFor(ctx);
      const { lead: row } = await resolveKey(visible, body);
      if (!row) return { records: [], total: 0, pageNum: body.pageNum, pageSize: body.pageSize };
      return visible.eventsPage(row.id, body);
    },

    /**
     * The lead's own link: a State only this lead has (created on first use) and, given a published
     * acquisition link (获客链接), that link's URL carrying the State as customer_channel. A customer who
     * adds through it arrives with that State and is linked to this lead.
     */
    async leadLink(ctx: RequestContext, clueId: number, acqLinkId: number | undefined) {
      const actor = actorOf(ctx);
      const visible = await leadsFor(ctx);
      return db.transaction(async (tx) => {
        const row = await requireLead(visible, clueId, tx, { lock: true, writable: true });
        let state = row.linkState;
        if (!state) {
          // ≤ 30 characters (a contact way's state limit), unlike any acquisition state.
          state = `ld${row.id.toString(36)}${randomBytes(5).toString('hex')}`;
          await leads.update(tx, [row.id], { linkState: state, mtime: at(), muser: actor });
        }
        let url: string | null = null;
        if (acqLinkId !== undefined) {
          const linkUrl = await leads.publishedLinkUrl(tx, acqLinkId);
          if (!linkUrl) throw new NotFound('acqLink', acqLinkId);
          const parsed = new URL(linkUrl);
          parsed.searchParams.set('customer_channel', state);
          url = parsed.toString();
        }
        return { clueId: row.id, state, url };
      });
    },

    async stat(ctx: RequestContext) {
      const visible = await leadsFor(ctx);
      const { byStatus, newToday, perOwner } = await visible.stat(startOfLocalDay(at(), deps.timeZone));
      const counts = { pool: 0, assigned: 0, converted: 0, invalid: 0 };
      for (const row of byStatus) if (row.status in counts) counts[row.status as keyof typeof counts] = row.count;
      const total = counts.pool + counts.assigned + counts.converted + counts.invalid;
      return { total, byStatus: counts, newToday, convertedShare: total === 0 ? 0 : counts.converted / total, perOwner };
    },
  };
}

export type LeadService = ReturnType<typeof createLeadService>;
export type { Tx };
