// Who may follow a tracked job (GET /admin/job/get): those holding the permission that starts that kind of job,
// so a second operator handed an exclusive job already running can follow it. Jobs one user starts for their own
// work (an import, a transfer) are also scoped to the starter: the starter, or a caller whose data scope covers
// the starter. Anyone else gets 404, as if the job did not exist.
import { and, eq } from 'drizzle-orm';
import type { PermissionCode } from '@scrm/shared';
import type { Db } from '../db/database.ts';
import { sysJob } from '../../db/schema/index.ts';
import type { RequestContext } from '../auth/context.ts';
import { actorScope } from '../auth/actor-scope.ts';
import { viewerOf } from '../auth/data-scope.ts';
import { NotFound } from '../http/errors.ts';
import type { JobRecord, JobService } from './job-service.ts';

export interface JobAccess {
  /** The permission of the endpoint that starts this kind of job. */
  permission: PermissionCode;
  /** The job is the starter's own work: only the starter and callers whose data scope covers them follow it. */
  starterOnly?: boolean;
}

/**
 * Every kind of tracked job and the permission that starts it (the one place: a kind missing here is followed only
 * by administrators). Jobs started by the system on behalf of another kind take that kind's permission.
 */
export const JOB_ACCESS: Readonly<Record<string, JobAccess>> = {
  'org.dept.sync': { permission: 'qw:dept:sync' },
  'org.emp.sync': { permission: 'qw:emp:sync' },
  'customers.sync': { permission: 'cust:info:sync' },
  'groups.sync': { permission: 'group:sync' },
  'tags.corp.sync': { permission: 'tag:corp:sync' },
  'leads.import': { permission: 'clue:import', starterOnly: true },
  'leads.transfer-result': { permission: 'clue:transfer', starterOnly: true },
  // Started after each customers.sync: part of following the customer sync.
  'leads.link-synced': { permission: 'cust:info:sync' },
};

export function createJobReader(deps: { db: Db; jobs: Pick<JobService, 'get'> }) {
  return {
    /** The job, if the caller may follow it; else 404. */
    async get(ctx: RequestContext, id: number): Promise<JobRecord> {
      const job = await deps.jobs.get(id);
      if (ctx.user.isAdmin) return job;
      const access = JOB_ACCESS[job.type];
      if (!access || !ctx.user.permissions.has(access.permission)) throw new NotFound('job', id);
      if (access.starterOnly) {
        const [visible] = await deps.db
          .select({ id: sysJob.id })
          .from(sysJob)
          .where(and(eq(sysJob.id, id), actorScope(await viewerOf(ctx), sysJob.cuser.getSQL())));
        if (!visible) throw new NotFound('job', id);
      }
      return job;
    },
  };
}
