import type { FastifyInstance } from 'fastify';
import type { ModuleDeps } from '../../app.ts';
import { createLeadRepository, type LeadTimeline } from './leads.repository.ts';
import { createLeadService, type LeadServiceDeps } from './leads.service.ts';
import { createLeadImportService, LEAD_IMPORT_JOB } from './lead-import.ts';
import { createLeadImportRepository } from './lead-import.repository.ts';
import { createLeadWecomService, type LeadWecomDeps, CUSTOMERS_SYNCED_QUEUE, LINK_SYNCED_JOB, TRANSFER_RECHECK_QUEUE, TRANSFER_RESULT_JOB } from './lead-wecom.ts';
import { CUSTOMERS_SYNCED_EVENT } from '../customers/customers.module.ts';
import { createLeadCollectService, leadOpenRoutes } from './lead-collect.ts';
import { leadRoutes } from './leads.routes.ts';
import type { TagDictionary } from '../tags/tag-dictionary.ts';
import type { EmployeeDirectory } from '../org/employee-directory.ts';
import './leads.messages.ts';

type LeadModuleDeps = Pick<ModuleDeps, 'config' | 'db' | 'files' | 'jobs' | 'now' | 'wecom' | 'events' | 'openGuard'>;

/** What leads use of other modules and of the platform (given by the composition root). */
type LeadNeighbours = Pick<LeadWecomDeps, 'customerTags' | 'transfers'> & Pick<LeadServiceDeps, 'appMessages' | 'audit'> & LeadTimeline & { tagNames: TagDictionary; employeeNames: EmployeeDirectory };

/** Every five minutes: app messages to owners whose leads' next follow-up date has come (once per date). */
export const FOLLOW_UP_REMINDER_QUEUE = 'leads.follow-up-reminders';

/** The pieces of the leads module (for the module, jobs, tools and benchmarks). */
export function createLeadComponents(deps: LeadModuleDeps & LeadNeighbours) {
  const timeZone = deps.config.TZ_DEFAULT;
  // The lead timeline is written and read through the customer timeline (its service and scoped repository).
  const leads = createLeadRepository(deps.db, { timeline: deps.timeline, timelineEvents: deps.timelineEvents }, deps.tagNames, deps.employeeNames);
  const service = createLeadService({ db: deps.db, leads, now: deps.now, timeZone, appMessages: deps.appMessages, audit: deps.audit });
  const imports = createLeadImportService({ db: deps.db, imports: createLeadImportRepository(deps.db, deps.timeline), files: deps.files, jobs: deps.jobs, now: deps.now, timeZone });
  const wecom = createLeadWecomService({
    db: deps.db,
    leads,
    service,
    jobs: deps.jobs,
    customerTags: deps.customerTags,
    transfers: deps.transfers,
    wecom: () => (deps.wecom.corpId === 'unconfigured' ? undefined : deps.wecom.client),
    now: deps.now,
  });
  const collect = createLeadCollectService({ db: deps.db, leads, now: deps.now });
  return { leads, service, imports, wecom, collect };
}

/**
 * 线索公海: /scrm/admin/clue/*, /scrm/open/clue/collect, the leads.import and leads.transfer-result jobs, and
 * change_external_contact handlers (auto-linking new customers to leads; transfers settle through the lifecycle
 * module's transfer service, which handles transfer_fail); after each
 * customers.sync, the leads.link-synced job links the customers WeCom already had.
 */
export type LeadComponents = ReturnType<typeof createLeadComponents>;

export const leadsModule = (deps: LeadModuleDeps, components: LeadComponents) => async (app: FastifyInstance) => {
  const { imports, wecom, service, collect } = components;
  await deps.jobs.register<{ importId: number }>(LEAD_IMPORT_JOB, (payload, job) => imports.run(payload, job), { retryLimit: 3 });
  await deps.jobs.register<{ handoverUserid: string; takeoverUserid: string }>(TRANSFER_RESULT_JOB, (payload, job) => wecom.checkResults(payload, job), { retryLimit: 3 });
  await deps.jobs.createQueue(TRANSFER_RECHECK_QUEUE);
  await deps.jobs.boss.work<{ handoverUserid: string; takeoverUserid: string }>(TRANSFER_RECHECK_QUEUE, async ([job]) => {
    await deps.jobs.start(TRANSFER_RESULT_JOB, job.data, { actor: 'system' });
  });
  await deps.jobs.createQueue(FOLLOW_UP_REMINDER_QUEUE, { retryLimit: 1 });
  await deps.jobs.boss.work(FOLLOW_UP_REMINDER_QUEUE, async () => {
    await service.remindFollowUps();
  });
  await deps.jobs.schedule(FOLLOW_UP_REMINDER_QUEUE, '*/5 * * * *', { tz: deps.config.TZ_DEFAULT });
  // After each full customer sync, customers WeCom already had are linked like added ones.
  await deps.jobs.register(LINK_SYNCED_JOB, (_payload, job) => wecom.linkSyncedCustomers(job), { retryLimit: 3 });
  await deps.jobs.createQueue(CUSTOMERS_SYNCED_QUEUE);
  await deps.jobs.boss.subscribe(CUSTOMERS_SYNCED_EVENT, CUSTOMERS_SYNCED_QUEUE);
  await deps.jobs.boss.work<{ syncJobId: number }>(CUSTOMERS_SYNCED_QUEUE, async ([job]) => {
    await deps.jobs.start(LINK_SYNCED_JOB, { syncJobId: job.data.syncJobId }, { actor: 'system' });
  });
  // Registered after the customers module's handler: the customer and its relations are stored by then,
  // in the same transaction.
  deps.events.registerEventHandler(
    { event: 'change_external_contact', changeType: ['add_external_contact', 'add_half_external_contact', 'edit_external_contact'] },
    async (event, ctx) => {
      if (event.kind === 'change_external_contact') await wecom.onCustomerAdded(ctx.tx, event);
    },
    { name: 'leads.link' },
  );
  await app.register(leadRoutes(service, imports, wecom), { prefix: '/admin/clue' });
  // The one open-API guard (app.ts): an app disabled in the console is refused here at once too.
  await app.register(leadOpenRoutes(collect, deps.openGuard), { prefix: '/open/clue' });
};
