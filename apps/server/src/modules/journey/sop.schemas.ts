import { z } from 'zod';
import { dateTime, pageQuery, requiredText } from '../../platform/http/schemas.ts';

const wecomUserid = z.string().trim().min(1).max(64);
const timeOfDay = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:mm');
const chatId = z.string().trim().min(1).max(128);
const positiveIds = (max: number) => z.array(z.number().int().positive()).max(max);

export const SOP_KINDS = ['customer', 'group'] as const;
export const sopKind = z.enum(SOP_KINDS);

/** Customer SOP triggers: added through channels or links/QR codes, tagged with, entered a stage, a date, a recurrence. */
const addedTrigger = z.object({
  type: z.literal('added'),
  channelIds: positiveIds(100).default([]).describe('获客渠道: a customer added through any link or QR code of these channels'),
  linkIds: positiveIds(100).default([]).describe('获客链接 or 渠道活码 (both acq_link ids): a customer added through one of them'),
});
const taggedTrigger = z.object({ type: z.literal('tagged'), tagIds: positiveIds(100).min(1).describe('corp tags (local ids): the relation got one of them') });
const stageTrigger = z.object({ type: z.literal('stage'), stageIds: positiveIds(50).min(1).describe('the relation entered one of these stages') });
/** Group SOP triggers: a customer joined one of the groups (or any group of the employees), a group was created. */
const joinedTrigger = z.object({ type: z.literal('joined'), chatIds: z.array(chatId).max(500).default([]).describe('groups; none: any group owned by the employees chosen') });
const createdTrigger = z.object({ type: z.literal('created').describe('a group owned by one of the employees chosen was created') });
const audience = {
  tagIds: positiveIds(100).optional().describe('customer SOP: only relations with one of these tags (local ids; none: all customers of the employees)'),
  chatIds: z.array(chatId).max(500).optional().describe('group SOP: the groups (required)'),
};
const dateTrigger = z.object({ type: z.literal('date'), at: dateTime.describe('once, at this time'), ...audience });
const recurrenceTrigger = z.object({
  type: z.literal('recurrence'),
  every: z.enum(['daily', 'weekly', 'monthly']),
  weekDays: z.array(z.number().int().min(1).max(7)).max(7).optional().describe('weekly: 1 Monday … 7 Sunday'),
  monthDay: z.number().int().min(1).max(31).optional().describe('monthly: the day of the month (the last day in shorter months)'),
  time: timeOfDay.describe('HH:mm in the corp time zone'),
  ...audience,
});
export const sopTrigger = z.discriminatedUnion('type', [addedTrigger, taggedTrigger, stageTrigger, joinedTrigger, createdTrigger, dateTrigger, recurrenceTrigger]);
export type SopTriggerInput = z.output<typeof sopTrigger>;

export const sopStep = z.object({
  id: z.string().regex(/^[\w-]{1,40}$/).optional().describe('kept across edits (a step\'s tasks are keyed by it); absent: a new step'),
  name: z.string().trim().max(64).default(''),
  when: z.discriminatedUnion('type', [
    z.object({ type: z.literal('after'), amount: z.number().int().min(0).max(100_000), unit: z.enum(['minute', 'hour', 'day']) }),
    z.object({ type: z.literal('dayAt'), day: z.number().int().min(1).max(365).describe('1: the day of the trigger'), time: timeOfDay }),
  ]),
  text: z.string().max(4000).default(''),
  mediaIds: positiveIds(9).default([]).describe('from the media library (素材库), at most 9'),
});

export const sopSaveBody = z.object({
  id: z.number().int().positive().optional(),
  name: requiredText(64),
  enabled: z.boolean().default(true),
  userIds: z.array(wecomUserid).max(1000).default([]).describe('the employees it applies to; with deptIds empty too: everyone'),
  deptIds: z.array(z.number().int().nonnegative()).max(200).default([]).describe('WeCom departments, sub-departments included'),
  trigger: sopTrigger,
  steps: z.array(sopStep).min(1).max(20),
  overdueMinutes: z.number().int().min(1).max(60 * 24 * 30).nullish().describe('overdue this long after due; absent: at the end of the due day'),
});
export type SopSaveBody = z.output<typeof sopSaveBody>;

export const sopRecord = z.object({
  id: z.number(),
  kind: sopKind,
  name: z.string(),
  enabled: z.boolean(),
  userIds: z.array(z.string()),
  deptIds: z.array(z.number()),
  employees: z.array(z.object({ id: z.string(), name: z.string().nullable().describe('null: an employee SCRM never synced') })).describe('userIds with their names'),
  departments: z.array(z.object({ id: z.number(), name: z.string() })),
  trigger: sopTrigger,
  steps: z.array(sopStep.extend({ id: z.string(), media: z.array(z.object({ id: z.number(), type: z.string(), title: z.string() })) })),
  overdueMinutes: z.number().nullable(),
  enabledAt: dateTime.nullable(),
  tasks: z.object({ total: z.number(), done: z.number(), pending: z.number(), overdue: z.number() }),
  ctime: dateTime,
  cuser: z.string().nullable(),
  mtime: dateTime,
  muser: z.string().nullable(),
});
export type SopRecord = z.output<typeof sopRecord>;

export const sopPageQuery = pageQuery.extend({ name: z.string().trim().max(64).optional(), enabled: z.boolean().optional() });
export type SopPageQuery = z.output<typeof sopPageQuery>;

export const sopEnableBody = z.object({ id: z.number().int().positive(), enabled: z.boolean() });

export const SOP_TASK_STATES = ['pending', 'done', 'overdue'] as const;
export const sopTaskPageQuery = pageQuery.extend({
  ruleId: z.number().int().positive().optional(),
  userIds: z.array(wecomUserid).max(1000).optional(),
  state: z.enum(SOP_TASK_STATES).optional(),
  dueStart: dateTime.optional(),
  dueEnd: dateTime.optional(),
});
export type SopTaskPageQuery = z.output<typeof sopTaskPageQuery>;

export const todoPageQuery = pageQuery.extend({
  view: z.enum(['today', 'overdue', 'done', 'all']).default('today').describe('today: due today and not done; overdue; done; all'),
});
export type TodoPageQuery = z.output<typeof todoPageQuery>;

export const sopTaskRecord = z.object({
  id: z.number(),
  ruleId: z.number(),
  kind: sopKind,
  ruleName: z.string(),
  stepName: z.string(),
  userid: z.string(),
  employeeName: z.string().nullable().describe('null: an employee SCRM has not synced'),
  externalUserid: z.string().nullable(),
  customerName: z.string().nullable().describe('null: a customer SCRM has no name for'),
  chatId: z.string().nullable(),
  groupName: z.string().nullable().describe('null: an unnamed group, or one SCRM has not synced'),
  text: z.string(),
  media: z.array(z.object({ id: z.number(), type: z.string(), title: z.string() })),
  dueAt: dateTime,
  overdueAt: dateTime,
  state: z.enum(SOP_TASK_STATES),
  doneAt: dateTime.nullable(),
  doneBy: z.string().nullable(),
});
export type SopTaskOut = z.output<typeof sopTaskRecord>;

export const taskDoneBody = z.object({ ids: z.array(z.number().int().positive()).min(1).max(500) });

export const sopStatBody = z.object({ ruleId: z.number().int().positive().optional(), dueStart: dateTime.optional(), dueEnd: dateTime.optional() });
export type SopStatBody = z.output<typeof sopStatBody>;
const completion = { total: z.number(), done: z.number(), pending: z.number(), overdue: z.number(), rate: z.number().describe('done / total, 0–1') };
export const sopStatResult = z.object({
  totals: z.object(completion),
  bySop: z.array(z.object({ ruleId: z.number(), name: z.string(), ...completion })),
  byEmployee: z.array(z.object({ userid: z.string(), name: z.string().nullable().describe('null: an employee SCRM has not synced'), ...completion })),
});
export type SopStatResult = z.output<typeof sopStatResult>;
