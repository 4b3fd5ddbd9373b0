// The one composition root (buildApp calls it once): every module's repositories, services, locks and
// caches are built here, once, and a module gets what it uses of another module from here as a narrow
// dependency. No module imports another module's tables or builds another module's parts.
import type { ModuleDeps } from './app.ts';
import { createUserRepository } from './modules/system/user.repository.ts';
import { createDeptRepository } from './modules/system/dept.repository.ts';
import { createOrgComponents } from './modules/org/org.module.ts';
import { createCustomerComponents } from './modules/customers/customers.module.ts';
import { createGroupComponents } from './modules/groups/groups.module.ts';
import { createTagComponents } from './modules/tags/tags.module.ts';
import { createAcquisitionComponents } from './modules/acquisition/acquisition.module.ts';
import { createLeadComponents } from './modules/leads/leads.module.ts';
import { createLifecycleComponents } from './modules/lifecycle/lifecycle.module.ts';
import { createBroadcastComponents } from './modules/broadcasts/broadcasts.module.ts';
import { createGroupRepository } from './modules/groups/groups.repository.ts';
import { employeesInDepartments, relationConditions } from './modules/customers/relation-filters.ts';
import { createAppMessageService } from './platform/app-message.ts';
import { createAuditLogRepository } from './modules/nexus/audit-log.repository.ts';
import { createTimelineService } from './modules/journey/timeline.service.ts';
import { createSopComponents } from './modules/journey/sop.module.ts';
import { createTimelineReadComponents } from './modules/journey/timeline.module.ts';
import { createGroupWelcomeComponents } from './modules/journey/group-welcome.module.ts';
import { createInterceptComponents } from './modules/journey/intercept.module.ts';
import { createStageComponents } from './modules/journey/stage.module.ts';
import { createSidebarComponents } from './modules/sidebar/sidebar.module.ts';

export function composeModules(deps: ModuleDeps, log: (message: string, error?: unknown) => void) {
  // The one app-message service (WeCom message/send within its per-member limits) every module tells employees through.
  const appMessages = createAppMessageService({ db: deps.db, wecom: deps.wecom, now: deps.now, jobs: deps.jobs, timeZone: deps.config.TZ_DEFAULT, log, background: deps.background });
  // The one audit log (sys_audit_log): changes to WeCom or to many records are written there with the change.
  const audit = createAuditLogRepository(deps.db);
  // The one customer timeline every module records to (in its own transaction) and the SOP evaluator reads.
  const timeline = createTimelineService();
  const org = createOrgComponents(deps);
  const tags = createTagComponents({ ...deps, timeline });
  // The customer sync tells relations of employees who left (awaiting inheritance) by the org mirror.
  // Customers tag in bulk through the tags module's customer tag service, and audit it.
  const customers = createCustomerComponents(
    { ...deps, customerTags: tags.customerTags, tagNames: tags.names, employeeNames: org.directory, audit, timeline, corpTags: (wecomTagIds, tx) => tags.repository.findCorpTagsByWecomIds(wecomTagIds, tx) },
    { org: org.repository },
  );
  // A group whose owner changed (in WeCom, or by SCRM's transfer seen first by a sync) takes its open SOP tasks along;
  // `sop` is made below and called only once requests and jobs run.
  const groups = createGroupComponents({
    ...deps,
    timeline,
    ownerChanged: async (tx, changes) => {
      const at = new Date(deps.now());
      for (const change of changes) {
        await sop.service.followOwner(tx, { subject: 'group', target: change.chatId, from: change.from, to: change.to, actor: 'wecom', cause: `group_owner:${change.chatId}:${change.to}:${at.getTime()}`, at });
      }
    },
  });
  // Acquisition checks links against the org mirror and the corp tags, and tags new customers through the
  // tags module's customer tag service (WeCom and the local copy together).
  const acquisition = createAcquisitionComponents(deps, { org: org.repository, tags: tags.repository, customerTags: tags.customerTags }, log);
  // SOP: triggers read from the timeline, tasks told through app messages; audiences from the customers and groups modules.
  const sop = createSopComponents(deps, {
    org: org.repository, media: acquisition.media, audit, timeline, appMessages, customers: customers.customers,
    groups: createGroupRepository(deps.db, { timeZone: deps.config.TZ_DEFAULT }), employeesInDepartments,
  });
  // Lifecycle: resigned and on-the-job transfers of customers and groups (the customers' relations and the groups'
  // owners through their modules' narrow transfer parts, their open SOP tasks through the SOP service), the unassigned mirror.
  const lifecycle = createLifecycleComponents(deps, {
    customers: customers.customers,
    customerTransfers: customers.transfers,
    groupTransfers: groups.transfers,
    org: org.repository,
    appMessages,
    audit,
    timeline,
    sop: sop.service,
    links: acquisition.links,
    log,
  });
  // Leads tag customers through the tags module's one customer tag service (and its one lock per relation), and
  // transfer a lead's customer through the lifecycle module's transfer service (its settlements update the leads).
  // 客户动态: the timeline read for a caller, 404 unless the customers module says the caller sees the customer.
  const timelineRead = createTimelineReadComponents({ db: deps.db, customerVisible: (viewer, externalUserid) => customers.customers.forViewer(viewer).customerVisible(externalUserid) });
  // The lead timeline is the customer timeline's lead entries (written and read through it).
  const leads = createLeadComponents({ ...deps, customerTags: tags.customerTags, tagNames: tags.names, employeeNames: org.directory, transfers: lifecycle.transfers, appMessages, audit, timeline, timelineEvents: timelineRead.events });
  // Customer stages: moves are recorded on the customer timeline and bulk changes audited.
  const stages = createStageComponents({ ...deps, timeline, audit });
  // Broadcasts plan audiences with the customers module's relation filters and the groups in the caller's scope,
  // check tags, media, stages and senders through their modules, and tell senders through the app-message service.
  const broadcasts = createBroadcastComponents({
    ...deps, appMessages, audit, timeline, org: org.repository, tags: tags.repository, media: acquisition.media,
    groups: createGroupRepository(deps.db, { timeZone: deps.config.TZ_DEFAULT }), customers: customers.customers, stages: stages.repository,
    segments: { relationConditions: (filters) => relationConditions(filters, { timeZone: deps.config.TZ_DEFAULT }).conditions, employeesInDepartments },
  });
  // 入群欢迎语 (attachments from the media library, uploaded to WeCom) and 敏感词拦截: WeCom corp libraries, audited.
  const groupWelcome = createGroupWelcomeComponents({ ...deps, media: acquisition.media, audit });
  const intercept = createInterceptComponents({ ...deps, audit });
  // The employee sidebar reads and writes through the customers, tags and groups modules' own parts, with a context
  // scoped to the signed-in employee; quick replies draw on the media library.
  const sidebar = createSidebarComponents({
    ...deps, customers: customers.customers, customerTags: tags.customerTags, tags: tags.tags, groups: groups.service,
    groupRepository: createGroupRepository(deps.db, { timeZone: deps.config.TZ_DEFAULT }), media: acquisition.media, mediaFiles: acquisition.media, org: org.repository, audit, timeline, leads: leads.service,
    // (the timeline queries read when first used: they are built further down)
    journey: { stages: stages.service, sop: sop.service, get timeline() { return timelineRead.queries; } },
  });
  const system = { users: createUserRepository(deps.db), depts: createDeptRepository(deps.db) };
  // Nexus provisions users and departments through the system module's repositories; employees it says left get a
  // pending departure in the inheritance policy.
  const nexus = { ...system, departures: lifecycle.inheritance.inheritance };
  return { system, org, tags, customers, groups, acquisition, leads, broadcasts, lifecycle, nexus, appMessages, audit, timeline, timelineRead, sop, stages, groupWelcome, intercept, sidebar };
}

export type ModuleComponents = ReturnType<typeof composeModules>;
