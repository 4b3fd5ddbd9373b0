import { sql, type SQL } from 'drizzle-orm';
import { scopeCondition, type Viewer } from './data-scope.ts';

const list = (values: readonly number[]) => sql.join(values.map((value) => sql`${value}`), sql`, `);

/**
 * Data scope of what a console user did (an upload, a job they started), recorded under their username
 * (`cuser`): self sees their own; department scopes see those of live users in those departments.
 * `column` is the row's username column.
 */
export function actorScope(viewer: Viewer, column: SQL): SQL | undefined {
  return scopeCondition(viewer.scope, {
    self: sql`${column} = (SELECT u.username FROM sys_user u WHERE u.id = ${viewer.user.id})`,
    deptIn: (deptIds) => sql`${column} IN (SELECT u.username FROM sys_user u WHERE u.is_del = 0 AND u.dept_id IN (${list(deptIds)}))`,
  });
}
