import type { FastifyInstance } from 'fastify';
import type { ModuleDeps } from '../../app.ts';
import './portal.messages.ts';
import { createEventRepository } from './event.repository.ts';
import { createEventWorker } from './event-worker.ts';
import { createPortalService } from './portal.service.ts';
import { portalAdminRoutes, portalCallbackRoutes } from './portal.routes.ts';

/**
 * 回调: WeCom callbacks in (/wx/portal), stored in wx_event and applied by the event worker through the
 * handlers modules register on `deps.events`; the event admin; JS-SDK signatures.
 */
export const portalModule = (deps: ModuleDeps) => async (app: FastifyInstance) => {
  const events = createEventRepository(deps.db);
  const workerOptions = deps.eventWorker;
  const worker =
    workerOptions === false
      ? undefined
      : createEventWorker(
          { db: deps.db, events, registry: deps.events, wecom: deps.wecom, now: deps.now, log: app.log },
          { leaseMs: deps.config.EVENT_LEASE_SECONDS * 1000, ...workerOptions },
        );
  deps.events.worker = worker;
  const portal = createPortalService({ wecom: deps.wecom, events, now: deps.now, onStored: () => worker?.wake() });

  await app.register(portalCallbackRoutes(portal));
  await app.register(portalAdminRoutes(portal));

  if (worker) {
    app.addHook('onReady', async () => worker.start());
    app.addHook('onClose', async () => worker.stop());
  }
};
