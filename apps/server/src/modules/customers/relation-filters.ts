// The SQL pieces every customer query shares: the page filters (the data scope is platform/auth's relationScope), over the aliases
// `r` (customer_relation) and `c` (customer).
import { sql, type SQL } from 'drizzle-orm';
import { contains, containsKeyword, trigramSearchable, whereOf } from '../../platform/db/paging.ts';
import { lowerBound, upperBoundCondition } from '../../platform/db/time-range.ts';
import type { RelationFilters } from './customers.schemas.ts';
import { relationTagCondition } from '../tags/tag-filters.ts';
import { relationStageCondition } from '../journey/stage.filters.ts';

const list = (values: readonly (string | number)[]) => sql.join(values.map((value) => sql`${value}`), sql`, `);

/** Employees in WeCom departments, sub-departments included. */
export const employeesInDepartments = (deptIds: number[]): SQL => sql`(
  SELECT q.userid FROM qw_emp q WHERE q.department && ARRAY(
    WITH RECURSIVE tree(dept_id) AS (
      SELECT unnest(ARRAY[${list(deptIds)}]::bigint[])
      UNION SELECT d.dept_id FROM qw_dept d JOIN tree ON d.parent_id = tree.dept_id AND d.is_del = 0
    ) SELECT dept_id FROM tree)::bigint[])`;

export interface FilterOptions {
  timeZone: string;
}

/**
 * What the page filters ask of the relations: conditions on `r` (and `c` when `needsCustomer` says so) and, for a
 * keyword trigrams cannot serve, its disjoint arms (see shortKeywordArms); `relationsFrom` puts them together.
 */
export interface RelationSelection {
  conditions: SQL[];
  needsCustomer: boolean;
  keywordArms?: SQL[];
}

export function relationConditions(filters: RelationFilters, options: FilterOptions): RelationSelection {
  const conditions: SQL[] = [];
  let needsCustomer = false;
  let keywordArms: SQL[] | undefined;
  if (filters.name) {
    if (trigramSearchable(filters.name)) conditions.push(trigramKeywordCondition(filters.name));
    else keywordArms = shortKeywordArms(filters.name);
  }
  if (filters.customerType !== undefined) {
    conditions.push(sql`c.type = ${filters.customerType}`);
    needsCustomer = true;
  }
  if (filters.externalUserid) conditions.push(sql`r.external_userid = ${filters.externalUserid}`);
  if (filters.relationIds?.length) conditions.push(sql`r.id IN (${list(filters.relationIds)})`);
  if (filters.userIds?.length) conditions.push(sql`r.userid IN (${list(filters.userIds)})`);
  if (filters.deptIds?.length) conditions.push(sql`r.userid IN ${employeesInDepartments(filters.deptIds)}`);
  if (filters.addTimeStart) conditions.push(sql`r.createtime >= ${lowerBound(filters.addTimeStart, options.timeZone)}`);
  if (filters.addTimeEnd) conditions.push(upperBoundCondition(sql`r.createtime`, filters.addTimeEnd, options.timeZone));
  if (filters.addWay !== undefined) conditions.push(sql`r.add_way = ${filters.addWay}`);
  if (filters.state) conditions.push(sql`r.state = ${filters.state}`);
  if (filters.status) conditions.push(sql`r.status = ${filters.status}`);
  if (filters.stageIds?.length) conditions.push(relationStageCondition(filters.stageIds));
  const tagged = relationTagCondition(filters);
  if (tagged) conditions.push(tagged);
  return { conditions, needsCustomer, keywordArms };
}

export { whereOf };

/** Whether a selection picks fewer relations than the scope alone (any filter, a keyword or a condition on customers). */
export const isFiltered = (selection: RelationSelection): boolean => selection.conditions.length > 0 || !!selection.keywordArms || selection.needsCustomer;

/** The pages' order, newest first; every `newest` read (a page, an export batch) walks it. */
export const NEWEST_FIRST = sql`ORDER BY r.createtime DESC, r.id DESC`;

/**
 * The relations the selection (with the scope and any extra conditions in `conditions`) picks, as a FROM item aliased
 * `r` (joined to `c` when needed) and the WHERE that follows it. With keyword arms it is their union, each arm
 * filtered in full: an OR of the customer's name and the remark would hide the keyword from the planner's estimates
 * and indexes, each arm on its own gets both, so a frequent keyword walks the createtime index and a rare one is
 * looked up. `newest` reads only the first `limit` rows of each arm in page order (the caller orders and limits again).
 */
export function relationsFrom(selection: RelationSelection, newest?: { limit: number }): { from: SQL; where: SQL } {
  const join = selection.needsCustomer ? sql`JOIN customer c ON c.external_userid = r.external_userid` : sql``;
  if (!selection.keywordArms) return { from: sql`customer_relation r ${join}`, where: whereOf(selection.conditions) };
  const arms = selection.keywordArms.map(
    (arm) =>
      sql`(SELECT r.* FROM customer_relation r ${join} ${whereOf([...selection.conditions, arm])}${newest ? sql` ${NEWEST_FIRST} LIMIT ${newest.limit}` : sql``})`,
  );
  return { from: sql`(${sql.join(arms, sql` UNION ALL `)}) r`, where: sql`` };
}

/**
 * A keyword of 3+ word characters matches the customer's name or the employee's remark (ILIKE '%keyword%'), both found
 * by their trigram indexes.
 */
function trigramKeywordCondition(keyword: string): SQL {
  const pattern = contains(keyword);
  // Both halves on r so the planner ORs two bitmaps: the relations of the customers found by the name's trigram
  // index (an array computed once, looked up in the external_userid index) and the remark's trigram index.
  // Never for short keywords: the array would be large and searched linearly for every relation scanned (the same
  // happens here if a keyword matching a large share of customers makes the bitmap lossy).
  return sql`(r.external_userid = ANY(ARRAY(SELECT kc.external_userid FROM customer kc WHERE kc.name ILIKE ${pattern}))
    OR r.remark ILIKE ${pattern})`;
}

/**
 * A shorter keyword (a surname, a two-character name) as two disjoint arms: relations of customers whose name matches,
 * and relations whose remark matches and whose customer's name does not; both found by the text_grams indexes when the
 * keyword is rare (measured in bench/customer-query).
 */
function shortKeywordArms(keyword: string): SQL[] {
  const nameMatches = containsKeyword(sql`kc.name`, keyword);
  return [
    sql`r.external_userid IN (SELECT kc.external_userid FROM customer kc WHERE ${nameMatches})`,
    sql`${containsKeyword(sql`r.remark`, keyword)}
      AND NOT EXISTS (SELECT 1 FROM customer kc WHERE kc.external_userid = r.external_userid AND ${nameMatches})`,
  ];
}
