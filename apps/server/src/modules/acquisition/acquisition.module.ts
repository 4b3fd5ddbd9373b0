import type { FastifyInstance } from 'fastify';
import type { ModuleDeps } from '../../app.ts';
import './acquisition.messages.ts';
import type { GetType } from '../../db/schema/index.ts';
import type { OrgRepository } from '../org/org.repository.ts';
import type { TagRepository } from '../tags/tag.repository.ts';
import type { CustomerTagService } from '../tags/customer-tags.service.ts';
import { createLinkRepository } from './link.repository.ts';
import { createLinkService } from './link.service.ts';
import { createWecomPublisher } from './wecom-publisher.ts';
import { createRoutingService } from './routing.service.ts';
import { createRangeUpkeep } from './range-upkeep.ts';
import { createMediaService } from './media.service.ts';
import { createChannelService } from './channel.service.ts';
import { createJoinWayService } from './join-way.service.ts';
import { createMiniLinkService } from './mini-link.service.ts';
import { createOpenAppService } from './open-app.service.ts';
import { createAcquisitionEventHandler } from './acquisition-events.ts';
import { createLinkStatsSync, LINK_STATS_QUEUE } from './link-stats.ts';
import { createChannelRepository } from './channel.repository.ts';
import { createJoinWayRepository } from './join-way.repository.ts';
import { createMediaRepository } from './media.repository.ts';
import { createMiniLinkRepository } from './mini-link.repository.ts';
import { createOpenAppRepository } from './open-app.repository.ts';
import { createRoutingRepository } from './routing.repository.ts';
import { channelRoutes, joinWayRoutes, linkRoutes, mediaRoutes, miniLinkRoutes, openAppRoutes, openRoutes } from './acquisition.routes.ts';

type AcquisitionModuleDeps = Pick<ModuleDeps, 'config' | 'db' | 'jobs' | 'now' | 'wecom' | 'events' | 'files' | 'database' | 'fastWrites' | 'openGuard' | 'background'>;

/** What acquisition uses of other modules (given by the composition root). */
export interface AcquisitionNeighbours {
  /** The WeCom organisation mirror: who can take customers, which departments exist. */
  org: Pick<OrgRepository, 'activeEmployees' | 'existingDepartments' | 'employeeStates'>;
  /** Corp tags a link may put on its customers. */
  tags: Pick<TagRepository, 'existingCorpTags'>;
  /** Tagging new customers with a link's tags (WeCom and the local copy). */
  customerTags: Pick<CustomerTagService, 'markInWecom' | 'recordCorpMark'>;
}

/** The pieces of the acquisition module that jobs, tests and tools use. */
export function createAcquisitionComponents(deps: AcquisitionModuleDeps, neighbours: AcquisitionNeighbours, log: (message: string, error?: unknown) => void = () => {}) {
  const timeZone = deps.config.TZ_DEFAULT;
  const client = () => deps.wecom.client;
  const links = createLinkRepository(deps.db);
  const publisher = createWecomPublisher(client);
  let routingRef: ReturnType<typeof createRoutingService> | undefined;
  const upkeep = createRangeUpkeep({
    db: deps.db, now: deps.now, timeZone, publisher, jobs: deps.jobs, log,
    changed: (getType, id) => routingRef?.invalidate(getType, id),
    sequence: { syncMain: (getType, id, link) => routing.syncMain(getType, id, link) },
  });
  const routing = createRoutingService({
    routing: createRoutingRepository(deps.fastWrites) /* hit counters: asynchronous commit (platform/db/fast-writes.ts) */,
    main: createRoutingRepository(deps.db) /* the main link's held pick: durable */,
    now: deps.now, timeZone,
    rangeMayHaveChanged: (getType, id) => deps.background.run(`range upkeep of ${getType} ${id}`, () => upkeep.request(getType, id)),
  });
  routingRef = routing;
  const changed = (getType: GetType, id: number) => {
    routing.invalidate(getType, id);
    deps.background.run(`range upkeep of ${getType} ${id}`, () => upkeep.request(getType, id));
  };
  const media = createMediaService({ media: createMediaRepository(deps.db), files: deps.files, wecom: client, now: deps.now });
  // The one open-API guard (built in app.ts, shared with leads' /open/clue): app changes forget its cache.
  const guard = deps.openGuard;
  return {
    links: createLinkService({ db: deps.db, links, org: neighbours.org, tags: neighbours.tags, publisher, changed, now: deps.now, timeZone }),
    routing,
    upkeep,
    media,
    channels: createChannelService({ channels: createChannelRepository(deps.db) }),
    joinWays: createJoinWayService({ joinWays: createJoinWayRepository(deps.db), wecom: client }),
    miniLinks: createMiniLinkService({ miniLinks: createMiniLinkRepository(deps.db) }),
    openApps: createOpenAppService({ apps: createOpenAppRepository(deps.db), changed: () => guard.invalidate() }),
    guard,
    stats: createLinkStatsSync({ db: deps.db, wecom: client, now: deps.now, log }),
    eventHandler: createAcquisitionEventHandler({
      db: deps.db, links, media, timeZone, customerTags: neighbours.customerTags,
      // After the event's transaction commits: the add may have filled a rule.
      counted: (getType, id) => deps.background.later(300, `range upkeep of ${getType} ${id}`, () => upkeep.request(getType, id)),
    }),
  };
}

export type AcquisitionComponents = ReturnType<typeof createAcquisitionComponents>;

/**
 * 获客: channels, acquisition links, channel QR codes, routing (/open/route/hit), range upkeep, welcome
 * messages and tags on add_external_contact, the media library, group join QR codes, mini-program links and
 * the open API's apps. Its parts are built once, by the composition root (composition-root.ts).
 */
export const acquisitionModule = (deps: AcquisitionModuleDeps, components: AcquisitionComponents) => async (app: FastifyInstance) => {
  await components.upkeep.start();
  await components.stats.start(deps.jobs);
  deps.events.registerEventHandler({ event: 'change_external_contact', changeType: 'add_external_contact' }, components.eventHandler, { name: 'acquisition' });
  deps.events.registerEventHandler(
    { event: 'customer_acquisition' },
    { apply: async (event, _fetched, ctx) => components.stats.onAcquisitionEvent(event, ctx.tx) },
    { name: 'acquisition.link' },
  );

  await app.register(channelRoutes(components.channels), { prefix: '/admin/cust/channel' });
  await app.register(linkRoutes('link', components.links, components.routing), { prefix: '/admin/cust/get/link' });
  await app.register(linkRoutes('qr', components.links, components.routing), { prefix: '/admin/cust/get/qr' });
  await app.register(mediaRoutes(components.media), { prefix: '/admin/media' });
  await app.register(joinWayRoutes(components.joinWays), { prefix: '/admin/group/join' });
  await app.register(miniLinkRoutes(components.miniLinks), { prefix: '/admin/mini/link' });
  await app.register(openAppRoutes(components.openApps), { prefix: '/admin/open/app' });
  await app.register(openRoutes(components.guard, components.routing), { prefix: '/open' });
};

export { LINK_STATS_QUEUE };
