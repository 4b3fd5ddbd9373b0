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
import { createAppMessageService } from './platform/app-message.ts';
import { createAuditLogRepository } from './modules/nexus/audit-log.repository.ts';

export function composeModules(deps: ModuleDeps, log: (message: string, error?: unknown) => void) {
  // The one app-message service (WeCom message/send within its per-member limits) every module tells employees through.
  const appMessages = createAppMessageService({ db: deps.db, wecom: deps.wecom, now: deps.now, jobs: deps.jobs, timeZone: deps.config.TZ_DEFAULT, log });
  // The one audit log (sys_audit_log): changes to WeCom or to many records are written there with the change.
  const audit = createAuditLogRepository(deps.db);
  const org = createOrgComponents(deps);
  const tags = createTagComponents(deps);
  // The customer sync tells relations of employees who left (awaiting inheritance) by the org mirror.
  // Customers tag in bulk through the tags module's customer tag service, and audit it.
  const customers = createCustomerComponents({ ...deps, customerTags: tags.customerTags, audit }, { org: org.repository });
  const groups = createGroupComponents(deps);
  // Acquisition checks links against the org mirror and the corp tags, and tags new customers through the
  // tags module's customer tag service (WeCom and the local copy together).
  const acquisition = createAcquisitionComponents(deps, { org: org.repository, tags: tags.repository, customerTags: tags.customerTags }, log);
  // Leads tag customers through the tags module's one customer tag service (and its one lock per relation), and
  // mark the transfers they request as pending on the customers module's relations.
  const leads = createLeadComponents({ ...deps, customerTags: tags.customerTags, customerTransfers: customers.transfers, appMessages, audit });
  const system = { users: createUserRepository(deps.db), depts: createDeptRepository(deps.db) };
  // Nexus provisions users and departments through the system module's repositories.
  return { system, org, tags, customers, groups, acquisition, leads, nexus: system, appMessages, audit };
}

export type ModuleComponents = ReturnType<typeof composeModules>;
