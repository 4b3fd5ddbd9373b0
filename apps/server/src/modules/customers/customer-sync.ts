// The full customer sync (job `customers.sync`): get_follow_user_list → batch/get_by_user (100 userids per
// call, cursor pages of 100) → batched upserts; relations WeCom no longer has are marked lost at the end, those of
// employees who left the corp (whom get_follow_user_list no longer lists) await inheritance instead.
// Fetching runs ahead of writing (several userid chunks at once, one write in flight) and every write saves
// a checkpoint, so a crashed or retried run resumes after the last persisted page.
import type { WecomClient } from '@scrm/wecom';
import type { JobProgress } from '../../platform/jobs/job-service.ts';
import type { CustomerWriteRepository } from './customer-writes.repository.ts';
import { customerRowOf, relationRowOfFollowInfo, type CustomerRow, type RelationRow } from './wecom-mapping.ts';

export const CUSTOMER_SYNC_JOB = 'customers.sync';

/** batch/get_by_user: at most 100 userids per call and 100 relations per page (API-FACTS §3.4). */
export const USERIDS_PER_CALL = 100;
export const PAGE_LIMIT = 100;

export interface SyncCheckpoint {
  /** Database time the run began: active relations not written since then are gone from WeCom. */
  startedAt: string;
  userids: string[];
  /** Per userid chunk: the cursor of the next page to fetch, or done. */
  chunks: Array<{ cursor: string; done: boolean }>;
  relations: number;
}

export interface SyncResult {
  employees: number;
  relations: number;
  customers: number;
  lost: number;
  /** Relations of employees who left the corp found this time: awaiting inheritance, not lost. */
  unassigned: number;
  resumed: boolean;
}

export interface SyncOptions {
  /** Relations per write (one statement for customers, one for relations). */
  batchSize?: number;
  /** userid chunks fetched at the same time. */
  concurrency?: number;
  /** Batches written at the same time. */
  writeConcurrency?: number;
}

export interface CustomerSyncDeps {
  wecom: Pick<WecomClient, 'externalContact'>;
  writes: Pick<CustomerWriteRepository, 'databaseNow' | 'upsertCustomers' | 'upsertRelations' | 'markUnseenLost' | 'activeUseridsExcept' | 'markUnassigned'>;
  /** When each of these employees left the corp, for those who did (the org mirror, synced before customers). */
  departures: (userids: string[]) => Promise<Map<string, Date>>;
  now: () => number;
}

export async function runCustomerSync(deps: CustomerSyncDeps, job: Pick<JobProgress, 'progress' | 'checkpoint' | 'saveCheckpoint'>, options: SyncOptions = {}): Promise<SyncResult> {
  const batchSize = options.batchSize ?? 5000;
  const concurrency = options.concurrency ?? 4;
  const writeConcurrency = options.writeConcurrency ?? 2;
  const saved = await job.checkpoint<SyncCheckpoint>();
  let state: SyncCheckpoint;
  if (saved) {
    state = saved;
  } else {
    const startedAt = await deps.writes.databaseNow();
    const { follow_user: userids } = await deps.wecom.externalContact.getFollowUserList();
    const unique = [...new Set(userids)];
    const chunkCount = Math.ceil(unique.length / USERIDS_PER_CALL);
    state = { startedAt: startedAt.toISOString(), userids: unique, chunks: Array.from({ length: chunkCount }, () => ({ cursor: '', done: false })), relations: 0 };
    await job.saveCheckpoint(state);
  }
  const customersSeen = new Set<string>();
  await job.progress(state.relations, undefined, { key: 'jobEmployees', params: { employees: state.userids.length } });

  // Pages waiting to be written, and the cursor each chunk reaches once they are.
  let customers: CustomerRow[] = [];
  let relations: RelationRow[] = [];
  let reached = new Map<number, { cursor: string; done: boolean }>();
  // Writes run side by side (customers and relations of a batch, and up to `writeConcurrency` batches), but
  // checkpoints are saved in batch order: a checkpoint never covers a page whose batch is not written yet.
  let checkpointed: Promise<void> = Promise.resolve();
  const inFlight = new Set<Promise<void>>();
  let writeError: unknown;

  const startWrite = (): Promise<void> => {
    const batch = { customers, relations, reached };
    customers = [];
    relations = [];
    reached = new Map();
    const syncedAt = new Date(deps.now());
    const written = Promise.all([deps.writes.upsertCustomers(batch.customers, syncedAt), deps.writes.upsertRelations(batch.relations, undefined, { current: true })]);
    const done = Promise.all([written, checkpointed]).then(async () => {
      for (const [index, position] of batch.reached) state.chunks[index] = position;
      state.relations += batch.relations.length;
      await job.saveCheckpoint(state);
      await job.progress(state.relations, undefined, { key: 'jobRelations', params: { relations: state.relations } });
    });
    checkpointed = done;
    const tracked: Promise<void> = done
      .catch((error) => {
        writeError ??= error;
      })
      .finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
    return done;
  };

  const add = async (index: number, page: { customers: CustomerRow[]; relations: RelationRow[] }, position: { cursor: string; done: boolean }) => {
    customers.push(...page.customers);
    relations.push(...page.relations);
    reached.set(index, position);
    if (relations.length < batchSize) return;
    // Back-pressure: fetching waits while `writeConcurrency` batches are being written.
    while (inFlight.size >= writeConcurrency) await Promise.race(inFlight);
    if (writeError) throw writeError;
    if (relations.length >= batchSize) void startWrite().catch(() => {});
  };

  async function fetchChunk(index: number): Promise<void> {
    const userid_list = state.userids.slice(index * USERIDS_PER_CALL, (index + 1) * USERIDS_PER_CALL);
    let cursor = state.chunks[index].cursor;
    for (;;) {
      const page = await deps.wecom.externalContact.batchGetByUser({ userid_list, cursor: cursor || undefined, limit: PAGE_LIMIT });
      const pageCustomers: CustomerRow[] = [];
      const pageRelations: RelationRow[] = [];
      for (const entry of page.external_contact_list ?? []) {
        const externalUserid = entry.external_contact.external_userid;
        if (!customersSeen.has(externalUserid)) {
          customersSeen.add(externalUserid);
          pageCustomers.push(customerRowOf(entry.external_contact));
        }
        pageRelations.push(relationRowOfFollowInfo(externalUserid, entry.follow_info));
      }
      cursor = page.next_cursor ?? '';
      await add(index, { customers: pageCustomers, relations: pageRelations }, { cursor, done: !cursor });
      if (!cursor) return;
    }
  }

  const pending = state.chunks.map((chunk, index) => ({ chunk, index })).filter(({ chunk }) => !chunk.done);
  const workers = Array.from({ length: Math.min(concurrency, pending.length) }, async () => {
    for (let next = pending.shift(); next; next = pending.shift()) await fetchChunk(next.index);
  });
  const results = await Promise.allSettled(workers);
  const failure = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  // Whatever was fetched is written and checkpointed even when a chunk failed, so a retry starts after it.
  await startWrite().catch(() => {});
  await Promise.all(inFlight);
  // The last checkpoint (in order) tells whether every write succeeded.
  await checkpointed;
  if (failure) throw failure.reason;

  const lost = await deps.writes.markUnseenLost(new Date(state.startedAt), new Date(deps.now()), state.userids);
  // Relations of employees the sync did not list still exist in WeCom: those who left await inheritance.
  const departures = await deps.departures(await deps.writes.activeUseridsExcept(state.userids));
  const unassigned = await deps.writes.markUnassigned([...departures].map(([userid, at]) => ({ userid, at })));
  await job.progress(state.relations, state.relations, { key: 'jobRelationsLost', params: { relations: state.relations, lost } });
  return { employees: state.userids.length, relations: state.relations, customers: customersSeen.size, lost, unassigned, resumed: saved !== null };
}
