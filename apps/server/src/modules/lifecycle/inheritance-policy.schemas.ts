import { z } from 'zod';
import { dateTime, pageQuery } from '../../platform/http/schemas.ts';

const wecomUserid = z.string().trim().min(1).max(64);
const optionalUserid = z.preprocess((value) => (value === '' ? null : value), wecomUserid.nullable().optional());

export const INHERITANCE_MODES = ['leader', 'employee', 'link'] as const;
export const DEPARTURE_STATUSES = ['pending', 'queued', 'running', 'transferred', 'manual'] as const;

const employeeRef = z.object({ userid: z.string(), name: z.string().nullable().describe("the employee's name (null: an employee SCRM never synced)") });

export const policyRecord = z.object({
  enabled: z.boolean().describe('automatic inheritance on departure is on'),
  mode: z.enum(INHERITANCE_MODES).describe("leader: WeCom's direct leader, else the main department's leaders, else the fallback; employee: the named employee; link: spread by an acquisition link's allocation rules"),
  takeoverUserid: z.string().nullable().describe('mode employee: who takes over'),
  takeoverName: z.string().nullable().describe('null: no takeover employee, or one SCRM never synced'),
  linkGetType: z.enum(['link', 'qr']).nullable().describe('mode link: an acquisition link (link) or a channel QR code (qr)'),
  linkId: z.number().nullable(),
  linkName: z.string().nullable(),
  fallbackUserid: z.string().nullable().describe("who takes over when the mode's choice is not eligible or absent"),
  fallbackName: z.string().nullable().describe('null: no fallback employee, or one SCRM never synced'),
  includeGroups: z.boolean().describe("the departed employee's customer groups are transferred too"),
  notifyTakeover: z
    .boolean()
    .describe('tell each takeover employee by app message what they took over (one message per transfer batch)'),
  mtime: dateTime.nullable(),
  muser: z.string().nullable(),
});
export type PolicyRecord = z.output<typeof policyRecord>;

export const policySaveBody = z
  .object({
    enabled: z.boolean(),
    mode: z.enum(INHERITANCE_MODES),
    takeoverUserid: optionalUserid,
    linkGetType: z.enum(['link', 'qr']).nullable().optional(),
    linkId: z.number().int().positive().nullable().optional(),
    fallbackUserid: optionalUserid,
    includeGroups: z.boolean().default(true),
    notifyTakeover: z.boolean().default(true),
  })
  .strict();
export type PolicySaveBody = z.output<typeof policySaveBody>;

export const previewBody = z.object({ userid: wecomUserid.describe("the departing (or departed) employee's WeCom userid") }).strict();

const skipped = z.object({
  userid: z.string(),
  name: z.string().nullable().describe('null: an employee SCRM never synced'),
  source: z.enum(['directLeader', 'departmentLeader', 'employee', 'link', 'fallback']),
  reason: z.string().describe('why they cannot take over, in words'),
});

export const previewResult = z.object({
  handover: employeeRef,
  departed: z.boolean().describe('WeCom already reports the employee as departed'),
  policyEnabled: z.boolean(),
  mode: z.enum(INHERITANCE_MODES),
  takeovers: z.array(
    employeeRef.extend({
      source: z.enum(['directLeader', 'departmentLeader', 'employee', 'link', 'fallback']).describe('which step of the policy chose them'),
      customers: z.array(z.object({ externalUserid: z.string(), name: z.string().describe("'' when SCRM has no name for the customer") })),
      groups: z.array(z.object({ chatId: z.string(), name: z.string() })),
    }),
  ),
  skipped: z.array(skipped).describe('candidates the policy passed over, and why'),
  customerCount: z.number(),
  groupCount: z.number(),
  manualReason: z.string().nullable().describe('why nothing would be transferred automatically (a manual transfer is needed), in words'),
});
export type PreviewResult = z.output<typeof previewResult>;

export const departurePageQuery = pageQuery
  .extend({
    status: z.enum(DEPARTURE_STATUSES).optional(),
    userid: wecomUserid.optional(),
    name: z.string().trim().max(64).optional().describe("fuzzy: the departed employee's name"),
  })
  .strict();
export type DeparturePageQuery = z.output<typeof departurePageQuery>;

export const departureRecord = z.object({
  id: z.number(),
  userid: z.string(),
  name: z.string().nullable().describe("the departed employee's name (null: an employee SCRM never synced)"),
  status: z.enum(DEPARTURE_STATUSES).describe('pending: announced by the HR system, waiting for WeCom; queued/running: the policy is working; transferred; manual: a manual transfer is needed (reason)'),
  announcedBy: z.string().nullable().describe('nexus (HR: user deleted) or nexus-dept (HR: department deleted)'),
  announcedAt: dateTime.nullable(),
  confirmedBy: z.string().nullable().describe('delete_user (WeCom callback), unassigned (found in get_unassigned_list) or groups (no longer in WeCom contacts, owning groups WeCom lists as awaiting inheritance)'),
  confirmedAt: dateTime.nullable(),
  departedAt: dateTime.nullable(),
  mode: z.enum(INHERITANCE_MODES).nullable(),
  takeovers: z.array(
    employeeRef.extend({
      name: z.string().nullable().describe("the taking-over employee's name (null: an employee SCRM has not synced)"),
      customers: z.number(),
      groups: z.number(),
      batchId: z.number().nullable().describe('the transfer batch (its per-customer outcome on the resigned transfer records)'),
      refused: z.array(z.object({ externalUserid: z.string().optional(), chatId: z.string().optional(), reason: z.string() })),
      error: z.string().nullable(),
    }),
  ),
  customerCount: z.number(),
  groupCount: z.number(),
  reason: z.string().nullable().describe('why a manual transfer is needed, in words'),
  finishedAt: dateTime.nullable(),
});
export type DepartureRecord = z.output<typeof departureRecord>;
