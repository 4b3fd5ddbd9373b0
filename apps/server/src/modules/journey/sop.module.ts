import type { FastifyInstance } from 'fastify';
import { sql, type SQL } from 'drizzle-orm';
import type { Viewer } from '../../platform/auth/data-scope.ts';
import type { CustomerRepository } from '../customers/customers.repository.ts';
import type { GroupRecord } from '../groups/groups.schemas.ts';
import type { ModuleDeps } from '../../app.ts';
import type { AppMessageService } from '../../platform/app-message.ts';
import type { AuditLogRepository } from '../nexus/audit-log.repository.ts';
import type { OrgRepository } from '../org/org.repository.ts';
import type { MediaService } from '../acquisition/media.service.ts';
import type { TimelineService } from './timeline.service.ts';
import { createSopRepository } from './sop.repository.ts';
import { createSopService } from './sop.service.ts';
import { createSopEvaluator } from './sop.evaluator.ts';
import { sopRoutes } from './sop.routes.ts';

/** The evaluation run's queue: every minute, and whenever a test or an operator asks for one. */
export const SOP_EVALUATE_QUEUE = 'sop.evaluate';

type SopModuleDeps = Pick<ModuleDeps, 'config' | 'db' | 'jobs' | 'now'>;

/** What the SOP part uses of other modules (given by the composition root). */
export interface SopNeighbours {
  org: Pick<OrgRepository, 'employeeStates' | 'existingDepartments' | 'deptNames'>;
  media: Pick<MediaService, 'brief'>;
  audit: Pick<AuditLogRepository, 'record'>;
  timeline: Pick<TimelineService, 'systemAfter' | 'record'>;
  appMessages: Pick<AppMessageService, 'queue' | 'deliverSoon'>;
  /** Audiences of date and recurrence SOPs (the customers' and groups' modules), and department membership. */
  customers: Pick<CustomerRepository, 'forViewer'>;
  groups: { forViewer(viewer: Viewer): { liveGroups(): Promise<GroupRecord[]> } };
  employeesInDepartments: (deptIds: number[]) => SQL;
}

/** The evaluation job reads audiences across the corp: the one unscoped viewer, used by the job only. */
const systemViewer: Viewer = { scope: { all: true }, user: { id: 0, qwUserid: null } };
/** At most this many relations per date/recurrence occurrence (the newest first). */
const AUDIENCE_MAX = 100_000;

export function createSopComponents(deps: SopModuleDeps, neighbours: SopNeighbours) {
  const repo = createSopRepository(deps.db);
  const timeZone = deps.config.TZ_DEFAULT;
  const base = (deps.config.PUBLIC_URL ?? `http://localhost:${deps.config.PORT}`).replace(/\/+$/, '');
  const service = createSopService({
    db: deps.db, repo, org: neighbours.org, media: neighbours.media, audit: neighbours.audit, timeline: neighbours.timeline, appMessages: neighbours.appMessages, now: deps.now, timeZone,
    todoUrl: `${base}/ops/todo`,
  });
  const evaluator = createSopEvaluator({
    db: deps.db, repo, timeline: neighbours.timeline, appMessages: neighbours.appMessages, now: deps.now, timeZone,
    todoUrl: `${base}/ops/todo`,
    employeesInDepartments: async (deptIds) =>
      (await deps.db.execute<{ userid: string }>(sql`SELECT e.userid FROM ${neighbours.employeesInDepartments(deptIds)} e`)).rows.map((row) => row.userid),
    activeRelations: async (filters) => (await neighbours.customers.forViewer(systemViewer).bulkTargets({ ...filters, status: 'active' }, AUDIENCE_MAX)).targets,
    liveGroups: async () => (await neighbours.groups.forViewer(systemViewer).liveGroups()).map((group) => ({ chatId: group.chatId, owner: group.owner })),
  });
  return { repo, service, evaluator };
}

export type SopComponents = ReturnType<typeof createSopComponents>;

/** 客户SOP / 群SOP and 我的待办: /scrm/admin/sop/**, and the evaluation job (every minute, corp time zone). */
export const sopModule = (deps: SopModuleDeps, components: SopComponents) => async (app: FastifyInstance) => {
  // Its own plugin: creating the queue and schedule is serialised across replicas and may be slow at start.
  void app.register(async () => {
    await deps.jobs.createQueue(SOP_EVALUATE_QUEUE, { retryLimit: 1 });
    await deps.jobs.boss.work(SOP_EVALUATE_QUEUE, { pollingIntervalSeconds: 0.5 }, async () => {
      await components.evaluator.evaluate();
    });
    await deps.jobs.schedule(SOP_EVALUATE_QUEUE, '* * * * *', { tz: deps.config.TZ_DEFAULT });
  });
  void app.register(sopRoutes(components.service), { prefix: '/admin/sop' });
};
