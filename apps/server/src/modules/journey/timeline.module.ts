import type { FastifyInstance } from 'fastify';
import type { ModuleDeps } from '../../app.ts';
import { createTimelineRepository } from './timeline.repository.ts';
import { createTimelineQueries, type TimelineQueryDeps } from './timeline.service.ts';
import { timelineRoutes } from './timeline.routes.ts';

/** The timeline's read side: built once by the composition root, with the customers module's scope check given. */
export function createTimelineReadComponents(deps: Pick<ModuleDeps, 'db'> & Pick<TimelineQueryDeps, 'customerVisible'>) {
  const events = createTimelineRepository(deps.db);
  return { events, queries: createTimelineQueries({ events, customerVisible: deps.customerVisible }) };
}

export type TimelineReadComponents = ReturnType<typeof createTimelineReadComponents>;

/** /scrm/admin/cust/timeline */
export const timelineModule = (components: TimelineReadComponents) => async (app: FastifyInstance) => {
  await app.register(timelineRoutes(components.queries), { prefix: '/admin/cust' });
};
