// Customer stages (客户阶段 / 商机): the corp's pipeline, the stage each relation (customer × employee) is in, and
// every move between stages. A relation with no row in relation_stage is in the first stage.
import { sql } from 'drizzle-orm';
import { bigint, index, integer, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { audit, id, ref, time } from './columns.ts';

/** normal: a step of the pipeline; won: 已成交; lost: 流失 (exactly one, never deleted). */
export type StageKind = 'normal' | 'won' | 'lost';

/** A stage of the pipeline, in `sort` order (the first one is where every new relation starts). */
export const customerStage = pgTable(
  'customer_stage',
  {
    id: id(),
    name: text().notNull(),
    kind: text().$type<StageKind>().notNull().default('normal'),
    sort: integer().notNull().default(0),
    ...audit,
  },
  (t) => [
    uniqueIndex('customer_stage_name_uq').on(t.name),
    // Exactly one lost stage: relations the customer ends move there by themselves.
    uniqueIndex('customer_stage_lost_uq').on(t.kind).where(sql`kind = 'lost'`),
    index('customer_stage_sort_idx').on(t.sort, t.id),
  ],
);

/** The stage a relation (customer_relation.id) is in now, and since when. */
export const relationStage = pgTable(
  'relation_stage',
  {
    relationId: bigint({ mode: 'number' }).primaryKey(),
    externalUserid: text().notNull(),
    userid: text().notNull(),
    stageId: ref().notNull(),
    enteredAt: time().notNull(),
    /** Who moved it there: a username, or `wecom` (the customer ended or re-added the relation). */
    actor: text(),
  },
  (t) => [index('relation_stage_stage_idx').on(t.stageId), index('relation_stage_pair_idx').on(t.externalUserid, t.userid)],
);

/** Every move of a relation between stages: who, when, from → to (names kept as they were), and the note. */
export const stageHistory = pgTable(
  'stage_history',
  {
    id: id(),
    relationId: ref().notNull(),
    externalUserid: text().notNull(),
    userid: text().notNull(),
    /** Null for a relation's start in the first stage after a re-add. */
    fromStageId: ref(),
    fromStageName: text(),
    toStageId: ref().notNull(),
    toStageName: text().notNull(),
    note: text().notNull().default(''),
    actor: text().notNull(),
    movedAt: time().notNull(),
  },
  (t) => [
    index('stage_history_pair_idx').on(t.externalUserid, t.userid, t.movedAt),
    index('stage_history_relation_idx').on(t.relationId, t.movedAt),
    index('stage_history_moved_at_idx').on(t.movedAt),
  ],
);
