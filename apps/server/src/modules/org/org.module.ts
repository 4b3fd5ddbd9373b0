import type { FastifyInstance } from 'fastify';
import type { ModuleDeps } from '../../app.ts';
import './org.messages.ts';
import { createOrgRepository } from './org.repository.ts';
import { createEmployeeDirectory } from './employee-directory.ts';
import { createOrgService, DEPT_SYNC_JOB, EMP_SYNC_JOB } from './org.service.ts';
import { qwDeptRoutes, qwEmpRoutes } from './org.routes.ts';

type OrgModuleDeps = Pick<ModuleDeps, 'db' | 'jobs' | 'wecom' | 'now' | 'events'>;

/** The org module's parts, built once by the composition root. */
export function createOrgComponents(deps: OrgModuleDeps) {
  const repository = createOrgRepository(deps.db);
  return {
    repository,
    /** The employees' names held in this process, for the pages that name many employees (employee-directory.ts). */
    directory: createEmployeeDirectory(deps.db),
    org: createOrgService({ db: deps.db, org: repository, jobs: deps.jobs, wecom: () => deps.wecom.client, now: deps.now }),
  };
}

export type OrgComponents = ReturnType<typeof createOrgComponents>;

/** 企微部门 / 企微员工: the corp's WeCom organisation, mirrored by sync jobs and change_contact events. */
export const orgModule = (deps: OrgModuleDeps, { org }: OrgComponents) => async (app: FastifyInstance) => {

  await deps.jobs.register(DEPT_SYNC_JOB, (_payload, job) => org.syncDepartments(job));
  await deps.jobs.register(EMP_SYNC_JOB, (_payload, job) => org.syncEmployees(job));

  deps.events.registerEventHandler(
    { event: 'change_contact', changeType: ['create_user', 'update_user', 'delete_user'] },
    org.userEventHandler,
    { name: 'org.user' },
  );
  deps.events.registerEventHandler(
    { event: 'change_contact', changeType: ['create_party', 'update_party', 'delete_party'] },
    org.partyEventHandler,
    { name: 'org.party' },
  );

  await app.register(qwDeptRoutes(org), { prefix: '/admin/qw/dept' });
  await app.register(qwEmpRoutes(org), { prefix: '/admin/qw/emp' });
};
