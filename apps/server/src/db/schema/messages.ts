import { index, integer, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { id, ref, time } from './columns.ts';

/**
 * queued: waits to be sent (from notBefore); sending: handed to WeCom, outcome not yet stored; sent;
 * merged: folded into a digest (digestId) because the recipient's limit left no room for each;
 * skipped: never sent, and `reason` says why (no WECOM_AGENT_ID); failed: WeCom refused it (`error`).
 */
export type AppMessageStatus = 'queued' | 'sending' | 'sent' | 'merged' | 'skipped' | 'failed';

/**
 * An app message (应用消息, message/send) to one employee: queued in the transaction of what caused it, then
 * sent within WeCom's per-member limits. `dedupeKey` makes a cause queue its message once.
 */
export const appMessage = pgTable(
  'app_message',
  {
    id: id(),
    /** The recipient's WeCom userid. */
    userid: text().notNull(),
    /** What it is about, e.g. lead.assigned, lead.follow-up, digest. */
    kind: text().notNull(),
    dedupeKey: text(),
    title: text().notNull(),
    content: text().notNull(),
    /** A link to open (sent as a textcard: title, content, this url and `btntxt`); null: a text message. */
    url: text(),
    btntxt: text(),
    status: text().$type<AppMessageStatus>().notNull().default('queued'),
    /** Why it was skipped or failed, as a code (no_agent_id, wecom_unconfigured, uncertain, attempts). */
    reason: text(),
    /** WeCom's refusal, stored for each reader's language (platform/wecom-errors.ts). */
    error: text(),
    digestId: ref(),
    attempts: integer().notNull().default(0),
    firstAttemptAt: time(),
    attemptedAt: time(),
    msgid: text(),
    notBefore: time().notNull().defaultNow(),
    sentAt: time(),
    ctime: time().notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('app_message_dedupe_uq').on(t.dedupeKey),
    index('app_message_due_idx').on(t.status, t.notBefore).where(sql`status IN ('queued', 'sending')`),
    index('app_message_recipient_idx').on(t.userid, t.attemptedAt),
  ],
);
