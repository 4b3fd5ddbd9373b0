import { sql } from 'drizzle-orm';
import { index, jsonb, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { id, ref, time } from './columns.ts';

/**
 * The one customer timeline: everything that happened about a customer (by external userid), a lead, or a
 * group, written by every module through the timeline service (modules/journey/timeline.service.ts) in the
 * transaction of the change it records. Append-only. `dedupeKey` makes a write repeated by a retried
 * callback or job a no-op.
 */
export const customerEvent = pgTable(
  'customer_event',
  {
    id: id(),
    /** The customer (WeCom external userid), when the event is about one. */
    externalUserid: text(),
    /** The employee of the relation the event is about (its owner), when there is one: scope is by this employee. */
    userid: text(),
    /** The lead, when the event is about one (a lead may have no WeCom customer yet). */
    leadId: ref(),
    /** The customer group, for group events (joined, quit, created). */
    chatId: text(),
    /** What happened: one of TIMELINE_EVENT_TYPES. */
    type: text().notNull(),
    occurredAt: time().notNull(),
    /** Who did it: a username, `wecom` (the customer or an employee in WeCom), `system`, or an open-API app key. */
    actor: text(),
    data: jsonb().$type<Record<string, unknown>>().notNull().default({}),
    dedupeKey: text(),
    ctime: time().notNull().defaultNow(),
  },
  // Partial: an event has one subject (a relation's, a lead's or a group's) and most have no dedupe key, so each
  // index holds only the rows it can find (every read looks up by equality): an imported lead's entry, say, is written
  // into one of these four indexes, not into all four with NULL keys (migration 0036).
  (t) => [
    index('customer_event_customer_idx').on(t.externalUserid, t.occurredAt, t.id).where(sql`${t.externalUserid} IS NOT NULL`),
    index('customer_event_lead_idx').on(t.leadId, t.occurredAt, t.id).where(sql`${t.leadId} IS NOT NULL`),
    index('customer_event_chat_idx').on(t.chatId, t.occurredAt, t.id).where(sql`${t.chatId} IS NOT NULL`),
    index('customer_event_type_idx').on(t.type, t.id),
    uniqueIndex('customer_event_dedupe_key').on(t.dedupeKey).where(sql`${t.dedupeKey} IS NOT NULL`),
  ],
);
