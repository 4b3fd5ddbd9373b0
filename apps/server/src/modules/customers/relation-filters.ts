// The SQL pieces every customer query shares: the page filters and the data scope, over the aliases
// `r` (customer_relation) and `c` (customer).
import { sql, type SQL } from 'drizzle-orm';
import { contains, trigramSearchable } from '../../platform/db/paging.ts';
import { lowerBound, upperBoundCondition } from '../../platform/db/time-range.ts';
import { scopeCondition, type DataScope } from '../../platform/auth/data-scope.ts';
import type { AuthUser } from '../../platform/auth/context.ts';
import type { RelationFilters } from './customers.schemas.ts';
import { relationTagCondition } from '../tags/tag-filters.ts';

const list = (values: readonly (string | number)[]) => sql.join(values.map((value) => sql`${value}`), sql`, `);

/**
 * Relations belong to an employee (WeCom userid), employees to SCRM users through sys_user.qw_userid:
 * self scope sees the relations of the caller's bound WeCom account; department scopes see the relations of
 * employees bound to users in those departments.
 */
export function relationScope(scope: DataScope, user: Pick<AuthUser, 'qwUserid'>): SQL | undefined {
  return scopeCondition(scope, {
    self: user.qwUserid ? sql`r.userid = ${user.qwUserid}` : sql`false`,
    deptIn: (deptIds) =>
      sql`r.userid IN (SELECT u.qw_userid FROM sys_user u WHERE u.is_del = 0 AND u.qw_userid IS NOT NULL AND u.dept_id IN (${list(deptIds)}))`,
  });
}

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
 * How the rows are read, which decides the keyword's query shape: `all` (counts, statistics) reads every match;
 * `newest` (a page, an export batch) reads the first matches in (createtime, id) DESC order with a LIMIT.
 */
export type ReadPattern = 'all' | 'newest';

/** Conditions on `r` (and `c` when `needsCustomer` says so) for the page filters. */
export function relationConditions(
  filters: RelationFilters,
  options: FilterOptions,
  read: ReadPattern = 'all',
): { conditions: SQL[]; needsCustomer: boolean } {
  const conditions: SQL[] = [];
  let needsCustomer = false;
  if (filters.name) {
    const keyword = keywordCondition(filters.name, read);
    conditions.push(keyword.condition);
    needsCustomer = keyword.needsCustomer;
  }
  if (filters.customerType !== undefined) {
    conditions.push(sql`c.type = ${filters.customerType}`);
    needsCustomer = true;
  }
  if (filters.externalUserid) conditions.push(sql`r.external_userid = ${filters.externalUserid}`);
  if (filters.userIds?.length) conditions.push(sql`r.userid IN (${list(filters.userIds)})`);
  if (filters.deptIds?.length) conditions.push(sql`r.userid IN ${employeesInDepartments(filters.deptIds)}`);
  if (filters.addTimeStart) conditions.push(sql`r.createtime >= ${lowerBound(filters.addTimeStart, options.timeZone)}`);
  if (filters.addTimeEnd) conditions.push(upperBoundCondition(sql`r.createtime`, filters.addTimeEnd, options.timeZone));
  if (filters.addWay !== undefined) conditions.push(sql`r.add_way = ${filters.addWay}`);
  if (filters.state) conditions.push(sql`r.state = ${filters.state}`);
  if (filters.status) conditions.push(sql`r.status = ${filters.status}`);
  const tagged = relationTagCondition(filters);
  if (tagged) conditions.push(tagged);
  return { conditions, needsCustomer };
}

export const whereOf = (conditions: (SQL | undefined)[]): SQL => {
  const present = conditions.filter((condition): condition is SQL => condition !== undefined);
  return present.length ? sql`WHERE ${sql.join(present, sql` AND `)}` : sql``;
};

/**
 * The keyword matches the customer's name or the employee's remark (ILIKE '%keyword%'). With 3+ word characters
 * the trigram indexes on both columns answer it; shorter keywords have no trigram to look up and are scanned, in the
 * shape that is cheapest for how the rows are read (measured in bench/customer-query).
 */
function keywordCondition(keyword: string, read: ReadPattern): { condition: SQL; needsCustomer: boolean } {
  const pattern = contains(keyword);
  if (trigramSearchable(keyword)) {
    // Both halves on r so the planner ORs two bitmaps: the relations of the customers found by the name's trigram
    // index (an array computed once, looked up in the external_userid index) and the remark's trigram index.
    // Never for short keywords: the array would be large and searched linearly for every relation scanned (the same
    // happens here if a keyword matching a large share of customers makes the bitmap lossy).
    return {
      condition: sql`(r.external_userid = ANY(ARRAY(SELECT kc.external_userid FROM customer kc WHERE kc.name ILIKE ${pattern}))
        OR r.remark ILIKE ${pattern})`,
      needsCustomer: false,
    };
  }
  if (read === 'newest') {
    // Walking the createtime index and joining each relation's customer stops after a page of matches, which is
    // what most short keywords (a surname) need; the EXISTS below tends to hash every matching customer first.
    return { condition: sql`(c.name ILIKE ${pattern} OR r.remark ILIKE ${pattern})`, needsCustomer: true };
  }
  // Every match is read. As EXISTS the planner may hash the matching customers in one pass over customer (cheaper
  // than joining every relation to its customer first) or, when other filters leave few relations, look each one's
  // customer up; IN (…) here would always scan every customer.
  return {
    condition: sql`(EXISTS (SELECT 1 FROM customer kc WHERE kc.external_userid = r.external_userid AND kc.name ILIKE ${pattern})
      OR r.remark ILIKE ${pattern})`,
    needsCustomer: false,
  };
}
