import { bigint, boolean, index, jsonb, pgTable, smallint, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { audit, id, ref, time } from './columns.ts';

/** customer_deleted: the customer deleted the employee (del_follow_user); employee_deleted: the employee deleted the customer (del_external_contact). */
export type LossKind = 'customer_deleted' | 'employee_deleted';
/** An alert's fate: sent as it happened, held for the daily digest, sent in a digest, or not sent (off / nobody to tell). */
export type LossAlertState = 'sent' | 'digest' | 'digested' | 'off';

/**
 * A customer lost (流失): one row per relation WeCom ended by a deletion, with what the relation was at that moment —
 * its tags and channel by name, when it began — so the record keeps its meaning after tags and channels change.
 * Written in the deletion event's transaction; a redelivered event finds its row (same customer, employee, time).
 */
export const lossRecord = pgTable(
  'loss_record',
  {
    id: id(),
    kind: text().$type<LossKind>().notNull(),
    externalUserid: text().notNull(),
    customerName: text().notNull().default(''),
    /** The employee's WeCom userid, their name and departments when the loss happened. */
    userid: text().notNull(),
    employeeName: text().notNull().default(''),
    deptIds: bigint({ mode: 'number' }).array().notNull().default(sql`'{}'::bigint[]`),
    /** WeCom's time of the deletion (the event's CreateTime). */
    lostAt: time().notNull(),
    /** When the employee had added the customer (the relation's createtime); null when SCRM never saw the relation. */
    addedAt: time(),
    /** The relation's corp tags by name, at the loss. */
    tags: jsonb().$type<Array<{ groupName: string; tagName: string }>>().notNull().default([]),
    /** The relation's channel state and its names (获客渠道, link / QR code), at the loss. */
    state: text().notNull().default(''),
    channelId: ref(),
    channelName: text(),
    sourceName: text(),
    /** The wx_event that reported it. */
    eventId: ref(),
    employeeAlert: text().$type<LossAlertState>().notNull().default('off'),
    managerAlert: text().$type<LossAlertState>().notNull().default('off'),
    ctime: time().notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('loss_record_event_uq').on(t.kind, t.externalUserid, t.userid, t.lostAt),
    index('loss_record_lost_at_idx').on(t.lostAt, t.id),
    index('loss_record_userid_idx').on(t.userid, t.lostAt),
    index('loss_record_digest_idx').on(t.id).where(sql`employee_alert = 'digest' OR manager_alert = 'digest'`),
  ],
);

/** The corp's loss alert settings (one row per corp). */
export const lossSettings = pgTable(
  'loss_settings',
  {
    id: id(),
    corpId: text().notNull(),
    /** Tell the employee when a customer deleted them. */
    employeeAlert: boolean().notNull().default(true),
    /** Tell the managers below when an employee deleted a customer (risk control). */
    managerAlert: boolean().notNull().default(false),
    managerUserids: jsonb().$type<string[]>().notNull().default([]),
    /** One digest a day (at digestHour, the corp's time zone) instead of a message per loss. */
    digest: boolean().notNull().default(false),
    digestHour: smallint().notNull().default(9),
    /** The local day of the last digest sent (YYYY-MM-DD). */
    lastDigestDay: text(),
    ...audit,
  },
  (t) => [uniqueIndex('loss_settings_corp_uq').on(t.corpId)],
);

export type InheritanceMode = 'leader' | 'employee' | 'link';

/** The corp's automatic inheritance policy (自动继承; one row per corp). */
export const inheritancePolicy = pgTable(
  'inheritance_policy',
  {
    id: id(),
    corpId: text().notNull(),
    enabled: boolean().notNull().default(false),
    /** leader: the direct leader, else the main department's leaders, else the fallback; employee: takeoverUserid; link: the link's allocation rules. */
    mode: text().$type<InheritanceMode>().notNull().default('leader'),
    takeoverUserid: text(),
    linkGetType: text().$type<'link' | 'qr'>(),
    linkId: ref(),
    /** Who takes over when the mode's choice cannot (ineligible, none). */
    fallbackUserid: text(),
    /** Transfer the departed employee's groups too (groupchat/transfer). */
    includeGroups: boolean().notNull().default(true),
    /** App message to each takeover employee. */
    notifyTakeover: boolean().notNull().default(true),
    ...audit,
  },
  (t) => [uniqueIndex('inheritance_policy_corp_uq').on(t.corpId)],
);

/** pending: announced by HR, waiting for WeCom; queued / running: the policy is to run / running; transferred; manual: left for a manual transfer (reason). */
export type DepartureStatus = 'pending' | 'queued' | 'running' | 'transferred' | 'manual';

export interface DeparturePlanEntry {
  takeoverUserid: string;
  externalUserids: string[];
  chatIds: string[];
}

export interface DepartureResult {
  takeoverUserid: string;
  batchId: number | null;
  customers: number;
  groups: number;
  refused: Array<{ externalUserid?: string; chatId?: string; reason: string }>;
  /** Why the request itself failed (the WeCom error's words), if it did. */
  error?: string;
}

/**
 * An employee's departure as SCRM learnt it: announced by the HR system (Nexus) and/or confirmed by WeCom
 * (change_contact delete_user, get_unassigned_list), and what the inheritance policy did about it. At most one
 * open departure per employee; the plan is stored before any transfer is asked for (a re-run repeats it).
 */
export const inheritanceDeparture = pgTable(
  'inheritance_departure',
  {
    id: id(),
    userid: text().notNull(),
    employeeName: text().notNull().default(''),
    status: text().$type<DepartureStatus>().notNull(),
    /** nexus (deleteByEmpNo) | nexus-dept (a department deleted). */
    announcedBy: text(),
    announcedAt: time(),
    /** delete_user | unassigned. */
    confirmedBy: text(),
    confirmedAt: time(),
    /** WeCom's time of the departure. */
    departedAt: time(),
    mode: text().$type<InheritanceMode>(),
    plan: jsonb().$type<DeparturePlanEntry[]>(),
    results: jsonb().$type<DepartureResult[]>(),
    /** Why it needs a manual transfer (a message key) and its parameters. */
    reason: text(),
    reasonParams: jsonb().$type<Record<string, unknown>>(),
    attempts: smallint().notNull().default(0),
    startedAt: time(),
    finishedAt: time(),
    ...audit,
  },
  (t) => [
    index('inheritance_departure_userid_idx').on(t.userid, t.id),
    uniqueIndex('inheritance_departure_open_uq').on(t.userid).where(sql`status IN ('pending', 'queued', 'running')`),
    index('inheritance_departure_due_idx').on(t.status, t.id).where(sql`status IN ('queued', 'running')`),
  ],
);
