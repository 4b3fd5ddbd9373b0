import { bigint, boolean, index, integer, jsonb, pgTable, smallint, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { audit, id, isDel, time } from './columns.ts';

/**
 * Shared WeCom credentials (access tokens, JS-SDK tickets) with their expiry, so every replica uses the
 * same token instead of each fetching its own (WeCom throttles gettoken and tickets).
 */
export const wecomToken = pgTable('wecom_token', {
  key: text().primaryKey(),
  value: text().notNull(),
  expiresAt: time().notNull(),
  mtime: time().notNull().defaultNow(),
});

/**
 * Every callback WeCom sent (and every test/replayed one), append-only, keyed by `eventKey()` so a
 * redelivery of the same event is recognised. The table is also the work queue of the event worker:
 * pending → processing → done, or failed (retried with backoff) → dead after the last attempt.
 */
export const wxEvent = pgTable(
  'wx_event',
  {
    id: id(),
    /** Idempotency key from @scrm/wecom's eventKey(): redeliveries collide on it. */
    eventKey: text().notNull(),
    corpId: text().notNull(),
    /** Event (or InfoType) and ChangeType as WeCom named them. */
    event: text().notNull(),
    changeType: text(),
    /** The decrypted XML exactly as received. */
    xml: text().notNull(),
    /** The parsed event (WecomEvent). */
    payload: jsonb().notNull(),
    /** The event's own CreateTime. */
    createTime: time(),
    /** callback | test */
    source: text().notNull().default('callback'),
    /** pending | processing | done | failed | dead */
    status: text().notNull().default('pending'),
    /** applied (handlers ran) | ignored (no handler for this event); set when done. */
    outcome: text(),
    attempts: integer().notNull().default(0),
    nextAttemptAt: time().notNull().defaultNow(),
    /** While processing: the worker holding it, and until when (a crashed worker's rows are reclaimed after it). */
    lockedBy: text(),
    lockedUntil: time(),
    lastError: text(),
    receivedAt: time().notNull().defaultNow(),
    processedAt: time(),
  },
  (t) => [
    uniqueIndex('wx_event_key_uq').on(t.eventKey),
    // The worker's claim query: only unfinished rows are indexed.
    index('wx_event_due_idx').on(t.nextAttemptAt, t.id).where(sql`status IN ('pending', 'failed', 'processing')`),
    index('wx_event_received_idx').on(t.receivedAt),
    index('wx_event_type_idx').on(t.event, t.changeType, t.receivedAt),
    index('wx_event_status_idx').on(t.status, t.receivedAt),
  ],
);

/** The corp's WeCom departments (企微部门), mirrored by sync and change_contact events. */
export const qwDept = pgTable(
  'qw_dept',
  {
    id: id(),
    /** WeCom department id (root is 1). */
    deptId: bigint({ mode: 'number' }).notNull(),
    name: text().notNull(),
    nameEn: text(),
    /** WeCom id of the parent; 0 for the root. */
    parentId: bigint({ mode: 'number' }).notNull().default(0),
    /** WeCom order: larger comes first. */
    orderNum: bigint({ mode: 'number' }).notNull().default(0),
    leaders: text().array().notNull().default(sql`'{}'::text[]`),
    /** Removed from WeCom (or deleted here): kept, flagged. */
    isDel: isDel(),
    syncedAt: time(),
    ...audit,
  },
  (t) => [uniqueIndex('qw_dept_dept_id_uq').on(t.deptId), index('qw_dept_parent_idx').on(t.parentId)],
);

/** The corp's WeCom members (企微员工). Members removed from WeCom keep their row with status 5 and leftAt. */
export const qwEmp = pgTable(
  'qw_emp',
  {
    id: id(),
    userid: text().notNull(),
    name: text().notNull(),
    mobile: text(),
    position: text(),
    /** WeCom department ids, and the member's order / leader flag in each (same positions). */
    department: bigint({ mode: 'number' }).array().notNull().default(sql`'{}'::bigint[]`),
    deptOrder: bigint({ mode: 'number' }).array().notNull().default(sql`'{}'::bigint[]`),
    isLeaderInDept: smallint().array().notNull().default(sql`'{}'::smallint[]`),
    mainDepartment: bigint({ mode: 'number' }),
    directLeader: text().array().notNull().default(sql`'{}'::text[]`),
    /** 0 unknown, 1 male, 2 female. */
    gender: smallint().notNull().default(0),
    email: text(),
    bizMail: text(),
    avatar: text(),
    thumbAvatar: text(),
    telephone: text(),
    alias: text(),
    address: text(),
    openUserid: text(),
    externalPosition: text(),
    qrCode: text(),
    /** WeCom status: 1 active, 2 disabled, 4 not activated, 5 left the corp. */
    status: smallint().notNull().default(1),
    /**
     * Has 客户联系 (WeCom's externalcontact/get_follow_user_list lists the member): only they can take customers.
     * Null until an employee sync has asked WeCom (then treated as unknown, not as refused).
     */
    customerContact: boolean(),
    /** When WeCom stopped listing the member (deleted / left). */
    leftAt: time(),
    isDel: isDel(),
    syncedAt: time(),
    ...audit,
  },
  (t) => [
    uniqueIndex('qw_emp_userid_uq').on(t.userid),
    index('qw_emp_name_idx').on(t.name),
    index('qw_emp_department_idx').using('gin', t.department),
  ],
);
