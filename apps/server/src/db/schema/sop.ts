import { boolean, index, integer, jsonb, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { audit, id, isDel, ref, time } from './columns.ts';

export type SopKind = 'customer' | 'group';
export type SopTaskState = 'pending' | 'done' | 'overdue';

/** What starts an SOP (modules/journey/sop.schemas.ts validates it; see there for each field). */
export type SopTrigger =
  | { type: 'added'; channelIds: number[]; linkIds: number[] }
  | { type: 'tagged'; tagIds: number[] }
  | { type: 'stage'; stageIds: number[] }
  | { type: 'joined'; chatIds: string[] }
  | { type: 'created' }
  | { type: 'date'; at: Date | string; tagIds?: number[]; chatIds?: string[] }
  | { type: 'recurrence'; every: 'daily' | 'weekly' | 'monthly'; weekDays?: number[]; monthDay?: number; time: string; tagIds?: number[]; chatIds?: string[] };

/** A step: when (after the trigger, or on day N at a time) and what the employee sends. `id` keys its tasks across edits. */
export interface SopStep {
  id: string;
  name: string;
  when: { type: 'after'; amount: number; unit: 'minute' | 'hour' | 'day' } | { type: 'dayAt'; day: number; time: string };
  text: string;
  mediaIds: number[];
}

/**
 * An SOP rule (客户SOP / 群SOP): who it applies to (employees, departments; none = everyone), what starts it and
 * its steps. Only what happens after `enabledAt` starts it (enabling an SOP does not replay the past);
 * `lastOccurrenceAt` is the last date/recurrence occurrence enrolled (a recurrence missed for several periods
 * enrols the latest one only).
 */
export const sopRule = pgTable(
  'sop_rule',
  {
    id: id(),
    kind: text().$type<SopKind>().notNull(),
    name: text().notNull(),
    enabled: boolean().notNull().default(true),
    userIds: jsonb().$type<string[]>().notNull().default([]),
    deptIds: jsonb().$type<number[]>().notNull().default([]),
    trigger: jsonb().$type<SopTrigger>().notNull(),
    steps: jsonb().$type<SopStep[]>().notNull().default([]),
    /** A task is overdue this many minutes after it is due; null: at the end of its due day (corp time zone). */
    overdueMinutes: integer(),
    enabledAt: time(),
    lastOccurrenceAt: time(),
    isDel: isDel(),
    ...audit,
  },
  (t) => [index('sop_rule_kind_idx').on(t.kind, t.id).where(sql`is_del = 0`)],
);

/**
 * One start of an SOP for one subject (a relation, a group, a group member joining) and one occurrence (the
 * timeline event that started it, or the date/recurrence instant). Unique per rule, subject and occurrence:
 * re-reading the timeline never enrols twice. `nextDueAt` is the earliest step without a task (null: all made,
 * or ended because the relation ended).
 */
export const sopEnrollment = pgTable(
  'sop_enrollment',
  {
    id: id(),
    ruleId: ref().notNull(),
    /** `externalUserid|userid` (customer SOP), `chatId` or `chatId|member` (group SOP). */
    subjectKey: text().notNull(),
    /** `e<eventId>` for an event, the occurrence's ISO instant for a date or recurrence. */
    occurrence: text().notNull(),
    externalUserid: text(),
    chatId: text(),
    /** The responsible employee: the relation's owner, the group's owner. */
    userid: text().notNull(),
    triggeredAt: time().notNull(),
    nextDueAt: time(),
    endedAt: time(),
    ctime: time().notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('sop_enrollment_key_uq').on(t.ruleId, t.subjectKey, t.occurrence),
    index('sop_enrollment_due_idx').on(t.nextDueAt).where(sql`next_due_at IS NOT NULL`),
    index('sop_enrollment_customer_idx').on(t.externalUserid, t.userid),
  ],
);

/**
 * A to-do (我的待办) made by a step when it comes due: for the responsible employee, with the step's content as it
 * was then. Unique per (rule, step, subject, occurrence): never a duplicate task.
 */
export const sopTask = pgTable(
  'sop_task',
  {
    id: id(),
    ruleId: ref().notNull(),
    kind: text().$type<SopKind>().notNull(),
    enrollmentId: ref().notNull(),
    stepId: text().notNull(),
    subjectKey: text().notNull(),
    occurrence: text().notNull(),
    externalUserid: text(),
    chatId: text(),
    userid: text().notNull(),
    ruleName: text().notNull(),
    stepName: text().notNull(),
    text: text().notNull().default(''),
    mediaIds: jsonb().$type<number[]>().notNull().default([]),
    dueAt: time().notNull(),
    overdueAt: time().notNull(),
    state: text().$type<SopTaskState>().notNull().default('pending'),
    doneAt: time(),
    doneBy: text(),
    ctime: time().notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('sop_task_key_uq').on(t.ruleId, t.stepId, t.subjectKey, t.occurrence),
    index('sop_task_user_idx').on(t.userid, t.dueAt),
    index('sop_task_rule_idx').on(t.ruleId, t.state),
    index('sop_task_overdue_idx').on(t.overdueAt).where(sql`state = 'pending'`),
  ],
);

/** Where the evaluator is in the customer timeline: events up to `eventId` are read and can no longer appear. */
export const sopCursor = pgTable('sop_cursor', {
  name: text().primaryKey(),
  eventId: ref().notNull().default(0),
  mtime: time().notNull().defaultNow(),
});
