// SQL pieces other modules use to filter, show and count by tags (customers module: customer and relation
// pages, statistics). A tag is on a relation when customer_tag has it for that customer and employee, or
// for the customer as a whole (SCRM tags with userid '').
import { sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../platform/db/database.ts';
import { idArray } from './tag.repository.ts';
import type { TagBrief, TagFilter, TagType } from './tags.schemas.ts';

/** `ct` rows that belong to the relation `r` (alias names as given). */
const onRelation = (relation: string) => sql`ct.external_userid = ${sql.raw(relation)}.external_userid AND ct.userid IN (${sql.raw(relation)}.userid, '')`;

/** Rows of `ct` that still count for the customer: whole-customer tags and tags on an active relation. */
const stillCounts = sql`(ct.userid = '' OR EXISTS (SELECT 1 FROM customer_relation ar
  WHERE ar.external_userid = ct.external_userid AND ar.userid = ct.userid AND ar.status = 'active'))`;

function matching(tagIds: readonly number[], match: TagFilter['tagMatch'] | undefined, owner: SQL): SQL {
  const ids = [...new Set(tagIds)];
  return match === 'all'
    ? sql`(SELECT count(DISTINCT ct.tag_id) FROM customer_tag ct WHERE ${owner} AND ct.tag_id = ANY(${idArray(ids)})) = ${ids.length}`
    : sql`EXISTS (SELECT 1 FROM customer_tag ct WHERE ${owner} AND ct.tag_id = ANY(${idArray(ids)}))`;
}

/**
 * A condition on a customer_relation alias (default `r`): the relation carries any (or all) of the tags.
 * Undefined when the filter names no tags.
 */
export function relationTagCondition(filter: Partial<TagFilter> | undefined, relation = 'r'): SQL | undefined {
  if (!filter?.tagIds?.length) return undefined;
  return matching(filter.tagIds, filter.tagMatch ?? 'any', onRelation(relation));
}

/**
 * A condition on a customer alias (default `c`): the customer carries any (or all) of the tags, on an
 * active relation or as a whole. Undefined when the filter names no tags.
 */
export function customerTagCondition(filter: Partial<TagFilter> | undefined, customer = 'c'): SQL | undefined {
  if (!filter?.tagIds?.length) return undefined;
  return matching(filter.tagIds, filter.tagMatch ?? 'any', sql`ct.external_userid = ${sql.raw(customer)}.external_userid AND ${stillCounts}`);
}

/**
 * `JOIN customer_tag ct …` onto a customer_relation alias: one row per tag on the relation, for counts by
 * tag (`GROUP BY ct.tag_id`).
 */
export const relationTagJoin = (relation = 'r'): SQL => sql`JOIN customer_tag ct ON ${onRelation(relation)}`;

/** Customers per live tag (distinct customers; tags on ended relations do not count), optionally for some tags. */
export async function customerCountsByTag(db: DbOrTx, options: { type?: TagType; tagIds?: number[] } = {}): Promise<Map<number, number>> {
  const result = await db.execute<{ tag_id: number; customers: number }>(sql`
    SELECT ct.tag_id, count(DISTINCT ct.external_userid)::int AS customers FROM customer_tag ct
    WHERE ${stillCounts} ${options.type ? sql`AND ct.tag_type = ${options.type}` : sql``}
      ${options.tagIds ? sql`AND ct.tag_id = ANY(${idArray(options.tagIds)})` : sql``}
    GROUP BY ct.tag_id`);
  return new Map(result.rows.map((row) => [Number(row.tag_id), Number(row.customers)]));
}

/** A tag as rows list it, from a row of tag (t.*) and its group's name (group_name). */
export const briefOf = (row: Record<string, unknown>): TagBrief => ({
  id: Number(row.id),
  name: row.name as string,
  type: row.type as TagType,
  groupId: Number(row.group_id),
  groupName: row.group_name as string,
  wecomTagId: (row.wecom_tag_id as string | null) ?? null,
});

const pairKey = (externalUserid: string, userid: string) => `${externalUserid}\u0000${userid}`;

/**
 * The tags on relations (and on their customers as a whole), for showing them on rows: a map from
 * `relationTagsKey(externalUserid, userid)` to the tags in display order.
 */
export async function tagsOfRelations(db: DbOrTx, relations: ReadonlyArray<{ externalUserid: string; userid: string }>): Promise<Map<string, TagBrief[]>> {
  const tagged = new Map<string, TagBrief[]>(relations.map((relation) => [pairKey(relation.externalUserid, relation.userid), []]));
  if (relations.length === 0) return tagged;
  const customers = [...new Set(relations.map((relation) => relation.externalUserid))];
  const result = await db.execute<Record<string, unknown>>(sql`
    SELECT ct.external_userid, ct.userid, t.id, t.name, t.type, t.group_id, g.name AS group_name, t.wecom_tag_id
    FROM customer_tag ct JOIN tag t ON t.id = ct.tag_id JOIN tag_group g ON g.id = t.group_id
    WHERE ct.external_userid = ANY(ARRAY(SELECT jsonb_array_elements_text(${JSON.stringify(customers)}::jsonb)))
    ORDER BY t.type, g.order_num DESC, g.id, t.order_num DESC, t.id`);
  const byCustomer = new Map<string, typeof relations[number][]>();
  for (const relation of relations) byCustomer.set(relation.externalUserid, [...(byCustomer.get(relation.externalUserid) ?? []), relation]);
  for (const row of result.rows) {
    const brief = briefOf(row);
    const userid = row.userid as string;
    for (const relation of byCustomer.get(row.external_userid as string) ?? []) {
      if (userid === '' || userid === relation.userid) tagged.get(pairKey(relation.externalUserid, relation.userid))!.push(brief);
    }
  }
  return tagged;
}

export const relationTagsKey = pairKey;

/**
 * The ids of the tags on a relation (alias `relation`) and on its customer as a whole, as a column of a page's statement:
 * an index read per row. The tag dictionary names them (tag-dictionary.ts; read TAG_VERSION beside them).
 */
export const relationTagIds = (relation: string): SQL => sql`ARRAY(SELECT ct.tag_id FROM customer_tag ct WHERE ${onRelation(relation)})`;

/** The tags on customers (on their active relations, or on them as a whole), each tag once, in display order. */
export async function tagsOfCustomers(db: DbOrTx, externalUserids: readonly string[]): Promise<Map<string, TagBrief[]>> {
  const tagged = new Map<string, TagBrief[]>(externalUserids.map((externalUserid) => [externalUserid, []]));
  if (externalUserids.length === 0) return tagged;
  const result = await db.execute<Record<string, unknown>>(sql`
    SELECT DISTINCT ct.external_userid, t.id, t.name, t.type, t.group_id, g.name AS group_name, t.wecom_tag_id, g.order_num AS group_order, t.order_num
    FROM customer_tag ct JOIN tag t ON t.id = ct.tag_id JOIN tag_group g ON g.id = t.group_id
    WHERE ct.external_userid = ANY(ARRAY(SELECT jsonb_array_elements_text(${JSON.stringify(externalUserids)}::jsonb))) AND ${stillCounts}
    ORDER BY t.type, g.order_num DESC, t.group_id, t.order_num DESC, t.id`);
  for (const row of result.rows) tagged.get(row.external_userid as string)?.push(briefOf(row));
  return tagged;
}
