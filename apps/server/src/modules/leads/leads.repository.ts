import { and, asc, desc, eq, ilike, inArray, isNull, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../platform/db/database.ts';
import { contains, countAll, paginate } from '../../platform/db/paging.ts';
import { scopeCondition, type DataScope } from '../../platform/auth/data-scope.ts';
import type { AuthUser } from '../../platform/auth/context.ts';
import type { Page } from '../../platform/http/schemas.ts';
import { customer, customerRelation, customerTag, sysUser, tag, tagGroup } from '../../db/schema/index.ts';
import { lead, leadContact, leadEvent, leadFollowUp, leadTag, leadTransfer, type LeadContactType, type LeadStatus } from '../../db/schema/leads.ts';
import type { LeadPageQuery, LeadRecord } from './leads.schemas.ts';

/** Who is asking: their data scope and themselves. */
export interface Viewer {
  scope: DataScope;
  user: Pick<AuthUser, 'id' | 'qwUserid'>;
}

/** A timeline entry to append. */
export interface NewLeadEvent {
  leadId: number;
  type: string;
  occurredAt: Date;
  actor: string | null;
  data?: Record<string, unknown>;
}

const list = (values: readonly (string | number)[]) => sql.join(values.map((value) => sql`${value}`), sql`, `);

/**
 * Data scope of leads (documented rule): the pool — leads without an owner — is visible to everyone who may
 * see leads at all (that is what a public pool is); an owned lead follows its owner (a system user) through
 * the caller's data scope: self sees their own, department scopes see leads owned by users of those
 * departments.
 */
export function leadScope(viewer: Viewer): SQL | undefined {
  const owned = scopeCondition(viewer.scope, {
    self: eq(lead.ownerId, viewer.user.id),
    deptIn: (deptIds) => sql`${lead.ownerId} IN (SELECT u.id FROM sys_user u WHERE u.dept_id IN (${list(deptIds)}))`,
  });
  return owned ? sql`(${lead.ownerId} IS NULL OR ${owned})` : undefined;
}

const live = eq(lead.isDel, 0);

const columns = {
  id: lead.id,
  name: lead.name,
  gender: lead.gender,
  company: lead.company,
  position: lead.position,
  address: lead.address,
  remark: lead.remark,
  source: lead.source,
  channel: lead.channel,
  channelId: lead.channelId,
  status: lead.status,
  ownerId: lead.ownerId,
  ownerName: sql<string | null>`${sysUser.nickname}`,
  assignedAt: lead.assignedAt,
  primaryPhone: lead.primaryPhone,
  externalUserid: lead.externalUserid,
  linkedAt: lead.linkedAt,
  linkState: lead.linkState,
  lastFollowAt: lead.lastFollowAt,
  nextFollowAt: lead.nextFollowAt,
  mergedIntoId: lead.mergedIntoId,
  mergedAt: lead.mergedAt,
  ctime: lead.ctime,
  cuser: lead.cuser,
  mtime: lead.mtime,
  muser: lead.muser,
};

export type LeadRow = Omit<LeadRecord, 'tags'>;

/** The status a lead has from its facts (invalid and merged are set explicitly and stay). */
export const derivedStatus = (row: { externalUserid: string | null; ownerId: number | null }): LeadStatus =>
  row.externalUserid ? 'converted' : row.ownerId ? 'assigned' : 'pool';

export function createLeadRepository(db: DbOrTx) {
  const select = (tx: DbOrTx = db) => tx.select(columns).from(lead).leftJoin(sysUser, eq(sysUser.id, lead.ownerId));

  async function withTags(rows: LeadRow[], tx: DbOrTx = db): Promise<LeadRecord[]> {
    const tags = await tagsOf(rows.map((row) => row.id), tx);
    return rows.map((row) => ({ ...row, tags: tags.get(row.id) ?? [] }));
  }

  async function tagsOf(leadIds: number[], tx: DbOrTx = db) {
    const byLead = new Map<number, Array<{ id: number; name: string; groupId: number; groupName: string }>>();
    if (leadIds.length === 0) return byLead;
    const rows = await tx
      .select({ leadId: leadTag.leadId, id: tag.id, name: tag.name, groupId: tag.groupId, groupName: tagGroup.name })
      .from(leadTag)
      .innerJoin(tag, eq(tag.id, leadTag.tagId))
      .innerJoin(tagGroup, eq(tagGroup.id, tag.groupId))
      .where(and(inArray(leadTag.leadId, leadIds), eq(tag.isDel, 0)))
      .orderBy(asc(leadTag.leadId), desc(tagGroup.orderNum), asc(tagGroup.id), desc(tag.orderNum), asc(tag.id));
    for (const { leadId, ...tagRow } of rows) {
      const tags = byLead.get(leadId) ?? [];
      tags.push(tagRow);
      byLead.set(leadId, tags);
    }
    return byLead;
  }

  return {
    withTags,

    async page(viewer: Viewer, query: LeadPageQuery): Promise<Page<LeadRecord>> {
      const where = and(
        live,
        leadScope(viewer),
        query.includeMerged || query.status === 'merged' ? undefined : isNull(lead.mergedIntoId),
        query.name ? ilike(lead.name, contains(query.name)) : undefined,
        query.phone
          ? sql`${lead.id} IN (SELECT c.lead_id FROM lead_contact c WHERE c.type = 'phone' AND c.value LIKE ${contains(query.phone)})`
          : undefined,
        query.status ? eq(lead.status, query.status) : undefined,
        query.source ? eq(lead.source, query.source) : undefined,
        query.channel ? eq(lead.channel, query.channel) : undefined,
        query.ownerId ? eq(lead.ownerId, query.ownerId) : undefined,
        query.pool === true ? isNull(lead.ownerId) : query.pool === false ? sql`${lead.ownerId} IS NOT NULL` : undefined,
        query.tagIds?.length ? sql`${lead.id} IN (SELECT t.lead_id FROM lead_tag t WHERE t.tag_id IN (${list(query.tagIds)}))` : undefined,
        query.externalUserid ? eq(lead.externalUserid, query.externalUserid) : undefined,
        query.startTime ? sql`${lead.ctime} >= ${query.startTime.toISOString()}::timestamptz` : undefined,
        query.endTime ? sql`${lead.ctime} <= ${query.endTime.toISOString()}::timestamptz` : undefined,
      );
      return paginate(
        query,
        async () => (await db.select({ count: countAll }).from(lead).where(where))[0].count,
        async (limit, offset) => withTags(await select().where(where).orderBy(desc(lead.ctime), desc(lead.id)).limit(limit).offset(offset)),
      );
    },

    /** A live lead the viewer may see (merged ones included), optionally locked for update. */
    async findVisible(viewer: Viewer | null, id: number, tx: DbOrTx = db, options: { lock?: boolean } = {}): Promise<LeadRow | undefined> {
      const query = select(tx).where(and(live, eq(lead.id, id), viewer ? leadScope(viewer) : undefined));
      const [row] = options.lock ? await query.for('update', { of: lead }) : await query;
      return row;
    },

    async findManyVisible(viewer: Viewer, ids: number[], tx: DbOrTx = db, options: { lock?: boolean } = {}): Promise<LeadRow[]> {
      if (ids.length === 0) return [];
      const query = select(tx).where(and(live, inArray(lead.id, ids), leadScope(viewer))).orderBy(asc(lead.id));
      return options.lock ? query.for('update', { of: lead }) : query;
    },

    /** The live, unmerged lead linked to a customer. */
    async findByExternalUserid(viewer: Viewer | null, externalUserid: string, tx: DbOrTx = db): Promise<LeadRow | undefined> {
      const [row] = await select(tx).where(and(live, isNull(lead.mergedIntoId), eq(lead.externalUserid, externalUserid), viewer ? leadScope(viewer) : undefined));
      return row;
    },

    async findByPrimaryPhone(phone: string, tx: DbOrTx = db): Promise<{ id: number } | undefined> {
      const [row] = await tx.select({ id: lead.id }).from(lead).where(and(live, isNull(lead.mergedIntoId), eq(lead.primaryPhone, phone)));
      return row;
    },

    async insert(tx: DbOrTx, values: typeof lead.$inferInsert): Promise<number> {
      const [row] = await tx.insert(lead).values(values).returning({ id: lead.id });
      return row.id;
    },

    async update(tx: DbOrTx, ids: number[], values: Partial<typeof lead.$inferInsert>): Promise<void> {
      if (ids.length) await tx.update(lead).set(values).where(inArray(lead.id, ids));
    },

    async contactsOf(leadIds: number[], tx: DbOrTx = db) {
      if (leadIds.length === 0) return [];
      return tx
        .select({ id: leadContact.id, leadId: leadContact.leadId, type: leadContact.type, value: leadContact.value, primary: leadContact.isPrimary })
        .from(leadContact)
        .where(inArray(leadContact.leadId, leadIds))
        .orderBy(asc(leadContact.leadId), asc(leadContact.type), desc(leadContact.isPrimary), asc(leadContact.id));
    },

    async replaceContacts(tx: DbOrTx, leadId: number, contacts: Array<{ type: LeadContactType; value: string; primary: boolean }>, actor: string | null) {
      await tx.delete(leadContact).where(eq(leadContact.leadId, leadId));
      if (contacts.length) {
        await tx.insert(leadContact).values(contacts.map((contact) => ({ leadId, type: contact.type, value: contact.value, isPrimary: contact.primary, cuser: actor })));
      }
    },

    async insertContacts(tx: DbOrTx, rows: Array<typeof leadContact.$inferInsert>) {
      if (rows.length) await tx.insert(leadContact).values(rows).onConflictDoNothing();
    },

    /** Live unmerged leads (other than `exceptId`) that have this phone among their contacts. */
    async leadsWithPhones(phones: string[], tx: DbOrTx = db): Promise<Array<{ id: number; phone: string; externalUserid: string | null; ownerId: number | null }>> {
      if (phones.length === 0) return [];
      return tx
        .selectDistinct({ id: lead.id, phone: leadContact.value, externalUserid: lead.externalUserid, ownerId: lead.ownerId })
        .from(leadContact)
        .innerJoin(lead, eq(lead.id, leadContact.leadId))
        .where(and(eq(leadContact.type, 'phone'), inArray(leadContact.value, phones), live, isNull(lead.mergedIntoId)))
        .orderBy(asc(lead.id));
    },

    tagsOf,

    async addTags(tx: DbOrTx, leadIds: number[], tagIds: number[], actor: string | null): Promise<Map<number, number[]>> {
      const added = new Map<number, number[]>();
      if (leadIds.length === 0 || tagIds.length === 0) return added;
      const rows = await tx
        .insert(leadTag)
        .values(leadIds.flatMap((leadId) => tagIds.map((tagId) => ({ leadId, tagId, cuser: actor }))))
        .onConflictDoNothing()
        .returning({ leadId: leadTag.leadId, tagId: leadTag.tagId });
      for (const row of rows) added.set(row.leadId, [...(added.get(row.leadId) ?? []), row.tagId]);
      return added;
    },

    async removeTags(tx: DbOrTx, leadIds: number[], tagIds: number[]): Promise<Map<number, number[]>> {
      const removed = new Map<number, number[]>();
      if (leadIds.length === 0 || tagIds.length === 0) return removed;
      const rows = await tx
        .delete(leadTag)
        .where(and(inArray(leadTag.leadId, leadIds), inArray(leadTag.tagId, tagIds)))
        .returning({ leadId: leadTag.leadId, tagId: leadTag.tagId });
      for (const row of rows) removed.set(row.leadId, [...(removed.get(row.leadId) ?? []), row.tagId]);
      return removed;
    },

    async tagIdsOfLead(leadId: number, tx: DbOrTx = db): Promise<number[]> {
      const rows = await tx.select({ tagId: leadTag.tagId }).from(leadTag).where(eq(leadTag.leadId, leadId));
      return rows.map((row) => row.tagId);
    },

    /** Tags of a type that exist (not deleted), with their WeCom ids. */
    async liveTags(ids: number[], type: 'self' | 'corp', tx: DbOrTx = db) {
      if (ids.length === 0) return [];
      return tx
        .select({ id: tag.id, name: tag.name, wecomTagId: tag.wecomTagId })
        .from(tag)
        .where(and(inArray(tag.id, ids), eq(tag.type, type), eq(tag.isDel, 0)));
    },

    async selfTags(filters: { name?: string; groupId?: number }) {
      return db
        .select({ id: tag.id, name: tag.name, groupId: tag.groupId, groupName: tagGroup.name })
        .from(tag)
        .innerJoin(tagGroup, eq(tagGroup.id, tag.groupId))
        .where(
          and(
            eq(tag.type, 'self'),
            eq(tag.isDel, 0),
            eq(tagGroup.isDel, 0),
            filters.name ? ilike(tag.name, contains(filters.name)) : undefined,
            filters.groupId ? eq(tag.groupId, filters.groupId) : undefined,
          ),
        )
        .orderBy(desc(tagGroup.orderNum), asc(tagGroup.id), desc(tag.orderNum), asc(tag.id));
    },

    async insertFollowUp(tx: DbOrTx, values: typeof leadFollowUp.$inferInsert) {
      const [row] = await tx.insert(leadFollowUp).values(values).returning({ id: leadFollowUp.id });
      return row.id;
    },

    async followUpsOf(leadId: number, limit: number, tx: DbOrTx = db) {
      return tx.select().from(leadFollowUp).where(eq(leadFollowUp.leadId, leadId)).orderBy(desc(leadFollowUp.ctime), desc(leadFollowUp.id)).limit(limit);
    },

    async appendEvents(tx: DbOrTx, events: NewLeadEvent[]): Promise<void> {
      if (events.length === 0) return;
      await tx.insert(leadEvent).values(events.map((event) => ({ ...event, data: event.data ?? {} })));
    },

    async eventsPage(leadId: number, query: { pageNum: number; pageSize: number; types?: string[] }) {
      const where = and(eq(leadEvent.leadId, leadId), query.types?.length ? inArray(leadEvent.type, query.types) : undefined);
      return paginate(
        query,
        async () => (await db.select({ count: countAll }).from(leadEvent).where(where))[0].count,
        (limit, offset) =>
          db
            .select({
              id: leadEvent.id,
              leadId: leadEvent.leadId,
              type: leadEvent.type,
              occurredAt: leadEvent.occurredAt,
              actor: leadEvent.actor,
              data: leadEvent.data,
              mergedFromId: leadEvent.mergedFromId,
            })
            .from(leadEvent)
            .where(where)
            .orderBy(desc(leadEvent.occurredAt), desc(leadEvent.id))
            .limit(limit)
            .offset(offset),
      );
    },

    /** Moves everything recorded on `sourceIds` to `targetId`, remembering where each record came from. */
    async moveRecords(tx: DbOrTx, sourceIds: number[], targetId: number) {
      await tx.execute(sql`UPDATE lead_follow_up SET merged_from_id = COALESCE(merged_from_id, lead_id), lead_id = ${targetId} WHERE lead_id IN (${list(sourceIds)})`);
      await tx.execute(sql`UPDATE lead_event SET merged_from_id = COALESCE(merged_from_id, lead_id), lead_id = ${targetId} WHERE lead_id IN (${list(sourceIds)})`);
    },

    async activeUser(id: number, tx: DbOrTx = db) {
      const [row] = await tx
        .select({ id: sysUser.id, nickname: sysUser.nickname, username: sysUser.username, qwUserid: sysUser.qwUserid })
        .from(sysUser)
        .where(and(eq(sysUser.id, id), eq(sysUser.isDel, 0), eq(sysUser.status, 0)));
      return row;
    },

    async userByQwUserid(qwUserid: string, tx: DbOrTx = db) {
      const [row] = await tx
        .select({ id: sysUser.id })
        .from(sysUser)
        .where(and(eq(sysUser.qwUserid, qwUserid), eq(sysUser.isDel, 0)))
        .limit(1);
      return row;
    },

    async customer(externalUserid: string, tx: DbOrTx = db) {
      const [row] = await tx
        .select({ externalUserid: customer.externalUserid, name: customer.name, avatar: customer.avatar, type: customer.type, gender: customer.gender, corpName: customer.corpName })
        .from(customer)
        .where(eq(customer.externalUserid, externalUserid));
      return row;
    },

    async relationsOf(externalUserid: string, tx: DbOrTx = db) {
      return tx
        .select({
          userid: customerRelation.userid,
          remark: customerRelation.remark,
          remarkMobiles: customerRelation.remarkMobiles,
          state: customerRelation.state,
          status: customerRelation.status,
          createtime: customerRelation.createtime,
        })
        .from(customerRelation)
        .where(eq(customerRelation.externalUserid, externalUserid))
        .orderBy(desc(customerRelation.createtime), desc(customerRelation.id));
    },

    /**
     * A customer the viewer may see: one of their relations is in the viewer's scope (as the customers
     * module scopes relations: by the employee's bound system user), or a lead the viewer sees is linked.
     */
    async customerVisible(viewer: Viewer, externalUserid: string, tx: DbOrTx = db): Promise<boolean> {
      const exists = await customerExists(tx, externalUserid);
      if (!exists) return false;
      if (viewer.scope.all) return true;
      const relationScope = scopeCondition(viewer.scope, {
        self: viewer.user.qwUserid ? sql`r.userid = ${viewer.user.qwUserid}` : sql`false`,
        deptIn: (deptIds) => sql`r.userid IN (SELECT u.qw_userid FROM sys_user u WHERE u.is_del = 0 AND u.qw_userid IS NOT NULL AND u.dept_id IN (${list(deptIds)}))`,
      });
      const result = await tx.execute(sql`SELECT 1 FROM customer_relation r WHERE r.external_userid = ${externalUserid} AND ${relationScope} LIMIT 1`);
      if (result.rows.length) return true;
      const [linked] = await tx
        .select({ id: lead.id })
        .from(lead)
        .where(and(live, isNull(lead.mergedIntoId), eq(lead.externalUserid, externalUserid), leadScope(viewer)));
      return linked !== undefined;
    },

    /** SCRM tags on a customer as a whole (customer_tag, userid ''). */
    async customerSelfTagIds(externalUserid: string, tx: DbOrTx = db): Promise<number[]> {
      const rows = await tx
        .select({ tagId: customerTag.tagId })
        .from(customerTag)
        .where(and(eq(customerTag.externalUserid, externalUserid), eq(customerTag.userid, ''), eq(customerTag.tagType, 'self')));
      return rows.map((row) => row.tagId);
    },

    async addCustomerSelfTags(tx: DbOrTx, externalUserids: string[], tagIds: number[], actor: string | null) {
      if (externalUserids.length === 0 || tagIds.length === 0) return;
      await tx
        .insert(customerTag)
        .values(externalUserids.flatMap((externalUserid) => tagIds.map((tagId) => ({ externalUserid, userid: '', tagId, tagType: 'self' as const, cuser: actor }))))
        .onConflictDoNothing();
    },

    async removeCustomerSelfTags(tx: DbOrTx, externalUserid: string, tagIds: number[]) {
      if (tagIds.length === 0) return;
      await tx
        .delete(customerTag)
        .where(and(eq(customerTag.externalUserid, externalUserid), eq(customerTag.userid, ''), eq(customerTag.tagType, 'self'), inArray(customerTag.tagId, tagIds)));
    },

    /** Corp tags on the customer's relations, with the employees whose relation carries each. */
    async customerCorpTags(externalUserid: string, tx: DbOrTx = db) {
      return tx
        .select({ id: tag.id, name: tag.name, groupId: tag.groupId, groupName: tagGroup.name, userid: customerTag.userid })
        .from(customerTag)
        .innerJoin(tag, eq(tag.id, customerTag.tagId))
        .innerJoin(tagGroup, eq(tagGroup.id, tag.groupId))
        .where(and(eq(customerTag.externalUserid, externalUserid), eq(customerTag.tagType, 'corp'), eq(tag.isDel, 0)))
        .orderBy(desc(tagGroup.orderNum), asc(tagGroup.id), desc(tag.orderNum), asc(tag.id), asc(customerTag.userid));
    },

    async tagRefs(ids: number[], tx: DbOrTx = db) {
      if (ids.length === 0) return [];
      return tx
        .select({ id: tag.id, name: tag.name, groupId: tag.groupId, groupName: tagGroup.name })
        .from(tag)
        .innerJoin(tagGroup, eq(tagGroup.id, tag.groupId))
        .where(and(inArray(tag.id, ids), eq(tag.isDel, 0)))
        .orderBy(desc(tagGroup.orderNum), asc(tagGroup.id), desc(tag.orderNum), asc(tag.id));
    },

    async activeRelationUserids(externalUserid: string, tx: DbOrTx = db): Promise<string[]> {
      const rows = await tx
        .select({ userid: customerRelation.userid })
        .from(customerRelation)
        .where(and(eq(customerRelation.externalUserid, externalUserid), eq(customerRelation.status, 'active')));
      return rows.map((row) => row.userid);
    },

    async transfersOf(externalUserid: string, tx: DbOrTx = db) {
      return tx.select().from(leadTransfer).where(eq(leadTransfer.externalUserid, externalUserid)).orderBy(desc(leadTransfer.ctime), desc(leadTransfer.id)).limit(50);
    },

    /** Lead totals by status and by owner, in the viewer's scope; `todayStart` is local midnight. */
    async stat(viewer: Viewer, todayStart: Date) {
      const where = and(live, isNull(lead.mergedIntoId), leadScope(viewer));
      const [byStatus, today, perOwner] = await Promise.all([
        db.select({ status: lead.status, count: countAll }).from(lead).where(where).groupBy(lead.status),
        db.select({ count: countAll }).from(lead).where(and(where, sql`${lead.ctime} >= ${todayStart.toISOString()}::timestamptz`)),
        db
          .select({
            ownerId: sql<number>`${lead.ownerId}`.mapWith(Number),
            ownerName: sql<string>`COALESCE(max(${sysUser.nickname}), '')`,
            total: countAll,
            assigned: sql<number>`(count(*) FILTER (WHERE ${lead.status} = 'assigned'))::int`,
            converted: sql<number>`(count(*) FILTER (WHERE ${lead.status} = 'converted'))::int`,
            invalid: sql<number>`(count(*) FILTER (WHERE ${lead.status} = 'invalid'))::int`,
          })
          .from(lead)
          .leftJoin(sysUser, eq(sysUser.id, lead.ownerId))
          .where(and(where, sql`${lead.ownerId} IS NOT NULL`))
          .groupBy(lead.ownerId)
          .orderBy(desc(countAll), asc(lead.ownerId)),
      ]);
      return { byStatus, newToday: today[0].count, perOwner };
    },
  };
}

async function customerExists(tx: DbOrTx, externalUserid: string): Promise<boolean> {
  const rows = await tx.select({ id: customer.id }).from(customer).where(eq(customer.externalUserid, externalUserid)).limit(1);
  return rows.length > 0;
}

export type LeadRepository = ReturnType<typeof createLeadRepository>;
