import { sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import type { DbOrTx } from '../db/database.ts';
import type { AuthUser } from './context.ts';

/** Role data scopes (API.md): 1 all, 2 custom departments, 3 own department, 4 own department and below, 5 self. */
export const DATA_SCOPE = { all: 1, custom: 2, ownDept: 3, ownDeptAndBelow: 4, self: 5 } as const;

/** What a caller may see: everything, or some system departments plus their own records. */
export type DataScope = { all: true } | { all: false; deptIds: number[] };

/** A user's roles combine: the widest wins, department sets add up; one always sees one's own records. */
export async function resolveDataScope(db: DbOrTx, user: AuthUser): Promise<DataScope> {
  if (user.isAdmin || user.roles.some((role) => role.dataScope === DATA_SCOPE.all)) return { all: true };
  const deptIds = new Set<number>();
  let subtreeOf: number | null = null;
  for (const role of user.roles) {
    if (role.dataScope === DATA_SCOPE.custom) role.deptIds.forEach((id) => deptIds.add(id));
    if (role.dataScope === DATA_SCOPE.ownDept && user.deptId) deptIds.add(user.deptId);
    if (role.dataScope === DATA_SCOPE.ownDeptAndBelow && user.deptId) subtreeOf = user.deptId;
  }
  if (subtreeOf !== null) {
    const result = await db.execute<{ id: number }>(
      sql`SELECT id FROM sys_dept WHERE is_del = 0 AND (id = ${subtreeOf} OR (',' || ancestors || ',') LIKE ${`%,${subtreeOf},%`})`,
    );
    result.rows.forEach((row) => deptIds.add(Number(row.id)));
  }
  return { all: false, deptIds: [...deptIds].sort((a, b) => a - b) };
}

/**
 * The one place data scope becomes SQL: every repository query over scoped data adds this condition.
 * `deptIn` says how a row belongs to departments; `self` says how a row belongs to the caller.
 * Returns undefined when nothing is filtered.
 */
export function scopeCondition(scope: DataScope, rowOf: { deptIn?: (deptIds: number[]) => SQL; self: SQL }): SQL | undefined {
  if (scope.all) return undefined;
  const parts: SQL[] = [rowOf.self];
  if (rowOf.deptIn && scope.deptIds.length > 0) parts.push(rowOf.deptIn(scope.deptIds));
  return parts.length === 1 ? sql`(${parts[0]})` : sql`(${sql.join(parts, sql` OR `)})`;
}

/**
 * Who is asking, as every scoped repository sees it: their data scope and themselves (the system user and
 * the WeCom account bound to it). The one Viewer type; repositories are made for one with `forViewer`.
 */
export interface Viewer {
  scope: DataScope;
  user: Pick<AuthUser, 'id' | 'qwUserid'>;
}

/** The caller of a request as a Viewer (the scope is resolved once per request). */
export async function viewerOf(ctx: { user: AuthUser; scope(): Promise<DataScope> }): Promise<Viewer> {
  return { scope: await ctx.scope(), user: ctx.user };
}

const list = (values: readonly number[]) => sql.join(values.map((value) => sql`${value}`), sql`, `);

/**
 * Rows that belong to a WeCom employee (`userid`: the column holding the employee's WeCom userid), as the
 * viewer may see them: employees belong to system users through sys_user.qw_userid; self scope sees the
 * rows of the caller's bound WeCom account, department scopes the rows of employees bound to users in those
 * departments. An employee who left the corp (the org mirror keeps them) stays in the scopes that covered them:
 * by their last binding — a live user, else the latest deleted one — and its department, so managers keep acting
 * on the customers and groups awaiting inheritance. Customer relations and customer groups are scoped this way.
 */
export function employeeScope(viewer: Viewer, userid: SQL): SQL | undefined {
  const deptIds = viewer.scope.all ? [] : viewer.scope.deptIds;
  return employeeScopeWith(viewer.scope, userid, viewer.user.qwUserid ? sql`${viewer.user.qwUserid}` : undefined, (column) => sql`${column} IN (${list(deptIds)})`);
}

/** employeeScope with the caller's userid (`self`) and departments (`deptIn`) as SQL: values, or placeholders. */
function employeeScopeWith(scope: DataScope, userid: SQL, self: SQL | undefined, deptIn: (column: SQL) => SQL): SQL | undefined {
  return scopeCondition(scope, {
    self: self ? sql`${userid} = ${self}` : sql`false`,
    deptIn: () =>
      sql`(${userid} IN (SELECT u.qw_userid FROM sys_user u WHERE u.is_del = 0 AND u.qw_userid IS NOT NULL AND ${deptIn(sql`u.dept_id`)})
        OR ${userid} IN (SELECT b.qw_userid FROM (
          SELECT DISTINCT ON (u.qw_userid) u.qw_userid, u.dept_id FROM sys_user u
          WHERE u.qw_userid IS NOT NULL AND u.qw_userid IN (SELECT q.userid FROM qw_emp q WHERE q.left_at IS NOT NULL OR q.status = 5)
          ORDER BY u.qw_userid, u.is_del ASC, u.id DESC) b
        WHERE ${deptIn(sql`b.dept_id`)}))`,
  });
}

/**
 * The viewer's scope as the shape of a query built once per shape (db/prepared.ts) and the values it runs with
 * (`scopeSelf`, `scopeDepts`); employeeScopeOfShape is employeeScope for it.
 */
export function scopeShape(viewer: Viewer): { shape: string; values: Record<string, unknown> } {
  if (viewer.scope.all) return { shape: 'scope:all', values: {} };
  const values: Record<string, unknown> = {};
  if (viewer.user.qwUserid) values.scopeSelf = viewer.user.qwUserid;
  if (viewer.scope.deptIds.length) values.scopeDepts = viewer.scope.deptIds;
  return { shape: `scope:${Object.keys(values).join('+') || 'none'}`, values };
}

export function employeeScopeOfShape(shape: string, userid: SQL, p: (name: string) => SQLWrapper): SQL | undefined {
  const scope: DataScope = shape === 'scope:all' ? { all: true } : { all: false, deptIds: shape.includes('scopeDepts') ? [0] : [] };
  return employeeScopeWith(scope, userid, shape.includes('scopeSelf') ? sql`${p('scopeSelf')}` : undefined, (column) => sql`${column} = ANY(${p('scopeDepts')})`);
}

/**
 * The scope of customer–employee relations (customer_relation, aliased `r` unless `userid` says otherwise):
 * the one rule for customers, their relations, their tags and the customers a lead links to. A customer is
 * visible when one of its relations is.
 */
export const relationScope = (viewer: Viewer, userid: SQL = sql`r.userid`): SQL | undefined => employeeScope(viewer, userid);

/** The scope of customer groups (group_chat, aliased `g` unless `owner` says otherwise): by the group's owner. */
export const groupScope = (viewer: Viewer, owner: SQL = sql`g.owner`): SQL | undefined => employeeScope(viewer, owner);

/** Methods whose first parameter is the viewer. */
type ViewerMethods = Record<string, (viewer: Viewer, ...args: never[]) => unknown>;

/** The same methods with the viewer given. */
export type BoundToViewer<M extends ViewerMethods> = {
  [K in keyof M]: M[K] extends (viewer: Viewer, ...args: infer A) => infer R ? (...args: A) => R : never;
};

/**
 * A repository made for one caller: every method of `methods` applies `viewer`'s scope, and the caller has
 * no way to pass another (repositories expose these only through `forViewer`).
 */
export function bindViewer<M extends ViewerMethods>(viewer: Viewer, methods: M): BoundToViewer<M> {
  return Object.fromEntries(
    Object.entries(methods).map(([name, method]) => [name, (...args: never[]) => method(viewer, ...args)]),
  ) as BoundToViewer<M>;
}
