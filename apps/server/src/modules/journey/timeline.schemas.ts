import { z } from 'zod';
import { dateTime, pageQuery } from '../../platform/http/schemas.ts';
import { TIMELINE_EVENT_TYPES } from './timeline.service.ts';

const wecomId = z.string().trim().min(1).max(64);

export const timelinePageQuery = pageQuery
  .extend({
    externalUserid: wecomId.describe("the customer (WeCom external userid)"),
    types: z.array(z.enum(TIMELINE_EVENT_TYPES)).max(TIMELINE_EVENT_TYPES.length).optional().describe('only these kinds of event'),
  })
  .strict();
export type TimelinePageQuery = z.output<typeof timelinePageQuery>;

export const timelineEventRecord = z.object({
  id: z.number(),
  type: z.enum(TIMELINE_EVENT_TYPES).describe('what happened (see data)'),
  occurredAt: dateTime.describe('when it happened'),
  externalUserid: z.string().nullable(),
  userid: z.string().nullable().describe("the employee of the relation (or the group's owner)"),
  employeeName: z.string().nullable().describe("that employee's name"),
  chatId: z.string().nullable(),
  leadId: z.number().nullable(),
  actor: z.string().nullable().describe("who did it: 'wecom' (in WeCom), 'system', or a console user's username"),
  actorName: z.string().nullable().describe("the console user's name when a console user did it"),
  data: z.record(z.string(), z.unknown()).describe('names and details by type: tags, group, stage, broadcast, transfer (see TIMELINE_EVENT_TYPES)'),
});
export type TimelineEventView = z.output<typeof timelineEventRecord>;
