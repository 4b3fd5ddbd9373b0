import { z } from 'zod';
import { dateTime, pageQuery } from '../../platform/http/schemas.ts';

export const LOSS_KINDS = ['customer_deleted', 'employee_deleted'] as const;
const wecomUserid = z.string().trim().min(1).max(64);
/** `YYYY-MM-DD` (a whole day in the corp's time zone) or an ISO-8601 time with offset. */
const dayOrTime = z.union([z.iso.date(), z.iso.datetime({ offset: true })]);

export const lossFilters = z.object({
  userIds: z.array(wecomUserid).max(1000).optional().describe('employees (WeCom userids)'),
  deptIds: z.array(z.number().int().nonnegative()).max(200).optional().describe("WeCom departments, sub-departments included (the employee's departments when the loss happened)"),
  kind: z.enum(LOSS_KINDS).optional().describe('customer_deleted: the customer deleted the employee; employee_deleted: the employee deleted the customer'),
  startTime: dayOrTime.optional().describe('lost at or after (a date means the start of that day, Asia/Shanghai)'),
  endTime: dayOrTime.optional().describe('lost at or before (a date means the whole of that day)'),
  channelId: z.number().int().positive().optional().describe('the relation\'s 获客渠道 when it was lost'),
  name: z.string().trim().max(64).optional().describe("fuzzy: the customer's name"),
});
export type LossFilters = z.output<typeof lossFilters>;

export const lossPageQuery = pageQuery.extend(lossFilters.shape).strict();
export type LossPageQuery = z.output<typeof lossPageQuery>;
export const lossExportQuery = lossFilters.strict();

export const lossRecordSchema = z.object({
  id: z.number(),
  kind: z.enum(LOSS_KINDS),
  externalUserid: z.string(),
  customerName: z.string(),
  userid: z.string(),
  employeeName: z.string().nullable().describe('null: an employee SCRM has not synced'),
  deptNames: z.array(z.string()).describe("the employee's departments when the loss happened"),
  lostAt: dateTime,
  addedAt: dateTime.nullable().describe('when the employee had added the customer; null when SCRM never saw the relation'),
  friendDays: z.number().nullable().describe('whole days they were friends'),
  tags: z.array(z.object({ groupName: z.string(), tagName: z.string() })).describe("the relation's corp tags when it was lost"),
  channelName: z.string().nullable().describe('获客渠道 when it was lost'),
  sourceName: z.string().nullable().describe('the link or QR code it came through'),
  employeeAlert: z.enum(['sent', 'digest', 'digested', 'off']).describe('the alert to the employee: sent, waiting for the daily digest, sent in a digest, not sent'),
  managerAlert: z.enum(['sent', 'digest', 'digested', 'off']),
});
export type LossRecordOut = z.output<typeof lossRecordSchema>;

export const lossStatBody = z
  .object({
    startDate: z.iso.date().describe('first day, YYYY-MM-DD (Asia/Shanghai)'),
    endDate: z.iso.date().describe('last day (at most 366 days after startDate)'),
    userIds: lossFilters.shape.userIds,
    deptIds: lossFilters.shape.deptIds,
    channelId: lossFilters.shape.channelId,
  })
  .strict();
export type LossStatBody = z.output<typeof lossStatBody>;

export const lossStatResult = z.object({
  days: z.array(z.object({ day: z.string(), customerDeleted: z.number(), employeeDeleted: z.number(), total: z.number() })),
  totals: z.object({ customerDeleted: z.number(), employeeDeleted: z.number(), total: z.number() }),
});

export const lossSettingsRecord = z.object({
  employeeAlert: z.boolean().describe('tell the employee when a customer deleted them'),
  managerAlert: z.boolean().describe('tell the managers when an employee deleted a customer (risk control)'),
  managers: z.array(z.object({ userid: z.string(), name: z.string() })),
  digest: z.boolean().describe('one daily digest instead of a message per loss'),
  digestHour: z.number().int().describe('the hour (0–23, Asia/Shanghai) the digest is sent'),
  mtime: dateTime.nullable(),
  muser: z.string().nullable(),
});

export const lossSettingsSaveBody = z
  .object({
    employeeAlert: z.boolean(),
    managerAlert: z.boolean(),
    managerUserids: z.array(wecomUserid).max(50).default([]),
    digest: z.boolean(),
    digestHour: z.number().int().min(0).max(23).default(9),
  })
  .strict();
export type LossSettingsSaveBody = z.output<typeof lossSettingsSaveBody>;
