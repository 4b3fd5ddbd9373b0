// The automatic inheritance policy and loss alerts inside the lifecycle module: their parts (built once, from the
// lifecycle module's components, with what they use of other modules given by the composition root) and their
// routes, callback handlers and jobs.
import type { FastifyInstance } from 'fastify';
import type { ContactUserEvent } from '@scrm/wecom';
import type { ModuleDeps } from '../../app.ts';
import type { RequestContext } from '../../platform/auth/context.ts';
import type { Viewer } from '../../platform/auth/data-scope.ts';
import type { AppMessageService } from '../../platform/app-message.ts';
import { NotFound } from '../../platform/http/errors.ts';
import type { AuditLogRepository } from '../nexus/audit-log.repository.ts';
import type { OrgRepository } from '../org/org.repository.ts';
import type { CustomerRepository } from '../customers/customers.repository.ts';
import type { LinkService } from '../acquisition/link.service.ts';
import { createInheritanceRepository } from './inheritance-policy.repository.ts';
import { createInheritanceService, type InheritanceServiceDeps, type Subjects } from './inheritance-policy.service.ts';
import { inheritanceRoutes } from './inheritance-policy.routes.ts';
import { createAfterCommit } from './inheritance-after-commit.ts';
import type { LinkRuleFacts } from './inheritance-plan.ts';
import { createLossRepository } from './loss-alerts.repository.ts';
import { createLossService, type RelationSnapshot } from './loss-alerts.service.ts';
import { lossRoutes } from './loss-alerts.routes.ts';

/** Every minute: departures whose policy run is due (queued, retried, or interrupted by a crash). */
export const INHERITANCE_SWEEP_QUEUE = 'lifecycle.inheritance-sweep';
/** Hourly (at :07, away from WeCom's busy :00/:30): the loss digest, sent at the configured hour. */
export const LOSS_DIGEST_QUEUE = 'lifecycle.loss-digest';

/**
 * Callbacks read the customer's relations unscoped (they act for the corp, not for a person); the customers module's
 * reads are all made for a viewer, so this is the corp-wide one.
 */
const CORP_VIEWER: Viewer = { scope: { all: true }, user: { id: 0, qwUserid: null } };
/** The link service's get() reads only the locale of its context: the policy's own reads name things in Chinese. */
const SYSTEM_CONTEXT = { locale: 'zh' } as Pick<RequestContext, 'locale'> as RequestContext;

export interface InheritanceNeighbours {
  org: Pick<OrgRepository, 'employeeStates'>;
  customers: Pick<CustomerRepository, 'forViewer'>;
  /**
   * The live groups an employee owns (unscoped: the preview checks the employee is in the caller's scope first), and
   * which departed employees own groups awaiting inheritance (the sweep).
   */
  groups: { groupsOwnedBy(owner: string): Promise<Array<{ chatId: string; name: string }>>; ownersAwaitingInheritance(owners: string[]): Promise<string[]> };
  links: Pick<LinkService, 'get'>;
  appMessages: Pick<AppMessageService, 'queue' | 'deliverSoon'>;
  audit: Pick<AuditLogRepository, 'record'>;
  /** The lifecycle transfer service's unscoped part. */
  transfers: InheritanceServiceDeps['transfers'];
  log?: (message: string, error?: unknown) => void;
}

type Deps = Pick<ModuleDeps, 'config' | 'db' | 'now' | 'wecom' | 'background'>;

export function createInheritanceComponents(deps: Deps, neighbours: InheritanceNeighbours) {
  const log = neighbours.log ?? (() => {});
  const afterCommit = createAfterCommit(deps.db, deps.background);
  const corpId = deps.wecom.corpId;

  async function linkRules(getType: 'link' | 'qr', id: number): Promise<LinkRuleFacts | null> {
    try {
      const link = await neighbours.links.get(SYSTEM_CONTEXT, getType, id);
      const rules = link.allocationRules.filter((rule) => !rule.isDel && rule.userId);
      // Weights count only for weighted links; round robin and WeCom's own allocation share alike.
      const weighted = link.allocationMethod === 'weight';
      const entries = rules.length
        ? rules.map((rule) => ({ userid: rule.userId, weight: weighted ? rule.weight : 1 }))
        : link.userList.map((userid) => ({ userid, weight: 1 }));
      return { linkName: link.linkName, rules: entries };
    } catch (error) {
      if (error instanceof NotFound) return null;
      throw error;
    }
  }

  async function currentSubjects(viewer: Viewer, userid: string): Promise<Subjects> {
    const relations = await neighbours.customers.forViewer(viewer).activeRelationsOfEmployee(userid);
    const groups = await neighbours.groups.groupsOwnedBy(userid);
    return { customers: relations.map((relation) => ({ externalUserid: relation.externalUserid, name: relation.customerName })), groups: groups.map((group) => ({ chatId: group.chatId, name: group.name })) };
  }

  const inheritance = createInheritanceService({
    db: deps.db,
    repository: createInheritanceRepository(deps.db),
    corpId,
    now: deps.now,
    transfers: neighbours.transfers,
    org: neighbours.org,
    linkRules,
    groupOwnersAwaitingInheritance: (owners) => neighbours.groups.ownersAwaitingInheritance(owners),
    currentSubjects,
    audit: neighbours.audit,
    afterCommit,
    background: deps.background,
    log,
  });
  const losses = createLossService({
    db: deps.db,
    losses: createLossRepository(deps.db, { timeZone: deps.config.TZ_DEFAULT }),
    corpId,
    timeZone: deps.config.TZ_DEFAULT,
    now: deps.now,
    relationsOfCustomer: (externalUserid) => neighbours.customers.forViewer(CORP_VIEWER).relationsOfCustomer(externalUserid),
    org: neighbours.org,
    appMessages: neighbours.appMessages,
    audit: neighbours.audit,
    afterCommit,
  });
  return { inheritance, losses };
}

export type InheritanceComponents = ReturnType<typeof createInheritanceComponents>;

/** Routes (/admin/lifecycle/policy|departure, /admin/loss), callback handlers and jobs of the policy and loss alerts. */
export async function registerInheritance(app: FastifyInstance, deps: Pick<ModuleDeps, 'config' | 'jobs' | 'events'>, parts: InheritanceComponents) {
  const { inheritance, losses } = parts;
  // WeCom confirms a departure: the policy runs after the commit (the org and customers modules' handlers of the same
  // event, registered before, have marked the employee and their relations).
  deps.events.registerEventHandler(
    { event: 'change_contact', changeType: 'delete_user' },
    async (event, ctx) => {
      const { userId, createTime } = event as ContactUserEvent;
      await inheritance.confirmDepartures(ctx.tx, [{ userid: userId, at: new Date(createTime * 1000) }], 'delete_user');
    },
    { name: 'lifecycle.inheritance' },
  );
  deps.events.registerEventHandler<RelationSnapshot>(
    { event: 'change_external_contact', changeType: ['del_follow_user', 'del_external_contact'] },
    losses.eventHandler,
    { name: 'lifecycle.loss' },
  );
  // Each queue starts as a plugin of its own, with its own start-up time limit: creating queues and schedules is
  // serialised across replicas and slow on a busy embedded database.
  void app.register(async () => {
    await deps.jobs.createQueue(INHERITANCE_SWEEP_QUEUE, { retryLimit: 0 });
    await deps.jobs.boss.work(INHERITANCE_SWEEP_QUEUE, async () => {
      await inheritance.runDue();
    });
    await deps.jobs.schedule(INHERITANCE_SWEEP_QUEUE, '* * * * *', { tz: deps.config.TZ_DEFAULT });
  });
  void app.register(async () => {
    await deps.jobs.createQueue(LOSS_DIGEST_QUEUE, { retryLimit: 1 });
    await deps.jobs.boss.work(LOSS_DIGEST_QUEUE, async () => {
      await losses.runDigest();
    });
    await deps.jobs.schedule(LOSS_DIGEST_QUEUE, '7 * * * *', { tz: deps.config.TZ_DEFAULT });
  });
  void app.register(inheritanceRoutes(inheritance), { prefix: '/admin/lifecycle' });
  void app.register(lossRoutes(losses), { prefix: '/admin/loss' });
}
