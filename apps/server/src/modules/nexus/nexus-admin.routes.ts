import type { FastifyInstance } from 'fastify';
import { route } from '../../platform/http/route.ts';
import { page } from '../../platform/http/schemas.ts';
import type { TokenService } from '../../platform/auth/tokens.ts';
import type { NexusService } from './nexus.service.ts';
import { auditPageQuery, auditRecord, logoutResult } from './nexus.schemas.ts';

/** `/scrm/admin/*` endpoints of the module: the audit log, and signing out of an SSO session. */
export const nexusAdminRoutes = (deps: { service: NexusService; tokens: TokenService }) =>
  async (app: FastifyInstance) => {
    route(app, {
      method: 'POST', url: '/sys/audit/page', summary: '操作日志 分页查询 (newest first)', permission: 'sys:audit:list',
      body: auditPageQuery, response: page(auditRecord),
      handler: ({ ctx, body }) => deps.service.auditPage(ctx, body),
    });
    route(app, {
      method: 'POST', url: '/logout',
      summary: '退出登录: the calling token stops working at once on every replica (and its SSO pairing ends, if any)',
      permission: 'login', allowWhilePasswordExpired: true,
      response: logoutResult,
      handler: async ({ ctx, raw }) => {
        // The request was authenticated with this token, so it verifies.
        const claims = await raw.server.revokeToken(raw);
        await deps.service.ssoLogoutBySession({ actor: ctx.user.username, requestId: ctx.requestId }, claims?.sid);
        return { revoked: claims !== null };
      },
    });
  };
