import { boolean, index, integer, jsonb, primaryKey, smallint, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { pgTable } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { audit, id, isDel, ref, time } from './columns.ts';

export const sysDept = pgTable(
  'sys_dept',
  {
    id: id(),
    parentId: ref().notNull().default(0),
    /** Comma-separated ids from the root down to the parent ("0,1,4"): a subtree is one LIKE. */
    ancestors: text().notNull().default('0'),
    name: text().notNull(),
    orderNum: integer().notNull().default(0),
    leader: text(),
    phone: text(),
    status: smallint().notNull().default(0),
    isDel: isDel(),
    ...audit,
  },
  (t) => [index('sys_dept_parent_idx').on(t.parentId)],
);

export const sysUser = pgTable(
  'sys_user',
  {
    id: id(),
    username: text().notNull(),
    passwordHash: text().notNull(),
    nickname: text().notNull(),
    /** 工号, the key the HR system (Nexus) uses. */
    empNo: text(),
    phone: text(),
    email: text(),
    avatar: text(),
    deptId: ref(),
    /** 0 normal, 1 disabled (the seed token's account_status). */
    status: smallint().notNull().default(0),
    /** Bound WeCom userid (绑定企业微信userid). */
    qwUserid: text(),
    mustChangePassword: boolean().notNull().default(false),
    /** Bumped on password change/reset, disable and delete: tokens carrying an older value are refused. */
    tokenVersion: integer().notNull().default(0),
    lastLoginAt: time(),
    isDel: isDel(),
    ...audit,
  },
  (t) => [
    uniqueIndex('sys_user_username_uq').on(t.username).where(sql`is_del = 0`),
    uniqueIndex('sys_user_emp_no_uq').on(t.empNo).where(sql`is_del = 0`),
    // One live account per WeCom employee: a second binding would see that employee's customers.
    uniqueIndex('sys_user_qw_userid_uq').on(t.qwUserid).where(sql`is_del = 0 AND qw_userid IS NOT NULL`),
    index('sys_user_dept_idx').on(t.deptId),
    // 用户管理's page order: the first page reads ten index entries instead of sorting every user.
    index('sys_user_page_idx').on(t.ctime.desc().nullsFirst(), t.id.desc().nullsFirst()).where(sql`is_del = 0`),
  ],
);

export const sysRole = pgTable(
  'sys_role',
  {
    id: id(),
    name: text().notNull(),
    roleKey: text().notNull(),
    /** 1 all, 2 custom departments, 3 own department, 4 own department and below, 5 self only. */
    dataScope: smallint().notNull().default(5),
    orderNum: integer().notNull().default(0),
    status: smallint().notNull().default(0),
    remark: text(),
    isDel: isDel(),
    ...audit,
  },
  (t) => [uniqueIndex('sys_role_key_uq').on(t.roleKey).where(sql`is_del = 0`)],
);

export const sysMenu = pgTable(
  'sys_menu',
  {
    id: id(),
    parentId: ref().notNull().default(0),
    name: text().notNull(),
    nameEn: text(),
    /** M directory, C menu (a page), F button (a permission). */
    menuType: text().notNull(),
    path: text(),
    component: text(),
    icon: text(),
    perms: text(),
    /**
     * Further permission codes holding this menu grants: the reads its page (or button) calls in other
     * modules, e.g. 客户列表 reads relations (cust:emp:list). Seeded from the menu tree on every start.
     */
    extraPerms: text().array().notNull().default(sql`'{}'::text[]`),
    orderNum: integer().notNull().default(0),
    visible: boolean().notNull().default(true),
    status: smallint().notNull().default(0),
    ...audit,
  },
  (t) => [index('sys_menu_parent_idx').on(t.parentId)],
);

export const sysUserRole = pgTable(
  'sys_user_role',
  { userId: ref().notNull(), roleId: ref().notNull() },
  (t) => [primaryKey({ columns: [t.userId, t.roleId] }), index('sys_user_role_role_idx').on(t.roleId)],
);

export const sysRoleMenu = pgTable(
  'sys_role_menu',
  { roleId: ref().notNull(), menuId: ref().notNull() },
  (t) => [primaryKey({ columns: [t.roleId, t.menuId] })],
);

export const sysRoleDept = pgTable(
  'sys_role_dept',
  { roleId: ref().notNull(), deptId: ref().notNull() },
  (t) => [primaryKey({ columns: [t.roleId, t.deptId] })],
);

/** Long-running work (syncs, imports) as seen by the console: state and progress of a pg-boss job. */
export const sysJob = pgTable(
  'sys_job',
  {
    id: id(),
    type: text().notNull(),
    /** created, active, completed, failed */
    state: text().notNull().default('created'),
    progress: integer().notNull().default(0),
    total: integer(),
    message: text(),
    error: text(),
    payload: jsonb(),
    result: jsonb(),
    cuser: text(),
    ctime: time().notNull().defaultNow(),
    startedAt: time(),
    finishedAt: time(),
    /** Started with `exclusive`: at most one such job of a type waits or runs (the unique index below). */
    exclusive: boolean().notNull().default(false),
  },
  (t) => [
    index('sys_job_type_state_idx').on(t.type, t.state),
    uniqueIndex('sys_job_exclusive_running_uq').on(t.type).where(sql`exclusive AND state IN ('created', 'active', 'retry')`),
  ],
);

/** Server-wide settings shared by replicas (e.g. the generated JWT secret). */
export const sysConfig = pgTable('sys_config', {
  key: text().primaryKey(),
  value: text().notNull(),
  mtime: time().notNull().defaultNow(),
});

/**
 * Failed sign-ins per throttle key, so throttling holds across replicas. The key (kept in the column named
 * `username`) is an existing account's username, or one of a fixed number of buckets that unknown usernames
 * hash into: storage stays bounded whatever names a botnet tries. `locked_until` is the earliest time the
 * next attempt is checked (a growing wait, never a lock-out); rows quiet for a while are pruned.
 */
export const sysLoginFailure = pgTable(
  'sys_login_failure',
  {
    username: text().primaryKey(),
    failures: integer().notNull(),
    firstFailureAt: time().notNull(),
    lockedUntil: time(),
    lastFailureAt: time().notNull().defaultNow(),
  },
  (t) => [index('sys_login_failure_last_idx').on(t.lastFailureAt)],
);

/**
 * Signed-out tokens by their `jti`, refused by every replica until they would have expired anyway; then the
 * row is pruned, so the table holds at most the signed-out tokens of one token lifetime.
 */
export const sysRevokedToken = pgTable(
  'sys_revoked_token',
  {
    jti: text().primaryKey(),
    expiresAt: time().notNull(),
  },
  (t) => [index('sys_revoked_token_expires_idx').on(t.expiresAt)],
);
