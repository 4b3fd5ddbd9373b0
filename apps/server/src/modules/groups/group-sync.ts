// The full group sync (job `groups.sync`): groupchat/list (cursor pages of 1,000, every status), then
// groupchat/get with member names for each group, several at a time; fetched groups are written in large
// batches (one statement per table per batch, a couple of batches at once on PostgreSQL) while the next
// batch is fetched. Stored groups the list no longer has are fetched one by one: gone from WeCom means dismissed.
//
// The first attempt saves what it will fetch (the list, and the stored groups missing from it) as the job's
// checkpoint; every batch marks its groups done in that checkpoint in the batch's own transaction. A retry
// (after a crash or a WeCom failure) fetches only the groups not done yet, and never lists again.
import { WecomApiError, type GroupChat, type WecomClient } from '@scrm/wecom';
import type { JobProgress } from '../../platform/jobs/job-service.ts';
import type { GroupSnapshot, GroupWriteRepository } from './group-writes.repository.ts';

export const GROUP_SYNC_JOB = 'groups.sync';

/** groupchat/list: limit 1 – 1,000 (API-FACTS §7.1). */
export const LIST_LIMIT = 1000;

/** groupchat/get errcodes meaning "no such group (any more)": 86003 chatid does not exist, 40050 chat does not exist. */
const GONE_ERRCODES = new Set([86003, 40050]);

/** The group as WeCom has it now (with member names), or null when WeCom no longer knows it (dismissed). */
export async function fetchGroupChat(wecom: Pick<WecomClient, 'groupChats'>, chatId: string): Promise<GroupChat | null> {
  try {
    return (await wecom.groupChats.get(chatId, true)).group_chat;
  } catch (error) {
    if (error instanceof WecomApiError && GONE_ERRCODES.has(error.errcode)) return null;
    throw error;
  }
}

export interface GroupSyncOptions {
  /** Members per write batch. */
  batchMembers?: number;
  /** groupchat/get calls in flight. */
  concurrency?: number;
  /** Batch writes in flight (each in its own transaction). */
  writeConcurrency?: number;
}

export interface GroupSyncTotals {
  groups: number;
  /** Groups an event rewrote while the sync ran: left as the event wrote them. */
  skipped: number;
  members: number;
  quits: number;
  dismissed: number;
}

export interface GroupSyncResult extends GroupSyncTotals {
  /** An earlier attempt's checkpoint was continued. */
  resumed: boolean;
}

/** Half-open ranges [from, to) of indexes, sorted and merged. */
export type IndexRanges = Array<[number, number]>;

export interface GroupSyncCheckpoint {
  /** Database time the first attempt began: events applied after it may have written fresher copies. */
  startedAt: string;
  /** Every group to fetch, in order: chat id and list status (null: a stored group the list did not have). */
  chats: Array<[string, number | null]>;
  /** Indexes into `chats` whose groups are applied. */
  done: IndexRanges;
  /** What the applied batches did, summed over every attempt. */
  totals: GroupSyncTotals;
}

/** One batch's writes, in one transaction. */
export interface GroupSyncTransaction {
  writes: Pick<GroupWriteRepository, 'storeGroups' | 'markDismissed'>;
  /** Changes the job's checkpoint in this transaction, so it commits with (and only with) these writes. */
  updateCheckpoint(change: (current: GroupSyncCheckpoint | null) => GroupSyncCheckpoint): Promise<GroupSyncCheckpoint>;
}

export interface GroupSyncDeps {
  wecom: Pick<WecomClient, 'groupChats'>;
  /** Runs `work` in one transaction. */
  inTransaction<T>(work: (tx: GroupSyncTransaction) => Promise<T>): Promise<T>;
  writes: Pick<GroupWriteRepository, 'liveGroupsNotIn' | 'databaseNow'>;
  now: () => number;
}

/** `ranges` with `indexes` added (merged, sorted). */
export function addToRanges(ranges: IndexRanges, indexes: number[]): IndexRanges {
  const all: IndexRanges = [...ranges, ...indexes.map((index): [number, number] => [index, index + 1])].sort((a, b) => a[0] - b[0]);
  const merged: IndexRanges = [];
  for (const [from, to] of all) {
    const last = merged.at(-1);
    if (last && from <= last[1]) last[1] = Math.max(last[1], to);
    else merged.push([from, to]);
  }
  return merged;
}

/** How many indexes `ranges` hold. */
export const countInRanges = (ranges: IndexRanges): number => ranges.reduce((sum, [from, to]) => sum + (to - from), 0);

/** The indexes below `length` that `ranges` do not hold, ascending. */
export function indexesNotIn(ranges: IndexRanges, length: number): number[] {
  const pending: number[] = [];
  let next = 0;
  for (const [from, to] of [...ranges, [length, length] as [number, number]]) {
    for (let index = next; index < Math.min(from, length); index++) pending.push(index);
    next = Math.max(next, to);
  }
  return pending;
}

const EMPTY_TOTALS: GroupSyncTotals = { groups: 0, skipped: 0, members: 0, quits: 0, dismissed: 0 };

export async function runGroupSync(
  deps: GroupSyncDeps,
  job: Pick<JobProgress, 'progress' | 'checkpoint' | 'saveCheckpoint'>,
  options: GroupSyncOptions = {},
): Promise<GroupSyncResult> {
  const batchMembers = options.batchMembers ?? 10_000;
  const concurrency = options.concurrency ?? 8;
  const writeConcurrency = Math.max(1, options.writeConcurrency ?? 2);

  const saved = await job.checkpoint<GroupSyncCheckpoint>();
  let plan: GroupSyncCheckpoint;
  if (saved) {
    plan = saved;
  } else {
    // Events applied from now on may write fresher copies than this run fetches (see storeGroups).
    const startedAt = await deps.writes.databaseNow();
    const chats: GroupSyncCheckpoint['chats'] = [];
    for await (const page of deps.wecom.groupChats.iterate({ status_filter: 0, limit: LIST_LIMIT })) {
      for (const entry of page.group_chat_list ?? []) chats.push([entry.chat_id, entry.status]);
    }
    const listed = chats.length;
    // Live groups we have that the list no longer shows: fetched too (dismissed when WeCom does not know them).
    for (const chatId of await deps.writes.liveGroupsNotIn(new Set(chats.map(([chatId]) => chatId)))) chats.push([chatId, null]);
    plan = { startedAt: startedAt.toISOString(), chats, done: [], totals: { ...EMPTY_TOTALS } };
    await job.saveCheckpoint(plan);
    await job.progress(0, chats.length, { key: 'jobGroupsListed', params: { groups: listed } });
  }
  const startedAt = new Date(plan.startedAt);
  const total = plan.chats.length;
  const queue = indexesNotIn(plan.done, total);
  let reported = total - queue.length;
  if (saved) await job.progress(reported, total, { key: 'jobGroupsResumed', params: { done: reported, total } });

  let fetched: Array<GroupSnapshot & { index: number }> = [];
  let fetchedMembers = 0;
  let gone: Array<{ chatId: string; index: number }> = [];
  const inFlight = new Set<Promise<void>>();
  const writes: Promise<void>[] = [];

  async function write(batch: { snapshots: Array<GroupSnapshot & { index: number }>; gone: Array<{ chatId: string; index: number }>; members: number }): Promise<void> {
    const at = new Date(deps.now());
    const checkpoint = await deps.inTransaction(async ({ writes, updateCheckpoint }) => {
      const { quits, skipped } = await writes.storeGroups(batch.snapshots, at, { unchangedSince: startedAt });
      const dismissed = await writes.markDismissed(batch.gone.map(({ chatId }) => chatId), at);
      // Against the checkpoint as committed (a concurrent batch may have moved it since this run read it).
      return updateCheckpoint((current) => {
        if (current?.startedAt !== plan.startedAt) throw new Error('groups.sync: the checkpoint was replaced by another run');
        const totals = current.totals;
        return {
          ...current,
          done: addToRanges(current.done, [...batch.snapshots.map(({ index }) => index), ...batch.gone.map(({ index }) => index)]),
          totals: {
            groups: totals.groups + batch.snapshots.length,
            skipped: totals.skipped + skipped,
            members: totals.members + batch.members,
            quits: totals.quits + quits,
            dismissed: totals.dismissed + dismissed,
          },
        };
      });
    });
    const done = countInRanges(checkpoint.done);
    if (done < reported) return; // a later batch already reported more
    reported = done;
    await job.progress(done, total, { key: 'jobGroupsMembers', params: { groups: checkpoint.totals.groups, members: checkpoint.totals.members } });
  }

  /** Hands what was fetched to a write of its own (different batches hold different groups). */
  const startWrite = () => {
    if (fetched.length === 0 && gone.length === 0) return;
    const batch = { snapshots: fetched, gone, members: fetchedMembers };
    fetched = [];
    gone = [];
    fetchedMembers = 0;
    const writing: Promise<void> = write(batch).finally(() => inFlight.delete(writing));
    inFlight.add(writing);
    writes.push(writing);
    writing.catch(() => {}); // surfaced below, once every write has settled
  };

  async function worker(): Promise<void> {
    for (let index = queue.shift(); index !== undefined; index = queue.shift()) {
      const [chatId, status] = plan.chats[index];
      const chat = await fetchGroupChat(deps.wecom, chatId);
      if (!chat) {
        gone.push({ chatId, index });
        continue;
      }
      fetched.push({ chat, status: status ?? undefined, index });
      fetchedMembers += chat.member_list.length;
      // At most `writeConcurrency` writes in flight while the next batch fills.
      while (fetchedMembers >= batchMembers && inFlight.size >= writeConcurrency) await Promise.race(inFlight);
      if (fetchedMembers >= batchMembers) startWrite();
    }
  }

  const fetches = await Promise.allSettled(Array.from({ length: Math.max(1, Math.min(concurrency, queue.length)) }, worker));
  // Whatever was fetched is written (and checkpointed) even when a fetch failed: the retry starts after it.
  startWrite();
  const settled = [...fetches, ...(await Promise.allSettled(writes))];
  const failure = settled.find((entry): entry is PromiseRejectedResult => entry.status === 'rejected');
  if (failure) throw failure.reason;
  // Every batch of every attempt is in the committed checkpoint, totals included.
  const final = (await job.checkpoint<GroupSyncCheckpoint>()) ?? plan;
  const { groups, skipped, members, quits, dismissed } = final.totals;
  await job.progress(total, total, { key: 'jobGroupsDone', params: { groups, members, quits, dismissed } });
  return { groups, skipped, members, quits, dismissed, resumed: saved !== null };
}
