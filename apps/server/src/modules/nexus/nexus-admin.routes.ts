import type { FastifyInstance } from 'fastify';
import { route } from '../../platform/http/route.ts';
import { page } from '../../platform/http/schemas.ts';
import { tokenOf } from '../../platform/auth/authenticate.ts';
import type { TokenService } from '../../platform/auth/tokens.ts';
import type { AuditLogRepository } from './audit-log.repository.ts';
import type { NexusService } from './nexus.service.ts';
import { auditPageQuery, auditRecord, logoutResult } from './nexus.schemas.ts';

/** `/scrm/admin/*` endpoints of the module: the audit log, and signing out of an SSO session. */
export const nexusAdminRoutes = (deps: { service: NexusService; audit: Pick<AuditLogRepository, 'page'>; tokens: TokenService }) =>
  async (app: FastifyInstance) => {
    route(app, {
      method: 'POST', url: '/sys/audit/page', summary: '操作日志 分页查询 (newest first)', permission: 'sys:audit:list',
      body: auditPageQuery, response: page(auditRecord),
      handler: ({ body }) => deps.audit.page(body),
    });
    route(app, {
      method: 'POST', url: '/logout',
      summary: '退出登录: ends the SSO pairing of the calling token (tokens from password sign-in simply expire)',
      permission: 'login', allowWhilePasswordExpired: true,
      response: logoutResult,
      handler: async ({ ctx, raw }) => {
        // The request was authenticated with this token, so it verifies; only its pairing id is needed.
        const claims = await deps.tokens.verify(tokenOf(raw)!);
        return deps.service.ssoLogoutBySession({ actor: ctx.user.username, requestId: ctx.requestId }, claims?.sid);
      },
    });
  };
