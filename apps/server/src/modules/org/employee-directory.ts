// The employees' names and whether they left, held in this process for the hot pages (线索公海's owners, 客户列表's
// employees): a page's statement reads only the userids and the directory's version, and they are named here. Looked
// up in the statement (an index read per row), the owners' names cost 线索公海's page a third of its database time
// (pgbench, 2 clients, a page of 20: 14,000 statements/s with them, 20,500 without).
import { sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../platform/db/database.ts';
import { versionColumn, versionedCopy } from '../../platform/db/versioned-copy.ts';

/** The directory's version as a statement's column (changed by every change to the org mirror's employees). */
export const EMPLOYEE_VERSION: SQL = versionColumn('employee_version');

/** Employees by userid as of one version (every employee the mirror has, those who left and were removed too). */
export interface EmployeeNames {
  readonly version: string | null;
  /** The employee's name; null for a userid the mirror does not know. */
  nameOf(userid: string | null | undefined): string | null;
  /** Whether the employee left the corp or was removed from WeCom (false for one the mirror does not know). */
  leftOf(userid: string | null | undefined): boolean;
}

export interface EmployeeDirectory {
  /** The directory as of `version` (an EMPLOYEE_VERSION read with the userids to name; platform/db/versioned-copy.ts). */
  at(version: unknown): Promise<EmployeeNames>;
}

export function createEmployeeDirectory(db: DbOrTx): EmployeeDirectory {
  return {
    at: versionedCopy(async () => {
      // A row even when there are no employees.
      const result = await db.execute<{ version: string | null; userid: string | null; name: string; left: boolean }>(sql`
        SELECT v.version, e.userid, e.name, (e.status = 5 OR e.is_del = 1) AS left
        FROM (SELECT ${EMPLOYEE_VERSION} AS version) v LEFT JOIN qw_emp e ON true`);
      const byUserid = new Map<string, { name: string; left: boolean }>();
      for (const row of result.rows) if (row.userid !== null) byUserid.set(row.userid, { name: row.name, left: row.left === true });
      return {
        version: result.rows[0]?.version ?? null,
        nameOf: (userid) => (userid ? byUserid.get(userid)?.name ?? null : null),
        leftOf: (userid) => (userid ? byUserid.get(userid)?.left ?? false : false),
      };
    }),
  };
}
