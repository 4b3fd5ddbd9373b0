// Tags on customers (customer_tag): corp tags per customer–employee relation, as WeCom has them; SCRM tags
// per relation or per customer. Every read is limited to the caller's data scope.
import { sql, type SQL } from 'drizzle-orm';
import type { DbOrTx, Tx } from '../../platform/db/database.ts';
import { contains, paginate } from '../../platform/db/paging.ts';
import type { Page } from '../../platform/http/schemas.ts';
import { bindViewer, relationScope, type Viewer } from '../../platform/auth/data-scope.ts';
import { whereOf } from '../../platform/db/paging.ts';
import { idArray } from './tag.repository.ts';
import { relationTagCondition, tagsOfRelations, relationTagsKey } from './tag-filters.ts';
import type { CustomerTagPageQuery, CustomerTagRecord, TagInfoPageQuery, TagInfoRecord, TagRecord, TagType } from './tags.schemas.ts';

type Row = Record<string, unknown>;
const toDate = (value: unknown): Date => (value instanceof Date ? value : new Date(value as string));

/**
 * Replaces the corp tags of relations with the WeCom tag ids WeCom reported for them (externalcontact/get,
 * batch/get_by_user). The customers module calls this in the transaction that stores the relations. Tag ids
 * not (yet) known here are skipped; they are put on the relations when the tag arrives (callback or sync).
 */
export async function replaceRelationsCorpTags(tx: DbOrTx, relations: ReadonlyArray<{ externalUserid: string; userid: string; tagIds: readonly string[] }>): Promise<void> {
  if (relations.length === 0) return;
  const input = JSON.stringify(relations.map((relation) => ({ external_userid: relation.externalUserid, userid: relation.userid, tag_ids: relation.tagIds })));
  // One row per relation with its local tag ids; rows to delete are found through the unique index and an
  // array test (no correlated lookups into a CTE, which made a second sync quadratic per batch).
  await tx.execute(sql`
    WITH pairs AS (
      SELECT x.external_userid, x.userid,
        ARRAY(SELECT t.id FROM jsonb_array_elements_text(x.tag_ids) AS w(wecom_tag_id)
              JOIN tag t ON t.wecom_tag_id = w.wecom_tag_id AND t.is_del = 0 AND t.type = 'corp') AS tag_ids
      FROM jsonb_to_recordset(${input}::jsonb) AS x(external_userid text, userid text, tag_ids jsonb)
    ), removed AS (
      DELETE FROM customer_tag ct USING pairs p
      WHERE ct.external_userid = p.external_userid AND ct.userid = p.userid AND ct.tag_type = 'corp' AND NOT (ct.tag_id = ANY(p.tag_ids))
    )
    INSERT INTO customer_tag (external_userid, userid, tag_id, tag_type, cuser)
    SELECT p.external_userid, p.userid, w.tag_id, 'corp', 'wecom' FROM pairs p CROSS JOIN LATERAL unnest(p.tag_ids) AS w(tag_id)
    ORDER BY p.external_userid, p.userid, w.tag_id
    ON CONFLICT DO NOTHING`);
}

/** One relation's form of `replaceRelationsCorpTags`. */
export function replaceRelationCorpTags(tx: DbOrTx, externalUserid: string, userid: string, tagIds: readonly string[]): Promise<void> {
  return replaceRelationsCorpTags(tx, [{ externalUserid, userid, tagIds }]);
}

const CUSTOMER_TAG_FROM = sql`FROM customer_tag ct
  JOIN tag t ON t.id = ct.tag_id
  JOIN tag_group g ON g.id = t.group_id
  LEFT JOIN customer c ON c.external_userid = ct.external_userid
  LEFT JOIN qw_emp e ON e.userid = ct.userid AND ct.userid <> ''`;

function toCustomerTagRecord(row: Row): CustomerTagRecord {
  return {
    id: Number(row.id),
    externalUserid: row.external_userid as string,
    userId: row.userid as string,
    tagType: row.tag_type as TagType,
    tagId: Number(row.tag_id),
    tagName: row.tag_name as string,
    groupId: Number(row.group_id),
    groupName: row.group_name as string,
    wecomTagId: (row.wecom_tag_id as string | null) ?? null,
    customerName: (row.customer_name as string | null) ?? '',
    employeeName: (row.employee_name as string | null) ?? null,
    ctime: toDate(row.ctime),
    cuser: (row.cuser as string | null) ?? null,
  };
}

export function createCustomerTagRepository(db: DbOrTx) {
  const rows = async (query: SQL, tx: DbOrTx = db): Promise<Row[]> => (await tx.execute<Row>(query)).rows;

  /**
   * The viewer may see a customer tag row when they may see its relation (whole-customer rows: any relation
   * of the customer), over the alias `ct`.
   */
  function inScope(viewer: Viewer): SQL | undefined {
    const scope = relationScope(viewer);
    return scope
      ? sql`EXISTS (SELECT 1 FROM customer_relation r WHERE r.external_userid = ct.external_userid AND (ct.userid = '' OR r.userid = ct.userid) AND ${scope})`
      : undefined;
  }

  async function tagInfoRows(where: SQL, order: SQL, limit?: number, offset?: number): Promise<TagInfoRecord[]> {
    const found = await rows(sql`SELECT r.id, r.external_userid, r.userid, COALESCE(c.name, '') AS customer_name, c.avatar AS customer_avatar,
        e.name AS employee_name, r.status
      FROM customer_relation r LEFT JOIN customer c ON c.external_userid = r.external_userid LEFT JOIN qw_emp e ON e.userid = r.userid
      ${where} ${order} ${limit === undefined ? sql`` : sql`LIMIT ${limit} OFFSET ${offset ?? 0}`}`);
    const relations = found.map((row) => ({ externalUserid: row.external_userid as string, userid: row.userid as string }));
    const tags = await tagsOfRelations(db, relations);
    return found.map((row) => {
      const all = tags.get(relationTagsKey(row.external_userid as string, row.userid as string)) ?? [];
      return {
        id: Number(row.id),
        externalUserid: row.external_userid as string,
        userId: row.userid as string,
        customerName: row.customer_name as string,
        customerAvatar: (row.customer_avatar as string | null) ?? null,
        employeeName: (row.employee_name as string | null) ?? null,
        status: row.status as string,
        corpTags: all.filter((tag) => tag.type === 'corp'),
        selfTags: all.filter((tag) => tag.type === 'self'),
      };
    });
  }

  /** What a caller reads and checks (each method takes the viewer first; exposed bound, by forViewer). */
  const scoped = {
    // ---- checks -----------------------------------------------------------------------------------

    /** The active relation of a customer and an employee, if the viewer may see it. */
    async activeRelation(viewer: Viewer, externalUserid: string, userid: string, tx: DbOrTx = db): Promise<number | undefined> {
      const scope = relationScope(viewer);
      const [row] = await rows(
        sql`SELECT r.id FROM customer_relation r WHERE r.external_userid = ${externalUserid} AND r.userid = ${userid} AND r.status = 'active'
          ${scope ? sql`AND ${scope}` : sql``}`,
        tx,
      );
      return row ? Number(row.id) : undefined;
    },

    /** A customer the viewer may see (through a relation in scope; any stored customer for scope "all"). */
    async customerVisible(viewer: Viewer, externalUserid: string, tx: DbOrTx = db): Promise<boolean> {
      const scope = relationScope(viewer);
      const found = scope
        ? await rows(sql`SELECT 1 FROM customer_relation r WHERE r.external_userid = ${externalUserid} AND ${scope} LIMIT 1`, tx)
        : await rows(sql`SELECT 1 FROM customer WHERE external_userid = ${externalUserid}`, tx);
      return found.length > 0;
    },

    // ---- reads ------------------------------------------------------------------------------------

    async page(viewer: Viewer, query: CustomerTagPageQuery): Promise<Page<CustomerTagRecord>> {
      const where = whereOf([
        query.externalUserid ? sql`ct.external_userid = ${query.externalUserid}` : undefined,
        query.userId !== undefined ? sql`ct.userid = ${query.userId}` : undefined,
        query.tagType ? sql`ct.tag_type = ${query.tagType}` : undefined,
        query.tagIds?.length ? sql`ct.tag_id = ANY(${idArray(query.tagIds)})` : undefined,
        query.groupId ? sql`t.group_id = ${query.groupId}` : undefined,
        query.customerName ? sql`c.name ILIKE ${contains(query.customerName)}` : undefined,
        inScope(viewer),
      ]);
      return paginate(
        query,
        async () => Number((await rows(sql`SELECT count(*)::int AS count ${CUSTOMER_TAG_FROM} ${where}`))[0].count),
        async (limit, offset) =>
          (
            await rows(sql`SELECT ct.*, t.name AS tag_name, t.group_id, g.name AS group_name, t.wecom_tag_id, c.name AS customer_name, e.name AS employee_name
              ${CUSTOMER_TAG_FROM} ${where} ORDER BY ct.id DESC LIMIT ${limit} OFFSET ${offset}`)
          ).map(toCustomerTagRecord),
      );
    },

    async get(viewer: Viewer, id: number): Promise<CustomerTagRecord | undefined> {
      const [row] = await rows(sql`SELECT ct.*, t.name AS tag_name, t.group_id, g.name AS group_name, t.wecom_tag_id, c.name AS customer_name,
          e.name AS employee_name ${CUSTOMER_TAG_FROM} ${whereOf([sql`ct.id = ${id}`, inScope(viewer)])}`);
      return row && toCustomerTagRecord(row);
    },

    /** 客户标签信息: relations (in scope) with their tags; filters by tags (any/all). */
    async tagInfoPage(viewer: Viewer, query: TagInfoPageQuery): Promise<Page<TagInfoRecord>> {
      const parts = [
        sql`r.status = ${query.status ?? 'active'}`,
        query.externalUserid ? sql`r.external_userid = ${query.externalUserid}` : undefined,
        query.userId ? sql`r.userid = ${query.userId}` : undefined,
        query.customerName ? sql`(c.name ILIKE ${contains(query.customerName)} OR r.remark ILIKE ${contains(query.customerName)})` : undefined,
        relationTagCondition(query),
        relationScope(viewer),
      ];
      const where = whereOf(parts);
      return paginate(
        query,
        async () =>
          Number(
            (await rows(sql`SELECT count(*)::int AS count FROM customer_relation r LEFT JOIN customer c ON c.external_userid = r.external_userid ${where}`))[0]
              .count,
          ),
        (limit, offset) => tagInfoRows(where, sql`ORDER BY r.createtime DESC, r.id DESC`, limit, offset),
      );
    },

    async tagInfoById(viewer: Viewer, relationId: number): Promise<TagInfoRecord | undefined> {
      const [found] = await tagInfoRows(whereOf([sql`r.id = ${relationId}`, relationScope(viewer)]), sql``);
      return found;
    },
  };

  return {
    /** The repository for one caller: every read and check applies their data scope. */
    forViewer: (viewer: Viewer) => bindViewer(viewer, scoped),

    // ---- writes (to a target the service checked with forViewer, under its lock) -------------------

    /** Adds and removes tags on a relation (or a customer, userid ''); returns nothing. */
    /** Returns the tags actually added and removed (those already on, or already off, left out). */
    async change(
      tx: DbOrTx,
      target: { externalUserid: string; userid: string },
      type: TagType,
      add: TagRecord[],
      remove: TagRecord[],
      actor: string,
    ): Promise<{ added: TagRecord[]; removed: TagRecord[] }> {
      let removedIds = new Set<number>();
      let addedIds = new Set<number>();
      if (remove.length) {
        const deleted = await tx.execute<Row>(sql`DELETE FROM customer_tag WHERE external_userid = ${target.externalUserid} AND userid = ${target.userid}
          AND tag_id = ANY(${idArray(remove.map((tag) => tag.id))}) RETURNING tag_id`);
        removedIds = new Set(deleted.rows.map((row) => Number(row.tag_id)));
      }
      if (add.length) {
        const inserted = await tx.execute<Row>(sql`INSERT INTO customer_tag (external_userid, userid, tag_id, tag_type, cuser)
          SELECT ${target.externalUserid}, ${target.userid}, x.id, ${type}, ${actor} FROM unnest(${idArray(add.map((tag) => tag.id))}) AS x(id)
          ORDER BY x.id ON CONFLICT DO NOTHING RETURNING tag_id`);
        addedIds = new Set(inserted.rows.map((row) => Number(row.tag_id)));
      }
      return { added: add.filter((tag) => addedIds.has(tag.id)), removed: remove.filter((tag) => removedIds.has(tag.id)) };
    },

    /** Ids of the tags of a type on exactly this relation (or customer, userid ''). */
    async tagIdsOn(target: { externalUserid: string; userid: string }, type: TagType, tx: DbOrTx = db): Promise<number[]> {
      return (
        await rows(sql`SELECT tag_id FROM customer_tag WHERE external_userid = ${target.externalUserid} AND userid = ${target.userid} AND tag_type = ${type}`, tx)
      ).map((row) => Number(row.tag_id));
    },

    /**
     * Keeps the customers module's copy of WeCom's tags on the relation (tag_ids, tags) in step with a
     * mark_tag WeCom accepted (WeCom tag ids; `named` gives names for those known here). Its mtime stays:
     * the customer sync reads it. Returns whether the relation is active here.
     */
    async markRelationColumns(
      tx: Tx,
      target: { externalUserid: string; userid: string },
      change: { add: readonly string[]; remove: readonly string[]; named: ReadonlyArray<{ wecomTagId: string | null; groupName: string; name: string }> },
    ): Promise<boolean> {
      const [row] = await rows(
        sql`SELECT id, tag_ids, tags FROM customer_relation WHERE external_userid = ${target.externalUserid} AND userid = ${target.userid}
          AND status = 'active' FOR UPDATE`,
        tx,
      );
      if (!row) return false;
      const removed = new Set(change.remove);
      const tagIds = (row.tag_ids as string[]).filter((id) => !removed.has(id));
      for (const id of change.add) if (!removed.has(id) && !tagIds.includes(id)) tagIds.push(id);
      type Named = { groupName: string; tagName: string; tagId?: string; type: number };
      let named = row.tags as Named[] | null;
      if (named) {
        named = named.filter((tag) => !tag.tagId || !removed.has(tag.tagId));
        for (const id of change.add) {
          if (removed.has(id) || named?.some((entry) => entry.tagId === id)) continue;
          const known = change.named.find((tag) => tag.wecomTagId === id);
          // A tag not known here yet: the names are no longer complete (readers fall back to customer_tag).
          named = known ? [...named!, { groupName: known.groupName, tagName: known.name, tagId: id, type: 1 }] : null;
          if (!named) break;
        }
      }
      await tx.execute(sql`UPDATE customer_relation SET tag_ids = ${JSON.stringify(tagIds)}::jsonb, tags = ${named ? JSON.stringify(named) : null}::jsonb
        WHERE id = ${row.id}`);
      return true;
    },
  };
}

export type CustomerTagRepository = ReturnType<typeof createCustomerTagRepository>;
