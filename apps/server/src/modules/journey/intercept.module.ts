import type { FastifyInstance } from 'fastify';
import type { ModuleDeps } from '../../app.ts';
import { createInterceptRepository } from './intercept.repository.ts';
import { createInterceptService, type InterceptServiceDeps } from './intercept.service.ts';
import { interceptRoutes } from './intercept.routes.ts';

/** The 敏感词拦截 parts: built once by the composition root, with the audit log given. */
export function createInterceptComponents(deps: Pick<ModuleDeps, 'db' | 'now' | 'wecom'> & Pick<InterceptServiceDeps, 'audit'>) {
  const rules = createInterceptRepository(deps.db);
  const service = createInterceptService({
    db: deps.db,
    rules,
    audit: deps.audit,
    wecom: () => (deps.wecom.corpId === 'unconfigured' ? undefined : deps.wecom.client),
    now: deps.now,
  });
  return { rules, service };
}

export type InterceptComponents = ReturnType<typeof createInterceptComponents>;

/** /scrm/admin/intercept/** */
export const interceptModule = (components: InterceptComponents) => async (app: FastifyInstance) => {
  await app.register(interceptRoutes(components.service), { prefix: '/admin/intercept' });
};
