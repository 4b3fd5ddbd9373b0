// The full group sync (job `groups.sync`): groupchat/list (cursor pages of 1,000, every status), then
// groupchat/get with member names for each group, several at a time; fetched groups are written in large
// batches (one statement per table per batch, a couple of batches at once on PostgreSQL) while the next
// batch is fetched. Stored groups the list no longer has are fetched one by one: gone from WeCom means dismissed.
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

export interface GroupSyncResult {
  groups: number;
  /** Groups an event rewrote while the sync ran: left as the event wrote them. */
  skipped: number;
  members: number;
  quits: number;
  dismissed: number;
}

export interface GroupSyncDeps {
  wecom: Pick<WecomClient, 'groupChats'>;
  /** Runs `work` with the writes bound to one transaction. */
  inTransaction<T>(work: (writes: Pick<GroupWriteRepository, 'storeGroups' | 'markDismissed'>) => Promise<T>): Promise<T>;
  writes: Pick<GroupWriteRepository, 'liveGroupsNotIn' | 'databaseNow'>;
  now: () => number;
}

export async function runGroupSync(deps: GroupSyncDeps, job: Pick<JobProgress, 'progress'>, options: GroupSyncOptions = {}): Promise<GroupSyncResult> {
  const batchMembers = options.batchMembers ?? 10_000;
  const concurrency = options.concurrency ?? 8;
  const writeConcurrency = Math.max(1, options.writeConcurrency ?? 2);

  // Events applied from now on may write fresher copies than this run fetches (see storeGroups).
  const startedAt = await deps.writes.databaseNow();
  const listed: Array<{ chatId: string; status: number }> = [];
  for await (const page of deps.wecom.groupChats.iterate({ status_filter: 0, limit: LIST_LIMIT })) {
    for (const entry of page.group_chat_list ?? []) listed.push({ chatId: entry.chat_id, status: entry.status });
  }
  const seen = new Set(listed.map((entry) => entry.chatId));
  // Live groups we have that the list no longer shows: fetched too (dismissed when WeCom does not know them).
  const missing = (await deps.writes.liveGroupsNotIn(seen)).map((chatId) => ({ chatId, status: undefined as number | undefined }));
  const queue: Array<{ chatId: string; status: number | undefined }> = [...listed, ...missing];
  const total = queue.length;
  await job.progress(0, total, `${listed.length} groups`);

  const result: GroupSyncResult = { groups: 0, skipped: 0, members: 0, quits: 0, dismissed: 0 };
  let fetched: GroupSnapshot[] = [];
  let fetchedMembers = 0;
  let gone: string[] = [];
  let done = 0;
  const inFlight = new Set<Promise<void>>();
  const writes: Promise<void>[] = [];

  async function write(batch: { snapshots: GroupSnapshot[]; gone: string[]; members: number }): Promise<void> {
    const at = new Date(deps.now());
    const { quits, skipped, dismissed } = await deps.inTransaction(async (writes) => ({
      ...(await writes.storeGroups(batch.snapshots, at, { unchangedSince: startedAt })),
      dismissed: await writes.markDismissed(batch.gone, at),
    }));
    result.groups += batch.snapshots.length;
    result.skipped += skipped;
    result.members += batch.members;
    result.quits += quits;
    result.dismissed += dismissed;
    done += batch.snapshots.length + batch.gone.length;
    await job.progress(done, total, `${result.groups} groups, ${result.members} members`);
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
    for (let next = queue.shift(); next; next = queue.shift()) {
      const chat = await fetchGroupChat(deps.wecom, next.chatId);
      if (!chat) {
        gone.push(next.chatId);
        continue;
      }
      fetched.push({ chat, status: next.status });
      fetchedMembers += chat.member_list.length;
      // At most `writeConcurrency` writes in flight while the next batch fills.
      while (fetchedMembers >= batchMembers && inFlight.size >= writeConcurrency) await Promise.race(inFlight);
      if (fetchedMembers >= batchMembers) startWrite();
    }
  }

  const fetches = await Promise.allSettled(Array.from({ length: Math.max(1, Math.min(concurrency, queue.length)) }, worker));
  // Whatever was fetched is written even when a fetch failed; the retry fetches everything again.
  startWrite();
  const settled = [...fetches, ...(await Promise.allSettled(writes))];
  const failure = settled.find((entry): entry is PromiseRejectedResult => entry.status === 'rejected');
  if (failure) throw failure.reason;
  await job.progress(total, total, `${result.groups} groups, ${result.members} members, ${result.quits} quits, ${result.dismissed} dismissed`);
  return result;
}
