import type { FastifyInstance } from 'fastify';
import type { ModuleDeps } from '../../app.ts';
import type { AuditLogRepository } from '../nexus/audit-log.repository.ts';
import type { TimelineService } from './timeline.service.ts';
import { createStageRepository } from './stage.repository.ts';
import { createStageService } from './stage.service.ts';
import { stageRoutes } from './stage.routes.ts';

type StageModuleDeps = Pick<ModuleDeps, 'config' | 'db' | 'now' | 'events'>;

/** The stage parts (built once by the composition root). */
export function createStageComponents(deps: StageModuleDeps & { timeline: Pick<TimelineService, 'record'>; audit: Pick<AuditLogRepository, 'record'> }) {
  const repository = createStageRepository(deps.db);
  return { repository, service: createStageService({ db: deps.db, stages: repository, timeline: deps.timeline, audit: deps.audit, now: deps.now, timeZone: deps.config.TZ_DEFAULT }) };
}

export type StageComponents = ReturnType<typeof createStageComponents>;

/**
 * 客户阶段: /scrm/admin/stage/*, and the automatic moves of change_external_contact events — registered after the
 * customers module, so its handler has written the relation in the same transaction when these run.
 */
export const stageModule = (deps: StageModuleDeps, components: StageComponents) => async (app: FastifyInstance) => {
  // The customer deleted the employee: the relation moves to 流失, by wecom.
  deps.events.registerEventHandler(
    { event: 'change_external_contact', changeType: 'del_follow_user' },
    async (event, ctx) => {
      if (event.kind !== 'change_external_contact') return;
      await components.service.systemCustomerEnded(ctx.tx, { externalUserid: event.externalUserId, userid: event.userId }, new Date(event.createTime * 1000));
    },
    { name: 'stages.lost' },
  );
  // The relation came back: it starts at the first stage again.
  deps.events.registerEventHandler(
    { event: 'change_external_contact', changeType: ['add_external_contact', 'add_half_external_contact'] },
    async (event, ctx) => {
      if (event.kind !== 'change_external_contact') return;
      await components.service.systemReAdded(ctx.tx, { externalUserid: event.externalUserId, userid: event.userId });
    },
    { name: 'stages.readded' },
  );
  await app.register(stageRoutes(components.service), { prefix: '/admin/stage' });
};
