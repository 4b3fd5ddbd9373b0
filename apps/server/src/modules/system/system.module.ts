import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ModuleDeps } from '../../app.ts';
import { envelope } from '../../platform/http/schemas.ts';
import { translate } from '../../platform/http/i18n.ts';
import { localeOf } from '../../platform/http/i18n.ts';
import { mimeOfExtension } from '../../platform/files.ts';
import { AppError, NotFound } from '../../platform/http/errors.ts';
import rateLimit from '@fastify/rate-limit';
import type { UserRepository } from './user.repository.ts';
import { createUserService } from './user.service.ts';
import { createLoginThrottle } from './login-throttle.ts';
import { createDeviceTokens } from './device-token.ts';
import { userRoutes } from './user.routes.ts';
import { createRoleRepository } from './role.repository.ts';
import { createRoleService } from './role.service.ts';
import { roleRoutes } from './role.routes.ts';
import { createMenuRepository } from './menu.repository.ts';
import { createMenuService } from './menu.service.ts';
import { menuRoutes } from './menu.routes.ts';
import type { DeptRepository } from './dept.repository.ts';
import type { AuditLogRepository } from '../nexus/audit-log.repository.ts';
import { createDeptService } from './dept.service.ts';
import { deptRoutes } from './dept.routes.ts';
import { loginBody, loginResult } from './user.schemas.ts';
import { createGrantGuard } from './grant-guard.ts';

/** 系统: login, users, roles, menus, departments; and the files they serve (avatars). */
export const systemModule = (deps: ModuleDeps, parts: { users: UserRepository; depts: DeptRepository; audit: Pick<AuditLogRepository, 'record'> }) => async (app: FastifyInstance) => {
  const grants = createGrantGuard();
  const users = createUserService({
    db: deps.db,
    users: parts.users,
    tokens: deps.tokens,
    throttle: createLoginThrottle(deps.db, deps.now),
    devices: createDeviceTokens(deps.db, deps.now),
    files: deps.files,
    grants,
    audit: parts.audit,
    now: deps.now,
    timeZone: deps.config.TZ_DEFAULT,
  });

  // Per client address (request.ip: X-Forwarded-For only from TRUST_PROXY proxies), shared by replicas in
  // Redis when REDIS_URL is set; the per-account waits live in the database (login-throttle.ts).
  let redis: import('ioredis').Redis | undefined;
  if (deps.config.REDIS_URL) {
    const { Redis } = await import('ioredis');
    redis = new Redis(deps.config.REDIS_URL, { connectTimeout: 500, maxRetriesPerRequest: 1 });
    redis.on('error', () => {});
    app.addHook('onClose', async () => redis?.disconnect());
  }
  await app.register(rateLimit, {
    global: false,
    redis,
    nameSpace: 'scrm-login-',
    // Redis unreachable: sign-in still works (the per-account waits still hold).
    skipOnError: true,
    errorResponseBuilder: (_request, context) => new AppError(429, 'loginRateLimited', { seconds: Math.max(1, Math.ceil(context.ttl / 1000)) }),
  });

  app.post('/admin/login', {
    schema: { summary: '登录 (per account, repeated failures make the next attempt wait: 429 with Retry-After, except for a valid deviceToken of the username, which has its own wait; per address, a rate limit)', tags: ['admin'], body: loginBody, response: { 200: envelope(loginResult) } },
    config: { rateLimit: { max: deps.config.LOGIN_RATE_LIMIT, timeWindow: 60_000 } },
    handler: async (request, reply) => {
      const body = request.body as z.output<typeof loginBody>;
      try {
        const date = await users.login(body.username, body.password, body.deviceToken);
        return { code: '200', msg: translate('ok', localeOf(request.headers['accept-language'])), date };
      } catch (error) {
        if (error instanceof AppError && error.status === 429) reply.header('retry-after', String(error.params.seconds));
        throw error;
      }
    },
  });

  // Uploaded files (avatars, media) by their unguessable key; `<img>` tags cannot send a token.
  app.get('/files/:area/:name', { schema: { hide: true } }, async (request, reply) => {
    const { area, name } = request.params as { area: string; name: string };
    const stream = deps.files.open(`${area}/${name}`);
    if (!stream) throw new NotFound('file', `${area}/${name}`);
    const extension = name.split('.').pop() ?? '';
    return reply
      .type(mimeOfExtension[extension] ?? 'application/octet-stream')
      .header('cache-control', 'private, max-age=86400')
      .header('x-content-type-options', 'nosniff')
      .send(stream);
  });

  await app.register(userRoutes(users), { prefix: '/admin/sys/user' });
  await app.register(roleRoutes(createRoleService({ db: deps.db, roles: createRoleRepository(deps.db), grants, now: deps.now })), { prefix: '/admin/sys/role' });
  await app.register(menuRoutes(createMenuService({ db: deps.db, menus: createMenuRepository(deps.db), now: deps.now })), { prefix: '/admin/sys/menu' });
  await app.register(deptRoutes(createDeptService({ db: deps.db, depts: parts.depts, now: deps.now })), { prefix: '/admin/sys/dept' });
};
