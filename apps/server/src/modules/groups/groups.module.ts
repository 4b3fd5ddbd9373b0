import type { FastifyInstance } from 'fastify';
import { EXTERNAL_CHAT_CHANGE_TYPES } from '@scrm/wecom';
import type { ModuleDeps } from '../../app.ts';
import { updateJobCheckpoint, type JobProgress } from '../../platform/jobs/job-service.ts';
import { createGroupRepository } from './groups.repository.ts';
import { createGroupStatsRepository } from './group-stats.repository.ts';
import { createGroupWriteRepository, type GroupOwnerChange } from './group-writes.repository.ts';
import { createGroupService } from './groups.service.ts';
import { chatRoutes, groupMemberRoutes, groupRoutes } from './groups.routes.ts';
import { GROUP_SYNC_JOB, runGroupSync, type GroupSyncOptions } from './group-sync.ts';
import { applyFetchedExternalChatEvent, fetchForExternalChatEvent, type GroupEventFetched } from './group-events.ts';
import { createGroupTransfers } from './group-transfers.ts';
import './groups.messages.ts';
import type { TimelineService } from '../journey/timeline.service.ts';
import type { DbOrTx } from '../../platform/db/database.ts';

type GroupModuleDeps = Pick<ModuleDeps, 'config' | 'db' | 'jobs' | 'now' | 'wecom' | 'events'> & { groupSync?: GroupSyncOptions };

/** The WeCom client, or undefined when no WeCom is configured (the placeholder client reaches nothing). */
const configuredClient = (deps: Pick<ModuleDeps, 'wecom'>) => (deps.wecom.corpId === 'unconfigured' ? undefined : deps.wecom.client);

/** The pieces of the groups module that other modules, jobs, tools and benchmarks use. */
export function createGroupComponents(
  deps: GroupModuleDeps & { timeline: Pick<TimelineService, 'record'>; ownerChanged?: (tx: DbOrTx, changes: GroupOwnerChange[]) => Promise<void> },
) {
  const timeZone = deps.config.TZ_DEFAULT;
  const hooks = { ownerChanged: deps.ownerChanged };
  const writes = createGroupWriteRepository(deps.db, hooks);
  return {
    writes,
    /** The writes in a transaction (a callback's), telling owner changes as `writes` does. */
    writesFor: (tx: DbOrTx) => createGroupWriteRepository(tx, hooks),
    /** The customer timeline: customers joining and leaving groups, groups created (recorded with the callback). */
    timeline: deps.timeline,
    /** The groups of an owner and their new owner, for the lifecycle module's group transfers. */
    transfers: createGroupTransfers(deps.db),
    service: createGroupService({
      groups: createGroupRepository(deps.db, { timeZone }),
      stats: createGroupStatsRepository(deps.db, { timeZone }),
      writes,
      jobs: deps.jobs,
      wecom: () => configuredClient(deps),
      timeZone,
      now: deps.now,
    }),
    /** The groups.sync job body. */
    sync: (job: Pick<JobProgress, 'jobId' | 'progress' | 'checkpoint' | 'saveCheckpoint'>) =>
      runGroupSync(
        {
          wecom: deps.wecom.client,
          writes,
          inTransaction: (work) =>
            deps.db.transaction((tx) =>
              work({ writes: createGroupWriteRepository(tx, hooks), updateCheckpoint: (change) => updateJobCheckpoint(tx, job.jobId, change) }),
            ),
          now: deps.now,
        },
        job,
        // Embedded PGlite is one session: concurrent write transactions would only queue behind each other.
        { writeConcurrency: deps.config.DATABASE_URL ? 2 : 1, ...deps.groupSync },
      ),
  };
}

export type GroupComponents = ReturnType<typeof createGroupComponents>;

/**
 * 客户群: /scrm/admin/group/*, /scrm/admin/group/member/*, /scrm/admin/qw/chat/*, the groups.sync job and
 * change_external_chat events. Its parts are built once, by the composition root (composition-root.ts).
 */
export const groupsModule = (deps: GroupModuleDeps, components: GroupComponents) => async (app: FastifyInstance) => {
  await deps.jobs.register(GROUP_SYNC_JOB, (_payload, job) => components.sync(job), { retryLimit: 3 });
  // Notify, then fetch: groupchat/get runs outside the transaction (with the embedded database a
  // transaction blocks every other connection, so no WeCom call may happen inside one).
  deps.events.registerEventHandler<GroupEventFetched>(
    { event: 'change_external_chat', changeType: EXTERNAL_CHAT_CHANGE_TYPES },
    {
      fetch: async (event, ctx) =>
        event.kind === 'change_external_chat' ? fetchForExternalChatEvent({ wecom: ctx.wecom.client, writes: components.writes }, event) : null,
      apply: async (event, fetched, ctx) => {
        if (event.kind !== 'change_external_chat') return;
        const writes = components.writesFor(ctx.tx);
        await applyFetchedExternalChatEvent({ writes, now: ctx.now, timeline: { timeline: components.timeline, tx: ctx.tx, members: writes } }, event, fetched);
      },
    },
    { name: 'groups' },
  );
  await app.register(groupMemberRoutes(components.service), { prefix: '/admin/group/member' });
  await app.register(groupRoutes(components.service), { prefix: '/admin/group' });
  await app.register(chatRoutes(components.service), { prefix: '/admin/qw/chat' });
};
