import Fastify, { type FastifyInstance } from 'fastify';
import multipart from '@fastify/multipart';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { randomUUID } from 'node:crypto';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { createSerializerCompiler } from './platform/http/serializer.ts';
import { sql } from 'drizzle-orm';
import type { Config } from './config.ts';
import type { Database } from './platform/db/database.ts';
import { registerErrorHandling } from './platform/http/error-handler.ts';
import { registerSecurityHeaders } from './platform/http/security-headers.ts';
import { clientErrorHandler, frameworkErrors, refuseUnsafeMultipartText, validatorCompilerRefusingUnsafeStrings } from './platform/http/hostile-input.ts';
import { registerAuthentication } from './platform/auth/authenticate.ts';
import { createAuthNotifications } from './platform/auth/auth-notifications.ts';
import { createBackground, type Background } from './platform/background.ts';
import { authenticateFirst } from './platform/http/route.ts';
import type { TokenClaims, TokenService } from './platform/auth/tokens.ts';
import type { JobService } from './platform/jobs/job-service.ts';
import { createFileStore, type FileStore } from './platform/files.ts';
import { systemModule } from './modules/system/system.module.ts';
import { jobRoutes } from './platform/jobs/job.routes.ts';
import { appMessageRoutes } from './platform/app-message.routes.ts';
import { createAppMessageLogService } from './platform/app-message-log.service.ts';
import { createAppMessageRepository } from './platform/app-message.repository.ts';
import { createUnconfiguredWecom, type Wecom } from './platform/wecom.ts';
import { createEventRegistry, type EventRegistry } from './modules/portal/event-registry.ts';
import type { EventWorkerOptions } from './modules/portal/event-worker.ts';
import { portalModule } from './modules/portal/portal.module.ts';
import { orgModule } from './modules/org/org.module.ts';
import { nexusModule, ssoRevocationCheck } from './modules/nexus/nexus.module.ts';
import type { GroupSyncOptions } from './modules/groups/group-sync.ts';
import type { ChunkSizes } from './modules/broadcasts/broadcasts.repository.ts';
import { createFastWriteDb } from './platform/db/fast-writes.ts';
import { createNonceStore, type NonceStore } from './platform/signed-request.ts';
import { createOpenApiGuard, type OpenApiGuard } from './platform/open-signature.ts';
import { registerWecomSync, type WecomSyncOptions } from './platform/jobs/wecom-sync.ts';
import { wecomSyncRoutes } from './platform/jobs/wecom-sync.routes.ts';

export interface AppDeps {
  config: Config;
  database: Database;
  tokens: TokenService;
  jobs: JobService;
  files?: FileStore;
  /** Injectable clock for tests (ms since epoch). */
  now?: () => number;
  /** Extra revocation check for tokens (SSO sessions). */
  isTokenRevoked?: (claims: TokenClaims) => Promise<boolean>;
  logger?: boolean | object;
  /** The configured WeCom client and callback crypto (platform/wecom.ts); unconfigured when absent. */
  wecom?: Wecom;
  /** Where modules register callback event handlers; a fresh registry when absent. */
  events?: EventRegistry;
  /** Callback event worker settings; false: no worker in this process. */
  eventWorker?: EventWorkerOptions | false;
  /** Batch sizes and concurrency of the groups.sync job (tests). */
  groupSync?: GroupSyncOptions;
  /** How the whole-corp sync polls its steps (tests). */
  wecomSync?: WecomSyncOptions;
  /** Recipients per 群发 task, smaller than WeCom's per-call limits (tests). */
  broadcastChunkSize?: ChunkSizes;
}

const BODY_LIMIT = 1024 * 1024;

/** TRUST_PROXY as Fastify takes it: a hop count becomes "the first n hops" (what proxy-addr does with a number). */
const trustProxyOf = (setting: Config['TRUST_PROXY']) => (typeof setting === 'number' ? (_address: string, hop: number) => hop < setting : setting);

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: deps.logger ?? { level: deps.config.LOG_LEVEL, redact: ['req.headers.token', 'req.headers.authorization'] },
    bodyLimit: BODY_LIMIT,
    // X-Forwarded-For only from the configured proxies (TRUST_PROXY); otherwise the peer is the client.
    trustProxy: trustProxyOf(deps.config.TRUST_PROXY),
    // Honour a caller's request id so logs can be correlated across services.
    genReqId: (request) => {
      const incoming = request.headers['x-request-id'];
      return typeof incoming === 'string' && /^[\w.-]{1,64}$/.test(incoming) ? incoming : randomUUID();
    },
    requestIdHeader: false,
    // A plugin's start-up creates pg-boss queues and schedules (serialised across replicas): on a busy machine with the
    // embedded database that can take longer than Fastify's default 10 s, which is a failed start, not a slow one.
    pluginTimeout: 120_000,
    routerOptions: { ignoreTrailingSlash: true },
    clientErrorHandler,
    frameworkErrors,
  });
  app.setValidatorCompiler(validatorCompilerRefusingUnsafeStrings);
  app.setSerializerCompiler(createSerializerCompiler({ check: deps.config.CHECK_RESPONSES }));
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  registerErrorHandling(app, { bodyLimitText: '1 MB' });

  await registerSecurityHeaders(app, { corsOrigins: deps.config.CORS_ORIGINS });
  await app.register(multipart, { limits: { fileSize: 20 * 1024 * 1024, files: 1, fields: 20 } });
  refuseUnsafeMultipartText(app);
  await app.register(swagger, {
    openapi: {
      info: { title: 'SCRM API', description: 'Open-source social CRM for WeCom (企业微信)', version: '0.1.0' },
      components: { securitySchemes: { token: { type: 'apiKey', in: 'header', name: 'token' } } },
    },
    transform: jsonSchemaTransform,
    // Registered (recursive) schemas such as menu and department trees land in components.schemas.
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(swaggerUi, { routePrefix: '/scrm/docs' });

  const files = deps.files ?? createFileStore(deps.config.DATA_DIR);
  // On PostgreSQL the auth version and signed-out tokens are pushed to this process (no query per request).
  const authNotifications = deps.database.connection.connectionString ? createAuthNotifications(deps.database, (message, error) => app.log.warn({ err: error }, message)) : undefined;
  app.addHook('onClose', async () => authNotifications?.close());
  registerAuthentication(app, {
    db: deps.database.db, pool: deps.database.pool, tokens: deps.tokens, now: deps.now, notifications: authNotifications,
    isTokenRevoked: deps.isTokenRevoked ?? ssoRevocationCheck(deps.database.db, deps.now ?? Date.now),
  });
  authenticateFirst(app);

  app.get('/scrm/health', { schema: { hide: true } }, async (_request, reply) => {
    try {
      await deps.database.db.execute(sql`SELECT 1`);
      return { code: '200', msg: 'ok', date: { status: 'up', database: 'up' } };
    } catch {
      return reply.code(503).send({ code: '503', msg: 'database unreachable', date: { status: 'down', database: 'down' } });
    }
  });

  const wecom = deps.wecom ?? createUnconfiguredWecom(deps.database.db);
  const now = deps.now ?? Date.now;
  // Signed server-to-server requests: one nonce store (open API and Nexus) and one open-API guard, shared
  // by every /scrm/open/** plugin. Nonces, rate windows and hit counters go to the asynchronous-commit pool.
  const fastWrites = createFastWriteDb(deps.database, Boolean(deps.database.connection.connectionString));
  const nonces = createNonceStore({ db: fastWrites.db, now, redisUrl: deps.config.REDIS_URL });
  const openGuard = createOpenApiGuard({ db: deps.database.db, now, nonces });
  const background = createBackground((message, error) => app.log.warn({ err: error }, message));
  app.addHook('onClose', async () => {
    // Before the pools close: the background work under way still writes.
    await background.close();
    await nonces.close();
    await fastWrites.close();
  });
  const moduleDeps = { ...deps, db: deps.database.db, files, now, wecom, events: deps.events ?? createEventRegistry(), fastWrites: fastWrites.db, nonces, openGuard, background };
  // The one composition root: every module's parts built once; modules get what they use of each other from it.
  const parts = (await import('./composition-root.ts')).composeModules(moduleDeps, (message, error) => app.log.warn({ err: error }, message));
  await parts.appMessages.start();
  await app.register(systemModule(moduleDeps, { ...parts.system, audit: parts.audit }), { prefix: '/scrm' });
  await app.register(jobRoutes(moduleDeps), { prefix: '/scrm/admin/job' });
  // The app messages sent to employees (应用消息), for the operator, with a retry for those refused.
  await app.register(appMessageRoutes(createAppMessageLogService({ db: moduleDeps.db, repository: createAppMessageRepository(moduleDeps.db), appMessages: parts.appMessages, audit: parts.audit, now })), { prefix: '/scrm/admin/app-message' });
  await app.register(portalModule(moduleDeps), { prefix: '/scrm' });
  await app.register(orgModule(moduleDeps, parts.org), { prefix: '/scrm' });
  await app.register((await import('./modules/customers/customers.module.ts')).customersModule(moduleDeps, parts.customers), { prefix: '/scrm' });
  await app.register(nexusModule(moduleDeps, parts.nexus), { prefix: '/scrm' });
  await app.register((await import('./modules/groups/groups.module.ts')).groupsModule(moduleDeps, parts.groups), { prefix: '/scrm' });
  await app.register((await import('./modules/tags/tags.module.ts')).tagsModule(moduleDeps, parts.tags), { prefix: '/scrm' });
  await app.register((await import('./modules/acquisition/acquisition.module.ts')).acquisitionModule(moduleDeps, parts.acquisition), { prefix: '/scrm' });
  await app.register((await import('./modules/leads/leads.module.ts')).leadsModule(moduleDeps, parts.leads), { prefix: '/scrm' });
  await app.register((await import('./modules/lifecycle/lifecycle.module.ts')).lifecycleModule(moduleDeps, parts.lifecycle), { prefix: '/scrm' });
  await app.register((await import('./modules/broadcasts/broadcasts.module.ts')).broadcastsModule(moduleDeps, parts.broadcasts), { prefix: '/scrm' });
  await app.register((await import('./modules/journey/group-welcome.module.ts')).groupWelcomeModule(parts.groupWelcome), { prefix: '/scrm' });
  await app.register((await import('./modules/journey/intercept.module.ts')).interceptModule(parts.intercept), { prefix: '/scrm' });
  await app.register((await import('./modules/journey/timeline.module.ts')).timelineModule(parts.timelineRead), { prefix: '/scrm' });
  await app.register((await import('./modules/journey/stage.module.ts')).stageModule(moduleDeps, parts.stages), { prefix: '/scrm' });
  await app.register((await import('./modules/journey/sop.module.ts')).sopModule(moduleDeps, parts.sop), { prefix: '/scrm' });
  // The employee sidebar: its page at /sidebar/, /scrm/sidebar/** (sidebar token), 话术库 /scrm/admin/reply/**.
  await app.register((await import('./modules/sidebar/sidebar.module.ts')).sidebarModule(moduleDeps, parts.sidebar));
  // The whole-corp sync (first start, nightly) over the modules' sync jobs, registered above; its progress on 首页.
  const corpId = wecom.corpId === 'unconfigured' ? null : wecom.corpId;
  if (corpId) await registerWecomSync({ db: deps.database.db, jobs: deps.jobs, corpId, timeZone: deps.config.TZ_DEFAULT }, deps.wecomSync);
  await app.register(wecomSyncRoutes({ db: deps.database.db, jobs: deps.jobs, corpId }), { prefix: '/scrm/admin/dashboard' });
  await app.register((await import('./platform/web.ts')).webConsole()); // the admin console at / (apps/web/dist)
  return app;
}

export type ModuleDeps = AppDeps & {
  db: Database['db'];
  files: FileStore;
  now: () => number;
  wecom: Wecom;
  events: EventRegistry;
  /** The asynchronous-commit pool for many small writes that are cheap to lose (platform/db/fast-writes.ts). */
  fastWrites: Database['db'];
  /** Spent nonces of signed requests (open API, Nexus). */
  nonces: NonceStore;
  /** The one open-API signature guard of every /scrm/open/** plugin. */
  openGuard: OpenApiGuard;
  /** Work started and not waited for (after a commit, a little later): waited for when the app closes. */
  background: Background;
};
