import type { FastifyInstance } from 'fastify';
import type { ModuleDeps } from '../../app.ts';
import { createBroadcastRepository, type CustomerSegments } from './broadcasts.repository.ts';
import { createBroadcastService, DISPATCH_JOB, SCHEDULED_QUEUE, TRACK_DUE_QUEUE, TRACK_JOB, type BroadcastServiceDeps } from './broadcasts.service.ts';
import { broadcastRoutes } from './broadcasts.routes.ts';
import './broadcasts.messages.ts';

type BroadcastModuleDeps = Pick<ModuleDeps, 'config' | 'db' | 'jobs' | 'now' | 'wecom' | 'background' | 'broadcastChunkSize'>;

/** What broadcasts use of other modules and of the platform (given by the composition root). */
export type BroadcastNeighbourDeps = Pick<BroadcastServiceDeps, 'appMessages' | 'audit' | 'org' | 'tags' | 'media' | 'groups' | 'customers' | 'stages' | 'timeline'> & { segments: CustomerSegments };

/** The pieces of the broadcasts module (for the module, its jobs, tests and the benchmark). */
export function createBroadcastComponents(deps: BroadcastModuleDeps & BroadcastNeighbourDeps) {
  const timeZone = deps.config.TZ_DEFAULT;
  const broadcasts = createBroadcastRepository(deps.db, deps.segments, { timeZone, chunkSize: deps.broadcastChunkSize });
  const service = createBroadcastService({
    db: deps.db,
    broadcasts,
    now: deps.now,
    timeZone,
    wecom: () => (deps.wecom.corpId === 'unconfigured' ? undefined : deps.wecom.client),
    jobs: deps.jobs,
    appMessages: deps.appMessages,
    audit: deps.audit,
    org: deps.org,
    tags: deps.tags,
    media: deps.media,
    groups: deps.groups,
    customers: deps.customers,
    stages: deps.stages,
    timeline: deps.timeline,
    background: deps.background,
  });
  return { broadcasts, service };
}

export type BroadcastComponents = ReturnType<typeof createBroadcastComponents>;

/**
 * 客户群发 / 客户群群发 / 朋友圈: /scrm/admin/broadcast/**, the broadcasts.dispatch job (pg-boss retries resume an
 * interrupted dispatch), the broadcasts.track job and its two-minute round, and scheduled sends.
 */
export const broadcastsModule = (deps: BroadcastModuleDeps, components: BroadcastComponents) => async (app: FastifyInstance) => {
  const { service } = components;
  await deps.jobs.register<{ broadcastId: number }>(DISPATCH_JOB, (payload, job) => service.dispatch(payload.broadcastId, job), { retryLimit: 5 });
  await deps.jobs.register<{ broadcastId: number }>(TRACK_JOB, (payload) => service.track(payload.broadcastId), { retryLimit: 2 });
  await deps.jobs.createQueue(SCHEDULED_QUEUE, { retryLimit: 3 });
  await deps.jobs.boss.work<{ broadcastId: number }>(SCHEDULED_QUEUE, async ([job]) => {
    await deps.jobs.start(DISPATCH_JOB, { broadcastId: job.data.broadcastId }, { actor: 'system' });
  });
  await deps.jobs.createQueue(TRACK_DUE_QUEUE, { retryLimit: 1 });
  await deps.jobs.boss.work(TRACK_DUE_QUEUE, async () => {
    await service.trackDue();
  });
  await deps.jobs.schedule(TRACK_DUE_QUEUE, '*/2 * * * *', { tz: deps.config.TZ_DEFAULT });
  await app.register(broadcastRoutes(service), { prefix: '/admin/broadcast' });
};
