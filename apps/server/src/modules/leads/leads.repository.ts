// The leads' storage. Made for the caller: `leads.forViewer(viewer)` applies the data scope to every read it
// makes — the leads (leadScope), and inside a lead the customer's relations, transfers, corp tags and timeline
// (the relation scope, relationScope). `leads.system()` reads without a scope: only for jobs and callbacks.
// The rest are writes and reads of rows the caller reached through a scoped read (a lead's contacts and tags).
import { and, asc, Column, desc, eq, ilike, inArray, is, isNull, sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import { notDeleted, preparedByShape, preparedPage } from '../../platform/db/prepared.ts';
import type { DbOrTx } from '../../platform/db/database.ts';
import { contains, countAll, paginateInOne } from '../../platform/db/paging.ts';
import { bindViewer, employeeScope, employeeScopeOfShape, relationScope, scopeShape, type Viewer } from '../../platform/auth/data-scope.ts';
import type { Page } from '../../platform/http/schemas.ts';
import { acqLink, customer, customerRelation, customerTag, qwEmp, sysUser, tag, tagGroup } from '../../db/schema/index.ts';
import { lead, leadCollectRequest, leadTally, leadContact, leadFollowUp, leadTag, leadTransfer, type LeadContactType, type LeadStatus, type LeadTransferStatus } from '../../db/schema/leads.ts';
import type { TimelineService } from '../journey/timeline.service.ts';
import type { TimelineRepository } from '../journey/timeline.repository.ts';
import type { LeadPageQuery, LeadRecord } from './leads.schemas.ts';
import { TAG_VERSION, type TagDictionary } from '../tags/tag-dictionary.ts';
import { EMPLOYEE_VERSION, type EmployeeDirectory } from '../org/employee-directory.ts';

export type { Viewer };

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
 * see leads at all (that is what a public pool is); an owned lead follows its owner, a WeCom employee, by the
 * relation scope rule (`relationScope`): self sees the leads of the caller's bound employee, department scopes
 * the leads of employees bound to users in those departments.
 */
export function leadScope(viewer: Viewer): SQL | undefined {
  const owned = employeeScope(viewer, sql`${lead.ownerUserid}`);
  return owned ? sql`(${lead.ownerUserid} IS NULL OR ${owned})` : undefined;
}

/** leadScope for a shape of scopeShape (a query built once per shape). */
function leadScopeOfShape(shape: string, p: (name: string) => SQLWrapper): SQL | undefined {
  const owned = employeeScopeOfShape(shape.split(',')[0], sql`${lead.ownerUserid}`, p);
  return owned ? sql`(${lead.ownerUserid} IS NULL OR ${owned})` : undefined;
}

/** Leads to follow up (待跟进): owned, with a next follow-up date on or before `until`. */
export const followUpDue = (until: Date | SQL): SQL =>
  sql`(${lead.ownerUserid} IS NOT NULL AND ${lead.nextFollowAt} IS NOT NULL AND ${lead.nextFollowAt} <= ${until instanceof Date ? sql`${until.toISOString()}::timestamptz` : until} AND ${lead.status} IN ('assigned', 'converted'))`;

const live = notDeleted(lead);

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
  ownerUserid: lead.ownerUserid,
  // Named, so the page can read them from its CTE.
  ownerName: sql<string | null>`${qwEmp.name}`.as('owner_name'),
  ownerLeft: sql<boolean>`COALESCE(${qwEmp.status} = 5 OR ${qwEmp.isDel} = 1, false)`.as('owner_left'),
  assignedAt: lead.assignedAt,
  returnedAt: lead.returnedAt,
  returnReason: lead.returnReason,
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

/** The list's filters (the page, the export and bulk actions on a filtered list). */
export type LeadFilter = Omit<LeadPageQuery, 'pageNum' | 'pageSize'> & {
  /** 待跟进: owned leads whose next follow-up is on or before this (the service sets it from `followUp`). */
  followUpBefore?: Date;
};

/** The status a lead has from its facts (invalid and merged are set explicitly and stay). */
export const derivedStatus = (row: { externalUserid: string | null; ownerUserid: string | null }): LeadStatus =>
  row.externalUserid ? 'converted' : row.ownerUserid ? 'assigned' : 'pool';

/**
 * The lead timeline lives on the customer timeline (journey's customer_event, type 'lead', data.leadType the lead
 * event type): written and read through the timeline's service and repository, with the lead timeline's scope rule.
 */
export interface LeadTimeline {
  timeline: Pick<TimelineService, 'record' | 'insertEvents' | 'moveLead' | 'linkLead'>;
  timelineEvents: Pick<TimelineRepository, 'forViewer'>;
}

export function createLeadRepository(db: DbOrTx, timeline: LeadTimeline, tags: TagDictionary, employees: EmployeeDirectory) {
  const select = <E extends Record<string, SQL | SQL.Aliased>>(tx: DbOrTx = db, extra = {} as E) =>
    tx.select({ ...columns, ...extra }).from(lead).leftJoin(qwEmp, eq(qwEmp.userid, lead.ownerUserid));

  /**
   * The page's conditions (the list, its export and its bulk actions read the same leads), as a shape — which
   * filters are present, the caller's kind of scope — and the values it runs with, so the page's queries are built
   * once per shape (db/prepared.ts); the export binds the values directly.
   */
  function pageShape(viewer: Viewer, query: LeadFilter): { shape: string; values: Record<string, unknown> } {
    const scope = scopeShape(viewer);
    const values: Record<string, unknown> = {
      ...scope.values,
      ...(query.name ? { name: contains(query.name) } : {}),
      ...(query.phone ? { phone: contains(query.phone) } : {}),
      ...(query.status ? { status: query.status } : {}),
      ...(query.source ? { source: query.source } : {}),
      ...(query.channel ? { channel: query.channel } : {}),
      ...(query.ownerUserid ? { ownerUserid: query.ownerUserid } : {}),
      ...(query.mine && viewer.user.qwUserid ? { mine: viewer.user.qwUserid } : {}),
      ...(query.followUpBefore ? { followUpBefore: query.followUpBefore.toISOString() } : {}),
      ...(query.tagIds?.length ? { tagIds: query.tagIds } : {}),
      ...(query.externalUserid ? { externalUserid: query.externalUserid } : {}),
      ...(query.startTime ? { startTime: query.startTime.toISOString() } : {}),
      ...(query.endTime ? { endTime: query.endTime.toISOString() } : {}),
    };
    const flags = [
      query.includeMerged || query.status === 'merged' ? 'withMerged' : '',
      query.pool === true ? 'pool' : query.pool === false ? 'owned' : '',
      query.mine && !viewer.user.qwUserid ? 'mineUnbound' : '',
    ];
    return { shape: [scope.shape, ...flags.filter(Boolean), ...Object.keys(values).filter((name) => !(name in scope.values))].join(','), values };
  }

  function pageWhere(shape: string, p: (name: string) => SQLWrapper): SQL | undefined {
    const has = new Set(shape.split(','));
    return and(
      live,
      leadScopeOfShape(shape, p),
      has.has('withMerged') ? undefined : isNull(lead.mergedIntoId),
      has.has('name') ? ilike(lead.name, p('name')) : undefined,
      has.has('phone') ? sql`${lead.id} IN (SELECT c.lead_id FROM lead_contact c WHERE c.type = 'phone' AND c.value LIKE ${p('phone')})` : undefined,
      has.has('status') ? eq(lead.status, p('status')) : undefined,
      has.has('source') ? eq(lead.source, p('source')) : undefined,
      has.has('channel') ? eq(lead.channel, p('channel')) : undefined,
      has.has('ownerUserid') ? eq(lead.ownerUserid, p('ownerUserid')) : undefined,
      has.has('pool') ? isNull(lead.ownerUserid) : has.has('owned') ? sql`${lead.ownerUserid} IS NOT NULL` : undefined,
      has.has('mine') ? eq(lead.ownerUserid, p('mine')) : has.has('mineUnbound') ? sql`false` : undefined,
      has.has('followUpBefore') ? followUpDue(sql`${p('followUpBefore')}::timestamptz`) : undefined,
      has.has('tagIds') ? sql`${lead.id} IN (SELECT t.lead_id FROM lead_tag t WHERE t.tag_id = ANY(${p('tagIds')}))` : undefined,
      has.has('externalUserid') ? eq(lead.externalUserid, p('externalUserid')) : undefined,
      has.has('startTime') ? sql`${lead.ctime} >= ${p('startTime')}::timestamptz` : undefined,
      has.has('endTime') ? sql`${lead.ctime} <= ${p('endTime')}::timestamptz` : undefined,
    );
  }
  const pageOrder = (shape: string, of: { nextFollowAt: SQLWrapper; ctime: SQLWrapper; id: SQLWrapper } = lead) =>
    shape.split(',').includes('followUpBefore') ? [asc(of.nextFollowAt), asc(of.id)] : [desc(of.ctime), desc(of.id)];
  /** Filters the owners' tally answers alone (the rest need a count of the leads). */
  const TALLIED = new Set(['pool', 'owned', 'mine', 'mineUnbound', 'ownerUserid']);
  /**
   * The page's exact total: as 线索公海 opens (every live lead in scope) and in its views by owner (mine, the pool), a
   * sum over the tally of the owners in scope and the pool (migration 0038); with any other filter, a count of the
   * leads, whose cost grows with them and which reads the table wherever an update has cleared the visibility map.
   */
  function totalQuery(shape: string, p: (name: string) => SQLWrapper) {
    const [scope, ...parts] = shape.split(',');
    if (!parts.every((part) => TALLIED.has(part))) return db.select({ count: countAll }).from(lead).where(pageWhere(shape, p));
    const owner = leadTally.ownerUserid;
    const has = new Set(parts);
    const owned = employeeScopeOfShape(scope, sql`${owner}`, p);
    return db
      .select({ count: sql<number>`COALESCE(sum(${leadTally.leads}), 0)::int` })
      .from(leadTally)
      .where(
        and(
          owned ? sql`(${owner} = '' OR ${owned})` : undefined,
          has.has('pool') ? sql`${owner} = ''` : has.has('owned') ? sql`${owner} <> ''` : undefined,
          has.has('mine') ? sql`${owner} = ${p('mine')}` : has.has('mineUnbound') ? sql`false` : undefined,
          has.has('ownerUserid') ? sql`${owner} = ${p('ownerUserid')}` : undefined,
        ),
      );
  }
  const pageCount = preparedByShape(db, totalQuery);
  /**
   * The page, each lead with its tags' ids and its owner's userid, named by the tag dictionary and the employee directory
   * (their versions ride along): per lead, an index read of its tag ids. Named in the statement, the tag lists (the tag
   * tables joined and aggregated, even once for the page) cost it more than the rest of the page, and the owners' names
   * a third of what remained (tag-dictionary.ts, employee-directory.ts).
   */
  const PAGE_CTE = 'page';
  const { ownerName: _name, ownerLeft: _left, ...ownLeadColumns } = columns;
  const pageRows = preparedPage(
    db,
    (shape, p, page) => {
      const found = db.$with(PAGE_CTE).as(
        db
          .select({ ...ownLeadColumns, pageTotal: sql<number>`(${totalQuery(shape, p)})`.as('page_total') })
          .from(lead)
          .where(pageWhere(shape, p))
          .orderBy(...pageOrder(shape))
          .limit(page.limit as never)
          .offset(page.offset as never),
      );
      // The CTE's fields by the page's keys (read through its proxy: they are not its own properties), in the records'
      // order, the owner's name and state to be filled in. A column is decoded by the table's own column: the CTE's is a
      // proxy, and its decoder was a proxy read per value.
      const pageFields = Object.fromEntries(
        Object.entries(columns).map(([key, field]) => {
          if (key === 'ownerName') return [key, sql<string | null>`NULL::text`];
          if (key === 'ownerLeft') return [key, sql<boolean>`false`];
          const aliased = found[key as keyof typeof ownLeadColumns];
          return [key, is(field, Column) ? sql`${aliased}`.mapWith(field) : aliased];
        }),
      ) as unknown as typeof columns;
      return db
        .with(found)
        .select({
          ...pageFields,
          tags: sql`ARRAY(SELECT ${leadTag.tagId} FROM ${leadTag} WHERE ${leadTag.leadId} = ${sql.identifier(PAGE_CTE)}.id)`.mapWith((ids: string[]) => ids.map(Number)),
          tagVersion: TAG_VERSION,
          employeeVersion: EMPLOYEE_VERSION,
          pageTotal: found.pageTotal,
        })
        .from(found)
        .orderBy(...pageOrder(shape, found));
    },
    { carry: ['tagVersion', 'employeeVersion'] },
  );

  /**
   * Rows with their tags named, in display order (deleted tags left out). `tags` holds the rows' tag ids on the way in,
   * read with `version` (TAG_VERSION) in one statement. Filled in place: a copy of each 30-field record per page is
   * garbage the page need not make.
   */
  async function named<R extends { tags: unknown }>(rows: R[], version: unknown): Promise<Array<Omit<R, 'tags'> & Pick<LeadRecord, 'tags'>>> {
    const lists = await tags.lists(rows.map((row) => row.tags as number[]), version);
    rows.forEach((row, i) => ((row as { tags: unknown }).tags = lists[i]));
    return rows as unknown as Array<Omit<R, 'tags'> & Pick<LeadRecord, 'tags'>>;
  }

  /** Rows with their tags ([] for a lead without any). */
  async function withTags(rows: LeadRow[], tx: DbOrTx = db): Promise<LeadRecord[]> {
    if (rows.length === 0) return [];
    const found = await tx
      .select({ leadId: leadTag.leadId, tagId: leadTag.tagId, version: TAG_VERSION })
      .from(leadTag)
      .where(inArray(leadTag.leadId, rows.map((row) => row.id)));
    const ids = new Map<number, number[]>();
    for (const row of found) ids.set(row.leadId, [...(ids.get(row.leadId) ?? []), row.tagId]);
    return named(rows.map((row) => ({ ...row, tags: ids.get(row.id) ?? [] })), found[0]?.version);
  }

  /** A live lead (merged ones included), in the viewer's scope unless `viewer` is null; optionally locked for update. */
  async function find(viewer: Viewer | null, id: number, tx: DbOrTx = db, options: { lock?: boolean } = {}): Promise<LeadRow | undefined> {
    const query = select(tx).where(and(live, eq(lead.id, id), viewer ? leadScope(viewer) : undefined));
    const [row] = options.lock ? await query.for('update', { of: lead }) : await query;
    return row;
  }

  /** The live, unmerged lead linked to a customer. */
  async function findByCustomer(viewer: Viewer | null, externalUserid: string, tx: DbOrTx = db): Promise<LeadRow | undefined> {
    const [row] = await select(tx).where(and(live, isNull(lead.mergedIntoId), eq(lead.externalUserid, externalUserid), viewer ? leadScope(viewer) : undefined));
    return row;
  }

  /** Whether one of the customer's relations is in the viewer's scope (the customers module's rule). */
  async function customerInScope(viewer: Viewer, externalUserid: string, tx: DbOrTx = db, options: { userid?: string; active?: boolean } = {}): Promise<boolean> {
    const scope = relationScope(viewer);
    // Seeing every relation is seeing every customer, with or without relations.
    if (!scope && options.userid === undefined && !options.active) return customerExists(tx, externalUserid);
    const result = await tx.execute(sql`SELECT 1 FROM customer_relation r JOIN customer c ON c.external_userid = r.external_userid
      WHERE ${and(
        sql`r.external_userid = ${externalUserid}`,
        options.userid !== undefined ? sql`r.userid = ${options.userid}` : undefined,
        options.active ? sql`r.status = 'active'` : undefined,
        scope,
      )} LIMIT 1`);
    return result.rows.length > 0;
  }

  /** The reads a request makes, each in the caller's scope. */
  const scoped = {
    async page(viewer: Viewer, query: LeadFilter & Pick<LeadPageQuery, 'pageNum' | 'pageSize'>): Promise<Page<LeadRecord>> {
      const { shape, values } = pageShape(viewer, query);
      let versions: { tagVersion?: unknown; employeeVersion?: unknown } = {};
      const page = await paginateInOne(
        query,
        async (limit, offset) => {
          const found = await pageRows(shape, { ...values, limit, offset });
          versions = found.carried;
          return found;
        },
        async () => (await pageCount(shape, values))[0].count,
      );
      if (page.records.some((row) => row.ownerUserid !== null)) {
        const owners = await employees.at(versions.employeeVersion);
        for (const row of page.records) {
          row.ownerName = owners.nameOf(row.ownerUserid);
          row.ownerLeft = owners.leftOf(row.ownerUserid);
        }
      }
      return { ...page, records: await named(page.records, versions.tagVersion) };
    },

    /** The page's leads in its order, `size` at a time after `offset` (the export reads them in slices). */
    async slice(viewer: Viewer, query: LeadFilter, offset: number, size: number): Promise<LeadRecord[]> {
      const { shape, values } = pageShape(viewer, query);
      return withTags(await select(db).where(pageWhere(shape, (name) => sql.param(values[name]))).orderBy(...pageOrder(shape)).limit(size).offset(offset));
    },

    /** A live lead the viewer may see (merged ones included), optionally locked for update. */
    find: (viewer: Viewer, id: number, tx: DbOrTx = db, options: { lock?: boolean } = {}) => find(viewer, id, tx, options),

    async findMany(viewer: Viewer, ids: number[], tx: DbOrTx = db, options: { lock?: boolean } = {}): Promise<LeadRow[]> {
      if (ids.length === 0) return [];
      const query = select(tx).where(and(live, inArray(lead.id, ids), leadScope(viewer))).orderBy(asc(lead.id));
      return options.lock ? query.for('update', { of: lead }) : query;
    },

    /** The live, unmerged lead linked to a customer, if the viewer sees it. */
    findByCustomer: (viewer: Viewer, externalUserid: string, tx: DbOrTx = db) => findByCustomer(viewer, externalUserid, tx),

    /**
     * A customer the viewer may act on in WeCom or link a lead to: one of its relations is in the viewer's scope
     * (with `userid`: that employee's relation; `active`: a relation WeCom still has).
     */
    customerInScope,

    /** A customer the viewer may see as a whole (its SCRM tags): one of its relations is in scope, or a lead the viewer sees is linked to it. */
    async customerVisible(viewer: Viewer, externalUserid: string, tx: DbOrTx = db): Promise<boolean> {
      if (await customerInScope(viewer, externalUserid, tx)) return true;
      return (await findByCustomer(viewer, externalUserid, tx)) !== undefined && (await customerExists(tx, externalUserid));
    },

    /** The customer's relations in the viewer's scope (remarks and remark mobiles are the employee's). */
    async relationsOf(viewer: Viewer, externalUserid: string, tx: DbOrTx = db) {
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
        .where(and(eq(customerRelation.externalUserid, externalUserid), relationScope(viewer, sql`${customerRelation.userid}`)))
        .orderBy(desc(customerRelation.createtime), desc(customerRelation.id));
    },

    /** Employees in the viewer's scope whose relation with the customer WeCom still has. */
    async activeRelationUserids(viewer: Viewer, externalUserid: string, tx: DbOrTx = db): Promise<string[]> {
      const rows = await tx
        .select({ userid: customerRelation.userid })
        .from(customerRelation)
        .where(and(eq(customerRelation.externalUserid, externalUserid), eq(customerRelation.status, 'active'), relationScope(viewer, sql`${customerRelation.userid}`)));
      return rows.map((row) => row.userid);
    },

    /** Corp tags on the customer's relations in the viewer's scope, with the employees whose relation carries each. */
    async customerCorpTags(viewer: Viewer, externalUserid: string, tx: DbOrTx = db) {
      return tx
        .select({ id: tag.id, name: tag.name, groupId: tag.groupId, groupName: tagGroup.name, userid: customerTag.userid })
        .from(customerTag)
        .innerJoin(tag, eq(tag.id, customerTag.tagId))
        .innerJoin(tagGroup, eq(tagGroup.id, tag.groupId))
        .where(
          and(eq(customerTag.externalUserid, externalUserid), eq(customerTag.tagType, 'corp'), notDeleted(tag), relationScope(viewer, sql`${customerTag.userid}`)),
        )
        .orderBy(desc(tagGroup.orderNum), asc(tagGroup.id), desc(tag.orderNum), asc(tag.id), asc(customerTag.userid));
    },

    /** The customer's transfers whose handover or takeover employee is in the viewer's scope. */
    async transfersOf(viewer: Viewer, externalUserid: string, tx: DbOrTx = db) {
      const handover = relationScope(viewer, sql`${leadTransfer.handoverUserid}`);
      const takeover = relationScope(viewer, sql`${leadTransfer.takeoverUserid}`);
      return tx
        .select()
        .from(leadTransfer)
        .where(and(eq(leadTransfer.externalUserid, externalUserid), handover && takeover ? sql`(${handover} OR ${takeover})` : undefined))
        .orderBy(desc(leadTransfer.ctime), desc(leadTransfer.id))
        .limit(50);
    },

    /** A visible lead's timeline, without the entries about employees outside the viewer's scope (eventScope). */
    async eventsPage(viewer: Viewer, leadId: number, query: { pageNum: number; pageSize: number; types?: string[] }) {
      const page = await timeline.timelineEvents.forViewer(viewer).page({ leadId, types: ['lead'], leadTypes: query.types }, query);
      return {
        ...page,
        records: page.records.map((event) => {
          const { leadType, mergedFromId, ...data } = event.data as { leadType: string; mergedFromId?: number };
          return { id: event.id, leadId: event.leadId ?? leadId, type: leadType, occurredAt: event.occurredAt, actor: event.actor, data, mergedFromId: mergedFromId === undefined ? null : Number(mergedFromId) };
        }),
      };
    },

    /** Lead totals by status and by owner, in the viewer's scope; `todayStart` is local midnight. */
    async stat(viewer: Viewer, todayStart: Date) {
      const where = and(live, isNull(lead.mergedIntoId), leadScope(viewer));
      const [byStatus, today, perOwner] = await Promise.all([
        db.select({ status: lead.status, count: countAll }).from(lead).where(where).groupBy(lead.status),
        db.select({ count: countAll }).from(lead).where(and(where, sql`${lead.ctime} >= ${todayStart.toISOString()}::timestamptz`)),
        db
          .select({
            ownerUserid: sql<string>`${lead.ownerUserid}`,
            ownerName: sql<string>`COALESCE(max(${qwEmp.name}), ${lead.ownerUserid})`,
            total: countAll,
            assigned: sql<number>`(count(*) FILTER (WHERE ${lead.status} = 'assigned'))::int`,
            converted: sql<number>`(count(*) FILTER (WHERE ${lead.status} = 'converted'))::int`,
            invalid: sql<number>`(count(*) FILTER (WHERE ${lead.status} = 'invalid'))::int`,
          })
          .from(lead)
          .leftJoin(qwEmp, eq(qwEmp.userid, lead.ownerUserid))
          .where(and(where, sql`${lead.ownerUserid} IS NOT NULL`))
          .groupBy(lead.ownerUserid)
          .orderBy(desc(countAll), asc(lead.ownerUserid)),
      ]);
      return { byStatus, newToday: today[0].count, perOwner };
    },
  };

  /** Reads without a scope: for jobs and callbacks (and a request re-reading what it has just written). */
  const system = {
    find: (id: number, tx: DbOrTx = db, options: { lock?: boolean } = {}) => find(null, id, tx, options),
    findByCustomer: (externalUserid: string, tx: DbOrTx = db) => findByCustomer(null, externalUserid, tx),

    async findByPrimaryPhone(phone: string, tx: DbOrTx = db): Promise<{ id: number } | undefined> {
      const [row] = await tx.select({ id: lead.id }).from(lead).where(and(live, isNull(lead.mergedIntoId), eq(lead.primaryPhone, phone)));
      return row;
    },

    /** Live unmerged leads that have one of these phones among their contacts. */
    async leadsWithPhones(phones: string[], tx: DbOrTx = db): Promise<Array<{ id: number; phone: string; externalUserid: string | null; ownerUserid: string | null }>> {
      if (phones.length === 0) return [];
      return tx
        .selectDistinct({ id: lead.id, phone: leadContact.value, externalUserid: lead.externalUserid, ownerUserid: lead.ownerUserid })
        .from(leadContact)
        .innerJoin(lead, eq(lead.id, leadContact.leadId))
        .where(and(eq(leadContact.type, 'phone'), inArray(leadContact.value, phones), live, isNull(lead.mergedIntoId)))
        .orderBy(asc(lead.id));
    },

    /**
     * Whether someone unlinked this lead from this customer by hand (its `unlinked` timeline entry): the automatic
     * linking leaves such a pair alone, or the next sync would undo the unlink.
     */
    async unlinkedByHand(leadId: number, externalUserid: string, tx: DbOrTx = db): Promise<boolean> {
      const result = await tx.execute(sql`SELECT 1 FROM customer_event e
        WHERE e.lead_id = ${leadId} AND e.type = 'lead' AND e.data->>'leadType' = 'unlinked' AND e.data->>'externalUserid' = ${externalUserid} LIMIT 1`);
      return result.rows.length > 0;
    },

    /** The lead whose own link State this is. */
    async leadIdByLinkState(state: string, tx: DbOrTx = db): Promise<number | undefined> {
      const [row] = await tx.select({ id: lead.id }).from(lead).where(and(eq(lead.linkState, state), live));
      return row?.id;
    },

    /** The live unmerged lead holding this contact as a primary one (the collection API's "known lead"). */
    async findByPrimaryContact(tx: DbOrTx, contact: { type: LeadContactType; value: string }): Promise<number | undefined> {
      const [row] = await tx
        .select({ id: lead.id })
        .from(leadContact)
        .innerJoin(lead, eq(lead.id, leadContact.leadId))
        .where(and(eq(leadContact.type, contact.type), eq(leadContact.value, contact.value), eq(leadContact.isPrimary, true), isNull(lead.mergedIntoId), live))
        .orderBy(lead.id)
        .limit(1);
      return row?.id;
    },

    /** The live unmerged leads linked to these customers, by customer. */
    async linkedLeadIds(tx: DbOrTx, externalUserids: string[]): Promise<Map<string, number>> {
      if (externalUserids.length === 0) return new Map();
      const rows = await tx
        .select({ id: lead.id, externalUserid: lead.externalUserid })
        .from(lead)
        .where(and(inArray(lead.externalUserid, externalUserids), isNull(lead.mergedIntoId), live));
      return new Map(rows.map((row) => [row.externalUserid!, row.id]));
    },

    /** The remark mobiles the employees noted on the customer's active relations. */
    async remarkMobilesOf(tx: DbOrTx, externalUserid: string): Promise<string[]> {
      const result = await tx.execute<{ remark_mobiles: unknown }>(
        sql`SELECT remark_mobiles FROM customer_relation WHERE external_userid = ${externalUserid} AND status = 'active'`,
      );
      return result.rows.flatMap((row) => (Array.isArray(row.remark_mobiles) ? row.remark_mobiles.map(String) : []));
    },

    /**
     * Customers no lead is linked to, after `after` in external_userid order, with an active relation whose State is an
     * unlinked lead's link state, or with remark mobiles; each with the relation that speaks for it (the one with the
     * lead's State, else the earliest with remark mobiles).
     */
    async linkCandidates(after: string, limit: number) {
      const page = await db.execute<{ external_userid: string; userid: string; state: string; createtime: string | Date; by_state: boolean }>(sql`
        WITH candidate AS (
          SELECT DISTINCT r.external_userid FROM customer_relation r
          WHERE r.status = 'active' AND r.external_userid > ${after}
            AND ((r.state <> '' AND EXISTS (SELECT 1 FROM lead l WHERE l.link_state = r.state AND l.is_del = 0 AND l.merged_into_id IS NULL AND l.external_userid IS NULL))
                 OR jsonb_array_length(r.remark_mobiles) > 0)
            AND NOT EXISTS (SELECT 1 FROM lead l WHERE l.external_userid = r.external_userid AND l.is_del = 0 AND l.merged_into_id IS NULL)
          ORDER BY r.external_userid
          LIMIT ${limit}
        )
        SELECT DISTINCT ON (r.external_userid) r.external_userid, r.userid, r.state, r.createtime,
               (r.state <> '' AND EXISTS (SELECT 1 FROM lead l WHERE l.link_state = r.state AND l.is_del = 0)) AS by_state
        FROM candidate c JOIN customer_relation r ON r.external_userid = c.external_userid AND r.status = 'active'
        ORDER BY r.external_userid,
                 (r.state <> '' AND EXISTS (SELECT 1 FROM lead l WHERE l.link_state = r.state AND l.is_del = 0)) DESC,
                 (jsonb_array_length(r.remark_mobiles) > 0) DESC, r.createtime, r.userid`);
      return page.rows;
    },

    /**
     * Owned leads whose next follow-up date has come and whose owner was not reminded of that date yet, with the
     * owner; the reminder job marks each (followUpRemindedAt) in the transaction that queues its message.
     */
    async dueFollowUps(now: Date, limit: number, tx: DbOrTx = db) {
      return tx
        .select({ id: lead.id, name: lead.name, ownerUserid: sql<string>`${lead.ownerUserid}`, nextFollowAt: sql<Date>`${lead.nextFollowAt}`.mapWith(lead.nextFollowAt) })
        .from(lead)
        .where(and(live, isNull(lead.mergedIntoId), followUpDue(now), sql`${lead.followUpRemindedAt} IS DISTINCT FROM ${lead.nextFollowAt}`))
        .orderBy(asc(lead.nextFollowAt), asc(lead.id))
        .limit(limit)
        .for('update', { of: lead, skipLocked: true });
    },

    /** Whether a pair's transfers still wait for WeCom. */
    async waitingTransfers(pair: { handoverUserid: string; takeoverUserid: string }): Promise<number> {
      const rows = await db
        .select({ id: leadTransfer.id })
        .from(leadTransfer)
        .where(and(eq(leadTransfer.handoverUserid, pair.handoverUserid), eq(leadTransfer.takeoverUserid, pair.takeoverUserid), eq(leadTransfer.status, 'waiting')));
      return rows.length;
    },
  };

  return {
    /** The repository for one caller: every read applies their data scope. */
    forViewer: (viewer: Viewer) => bindViewer(viewer, scoped),
    /** Unscoped reads, for jobs and callbacks only. */
    system: () => system,

    withTags,

    async insert(tx: DbOrTx, values: typeof lead.$inferInsert): Promise<number> {
      const [row] = await tx.insert(lead).values(values).returning({ id: lead.id });
      return row.id;
    },

    async update(tx: DbOrTx, ids: number[], values: Partial<typeof lead.$inferInsert>): Promise<void> {
      if (ids.length) await tx.update(lead).set(values).where(inArray(lead.id, ids));
    },

    /** The lead(s) linked to a customer get a new owner (a transfer completed). */
    async setOwnerOfCustomerLeads(tx: DbOrTx, externalUserid: string, values: { ownerUserid: string; assignedAt: Date; mtime: Date; muser: string }): Promise<void> {
      await tx.update(lead).set(values).where(and(eq(lead.externalUserid, externalUserid), isNull(lead.mergedIntoId), live));
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
        .where(and(inArray(tag.id, ids), eq(tag.type, type), notDeleted(tag)));
    },

    async selfTags(filters: { name?: string; groupId?: number }) {
      return db
        .select({ id: tag.id, name: tag.name, groupId: tag.groupId, groupName: tagGroup.name })
        .from(tag)
        .innerJoin(tagGroup, eq(tagGroup.id, tag.groupId))
        .where(
          and(
            eq(tag.type, 'self'),
            notDeleted(tag),
            notDeleted(tagGroup),
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

    /** Lead timeline entries, on the customer timeline (and on the lead's WeCom customer's, once it has one). */
    async appendEvents(tx: DbOrTx, events: NewLeadEvent[]): Promise<void> {
      if (events.length === 0) return;
      const leadIds = [...new Set(events.map((event) => event.leadId))];
      const customers = new Map(
        (await tx.select({ id: lead.id, externalUserid: lead.externalUserid }).from(lead).where(inArray(lead.id, leadIds))).map((row) => [row.id, row.externalUserid]),
      );
      await timeline.timeline.record(
        tx,
        events.map((event) => ({
          type: 'lead' as const, leadId: event.leadId, externalUserid: customers.get(event.leadId) ?? null, occurredAt: event.occurredAt, actor: event.actor,
          data: { ...event.data, leadType: event.type },
        })),
      );
      // Linked now: the entries from before the link join the customer's timeline.
      for (const [leadId, externalUserid] of customers) if (externalUserid) await timeline.timeline.linkLead(tx, leadId, externalUserid);
    },

    /** Moves everything recorded on `sourceIds` to `targetId`, remembering where each record came from. */
    async moveRecords(tx: DbOrTx, sourceIds: number[], targetId: number) {
      await tx.execute(sql`UPDATE lead_follow_up SET merged_from_id = COALESCE(merged_from_id, lead_id), lead_id = ${targetId} WHERE lead_id IN (${list(sourceIds)})`);
      await timeline.timeline.moveLead(tx, sourceIds, targetId);
    },

    async activeUser(id: number, tx: DbOrTx = db) {
      const [row] = await tx
        .select({ id: sysUser.id, nickname: sysUser.nickname, username: sysUser.username, qwUserid: sysUser.qwUserid })
        .from(sysUser)
        .where(and(eq(sysUser.id, id), notDeleted(sysUser), eq(sysUser.status, 0)));
      return row;
    },

    /** A WeCom employee who may own leads: in the org mirror, active (not disabled, unactivated or gone). */
    async activeEmployee(userid: string, tx: DbOrTx = db) {
      const [row] = await tx
        .select({ userid: qwEmp.userid, name: qwEmp.name })
        .from(qwEmp)
        .where(and(eq(qwEmp.userid, userid), eq(qwEmp.status, 1), notDeleted(qwEmp), isNull(qwEmp.leftAt)));
      return row;
    },

    /** Employees' names by userid (those the org mirror knows). */
    async employeeNames(userids: string[], tx: DbOrTx = db): Promise<Map<string, string>> {
      if (userids.length === 0) return new Map();
      const rows = await tx.select({ userid: qwEmp.userid, name: qwEmp.name }).from(qwEmp).where(inArray(qwEmp.userid, [...new Set(userids)]));
      return new Map(rows.map((row) => [row.userid, row.name]));
    },

    /** A customer's own fields (reached through a lead the caller sees, or a customer in scope). */
    async customer(externalUserid: string, tx: DbOrTx = db) {
      const [row] = await tx
        .select({ externalUserid: customer.externalUserid, name: customer.name, avatar: customer.avatar, type: customer.type, gender: customer.gender, corpName: customer.corpName })
        .from(customer)
        .where(eq(customer.externalUserid, externalUserid));
      return row;
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

    async tagRefs(ids: number[], tx: DbOrTx = db) {
      if (ids.length === 0) return [];
      return tx
        .select({ id: tag.id, name: tag.name, groupId: tag.groupId, groupName: tagGroup.name })
        .from(tag)
        .innerJoin(tagGroup, eq(tagGroup.id, tag.groupId))
        .where(and(inArray(tag.id, ids), notDeleted(tag)))
        .orderBy(desc(tagGroup.orderNum), asc(tagGroup.id), desc(tag.orderNum), asc(tag.id));
    },

    /** The URL of a published acquisition link (获客链接), for a lead's own link. */
    async publishedLinkUrl(tx: DbOrTx, acqLinkId: number): Promise<string | null> {
      const [row] = await tx
        .select({ url: acqLink.url })
        .from(acqLink)
        .where(and(eq(acqLink.id, acqLinkId), eq(acqLink.getType, 'link'), eq(acqLink.status, 1), notDeleted(acqLink)));
      return row?.url ?? null;
    },

    async insertTransfers(tx: DbOrTx, rows: Array<typeof leadTransfer.$inferInsert>) {
      return tx.insert(leadTransfer).values(rows).returning();
    },

    /** Settles a customer's waiting transfers to the takeover employee (from the handover employee, when given). */
    async settleTransfers(
      tx: DbOrTx,
      where: { externalUserid: string; takeoverUserid: string; handoverUserid?: string },
      values: { status: LeadTransferStatus; takeoverTime?: Date | null; failReason?: string | null; settledAt?: Date; mtime: Date; muser: string },
    ): Promise<Array<{ id: number; handoverUserid: string }>> {
      return tx
        .update(leadTransfer)
        .set(values)
        .where(
          and(
            eq(leadTransfer.externalUserid, where.externalUserid),
            eq(leadTransfer.takeoverUserid, where.takeoverUserid),
            where.handoverUserid ? eq(leadTransfer.handoverUserid, where.handoverUserid) : undefined,
            eq(leadTransfer.status, 'waiting'),
          ),
        )
        .returning({ id: leadTransfer.id, handoverUserid: leadTransfer.handoverUserid });
    },

    /** The collection API's idempotency: one request id at a time (on every replica), and what it answered. */
    async lockCollectRequest(tx: DbOrTx, appKey: string, requestId: string) {
      await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtextextended(${`lead-collect:${appKey}:${requestId}`}, 0))`);
      const [done] = await tx.select().from(leadCollectRequest).where(and(eq(leadCollectRequest.appKey, appKey), eq(leadCollectRequest.requestId, requestId)));
      return done;
    },

    async recordCollectRequest(tx: DbOrTx, values: typeof leadCollectRequest.$inferInsert) {
      await tx.insert(leadCollectRequest).values(values);
    },
  };
}

async function customerExists(tx: DbOrTx, externalUserid: string): Promise<boolean> {
  const rows = await tx.select({ id: customer.id }).from(customer).where(eq(customer.externalUserid, externalUserid)).limit(1);
  return rows.length > 0;
}

export type LeadRepository = ReturnType<typeof createLeadRepository>;
export type ViewerLeads = ReturnType<LeadRepository['forViewer']>;
