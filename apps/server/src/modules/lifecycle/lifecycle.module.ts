import type { FastifyInstance } from 'fastify';
import type { ContactUserEvent, ExternalContactEvent } from '@scrm/wecom';
import type { ModuleDeps } from '../../app.ts';
import type { AppMessageService } from '../../platform/app-message.ts';
import type { TimelineService } from '../journey/timeline.service.ts';
import type { SopService } from '../journey/sop.service.ts';
import type { AuditLogRepository } from '../nexus/audit-log.repository.ts';
import type { OrgRepository } from '../org/org.repository.ts';
import type { CustomerRepository } from '../customers/customers.repository.ts';
import type { CustomerTransfers } from '../customers/customer-transfers.ts';
import type { GroupTransfers } from '../groups/group-transfers.ts';
import { createLifecycleRepository } from './lifecycle.repository.ts';
import { createTransferService, TRANSFER_RECHECK_QUEUE, TRANSFER_RESULT_JOB, type TransferKind } from './transfer.service.ts';
import { createLifecycleService, UNASSIGNED_REFRESH_JOB, UNASSIGNED_REFRESH_QUEUE } from './lifecycle.service.ts';
import { transferRoutes } from './lifecycle.routes.ts';
import { createInheritanceComponents, registerInheritance, type InheritanceNeighbours } from './inheritance-components.ts';

type LifecycleModuleDeps = Pick<ModuleDeps, 'config' | 'db' | 'jobs' | 'now' | 'wecom' | 'events' | 'background'>;

/** What the lifecycle module uses of other modules and of the platform (given by the composition root). */
export interface LifecycleNeighbours {
  customers: Pick<CustomerRepository, 'forViewer'>;
  customerTransfers: CustomerTransfers;
  groupTransfers: GroupTransfers;
  org: Pick<OrgRepository, 'employeeStates'>;
  appMessages: Pick<AppMessageService, 'queue' | 'deliverSoon'>;
  audit: Pick<AuditLogRepository, 'record'>;
  /** The customer timeline (settled transfers). */
  timeline: Pick<TimelineService, 'record'>;
  /** The journey module's SOP tasks follow a customer or group to its new owner when a transfer settles. */
  sop: Pick<SopService, 'followOwner'>;
  /** The inheritance policy's link mode reads acquisition links' allocation rules. */
  links: InheritanceNeighbours['links'];
  log?: (message: string, error?: unknown) => void;
}

/** The WeCom client, or undefined when no WeCom is configured. */
const configuredClient = (deps: Pick<ModuleDeps, 'wecom'>) => (deps.wecom.corpId === 'unconfigured' ? undefined : deps.wecom.client);

/** The pieces of the lifecycle module (transfers; the inheritance policy and loss alerts build on them). */
export function createLifecycleComponents(deps: LifecycleModuleDeps, neighbours: LifecycleNeighbours) {
  const repository = createLifecycleRepository(deps.db);
  const transfers = createTransferService({
    db: deps.db,
    repo: repository,
    customers: neighbours.customerTransfers,
    groups: neighbours.groupTransfers,
    org: neighbours.org,
    jobs: deps.jobs,
    appMessages: neighbours.appMessages,
    audit: neighbours.audit,
    timeline: neighbours.timeline,
    sop: neighbours.sop,
    wecom: () => configuredClient(deps),
    now: deps.now,
    timeZone: deps.config.TZ_DEFAULT,
  });
  const service = createLifecycleService({
    db: deps.db,
    repo: repository,
    transfers,
    customers: neighbours.customers,
    customerTransfers: neighbours.customerTransfers,
    groups: neighbours.groupTransfers,
    wecom: () => configuredClient(deps),
    now: deps.now,
  });
  // The automatic inheritance policy (through the transfer service) and loss alerts.
  const inheritance = createInheritanceComponents(deps, { ...neighbours, groups: neighbours.groupTransfers, transfers: () => transfers.system() });
  return { repository, transfers, service, inheritance };
}

export type LifecycleComponents = ReturnType<typeof createLifecycleComponents>;

/** Route plugins of the module, each under /scrm/admin/lifecycle (the inheritance policy and loss alerts add theirs here). */
const lifecycleRoutePlugins: Array<(deps: LifecycleModuleDeps, components: LifecycleComponents) => (app: FastifyInstance) => Promise<void>> = [
  (_deps, components) => transferRoutes(components.service),
];

/**
 * 客户继承 (resigned and on-the-job transfers), the unassigned mirror, and what builds on them: /scrm/admin/lifecycle/*,
 * the lifecycle.transfer-result and lifecycle.unassigned-refresh jobs, and the delete_user / transfer_fail handlers.
 * Its parts are built once, by the composition root.
 */
export const lifecycleModule = (deps: LifecycleModuleDeps, components: LifecycleComponents) => async (app: FastifyInstance) => {
  const { transfers, service } = components;
  type Pair = { kind: TransferKind; handoverUserid: string; takeoverUserid: string; attempt?: number };
  // An employee left: their relations (marked awaiting inheritance by the customers module, in this transaction)
  // are unassigned at once; WeCom's list is read again shortly after (the fetch step asks for it, outside the transaction).
  deps.events.registerEventHandler<void>(
    { event: 'change_contact', changeType: 'delete_user' },
    {
      fetch: async () => {
        await deps.jobs.boss.send(UNASSIGNED_REFRESH_QUEUE, {}, { startAfter: 30, singletonKey: 'lifecycle.unassigned-refresh' });
      },
      apply: async (event, _fetched, ctx) => {
        const { userId, createTime } = event as ContactUserEvent;
        await service.onEmployeeDeparted(ctx.tx, userId, new Date(createTime * 1000));
      },
    },
    { name: 'lifecycle.departed' },
  );
  deps.events.registerEventHandler(
    { event: 'change_external_contact', changeType: 'transfer_fail' },
    async (event, ctx) => {
      const { externalUserId, userId, failReason } = event as ExternalContactEvent;
      await transfers.onTransferFail(ctx.tx, { externalUserid: externalUserId, takeoverUserid: userId, failReason });
    },
    { name: 'lifecycle.transfer-fail' },
  );
  // Each part below starts as its own plugin, with its own start-up time limit: creating queues and schedules is
  // serialised across replicas and slow on a busy embedded database.
  void app.register(async () => {
    await deps.jobs.register<Pair>(TRANSFER_RESULT_JOB, (payload, job) => transfers.checkResults(payload, job), { retryLimit: 3 });
    await deps.jobs.createQueue(TRANSFER_RECHECK_QUEUE);
    await deps.jobs.boss.work<Pair>(TRANSFER_RECHECK_QUEUE, async ([job]) => {
      await deps.jobs.start(TRANSFER_RESULT_JOB, job.data, { actor: 'system' });
    });
    await deps.jobs.register(UNASSIGNED_REFRESH_JOB, (_payload, job) => service.refreshUnassigned(job), { retryLimit: 3 });
    await deps.jobs.createQueue(UNASSIGNED_REFRESH_QUEUE);
    await deps.jobs.boss.work(UNASSIGNED_REFRESH_QUEUE, async () => {
      await deps.jobs.start(UNASSIGNED_REFRESH_JOB, {}, { actor: 'system', exclusive: true });
    });
    // Hourly: WeCom's list also changes by what happens in WeCom itself (assignments made in the WeCom admin console).
    await deps.jobs.schedule(UNASSIGNED_REFRESH_QUEUE, '23 * * * *', { tz: deps.config.TZ_DEFAULT });
  });
  for (const plugin of lifecycleRoutePlugins) void app.register(plugin(deps, components), { prefix: '/admin/lifecycle' });
  void app.register((child) => registerInheritance(child, deps, components.inheritance));
};
