import type { FastifyInstance } from 'fastify';
import type { ModuleDeps } from '../../app.ts';
import { createGroupWelcomeRepository } from './group-welcome.repository.ts';
import { createGroupWelcomeService, type GroupWelcomeServiceDeps } from './group-welcome.service.ts';
import { groupWelcomeRoutes } from './group-welcome.routes.ts';

/** The 入群欢迎语 parts: built once by the composition root, with the media library and the audit log given. */
export function createGroupWelcomeComponents(deps: Pick<ModuleDeps, 'db' | 'now' | 'wecom'> & Pick<GroupWelcomeServiceDeps, 'media' | 'audit'>) {
  const templates = createGroupWelcomeRepository(deps.db);
  const service = createGroupWelcomeService({
    db: deps.db,
    templates,
    media: deps.media,
    audit: deps.audit,
    wecom: () => (deps.wecom.corpId === 'unconfigured' ? undefined : deps.wecom.client),
    now: deps.now,
  });
  return { templates, service };
}

export type GroupWelcomeComponents = ReturnType<typeof createGroupWelcomeComponents>;

/** /scrm/admin/group/welcome/** */
export const groupWelcomeModule = (components: GroupWelcomeComponents) => async (app: FastifyInstance) => {
  await app.register(groupWelcomeRoutes(components.service), { prefix: '/admin/group/welcome' });
};
