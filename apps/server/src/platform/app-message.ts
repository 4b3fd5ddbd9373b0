// The one app-message service (应用消息, WeCom message/send; API-FACTS-OPERATIONS §22) every feature uses to tell
// an employee something: reminders about leads, and whatever comes later.
//
// - Durable: `queue(tx, …)` stores the message in the transaction of what caused it (with a dedupe key, so a cause
//   queues its message once); delivery runs after the commit in this process, from a pg-boss job when held back, and
//   from a once-a-minute sweep that picks up anything left (a crash, a lost nudge).
// - Within WeCom's per-member limits (30 a minute, 1,000 an hour; WeCom drops the excess silently): before sending,
//   the recipient's sends in the window are counted; with no room the messages are held until there is; with less
//   room than messages waiting, the surplus is merged into one digest. Nothing is dropped.
// - Never twice: a message is marked `sending` (committed) before the call; a send whose outcome is unknown (crash,
//   timeout) is repeated with the same JSON and enable_duplicate_check, so WeCom delivers it once — each message's
//   JSON is its own (it carries its number), so two equal reminders are still two messages. After the 4-hour
//   duplicate window an unknown outcome is not retried (`failed`, reason `uncertain`).
// - A clear no-op without WECOM_AGENT_ID (or WeCom settings): messages are recorded as `skipped` with the reason.
// - WeCom's refusals are kept as data and read through platform/wecom-errors.ts.
import { createBackground, type Background } from './background.ts';
import { and, asc, eq, inArray, lte, sql } from 'drizzle-orm';
import { RATE_LIMIT_ERRCODES, TRANSIENT_ERRCODES } from '@scrm/wecom';
import type { Db, DbOrTx } from './db/database.ts';
import type { JobService } from './jobs/job-service.ts';
import type { Wecom } from './wecom.ts';
import { withSessionLock } from './wecom.ts';
import { failureText, wecomFailureOf } from './wecom-errors.ts';
import { appMessage, type AppMessageStatus } from '../db/schema/messages.ts';

/** WeCom's limits per member and app (excess is dropped without an error). */
export const APP_MESSAGE_LIMITS = { perMinute: 30, perHour: 1000 } as const;
/** The windows counted, a little wider than WeCom's so clock skew does not tip a send over. */
const MINUTE_MS = 62_000;
const HOUR_MS = 3_602_000;
/** WeCom's longest duplicate-check interval: within it a repeated send of the same JSON is delivered once. */
const DUPLICATE_WINDOW_S = 4 * 3600;
/** An unanswered `sending` older than this is taken as interrupted (the process died mid-call). */
const STALE_SENDING_MS = 2 * 60_000;
const MAX_ATTEMPTS = 10;
/** Recipients delivered to at once in one process (each needs up to three pooled connections: lock, queries, token). */
const PARALLEL_DELIVERIES = 3;
const CONTENT_BYTES = 2048;

export const APP_MESSAGE_QUEUE = 'app-message.deliver';
export const APP_MESSAGE_SWEEP_QUEUE = 'app-message.sweep';

export interface NewAppMessage {
  /** The recipient's WeCom userid. */
  userid: string;
  kind: string;
  title: string;
  content: string;
  /** The same key again queues nothing (one message per cause). */
  dedupeKey?: string;
  /** Not before this time (default now). */
  notBefore?: Date;
  /** A page to open: the message goes as a textcard (title, content as its description, this link, `btntxt`). */
  url?: string;
  /** The card's button (WeCom: at most 4 characters, default 详情). */
  btntxt?: string;
}

export interface AppMessageDeps {
  db: Db;
  wecom: Pick<Wecom, 'client' | 'corpId' | 'agentId'>;
  now: () => number;
  /** Holds and the sweep (absent: only in-process delivery; tests without jobs). */
  jobs?: Pick<JobService, 'boss' | 'createQueue' | 'schedule'>;
  timeZone: string;
  log?: (message: string, error?: unknown) => void;
  /** The app's background work (absent: one of the service's own, for tests that build it alone). */
  background?: Background;
}

const truncateBytes = (text: string, bytes: number): string => {
  const buffer = Buffer.from(text, 'utf8');
  if (buffer.length <= bytes) return text;
  return `${buffer.subarray(0, bytes - 3).toString('utf8').replace(/\uFFFD+$/, '')}…`;
};

/** The text WeCom shows: the title, the content and the message's number (which also makes its JSON its own). */
export function messageText(row: { id: number; title: string; content: string }): string {
  const reference = `\n\n（SCRM 消息 #${row.id}）`;
  return truncateBytes(`【${row.title}】\n${row.content}`, CONTENT_BYTES - Buffer.byteLength(reference)) + reference;
}

/** A textcard's description: the content and the message's number, within WeCom's 512 characters. */
export function cardDescription(row: { id: number; content: string }): string {
  const reference = `（SCRM 消息 #${row.id}）`;
  const room = 512 - reference.length - 1;
  const content = row.content.length > room ? `${row.content.slice(0, room - 1)}…` : row.content;
  return `${content}\n${reference}`;
}

/** One message for many that found no room of their own: what they were, as far as 2,048 bytes reach. */
export function digestContent(rows: Array<{ title: string; content: string }>): string {
  const lines: string[] = [];
  let bytes = 0;
  for (const [index, row] of rows.entries()) {
    const line = `${index + 1}. ${row.title}：${row.content.replace(/\s+/g, ' ')}`.slice(0, 200);
    if (bytes + Buffer.byteLength(line) > CONTENT_BYTES - 200) {
      lines.push(`……另有 ${rows.length - index} 条，请在 SCRM 中查看`);
      break;
    }
    lines.push(line);
    bytes += Buffer.byteLength(line) + 1;
  }
  return lines.join('\n');
}

export function createAppMessageService(deps: AppMessageDeps) {
  const { db } = deps;
  const log = deps.log ?? (() => {});
  const background = deps.background ?? createBackground(log);
  const at = () => new Date(deps.now());
  const running = new Map<string, Promise<void>>();
  const again = new Set<string>();
  // A delivery holds a pooled connection for its lock while its queries (and a token refresh) need others: with
  // every recipient of a large batch started at once the pool (10) ran dry and all of them waited for each other.
  let delivering = 0;
  const waitingForSlot: Array<() => void> = [];
  async function inSlot(work: () => Promise<void>): Promise<void> {
    while (delivering >= PARALLEL_DELIVERIES) await new Promise<void>((resolve) => waitingForSlot.push(resolve));
    delivering++;
    try {
      await work();
    } finally {
      delivering--;
      waitingForSlot.shift()?.();
    }
  }

  /** Why nothing can be sent, or null. */
  const disabledReason = (): string | null =>
    deps.wecom.corpId === 'unconfigured' ? 'wecom_unconfigured' : !deps.wecom.agentId ? 'no_agent_id' : null;

  async function setStatus(tx: DbOrTx, ids: number[], values: Partial<typeof appMessage.$inferInsert>) {
    if (ids.length) await tx.update(appMessage).set(values).where(inArray(appMessage.id, ids));
  }

  /** Sends one row (already marked sending); stores the outcome. */
  async function sendOne(row: typeof appMessage.$inferSelect): Promise<void> {
    const agentid = Number(deps.wecom.agentId);
    try {
      const body = row.url
        ? { msgtype: 'textcard' as const, textcard: { title: row.title.slice(0, 128), description: cardDescription(row), url: row.url, ...(row.btntxt ? { btntxt: row.btntxt.slice(0, 4) } : {}) } }
        : { msgtype: 'text' as const, text: { content: messageText(row) } };
      const answer = await deps.wecom.client.messages.send({
        touser: row.userid,
        agentid,
        ...body,
        enable_duplicate_check: 1,
        duplicate_check_interval: DUPLICATE_WINDOW_S,
      });
      await setStatus(db, [row.id], { status: 'sent', sentAt: at(), msgid: answer.msgid ?? null, error: null });
    } catch (error) {
      const failure = wecomFailureOf(error);
      if (!failure) throw error;
      const transient = failure.errcode === null || TRANSIENT_ERRCODES.has(failure.errcode) || RATE_LIMIT_ERRCODES.has(failure.errcode);
      if (transient && row.attempts < MAX_ATTEMPTS) {
        // The same JSON again later: if this attempt did reach WeCom, the duplicate check delivers it once.
        const delay = Math.min(3600_000, 30_000 * 2 ** Math.max(0, row.attempts - 1));
        const notBefore = new Date(deps.now() + delay);
        await setStatus(db, [row.id], { status: 'queued', notBefore, error: failureText(error) });
        await hold(row.userid, notBefore);
      } else {
        await setStatus(db, [row.id], { status: 'failed', reason: transient ? 'attempts' : 'refused', error: failureText(error) });
        log(`app message ${row.id} to ${row.userid} failed`, error);
      }
    }
  }

  /** Asks for a delivery run for `userid` at `when` (pg-boss), when the limit or a retry holds messages back. */
  async function hold(userid: string, when: Date): Promise<void> {
    if (!deps.jobs) return;
    const second = new Date(Math.ceil(when.getTime() / 1000) * 1000);
    await deps.jobs.boss.send(APP_MESSAGE_QUEUE, { userid }, { startAfter: second, singletonKey: `${userid}:${second.toISOString()}`, singletonSeconds: 1 });
  }

  /** Room left for `userid` now, and when more frees up. */
  async function room(userid: string, now: Date): Promise<{ left: number; freesAt: Date }> {
    const counted: AppMessageStatus[] = ['sent', 'sending'];
    const rows = await db
      .select({ attemptedAt: appMessage.attemptedAt })
      .from(appMessage)
      .where(and(eq(appMessage.userid, userid), inArray(appMessage.status, counted), sql`${appMessage.attemptedAt} > ${new Date(now.getTime() - HOUR_MS).toISOString()}::timestamptz`))
      .orderBy(asc(appMessage.attemptedAt));
    const times = rows.map((row) => row.attemptedAt!.getTime());
    const inMinute = times.filter((time) => time > now.getTime() - MINUTE_MS);
    const left = Math.min(APP_MESSAGE_LIMITS.perMinute - inMinute.length, APP_MESSAGE_LIMITS.perHour - times.length);
    // The earliest moment a slot frees: the oldest send leaving whichever window is full.
    const freesAt =
      times.length >= APP_MESSAGE_LIMITS.perHour ? new Date(times[times.length - APP_MESSAGE_LIMITS.perHour] + HOUR_MS) : new Date((inMinute[inMinute.length - APP_MESSAGE_LIMITS.perMinute] ?? now.getTime()) + MINUTE_MS);
    return { left, freesAt };
  }

  /** One delivery run for one recipient, under a lock (every replica): what is due, as far as the limits allow. */
  async function deliver(userid: string): Promise<void> {
    if (disabledReason()) return;
    await withSessionLock(db, `app-message:${userid}`, async () => {
      const now = at();
      // Interrupted sends: again with the same JSON inside WeCom's duplicate window, else given up as uncertain.
      const stale = await db
        .select({ id: appMessage.id, firstAttemptAt: appMessage.firstAttemptAt })
        .from(appMessage)
        .where(and(eq(appMessage.userid, userid), eq(appMessage.status, 'sending'), sql`${appMessage.attemptedAt} < ${new Date(now.getTime() - STALE_SENDING_MS).toISOString()}::timestamptz`));
      const expired = (row: (typeof stale)[number]) => now.getTime() - (row.firstAttemptAt?.getTime() ?? 0) > (DUPLICATE_WINDOW_S - 600) * 1000;
      await setStatus(db, stale.filter(expired).map((row) => row.id), { status: 'failed', reason: 'uncertain' });
      await setStatus(db, stale.filter((row) => !expired(row)).map((row) => row.id), { status: 'queued' });

      const due = await db
        .select()
        .from(appMessage)
        .where(and(eq(appMessage.userid, userid), eq(appMessage.status, 'queued'), lte(appMessage.notBefore, now)))
        .orderBy(asc(appMessage.id))
        .limit(APP_MESSAGE_LIMITS.perHour * 2);
      if (due.length === 0) return;
      const { left, freesAt } = await room(userid, now);
      if (left <= 0) {
        await hold(userid, freesAt);
        return;
      }
      let batch = due;
      if (due.length > left) {
        // Less room than messages: the first ones on their own, the rest as one digest (sent in the last slot).
        const alone = due.slice(0, left - 1);
        const merged = due.slice(left - 1);
        batch = await db.transaction(async (tx) => {
          const [digest] = await tx
            .insert(appMessage)
            .values({ userid, kind: 'digest', title: `${merged.length} 条提醒`, content: digestContent(merged), notBefore: now, ctime: now })
            .returning();
          await setStatus(tx, merged.map((row) => row.id), { status: 'merged', digestId: digest.id });
          return [...alone, digest];
        });
      }
      for (const row of batch) {
        // Remembered before the call: an interrupted send is found as `sending` and repeated under the duplicate check.
        const [marked] = await db
          .update(appMessage)
          .set({ status: 'sending', attempts: sql`${appMessage.attempts} + 1`, attemptedAt: at(), firstAttemptAt: sql`COALESCE(${appMessage.firstAttemptAt}, ${at().toISOString()}::timestamptz)` })
          .where(and(eq(appMessage.id, row.id), eq(appMessage.status, 'queued')))
          .returning();
        if (marked) await sendOne(marked);
      }
    });
  }

  /** Delivery for `userid` soon, in this process (one run at a time per recipient; one more if asked meanwhile). */
  function request(userid: string): Promise<void> {
    const current = running.get(userid);
    if (current) {
      again.add(userid);
      return current;
    }
    const run = (async () => {
      try {
        do {
          again.delete(userid);
          await inSlot(() => deliver(userid)).catch((error) => log(`app messages to ${userid} not delivered`, error));
        } while (again.has(userid));
      } finally {
        running.delete(userid);
      }
    })();
    running.set(userid, run);
    return run;
  }

  /** Every recipient with something due (the sweep). */
  async function deliverDue(): Promise<void> {
    if (disabledReason()) return;
    const now = at();
    const rows = await db
      .selectDistinct({ userid: appMessage.userid })
      .from(appMessage)
      .where(
        sql`(${appMessage.status} = 'queued' AND ${appMessage.notBefore} <= ${now.toISOString()}::timestamptz)
          OR (${appMessage.status} = 'sending' AND ${appMessage.attemptedAt} < ${new Date(now.getTime() - STALE_SENDING_MS).toISOString()}::timestamptz)`,
      );
    for (const row of rows) await request(row.userid);
  }

  return {
    /**
     * Stores messages in the caller's transaction (`skipped` with the reason when nothing can be sent); a dedupe key
     * seen before queues nothing. Call `deliverSoon` with the recipients after the commit.
     */
    async queue(tx: DbOrTx, messages: NewAppMessage[]): Promise<number[]> {
      if (messages.length === 0) return [];
      const reason = disabledReason();
      const now = at();
      const rows = await tx
        .insert(appMessage)
        .values(
          messages.map((message) => ({
            userid: message.userid,
            kind: message.kind,
            title: message.title,
            content: message.content,
            url: message.url ?? null,
            btntxt: message.btntxt ?? null,
            dedupeKey: message.dedupeKey ?? null,
            status: reason ? ('skipped' as const) : ('queued' as const),
            reason,
            notBefore: message.notBefore ?? now,
            ctime: now,
          })),
        )
        .onConflictDoNothing({ target: appMessage.dedupeKey })
        .returning({ id: appMessage.id });
      return rows.map((row) => row.id);
    },

    /** After the commit that queued messages: deliver to these recipients now (the sweep catches what this misses). */
    deliverSoon(userids: Iterable<string>): void {
      for (const userid of new Set(userids)) background.run(`app messages to ${userid}`, () => request(userid));
    },

    deliver: request,
    deliverDue,

    /** Waits for the deliveries under way in this process (tests). */
    async idle(): Promise<void> {
      while (running.size) await Promise.all([...running.values()]);
    },

    /** Messages to one employee, newest first (tests and the operator's view of what was sent). */
    async listFor(userid: string, limit = 100) {
      return db.select().from(appMessage).where(eq(appMessage.userid, userid)).orderBy(sql`${appMessage.id} DESC`).limit(limit);
    },

    async start(): Promise<void> {
      if (!deps.jobs) return;
      const { boss } = deps.jobs;
      await deps.jobs.createQueue(APP_MESSAGE_QUEUE, { retryLimit: 2 });
      await deps.jobs.createQueue(APP_MESSAGE_SWEEP_QUEUE, { retryLimit: 0 });
      await boss.work<{ userid: string }>(APP_MESSAGE_QUEUE, { pollingIntervalSeconds: 2 }, async (jobs) => {
        for (const job of jobs) await request(job.data.userid);
      });
      await boss.work(APP_MESSAGE_SWEEP_QUEUE, async () => {
        await deliverDue();
      });
      await deps.jobs.schedule(APP_MESSAGE_SWEEP_QUEUE, '* * * * *', { tz: deps.timeZone });
    },
  };
}

export type AppMessageService = ReturnType<typeof createAppMessageService>;
