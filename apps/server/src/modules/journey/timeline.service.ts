// The one customer timeline: every module records what happened about a customer (or a lead, or a group) here,
// in the transaction of the change, and reads nothing of the others' tables to show a customer's history.
// SOP evaluation reads it as its trigger source (`after`): an event recorded is an event an SOP can see.
import { and, asc, eq, gt, inArray, isNull, sql, type SQL } from 'drizzle-orm';
import { customerEvent } from '../../db/schema/journey.ts';
import type { DbOrTx } from '../../platform/db/database.ts';
import type { RequestContext } from '../../platform/auth/context.ts';
import { viewerOf, type Viewer } from '../../platform/auth/data-scope.ts';
import { NotFound } from '../../platform/http/errors.ts';
import type { Page, PageQuery } from '../../platform/http/schemas.ts';
import type { TimelineRepository } from './timeline.repository.ts';
import type { TimelinePageQuery, TimelineEventView } from './timeline.schemas.ts';

/**
 * What happened. `data` carries names as well as ids where the reader needs them later (a tag renamed or an
 * employee gone must not leave the history unreadable).
 */
export const TIMELINE_EVENT_TYPES = [
  // Every event: externalUserid (the customer), userid (the employee of the relation, or the group's owner: scope is
  // by this employee), actor ('wecom', 'system', a username), occurredAt (when it happened, not when recorded).
  'customer_added', // data: { state, addWay, sourceType?, sourceId?, sourceName?, channelId?, channelName?, linkId?, linkName?, getType?: 'link'|'qr' } (linkId/linkName: the acq_link of a link or QR state)
  'customer_lost', // the customer deleted the employee; data: { days? } (days the relation lasted)
  'customer_deleted', // the employee deleted the customer
  'tags_changed', // data: { added: {id,name,groupName}[], removed: {id,name,groupName}[], source: 'corp'|'scrm' } (id: SCRM's tag id; null with wecomTagId for a corp tag not synced yet); userid null for a whole-customer SCRM tag
  'remark_changed', // data: { remark?, description?, mobiles? } (only what changed, new values)
  'stage_moved', // data: { fromStageId?, fromStageName?, stageId, stageName, note? }
  'follow_up', // a note on the relation or lead; data: { content }
  'broadcast_received', // data: { broadcastId, name, kind }
  'sop_task', // data: { sopId, sopName, taskId, stepName?, state: 'created'|'done'|'overdue'|'moved' } (moved: to the relation's new owner, userid; from, fromName, to, toName)
  'group_joined', // chatId; userid = the group's owner; data: { chatId, groupName, joinScene? }
  'group_quit', // chatId; userid = the group's owner; data: { chatId, groupName, quitScene? }
  'group_created', // chatId only (no customer); userid = owner; data: { groupName, owner }
  'transferred', // data: { kind: 'resigned'|'onjob', from, fromName?, to, toName?, status }
  'lead', // a lead timeline entry; leadId; data: { leadType, ...the lead event's data }
] as const;
export type TimelineEventType = (typeof TIMELINE_EVENT_TYPES)[number];

export interface TimelineEventInput {
  type: TimelineEventType;
  occurredAt: Date;
  externalUserid?: string | null;
  userid?: string | null;
  leadId?: number | null;
  chatId?: string | null;
  actor?: string | null;
  data?: Record<string, unknown>;
  /** Makes the write idempotent: a second event with the same key is dropped (a redelivered callback, a retried job). */
  dedupeKey?: string | null;
}

export type TimelineEventRecord = typeof customerEvent.$inferSelect;

/** The timeline's one INSERT (see `record`); the dedupe key's index is partial (most events have none). */
const insertEvents = (rows: SQL): SQL => sql`
  INSERT INTO customer_event (external_userid, userid, lead_id, chat_id, type, occurred_at, actor, data, dedupe_key)
  ${rows}
  ON CONFLICT (dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING`;

export function createTimelineService() {
  return {
    /** Appends events in the caller's transaction (or connection); events whose dedupeKey was seen are skipped. */
    async record(tx: DbOrTx, events: TimelineEventInput[]): Promise<void> {
      if (!events.length) return;
      // One parameter however many events (an import records one per lead): a row of values each cost drizzle's
      // building and a statement text per batch size. In the given order, so ids follow it.
      const rows = events.map((event) => ({
        external_userid: event.externalUserid ?? null, userid: event.userid ?? null, lead_id: event.leadId ?? null, chat_id: event.chatId ?? null,
        type: event.type, occurred_at: event.occurredAt.toISOString(), actor: event.actor ?? null, data: event.data ?? {}, dedupe_key: event.dedupeKey ?? null,
      }));
      await tx.execute(
        insertEvents(sql`SELECT external_userid, userid, lead_id, chat_id, type, occurred_at, actor, data, dedupe_key
        FROM ROWS FROM (jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
          AS (external_userid text, userid text, lead_id bigint, chat_id text, type text, occurred_at timestamptz, actor text, data jsonb, dedupe_key text))
          WITH ORDINALITY AS t(external_userid, userid, lead_id, chat_id, type, occurred_at, actor, data, dedupe_key, n)
        ORDER BY n`),
      );
    },

    /**
     * `record` as SQL, for a statement that has its rows already (an import's inserted leads, in a CTE): `rows` selects
     * external_userid, userid, lead_id, chat_id, type, occurred_at, actor, data, dedupe_key in that order. The events
     * are then written by that statement instead of being read back and sent again.
     */
    insertEvents,

    /** A lead merged into another: its entries move to the target, remembering the lead they happened on (data.mergedFromId). */
    async moveLead(tx: DbOrTx, sourceIds: number[], targetId: number): Promise<void> {
      if (!sourceIds.length) return;
      await tx
        .update(customerEvent)
        .set({ leadId: targetId, data: sql`${customerEvent.data} || jsonb_build_object('mergedFromId', COALESCE((${customerEvent.data}->>'mergedFromId')::bigint, ${customerEvent.leadId}))` })
        .where(inArray(customerEvent.leadId, sourceIds));
    },

    /** A lead linked to a WeCom customer: its entries recorded before the link show on that customer's timeline too. */
    async linkLead(tx: DbOrTx, leadId: number, externalUserid: string): Promise<void> {
      await tx.update(customerEvent).set({ externalUserid }).where(and(eq(customerEvent.leadId, leadId), isNull(customerEvent.externalUserid)));
    },

    /**
     * Unscoped, for jobs only (SOP evaluation): events after an id, oldest first. Ids grow with commits closely enough
     * for a job that keeps its cursor and re-reads a short window (see the SOP evaluator).
     */
    async systemAfter(db: DbOrTx, afterId: number, options: { types?: TimelineEventType[]; limit?: number } = {}): Promise<TimelineEventRecord[]> {
      return db
        .select()
        .from(customerEvent)
        .where(and(gt(customerEvent.id, afterId), options.types?.length ? inArray(customerEvent.type, options.types) : undefined))
        .orderBy(asc(customerEvent.id))
        .limit(options.limit ?? 500);
    },
  };
}

export type TimelineService = ReturnType<typeof createTimelineService>;

export interface TimelineQueryDeps {
  events: Pick<TimelineRepository, 'forViewer'>;
  /** Whether the viewer sees a relation of this customer (the customers module's scope). */
  customerVisible: (viewer: Viewer, externalUserid: string) => Promise<boolean>;
}

/** Reading timelines for a caller: the console's customer drawer, and one employee's view (the sidebar). */
export function createTimelineQueries(deps: TimelineQueryDeps) {
  async function visibleCustomer(viewer: Viewer, externalUserid: string) {
    if (!(await deps.customerVisible(viewer, externalUserid))) throw new NotFound('customer', externalUserid);
  }
  return {
    /** 客户动态: a customer's events, newest first; 404 when the caller sees no relation of the customer. */
    async page(ctx: RequestContext, query: TimelinePageQuery): Promise<Page<TimelineEventView>> {
      const viewer = await viewerOf(ctx);
      await visibleCustomer(viewer, query.externalUserid);
      return deps.events.forViewer(viewer).page({ externalUserid: query.externalUserid, types: query.types }, query);
    },

    /**
     * One employee's view of a customer (the sidebar): the events of that employee's relation and those of no
     * relation, within the viewer's scope; 404 when the viewer sees no relation of the customer.
     */
    async pageForEmployee(viewer: Viewer, externalUserid: string, userid: string, query: PageQuery & { types?: TimelineEventType[] }): Promise<Page<TimelineEventView>> {
      await visibleCustomer(viewer, externalUserid);
      return deps.events.forViewer(viewer).page({ externalUserid, userid, types: query.types }, query);
    },
  };
}

export type TimelineQueries = ReturnType<typeof createTimelineQueries>;
