import { sql, type SQL } from 'drizzle-orm';
import { PLANNED_PER_RUN, type DbOrTx } from '../../platform/db/database.ts';
import { containsKeyword, paginate, paginateInOne } from '../../platform/db/paging.ts';
import { pageClause, preparedSqlPage, renderedOnce } from '../../platform/db/prepared.ts';
import { bindViewer, employeeScopeOfShape, relationScope, scopeShape, type Viewer } from '../../platform/auth/data-scope.ts';
import type { Page } from '../../platform/http/schemas.ts';
import { isFiltered, NEWEST_FIRST, relationConditions, relationsFrom, whereOf, type FilterOptions, type RelationSelection } from './relation-filters.ts';
import { namesOfStates, NO_STATE_NAMES, stateNamesOfPage, stateNamesOfRow, withStateNames, type StateNames } from '../acquisition/state-names.ts';
import { customerTagCondition, relationTagIds, relationTagJoin, relationTagsKey, tagsOfCustomers, tagsOfRelations } from '../tags/tag-filters.ts';
import { TAG_VERSION, type TagDictionary } from '../tags/tag-dictionary.ts';
import { EMPLOYEE_VERSION, type EmployeeDirectory } from '../org/employee-directory.ts';
import type { TagBrief } from '../tags/tags.schemas.ts';
import { RELATION_STAGE_COLUMNS, RELATION_STAGE_JOINED_COLUMNS, relationStageJoin } from '../journey/stage.filters.ts';
import type {
  ChannelGroup, CustomerPageQuery, CustomerRecord, CustomerSaveBody, RelationFilters, RelationPageQuery, RelationRecord, RelationStatus,
  TotalsStat,
} from './customers.schemas.ts';

type Row = Record<string, unknown>;

/** A pending transfer and its takeover employee's name: only an active relation has one (an ended one may still carry the mark). */
const PENDING_TRANSFER = sql`CASE WHEN r.status = 'active' THEN r.transfer_to END AS transfer_to,
  CASE WHEN r.status = 'active' THEN (SELECT t.name FROM qw_emp t WHERE t.userid = r.transfer_to) END AS transfer_to_name`;

/**
 * A relation's columns. A single relation's employees are named by lookups per row (the planner would rather hash the
 * whole employee table, thousands of rows, than probe its index; the join it no longer needs is left out by the
 * planner); a page's are left null here and named by the employee directory (employee-directory.ts), as the tags are.
 * A page's rows take their stage by a join over the page (relationStageJoin); a single relation's, by lookups.
 */
const relationColumns = (named: boolean) => sql`r.id, r.external_userid, r.userid,
  ${named ? sql`(SELECT e.name FROM qw_emp e WHERE e.userid = r.userid)` : sql`NULL::text`} AS employee_name, COALESCE(c.name, '') AS customer_name,
  c.avatar AS customer_avatar, COALESCE(c.type, 1) AS customer_type, COALESCE(c.gender, 0) AS customer_gender,
  c.corp_name AS customer_corp_name, r.remark, r.description, r.remark_corp_name, r.remark_mobiles, r.add_way, r.state,
  r.oper_userid, r.createtime, r.tag_ids, r.tags, r.status, r.lost_at, r.lost_by, r.transfer_fail_reason, r.channel_id,
  ${named ? PENDING_TRANSFER : sql`CASE WHEN r.status = 'active' THEN r.transfer_to END AS transfer_to, NULL::text AS transfer_to_name`},
  r.transfer_requested_at, r.ctime, r.mtime`;
const PAGE_COLUMNS = renderedOnce(relationColumns(false));
const RELATION_COLUMNS = renderedOnce(sql`${relationColumns(true)}, ${RELATION_STAGE_COLUMNS}`);

/**
 * What an export row needs, for many rows (an export batch): the employee and the stage joined once per read, not
 * looked up per row, and none of the page's other columns (avatar, WeCom's tag ids and tags, times of change...). Read
 * with the page's columns into page records, a 100,000-row export peaked at 296–394 MB in 6.6–6.9 s; with these,
 * 272–291 MB in 6.3 s, and built as the rows below 255–259 MB in 6.3–6.5 s (bench/customer-query; the base the issue
 * is measured against, 274–310 MB).
 */
const EXPORT_COLUMNS_SQL = sql`r.id, r.external_userid, r.userid, e.name AS employee_name, COALESCE(c.name, '') AS customer_name,
  COALESCE(c.type, 1) AS customer_type, COALESCE(c.gender, 0) AS customer_gender, c.corp_name AS customer_corp_name, r.remark,
  r.description, r.remark_corp_name, r.remark_mobiles, r.add_way, r.state, r.createtime, r.status, r.lost_at, r.lost_by,
  ${PENDING_TRANSFER}, ${RELATION_STAGE_JOINED_COLUMNS}`;

export type RelationExportRow = Pick<
  RelationRecord,
  | 'id' | 'externalUserid' | 'userid' | 'employeeName' | 'customerName' | 'customerType' | 'customerGender' | 'customerCorpName' | 'remark'
  | 'description' | 'remarkCorpName' | 'remarkMobiles' | 'addWay' | 'state' | 'createtime' | 'status' | 'lostAt' | 'lostBy'
  | 'transferTo' | 'transferToName' | 'stageId' | 'stageName'
  | keyof StateNames
> & { tagList: TagBrief[] };

/** An export row, one object literal (as toRelationRecord below, for the same reason). */
function toExportRow(row: Row, names: StateNames, tagList: TagBrief[]): RelationExportRow {
  return {
    id: Number(row.id),
    externalUserid: row.external_userid as string,
    userid: row.userid as string,
    employeeName: (row.employee_name as string | null) ?? null,
    customerName: row.customer_name as string,
    customerType: Number(row.customer_type),
    customerGender: Number(row.customer_gender),
    customerCorpName: row.customer_corp_name as string | null,
    remark: row.remark as string,
    description: row.description as string,
    remarkCorpName: row.remark_corp_name as string,
    remarkMobiles: row.remark_mobiles as string[],
    addWay: Number(row.add_way),
    state: row.state as string,
    sourceName: names.sourceName,
    sourceType: names.sourceType,
    channelName: names.channelName,
    createtime: toDate(row.createtime),
    status: row.status as RelationStatus,
    lostAt: row.lost_at ? toDate(row.lost_at) : null,
    lostBy: (row.lost_by as RelationRecord['lostBy']) ?? null,
    transferTo: (row.transfer_to as string | null) ?? null,
    transferToName: (row.transfer_to_name as string | null) ?? null,
    stageId: row.stage_id === null || row.stage_id === undefined ? null : Number(row.stage_id),
    stageName: (row.stage_name as string | null) ?? null,
    tagList,
  };
}

const RELATION_JOINS = sql`LEFT JOIN customer c ON c.external_userid = r.external_userid
  LEFT JOIN qw_emp e ON e.userid = r.userid`;
/**
 * What a page's rows (CTE p) are given over the page as a whole: their stage and channel names. Each small table is
 * read once for the page, where lookups per row rescanned it row by row: in PostgreSQL each scan of a table asks the
 * kernel for its size (an lseek), about a hundred per page of 20 (strace), 15 now. Their tags come as ids, named by the
 * tag dictionary as of the version read beside them: the tag lists made in the statement were a fifth of its cost
 * (pgbench, 2 clients, 1M relations: 4,560 pages/s with them, 5,400 with the ids).
 */
const PAGE_EXTRAS = renderedOnce(sql`, sn AS (${stateNamesOfPage('p')})`);
const PAGE_EXTRA_COLUMNS = renderedOnce(
  sql`${RELATION_STAGE_JOINED_COLUMNS}, sn.source_name, sn.source_type, sn.channel_name, ${relationTagIds('p')} AS tag_list_ids, ${TAG_VERSION} AS tag_version, ${EMPLOYEE_VERSION} AS employee_version`,
);
const PAGE_EXTRA_JOINS = renderedOnce(sql`${relationStageJoin('p')} LEFT JOIN sn ON sn.state = p.state`);
const RELATION_FROM = sql`FROM customer_relation r ${RELATION_JOINS}`;

/** A page of relations taken before customers and employees are joined to its rows (`pageOf`: WHERE … ORDER … LIMIT). */
const newestRelationsPage = (pageOf: SQL): SQL =>
  sql`SELECT ${PAGE_COLUMNS} FROM (SELECT * FROM customer_relation r ${pageOf}) r ${RELATION_JOINS} ${NEWEST_FIRST}`;

/**
 * A page's statement: its rows (CTE p) with their stages, channel names and tags, and `total`'s value as pageTotal when
 * one is given: one round trip for the page.
 */
const withPageExtras = (pageQuery: SQL, total?: SQL): SQL => sql`WITH p AS (${pageQuery})${PAGE_EXTRAS}
  SELECT p.*, ${PAGE_EXTRA_COLUMNS} ${total ? sql`, (${total}) AS "pageTotal"` : sql``}
  FROM p ${PAGE_EXTRA_JOINS} ORDER BY p.createtime DESC, p.id DESC`;

/** The exact count of the relations in a scope (over tally t; undefined: every relation), from the counts the triggers keep. */
const scopedTotal = (scope: SQL | undefined): SQL =>
  scope
    ? sql`SELECT COALESCE(sum(t.relations), 0)::bigint FROM customer_relation_tally t WHERE ${scope}`
    : sql`SELECT COALESCE(sum(t.relations), 0)::bigint FROM customer_relation_total t`;

/**
 * A relation as the API answers it (and the export reads it); `tagList` on page and export rows only (undefined elsewhere,
 * which the answer leaves out). Built as one object literal, never by spreading one record into another: a 40-field
 * record grown by spreads reallocated its property store several times per row, half of 客户列表's server CPU (in GC).
 */
function toRelationRecord(row: Row, names: StateNames, tagList?: TagBrief[]): RelationRecord {
  return {
    id: Number(row.id),
    externalUserid: row.external_userid as string,
    userid: row.userid as string,
    employeeName: (row.employee_name as string | null) ?? null,
    customerName: row.customer_name as string,
    customerAvatar: row.customer_avatar as string | null,
    customerType: Number(row.customer_type),
    customerGender: Number(row.customer_gender),
    customerCorpName: row.customer_corp_name as string | null,
    remark: row.remark as string,
    description: row.description as string,
    remarkCorpName: row.remark_corp_name as string,
    remarkMobiles: row.remark_mobiles as string[],
    addWay: Number(row.add_way),
    state: row.state as string,
    sourceName: names.sourceName,
    sourceType: names.sourceType,
    channelName: names.channelName,
    operUserid: row.oper_userid as string,
    createtime: toDate(row.createtime),
    tagIds: row.tag_ids as string[],
    tags: (row.tags as RelationRecord['tags']) ?? null,
    status: row.status as RelationStatus,
    lostAt: row.lost_at ? toDate(row.lost_at) : null,
    lostBy: (row.lost_by as RelationRecord['lostBy']) ?? null,
    transferFailReason: (row.transfer_fail_reason as string | null) ?? null,
    transferTo: (row.transfer_to as string | null) ?? null,
    transferToName: (row.transfer_to_name as string | null) ?? null,
    transferRequestedAt: row.transfer_requested_at ? toDate(row.transfer_requested_at) : null,
    channelId: row.channel_id === null || row.channel_id === undefined ? null : Number(row.channel_id),
    stageId: row.stage_id === null || row.stage_id === undefined ? null : Number(row.stage_id),
    stageName: (row.stage_name as string | null) ?? null,
    ctime: toDate(row.ctime),
    mtime: toDate(row.mtime),
    tagList,
  };
}

function toCustomerRecord(row: Row): CustomerRecord {
  return {
    id: Number(row.id),
    externalUserid: row.external_userid as string,
    name: row.name as string,
    avatar: row.avatar as string | null,
    type: Number(row.type),
    gender: Number(row.gender),
    unionid: row.unionid as string | null,
    corpName: row.corp_name as string | null,
    corpFullName: row.corp_full_name as string | null,
    position: row.position as string | null,
    externalProfile: row.external_profile ?? null,
    syncedAt: row.synced_at ? toDate(row.synced_at) : null,
    ctime: toDate(row.ctime),
    cuser: row.cuser as string | null,
    mtime: toDate(row.mtime),
    muser: row.muser as string | null,
  };
}

const toDate = (value: unknown): Date => (value instanceof Date ? value : new Date(value as string));
const num = (value: unknown): number => Number(value ?? 0);

/** One keyset batch of an export: rows after `after` in (createtime desc, id desc) order. */
export interface ExportCursor {
  createtime: Date;
  id: number;
}

/**
 * Customers and their relations, made for the caller: `forViewer(viewer)` applies the viewer's data scope to
 * every read and write it makes (a customer is visible through a relation in scope). Jobs and callbacks
 * write through the customer write repository; nothing here reads without a scope.
 */
export function createCustomerRepository(db: DbOrTx, options: FilterOptions & { tagNames: TagDictionary; employeeNames: EmployeeDirectory }) {
  /**
   * The relations for filters + scope (+ extra conditions): `from` (aliased r, joined to c when the filters need it)
   * and its `where`; `keywordUnion` when a short keyword made `from` the union of its arms (see relationsFrom).
   */
  function relationSource(viewer: Viewer, filters: RelationFilters, extra: (SQL | undefined)[] = [], newest?: { limit: number }) {
    return sourceOf(viewer, relationConditions(filters, options), extra, newest);
  }

  /** relationSource for filters already turned into a selection (relationConditions). */
  function sourceOf(viewer: Viewer, selection: RelationSelection, extra: (SQL | undefined)[] = [], newest?: { limit: number }) {
    const conditions = [...selection.conditions, relationScope(viewer), ...extra].filter((part): part is SQL => part !== undefined);
    return {
      ...relationsFrom({ ...selection, conditions }, newest),
      needsCustomer: selection.needsCustomer,
      keywordUnion: !!selection.keywordArms,
    };
  }

  /** WHERE over r (and c) for filters without a keyword, for queries that join customers and employees themselves. */
  function relationWhere(viewer: Viewer, filters: Omit<RelationFilters, 'name'>, extra: (SQL | undefined)[] = []): SQL {
    return relationSource(viewer, filters, extra).where;
  }

  async function rows(query: SQL): Promise<Row[]> {
    return (await db.execute<Row>(query)).rows;
  }

  /** Relation rows as records, with their channel names. */
  async function relationRecords(found: Row[]): Promise<RelationRecord[]> {
    const names = await namesOfStates(db, found.map((row) => row.state as string));
    return found.map((row) => toRelationRecord(row, names.get(row.state as string) ?? NO_STATE_NAMES));
  }

  /** Customers (alias c) with a relation in the viewer's scope; undefined when nothing is filtered. */
  function customerInScope(viewer: Viewer): SQL | undefined {
    const scope = relationScope(viewer);
    return scope && sql`EXISTS (SELECT 1 FROM customer_relation r WHERE r.external_userid = c.external_userid AND ${scope})`;
  }

  /**
   * 客户列表 as it opens (no filter beyond the scope), built once per kind of scope and page (db/prepared.ts): the page
   * of the newest relations in scope, with its exact total riding on its rows — for a caller who sees every relation
   * the sum over the 64 shards of the total (migration 0039), otherwise over the tally the triggers keep per employee
   * in scope (0034), not a count of the relations.
   */
  const openingPage = preparedSqlPage<Row & { pageTotal: unknown }>(db, (shape, p, page) => {
    const where = whereOf([employeeScopeOfShape(shape, sql`r.userid`, p)]);
    const pageOf = sql`${where} ${NEWEST_FIRST} LIMIT ${page.limit} OFFSET ${page.offset}`;
    return withPageExtras(newestRelationsPage(pageOf), scopedTotal(employeeScopeOfShape(shape, sql`t.userid`, p)));
  });

  /** Everything read or changed for a viewer (each method takes the viewer first; exposed bound, by forViewer). */
  const scoped = {
    // ---- relations ---------------------------------------------------------------------------------

    async pageRelations(viewer: Viewer, query: RelationPageQuery): Promise<Page<RelationRecord>> {
      const toPageRecords = async (found: Row[]) => {
        if (found.length === 0) return [];
        const [tagLists, employees] = await Promise.all([
          options.tagNames.lists(found.map((row) => row.tag_list_ids as number[]), found[0].tag_version),
          options.employeeNames.at(found[0].employee_version),
        ]);
        return found.map((row, i) => {
          row.employee_name = employees.nameOf(row.userid as string);
          if (row.transfer_to) row.transfer_to_name = employees.nameOf(row.transfer_to as string);
          return toRelationRecord(row, stateNamesOfRow(row), tagLists[i]);
        });
      };
      const selection = relationConditions(query, options);
      if (!isFiltered(selection)) {
        // 客户列表 as it opens: its statement is built once per kind of scope (openingPage).
        const { shape, values } = scopeShape(viewer);
        return paginateInOne(
          query,
          async (limit, offset) => {
            const found = await openingPage(shape, { ...values, limit, offset });
            return { records: await toPageRecords(found), total: found[0]?.pageTotal };
          },
          async () => num((await rows(sql`SELECT (${scopedTotal(relationScope(viewer, sql`t.userid`))}) AS count`))[0].count),
        );
      }
      // A filtered total is a count of the matching relations, about as costly as the page: both at once, on two
      // connections, so a request waits for the slower of them rather than for both in turn.
      const all = sourceOf(viewer, selection);
      const count = sql`SELECT count(*)::int AS count FROM ${all.from} ${all.where}`;
      return paginate(
        query,
        async () => num((await rows(count))[0].count),
        async (limit, offset) => {
          const newest = sourceOf(viewer, selection, [], { limit: limit + offset });
          const pageOf = sql`${newest.where} ${NEWEST_FIRST} ${pageClause(limit, offset)}`;
          // Conditions on r alone: take the page of relations first and join customers and employees to those rows
          // only (a keyword found by index may match many relations, each of which would otherwise be joined before
          // sorting). A keyword's union already holds at most a page's worth of each arm.
          const pageQuery = newest.keywordUnion
            ? sql`SELECT ${PAGE_COLUMNS} FROM ${newest.from} ${RELATION_JOINS} ${pageOf}`
            : newest.needsCustomer
              ? sql`SELECT ${PAGE_COLUMNS} ${RELATION_FROM} ${pageOf}`
              : newestRelationsPage(pageOf);
          return toPageRecords(await rows(withPageExtras(pageQuery)));
        },
      );
    },

    /** A batch of the export, in page order, after the cursor. */
    async relationBatch(viewer: Viewer, filters: RelationFilters, after: ExportCursor | null, limit: number): Promise<RelationExportRow[]> {
      const batch = relationSource(
        viewer,
        filters,
        [after ? sql`(r.createtime, r.id) < (${after.createtime.toISOString()}::timestamptz, ${after.id})` : undefined],
        { limit },
      );
      const from = batch.keywordUnion ? sql`FROM ${batch.from} ${RELATION_JOINS}` : RELATION_FROM;
      const found = await rows(sql`${PLANNED_PER_RUN}SELECT ${EXPORT_COLUMNS_SQL} ${from} ${relationStageJoin()} ${batch.where} ${NEWEST_FIRST} LIMIT ${limit}`);
      // The channel names, and the tags by name as the page shows them (the tags module's customer_tag, kept in step
      // with every write), each read once for the batch.
      const keys = found.map((row) => ({ externalUserid: row.external_userid as string, userid: row.userid as string }));
      const [names, tags] = await Promise.all([namesOfStates(db, found.map((row) => row.state as string)), tagsOfRelations(db, keys)]);
      return found.map((row) =>
        toExportRow(row, names.get(row.state as string) ?? NO_STATE_NAMES, tags.get(relationTagsKey(row.external_userid as string, row.userid as string)) ?? []),
      );
    },

    /**
     * The active relations a bulk action names (filters and scope), newest first, at most `limit`, with the names
     * the operator reads; `total` counts them all.
     */
    async bulkTargets(viewer: Viewer, filters: RelationFilters, limit: number) {
      const active = { ...filters, status: 'active' as const };
      const all = relationSource(viewer, active);
      const total = num((await rows(sql`SELECT count(*)::int AS count FROM ${all.from} ${all.where}`))[0].count);
      const newest = relationSource(viewer, active, [], { limit });
      const from = newest.keywordUnion ? sql`FROM ${newest.from} ${RELATION_JOINS}` : RELATION_FROM;
      const found = await rows(sql`SELECT r.id, r.external_userid, r.userid, COALESCE(c.name, '') AS customer_name, e.name AS employee_name
        ${from} ${newest.where} ${NEWEST_FIRST} LIMIT ${limit}`);
      return {
        total,
        targets: found.map((row) => ({
          id: Number(row.id),
          externalUserid: row.external_userid as string,
          userid: row.userid as string,
          customerName: row.customer_name as string,
          employeeName: (row.employee_name as string | null) ?? null,
        })),
      };
    },

    async relationById(viewer: Viewer, id: number): Promise<RelationRecord | undefined> {
      const where = relationWhere(viewer, {}, [sql`r.id = ${id}`]);
      const [row] = await rows(sql`SELECT ${RELATION_COLUMNS} ${RELATION_FROM} ${where}`);
      return row && (await relationRecords([row]))[0];
    },

    async relationsOfCustomer(viewer: Viewer, externalUserid: string): Promise<RelationRecord[]> {
      const where = relationWhere(viewer, {}, [sql`r.external_userid = ${externalUserid}`]);
      return relationRecords(await rows(sql`SELECT ${RELATION_COLUMNS} ${RELATION_FROM} ${where} ORDER BY r.createtime DESC, r.id DESC`));
    },

    async activeRelationsOfEmployee(viewer: Viewer, userid: string): Promise<RelationRecord[]> {
      const where = relationWhere(viewer, { userIds: [userid], status: 'active' });
      return relationRecords(await rows(sql`SELECT ${RELATION_COLUMNS} ${RELATION_FROM} ${where} ORDER BY r.createtime DESC, r.id DESC`));
    },

    /** Changes a relation in scope; false when the viewer cannot see it. */
    async updateRelationRemark(
      viewer: Viewer,
      id: number,
      values: { remark?: string; description?: string; remarkCorpName?: string; remarkMobiles?: string[] },
      actor: string,
      tx: DbOrTx = db,
    ): Promise<boolean> {
      const sets: SQL[] = [sql`mtime = now()`, sql`muser = ${actor}`];
      if (values.remark !== undefined) sets.push(sql`remark = ${values.remark}`);
      if (values.description !== undefined) sets.push(sql`description = ${values.description}`);
      if (values.remarkCorpName !== undefined) sets.push(sql`remark_corp_name = ${values.remarkCorpName}`);
      if (values.remarkMobiles !== undefined) sets.push(sql`remark_mobiles = ${JSON.stringify(values.remarkMobiles)}::jsonb`);
      const updated = await tx.execute(sql`UPDATE customer_relation r SET ${sql.join(sets, sql`, `)} ${whereOf([sql`r.id = ${id}`, relationScope(viewer)])}`);
      return (updated.rowCount ?? 0) > 0;
    },

    async pageByChannel(viewer: Viewer, query: RelationPageQuery): Promise<Page<ChannelGroup>> {
      const { from, where } = relationSource(viewer, query);
      const grouped = sql`FROM ${from} ${where} GROUP BY r.state, r.channel_id`;
      return paginate(
        query,
        async () => num((await rows(sql`SELECT count(*)::int AS count FROM (SELECT 1 ${grouped}) g`))[0].count),
        async (limit, offset) =>
          withStateNames(db, (
            await rows(sql`SELECT r.state, r.channel_id, count(*)::int AS total, count(*) FILTER (WHERE r.status = 'active')::int AS active,
              count(*) FILTER (WHERE r.status = 'lost')::int AS lost, min(r.createtime) AS first_added_at, max(r.createtime) AS last_added_at
              ${grouped} ORDER BY total DESC, r.state LIMIT ${limit} OFFSET ${offset}`)
          ).map((row) => ({
            state: row.state as string,
            channelId: row.channel_id === null ? null : Number(row.channel_id),
            total: num(row.total),
            active: num(row.active),
            lost: num(row.lost),
            firstAddedAt: toDate(row.first_added_at),
            lastAddedAt: toDate(row.last_added_at),
          }))),
      );
    },

    /** Totals by employee, channel and tag under the page filters. */
    async totals(viewer: Viewer, filters: RelationFilters): Promise<TotalsStat> {
      const { from, where } = relationSource(viewer, filters);
      const countColumns = sql`count(*)::int AS total, count(*) FILTER (WHERE r.status = 'active')::int AS active,
        count(*) FILTER (WHERE r.status = 'lost')::int AS lost`;
      const counts = (row: Row) => ({ total: num(row.total), active: num(row.active), lost: num(row.lost) });
      const [total, byEmployee, byChannel, byTag] = await Promise.all([
        rows(sql`SELECT ${countColumns}, count(DISTINCT r.external_userid)::int AS customers FROM ${from} ${where}`),
        rows(sql`SELECT g.*, e.name AS employee_name FROM (SELECT r.userid, ${countColumns} FROM ${from} ${where} GROUP BY r.userid) g
          LEFT JOIN qw_emp e ON e.userid = g.userid ORDER BY g.total DESC, g.userid`),
        rows(sql`SELECT r.state, ${countColumns} FROM ${from} ${where} GROUP BY r.state ORDER BY total DESC, r.state`),
        rows(sql`SELECT ct.tag_id, t.name AS tag_name, t.type AS tag_type, t.wecom_tag_id, g.name AS group_name, ${countColumns}
          FROM ${from} ${relationTagJoin()} JOIN tag t ON t.id = ct.tag_id JOIN tag_group g ON g.id = t.group_id
          ${where} GROUP BY ct.tag_id, t.name, t.type, t.wecom_tag_id, g.name ORDER BY total DESC, ct.tag_id`),
      ]);
      return {
        total: { ...counts(total[0]), customers: num(total[0].customers) },
        byEmployee: byEmployee.map((row) => ({ userid: row.userid as string, employeeName: (row.employee_name as string | null) ?? null, ...counts(row) })),
        byChannel: await withStateNames(db, byChannel.map((row) => ({ state: row.state as string, ...counts(row) }))),
        byTag: byTag.map((row) => ({
          tagId: Number(row.tag_id),
          tagName: row.tag_name as string,
          groupName: row.group_name as string,
          tagType: row.tag_type as 'corp' | 'self',
          wecomTagId: (row.wecom_tag_id as string | null) ?? null,
          ...counts(row),
        })),
      };
    },

    // ---- customers ---------------------------------------------------------------------------------

    async pageCustomers(viewer: Viewer, query: CustomerPageQuery): Promise<Page<CustomerRecord>> {
      // Customer-level filters apply to c; everything else asks for a relation (in scope) that matches.
      const { name, customerType, externalUserid, tagIds, tagMatch, ...relationOnly } = query;
      const { conditions } = relationConditions(relationOnly, options);
      const scope = relationScope(viewer);
      const relationParts = [...conditions, scope].filter((part): part is SQL => part !== undefined);
      const where = whereOf([
        name ? containsKeyword(sql`c.name`, name) : undefined,
        customerType !== undefined ? sql`c.type = ${customerType}` : undefined,
        externalUserid ? sql`c.external_userid = ${externalUserid}` : undefined,
        // Tags count for the customer as a whole: on any active relation, or on the customer (SCRM tags).
        customerTagCondition({ tagIds, tagMatch }),
        relationParts.length
          ? sql`EXISTS (SELECT 1 FROM customer_relation r WHERE r.external_userid = c.external_userid AND ${sql.join(relationParts, sql` AND `)})`
          : undefined,
      ]);
      return paginate(
        query,
        async () => num((await rows(sql`SELECT count(*)::int AS count FROM customer c ${where}`))[0].count),
        async (limit, offset) => {
          const records = (await rows(sql`SELECT c.* FROM customer c ${where} ORDER BY c.id DESC LIMIT ${limit} OFFSET ${offset}`)).map(toCustomerRecord);
          const tags = await tagsOfCustomers(
            db,
            records.map((record) => record.externalUserid),
          );
          return records.map((record) => ({ ...record, tagList: tags.get(record.externalUserid) ?? [] }));
        },
      );
    },

    /** A customer the viewer may see: in scope through at least one relation (any customer for scope "all"). */
    async customerBy(viewer: Viewer, key: { id: number } | { externalUserid: string }): Promise<CustomerRecord | undefined> {
      const where = whereOf(['id' in key ? sql`c.id = ${key.id}` : sql`c.external_userid = ${key.externalUserid}`, customerInScope(viewer)]);
      const [row] = await rows(sql`SELECT c.* FROM customer c ${where}`);
      return row && toCustomerRecord(row);
    },

    /** Whether the viewer sees the customer (through a relation in scope). */
    async customerVisible(viewer: Viewer, externalUserid: string): Promise<boolean> {
      return (await rows(sql`SELECT 1 FROM customer c ${whereOf([sql`c.external_userid = ${externalUserid}`, customerInScope(viewer)])}`)).length > 0;
    },

    /** Changes a customer in scope; false when the viewer cannot see it. */
    async updateCustomer(viewer: Viewer, id: number, values: CustomerSaveBody, actor: string): Promise<boolean> {
      const columns: Array<[string, unknown]> = [
        ['name', values.name],
        ['avatar', values.avatar],
        ['type', values.type],
        ['gender', values.gender],
        ['unionid', values.unionid],
        ['corp_name', values.corpName],
        ['corp_full_name', values.corpFullName],
        ['position', values.position],
      ];
      const sets = columns.filter(([, value]) => value !== undefined).map(([column, value]) => sql`${sql.identifier(column)} = ${value}`);
      const updated = await db.execute(
        sql`UPDATE customer c SET ${sql.join([...sets, sql`mtime = now()`, sql`muser = ${actor}`], sql`, `)} ${whereOf([sql`c.id = ${id}`, customerInScope(viewer)])}`,
      );
      return (updated.rowCount ?? 0) > 0;
    },
  };

  return {
    /** The repository for one caller: every read and write below applies their data scope. */
    forViewer: (viewer: Viewer) => bindViewer(viewer, scoped),

    /** Whether a customer with this WeCom id is stored at all (its key is unique whoever can see it). */
    async customerExists(externalUserid: string): Promise<boolean> {
      return (await rows(sql`SELECT 1 FROM customer WHERE external_userid = ${externalUserid}`)).length > 0;
    },

    /** Stores a customer entered by hand (it has no relation yet); the stored record. */
    async insertCustomer(values: CustomerSaveBody & { externalUserid: string; name: string }, actor: string): Promise<CustomerRecord> {
      const [row] = await rows(sql`INSERT INTO customer (external_userid, name, avatar, type, gender, unionid, corp_name, corp_full_name, position, cuser, muser)
        VALUES (${values.externalUserid}, ${values.name}, ${values.avatar ?? null}, ${values.type ?? 1}, ${values.gender ?? 0}, ${values.unionid ?? null},
                ${values.corpName ?? null}, ${values.corpFullName ?? null}, ${values.position ?? null}, ${actor}, ${actor})
        RETURNING *`);
      return toCustomerRecord(row);
    },
  };
}

export type CustomerRepository = ReturnType<typeof createCustomerRepository>;
/** The customer repository as one caller has it. */
export type ViewerCustomerRepository = ReturnType<CustomerRepository['forViewer']>;
