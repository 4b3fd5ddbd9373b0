import type { FastifyInstance } from 'fastify';
import { EXTERNAL_CONTACT_CHANGE_TYPES, type ContactUserEvent, type ExternalContactGetResponse } from '@scrm/wecom';
import type { ModuleDeps } from '../../app.ts';
import type { OrgRepository } from '../org/org.repository.ts';
import { createCustomerRepository } from './customers.repository.ts';
import { createCustomerWriteRepository } from './customer-writes.repository.ts';
import { createCustomerStatsRepository } from './customer-stats.repository.ts';
import { createCustomerService, type CustomerServiceDeps } from './customers.service.ts';
import { customerInfoRoutes, customerRelationRoutes } from './customers.routes.ts';
import { CUSTOMER_SYNC_JOB, runCustomerSync, type SyncOptions } from './customer-sync.ts';
import { applyExternalContactEvent, fetchCustomer, type CustomerEventDeps } from './customer-events.ts';
import './customers.messages.ts';
import { createCustomerTransfers } from './customer-transfers.ts';
import type { TagDictionary } from '../tags/tag-dictionary.ts';
import type { EmployeeDirectory } from '../org/employee-directory.ts';

/**
 * Published (pg-boss publish) when a customers.sync job has written everything: modules that follow up on
 * a full sync subscribe a queue of theirs to it (the leads module links customers to leads).
 */
export const CUSTOMERS_SYNCED_EVENT = 'customers.synced';

type CustomerModuleDeps = Pick<ModuleDeps, 'config' | 'db' | 'jobs' | 'now' | 'wecom' | 'events'> & { customerSync?: SyncOptions };

/** What the customers module's service uses of other modules (given by the composition root). */
type CustomerNeighbours = Pick<CustomerServiceDeps, 'customerTags' | 'audit' | 'timeline'> & Pick<CustomerEventDeps, 'corpTags'> & { tagNames: TagDictionary; employeeNames: EmployeeDirectory };

/** The WeCom client, or undefined when no WeCom is configured (the placeholder client reaches nothing). */
const configuredClient = (deps: Pick<ModuleDeps, 'wecom'>) => (deps.wecom.corpId === 'unconfigured' ? undefined : deps.wecom.client);

/** When each of these employees left the corp, as the org mirror has it (those still in the corp left out). */
const departuresOf = (org: Pick<OrgRepository, 'employeeStates'>) => async (userids: string[]) => {
  const departures = new Map<string, Date>();
  for (const [userid, state] of await org.employeeStates(userids)) if (state.status === 5 || state.leftAt) departures.set(userid, new Date(state.leftAt ?? Date.now()));
  return departures;
};

/** The pieces of the customers module that other modules, jobs and tools use. */
export function createCustomerComponents(deps: CustomerModuleDeps & CustomerNeighbours, others: { org: Pick<OrgRepository, 'employeeStates'> }) {
  const timeZone = deps.config.TZ_DEFAULT;
  const writes = createCustomerWriteRepository(deps.db);
  const customers = createCustomerRepository(deps.db, { timeZone, tagNames: deps.tagNames, employeeNames: deps.employeeNames });
  return {
    writes,
    timeline: deps.timeline,
    corpTags: deps.corpTags,
    /** The pending mark of on-the-job transfers (requested, then settled), for the module that makes them. */
    transfers: createCustomerTransfers(deps.db),
    /** Customers and relations made for the caller (`customers.forViewer(viewer)`). */
    customers,
    service: createCustomerService({
      customers,
      writes,
      stats: createCustomerStatsRepository(deps.db, { timeZone }),
      jobs: deps.jobs,
      wecom: () => configuredClient(deps),
      timeZone,
      now: deps.now,
      customerTags: deps.customerTags,
      audit: deps.audit,
      timeline: deps.timeline,
      db: deps.db,
    }),
    /** The customers.sync job body. */
    sync: (job: Parameters<typeof runCustomerSync>[1]) => runCustomerSync({ wecom: deps.wecom.client, writes, departures: departuresOf(others.org), now: deps.now }, job, deps.customerSync),
  };
}

export type CustomerComponents = ReturnType<typeof createCustomerComponents>;

/**
 * 客户: /scrm/admin/cust/info/*, /scrm/admin/cust/emp/*, the customers.sync job and change_external_contact events.
 * Its parts are built once, by the composition root (composition-root.ts).
 */
export const customersModule = (deps: CustomerModuleDeps, components: CustomerComponents) => async (app: FastifyInstance) => {
  await deps.jobs.register(
    CUSTOMER_SYNC_JOB,
    async (_payload, job) => {
      const result = await components.sync(job);
      await deps.jobs.boss.publish(CUSTOMERS_SYNCED_EVENT, { syncJobId: job.jobId });
      return result;
    },
    { retryLimit: 3 },
  );
  deps.events.registerEventHandler<ExternalContactGetResponse | null>(
    { event: 'change_external_contact', changeType: EXTERNAL_CONTACT_CHANGE_TYPES },
    {
      // Notify, then fetch: what WeCom says about the customer now (outside the transaction)…
      fetch: (event, ctx) => (event.kind === 'change_external_contact' ? fetchCustomer(ctx.wecom.client, event.externalUserId) : Promise.resolve(null)),
      // …written in the event's transaction.
      apply: async (event, contact, ctx) => {
        if (event.kind !== 'change_external_contact') return;
        await applyExternalContactEvent(
          { writes: createCustomerWriteRepository(ctx.tx), now: ctx.now, tx: ctx.tx, eventId: ctx.eventId, timeline: components.timeline, corpTags: components.corpTags },
          event,
          contact,
        );
      },
    },
    { name: 'customers' },
  );
  // An employee left the corp: WeCom keeps their customers until 离职继承, so their relations await inheritance
  // (never lost).
  deps.events.registerEventHandler(
    { event: 'change_contact', changeType: 'delete_user' },
    async (event, ctx) => {
      const { userId, createTime } = event as ContactUserEvent;
      await createCustomerWriteRepository(ctx.tx).markUnassigned([{ userid: userId, at: new Date(createTime * 1000) }]);
    },
    { name: 'customers.departed' },
  );
  await app.register(customerInfoRoutes(components.service), { prefix: '/admin/cust/info' });
  await app.register(customerRelationRoutes(components.service), { prefix: '/admin/cust/emp' });
};
