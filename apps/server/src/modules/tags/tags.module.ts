import type { FastifyInstance } from 'fastify';
import type { ModuleDeps } from '../../app.ts';
import './tags.messages.ts';
import type { TimelineService } from '../journey/timeline.service.ts';
import { createTagRepository } from './tag.repository.ts';
import { createCustomerTagRepository } from './customer-tag.repository.ts';
import { createKeyedLock } from './keyed-lock.ts';
import { createTagDictionary } from './tag-dictionary.ts';
import { CORP_TAG_SYNC_JOB, createTagService } from './tags.service.ts';
import { createCustomerTagService } from './customer-tags.service.ts';
import { customerTagInfoRoutes, customerTagRoutes, tagRoutes } from './tags.routes.ts';

type TagModuleDeps = Pick<ModuleDeps, 'config' | 'db' | 'jobs' | 'wecom' | 'events' | 'now'>;

/** The pieces of the tags module that other modules, jobs and tools use. */
export function createTagComponents(deps: TagModuleDeps & { timeline: Pick<TimelineService, 'record'> }) {
  const tags = createTagRepository(deps.db);
  const wecom = () => deps.wecom.client;
  return {
    /** Tags and groups (the corp tags other modules check against). */
    repository: tags,
    /** The tags' names held in this process, for the pages that list tags (tag-dictionary.ts). */
    names: createTagDictionary(deps.db),
    tags: createTagService({ db: deps.db, tags, jobs: deps.jobs, wecom, lock: createKeyedLock(deps.db, 'tags') }),
    customerTags: createCustomerTagService({
      db: deps.db,
      tags,
      customerTags: createCustomerTagRepository(deps.db),
      wecom,
      lock: createKeyedLock(deps.db, 'customer-tags'),
      timeline: deps.timeline,
      now: deps.now,
    }),
  };
}

export type TagComponents = ReturnType<typeof createTagComponents>;

/**
 * 标签: corp tags (/scrm/admin/tag/corp/*, mirrored from WeCom by the tags.corp.sync job and
 * change_external_tag events), SCRM tags (/scrm/admin/tag/self/*) and customer tagging
 * (/scrm/admin/cust/tag/*, /scrm/admin/cust/tagInfo/*). The nightly corp tag sync is the first step of the
 * nightly whole-corp sync (platform/jobs/wecom-sync.ts). Its parts (services, locks) are built once, by the
 * composition root (composition-root.ts); other modules get what they use of them from there.
 */
export const tagsModule = (deps: TagModuleDeps, components: TagComponents) => async (app: FastifyInstance) => {
  const { tags, customerTags } = components;
  await deps.jobs.register(CORP_TAG_SYNC_JOB, (_payload, job) => tags.syncCorpTags(job), { retryLimit: 3 });
  deps.events.registerEventHandler({ event: 'change_external_tag' }, tags.eventHandler, { name: 'tags.corp' });
  await app.register(tagRoutes(tags, 'corp'), { prefix: '/admin/tag/corp' });
  await app.register(tagRoutes(tags, 'self'), { prefix: '/admin/tag/self' });
  await app.register(customerTagRoutes(customerTags), { prefix: '/admin/cust/tag' });
  await app.register(customerTagInfoRoutes(customerTags), { prefix: '/admin/cust/tagInfo' });
};
