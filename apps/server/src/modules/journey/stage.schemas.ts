import { z } from 'zod';
import { dateTime, requiredText } from '../../platform/http/schemas.ts';

export const STAGE_KINDS = ['normal', 'won', 'lost'] as const;
const wecomUserid = z.string().trim().min(1).max(64);
const stageId = z.number().int().positive();

export const stageRecord = z.object({
  id: z.number(),
  name: z.string(),
  kind: z.enum(STAGE_KINDS).describe('normal: a step; won: 已成交; lost: 流失 (exactly one, never deleted, always last)'),
  sort: z.number().describe('position in the pipeline (the lost stage is listed last whatever its sort)'),
  first: z.boolean().describe('where every new relation starts (and every relation with no move yet)'),
  relations: z.number().describe('relations in this stage now (any status)'),
  ctime: dateTime,
  cuser: z.string().nullable(),
  mtime: dateTime,
  muser: z.string().nullable(),
});
export type StageRecord = z.output<typeof stageRecord>;

export const stageSaveBody = z
  .object({
    id: stageId.optional().describe('absent: a new stage, added before the lost stage'),
    name: requiredText(20),
    kind: z.enum(['normal', 'won']).optional().describe('new stages: normal when absent; the lost stage exists once and keeps its kind (leave kind out to rename it)'),
  })
  .strict();
export type StageSaveBody = z.output<typeof stageSaveBody>;

export const stageDeleteBody = z
  .object({
    id: stageId,
    moveToStageId: stageId.optional().describe('where the stage\'s relations go; required when it has any'),
    note: z.string().trim().max(200).optional(),
  })
  .strict();
export type StageDeleteBody = z.output<typeof stageDeleteBody>;
export const stageDeleteResult = z.object({ moved: z.number().describe('relations moved to the target stage') });

export const stageSortBody = z.object({ ids: z.array(stageId).min(1).max(100).describe('every stage but the lost one, in the new order') }).strict();

export const relationPair = z.object({ externalUserid: z.string().trim().min(1).max(64), userid: wecomUserid }).strict();
export type RelationPair = z.output<typeof relationPair>;

export const stageMoveBody = z
  .object({
    relations: z.array(relationPair).min(1).max(500).describe('customer × employee pairs (their current relation; an ended one keeps its last)'),
    stageId,
    note: z.string().trim().max(200).default(''),
  })
  .strict();
export type StageMoveBody = z.output<typeof stageMoveBody>;
export const stageMoveResult = z.object({
  moved: z.number().describe('relations moved'),
  unchanged: z.number().describe('relations already in the target stage'),
});

export const stageHistoryQuery = relationPair;
export const stageHistoryRecord = z.object({
  id: z.number(),
  relationId: z.number(),
  fromStageId: z.number().nullable(),
  fromStageName: z.string().nullable(),
  stageId: z.number(),
  stageName: z.string(),
  note: z.string(),
  actor: z.string().describe('a username, or wecom (the customer ended or re-added the relation)'),
  movedAt: dateTime,
});
export const stageHistoryResult = z.object({
  current: z.object({ stageId: z.number(), stageName: z.string(), since: dateTime.nullable() }).nullable().describe('the stage of the pair\'s current relation'),
  records: z.array(stageHistoryRecord).describe('newest first, every relation of the pair (a re-add starts again at the first stage)'),
});

/** A day of the corp's calendar, within years a timestamp holds on both sides (JavaScript and PostgreSQL). */
const corpDay = z.iso.date().refine((day) => day >= '1970-01-01' && day <= '9998-12-31', 'a day between 1970 and 9998');

export const funnelQuery = z
  .object({
    from: corpDay.describe('first day, YYYY-MM-DD in the corp\'s time zone'),
    to: corpDay.describe('last day (at most 366 days after from)'),
    userIds: z.array(wecomUserid).max(1000).optional().describe('only these employees'),
    channelId: z.number().int().positive().optional().describe('only relations from this 获客渠道'),
  })
  .strict();
export type FunnelQuery = z.output<typeof funnelQuery>;

const stageFigures = z.object({
  stageId: z.number(),
  stageName: z.string(),
  kind: z.enum(STAGE_KINDS),
  entered: z.number().describe('relations that entered the stage in the period (the first stage: added, or moved back)'),
  conversion: z.number().nullable().describe('entered the next stage ÷ entered this one (null: no next stage, or none entered)'),
  averageHours: z.number().nullable().describe('average time in the stage, in hours, of the stays that ended in the period'),
  current: z.number().describe('relations in the stage now (the lost stage: ended ones too; the others: active ones)'),
});
const breakdownRow = z.object({
  key: z.string().describe('the employee\'s userid, or the channel id (\'\' for none)'),
  name: z.string().describe('the employee\'s or channel\'s name'),
  stages: z.array(z.object({ stageId: z.number(), entered: z.number(), current: z.number() })),
  won: z.number().describe('entered a won stage in the period'),
  winRate: z.number().nullable().describe('won ÷ entered the first stage'),
});
export const funnelResult = z.object({
  stages: z.array(stageFigures),
  byEmployee: z.array(breakdownRow),
  byChannel: z.array(breakdownRow),
});
export type FunnelResult = z.output<typeof funnelResult>;
