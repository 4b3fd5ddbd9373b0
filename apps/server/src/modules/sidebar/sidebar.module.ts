import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ModuleDeps } from '../../app.ts';
import { isLoopbackHost } from '../../config.ts';
import { defaultWebDistDir } from '../../platform/web.ts';
import { AppError } from '../../platform/http/errors.ts';
import { createSidebarRepository } from './sidebar.repository.ts';
import { createSidebarService, type SidebarServiceDeps } from './sidebar.service.ts';
import { authenticateSidebar, createSidebarTokens } from './sidebar-auth.ts';
import { noteAdminRoutes, replyAdminRoutes, sidebarPublicRoutes, sidebarRoutes } from './sidebar.routes.ts';
import type { MediaService } from '../acquisition/media.service.ts';
import { sidebarJourneyRoutes, type SidebarJourneyDeps } from './sidebar-journey.routes.ts';
import './sidebar.messages.ts';

type SidebarModuleDeps = Pick<ModuleDeps, 'config' | 'db' | 'now' | 'wecom'>;

/** What the sidebar uses of other modules (given by the composition root). */
export type SidebarNeighbours = Pick<SidebarServiceDeps, 'customers' | 'customerTags' | 'tags' | 'groups' | 'groupRepository' | 'media' | 'org' | 'audit' | 'timeline' | 'leads'> & {
  /** The media library's files (a mini-program reply's cover). */
  mediaFiles: Pick<MediaService, 'file'>;
  /** The journey module's stages, SOP to-dos and timeline. */
  journey: SidebarJourneyDeps;
};

const REAL_API_BASE = 'https://qyapi.weixin.qq.com';
const REAL_OAUTH_BASE = 'https://open.weixin.qq.com';

/** WECOM_OAUTH_BASE, else WeCom's open host with the real API, else the simulator (which serves authorize too). */
export function oauthBaseOf(config: SidebarModuleDeps['config'], apiBase: string): string {
  if (config.WECOM_OAUTH_BASE) return config.WECOM_OAUTH_BASE.replace(/\/+$/, '');
  return apiBase === REAL_API_BASE ? REAL_OAUTH_BASE : apiBase;
}

export function createSidebarComponents(deps: SidebarModuleDeps & SidebarNeighbours) {
  const tokens = createSidebarTokens(deps.db, deps.now);
  const service = createSidebarService({
    ...deps,
    repository: createSidebarRepository(deps.db),
    tokens,
    wecom: () => (deps.wecom.corpId === 'unconfigured' ? undefined : deps.wecom.client),
    corpId: deps.wecom.corpId,
    agentId: deps.wecom.agentId,
  });
  return { service, tokens, mediaFiles: deps.mediaFiles, journey: deps.journey };
}

export type SidebarComponents = ReturnType<typeof createSidebarComponents>;

/**
 * 侧边栏: the employee's page inside WeCom at /sidebar/ (apps/web's second entry), its API /scrm/sidebar/** (the
 * sidebar token), the quick-reply library /scrm/admin/reply/** and the notes in the console's customer drawer
 * (/scrm/admin/cust/note/list). In demo mode on this machine the page gets the demo client's bridge (demo-bridge.js).
 */
export const sidebarModule = (deps: SidebarModuleDeps, components: SidebarComponents) => async (app: FastifyInstance) => {
  const { service, tokens } = components;
  await tokens.ready();
  const demoClient = deps.config.demoMode && isLoopbackHost(deps.config.HOST);
  const oauthBase = oauthBaseOf(deps.config, deps.wecom.client.baseUrl);
  const settings = () => ({
    corpId: deps.wecom.corpId,
    agentId: deps.wecom.agentId ?? null,
    oauthAuthorizeUrl: `${oauthBase}/connect/oauth2/authorize`,
    demo: demoClient,
  });
  await app.register(sidebarPublicRoutes(service, settings, components.mediaFiles), { prefix: '/scrm/sidebar' });
  await app.register(
    async (scope) => {
      authenticateSidebar(scope, { db: deps.db, tokens });
      await scope.register(sidebarRoutes(service));
      await scope.register(sidebarJourneyRoutes(components.journey));
    },
    { prefix: '/scrm/sidebar' },
  );
  await app.register(replyAdminRoutes(service), { prefix: '/scrm/admin/reply' });
  await app.register(noteAdminRoutes(service), { prefix: '/scrm/admin/cust/note' });

  // The demo client's bridge, and its way to the simulated client's side (the simulator's /client/*, which serves
  // authorize too): through this server, so the page talks to its own origin only.
  const bridgeSource = readFileSync(new URL('./demo-bridge.js', import.meta.url), 'utf8');
  app.get('/scrm/sidebar/demo/bridge.js', { schema: { hide: true } }, async (_request, reply) => {
    if (!demoClient) throw new AppError(404, 'sidebarDemoOnly');
    return reply.type('text/javascript; charset=utf-8').header('cache-control', 'no-cache').send(bridgeSource);
  });
  app.post('/scrm/sidebar/demo/client/:action', { schema: { hide: true, params: z.object({ action: z.enum(['verify', 'send-chat-message']) }), body: z.record(z.string(), z.unknown()) } }, async (request) => {
    if (!demoClient) throw new AppError(404, 'sidebarDemoOnly');
    const { action } = request.params as { action: string };
    const answer = await fetch(`${oauthBase}/client/${action}`, { method: 'POST', body: JSON.stringify(request.body), signal: AbortSignal.timeout(10_000) });
    return (await answer.json()) as Record<string, unknown>;
  });

  // The page (built by apps/web as its second entry): with the demo bridge first when the demo client is on.
  app.get('/sidebar', { schema: { hide: true } }, async (_request, reply) => {
    const root = process.env.SCRM_WEB_DIST ?? defaultWebDistDir;
    const file = join(root, 'sidebar', 'index.html');
    if (!existsSync(file)) return reply.code(404).type('text/plain; charset=utf-8').send('The sidebar page is not built. Run `npm run build -w @scrm/web`.\n');
    const html = readFileSync(file, 'utf8');
    const page = demoClient ? html.replace('<head>', '<head>\n<script src="/scrm/sidebar/demo/bridge.js"></script>') : html;
    return reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(page);
  });
};
